// Bundles the bot's TypeScript sources (src/) into one ES module that `npm start` runs, so that a
// start does not pay tsx's loader hooks for each of the ~300 source files (measured: importing the
// app took 4.1–4.6 s through tsx against 2.1–2.3 s bundled on a loaded 2-core machine; see
// bench/results/start-time.md). esbuild comes with tsx, a runtime dependency, so this works after
// `npm ci --omit=dev` too. Packages stay external (loaded from node_modules as usual).
//
// Run by postinstall and prestart; it does nothing when the bundle was built from the same sources
// (a hash is kept beside it), so that costs ~60 ms; a build takes ~1 s. `--force` builds anyway.
// `npm run dev` and the tests still run the sources through tsx.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SERVER_BUNDLE_DIR = path.join(root, "node_modules", ".cache", "repere", "server");
const bundle = path.join(SERVER_BUNDLE_DIR, "main.mjs");
const stamp = path.join(SERVER_BUNDLE_DIR, ".sources");

function files(p) {
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p)
    .sort()
    .flatMap((name) => files(path.join(p, name)));
}

const inputs = [path.join(root, "src"), path.join(root, "package-lock.json"), fileURLToPath(import.meta.url)];
const hash = createHash("sha256").update(root).update("\0");
for (const file of inputs.flatMap(files)) hash.update(path.relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
const digest = hash.digest("hex");

if (!process.argv.includes("--force") && existsSync(bundle) && existsSync(stamp) && readFileSync(stamp, "utf8") === digest) process.exit(0);

const started = Date.now();
const esbuild = await import("esbuild");
// Modules find their files (cards, locales, migrations, the tab) relative to their own source file:
// each keeps its own import.meta.url in the bundle, so every such path stays what it is under tsx.
const ownUrl = {
  name: "own-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      if (!source.includes("import.meta.url")) return undefined;
      return { contents: source.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)), loader: "ts" };
    });
  },
};
mkdirSync(SERVER_BUNDLE_DIR, { recursive: true });
await esbuild.build({
  entryPoints: [path.join(root, "src", "main.ts")],
  outfile: bundle,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: "linked",
  sourcesContent: false,
  logLevel: "warning",
  plugins: [ownUrl],
});
writeFileSync(stamp, digest);
if (!process.argv.includes("--quiet")) console.log(`build-server: bundled src/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
