// `npm run build:tab`: builds the personal tab « Mes dossiers » (web/) with Vite into web/dist, which
// the bot's server serves under /tab/. Run by `npm install` / `npm ci` (postinstall), before
// `npm start`, `npm test` and `npm run test:e2e`: it does nothing when web/dist was built from the
// same sources (a hash of them is kept in web/dist/.sources), so that costs ~50 ms; a build takes
// ~5 s. `--force` builds anyway. Without Vite (`npm ci --omit=dev`), it says so and stops.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const web = path.join(root, "web");
const stamp = path.join(web, "dist", ".sources");
// Everything the bundle is made of: the tab's sources, the bot's texts it reuses, the locked packages.
const inputs = [web, path.join(root, "src/teams/locales"), path.join(root, "package-lock.json")];

function files(p) {
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p)
    .filter((name) => !(p === web && (name === "dist" || name === "node_modules")))
    .sort()
    .flatMap((name) => files(path.join(p, name)));
}

const hash = createHash("sha256");
for (const file of inputs.flatMap(files)) hash.update(path.relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
const digest = hash.digest("hex");

if (!process.argv.includes("--force") && existsSync(stamp) && readFileSync(stamp, "utf8") === digest) process.exit(0);

let vite;
try {
  vite = await import("vite");
} catch {
  console.warn("build-tab: Vite is not installed (production install?): the tab is not rebuilt. Build it where dev dependencies are installed.");
  process.exit(0);
}
const started = Date.now();
await vite.build({ configFile: path.join(web, "vite.config.ts"), logLevel: "warn" });
writeFileSync(stamp, digest);
console.log(`build-tab: web/dist built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
