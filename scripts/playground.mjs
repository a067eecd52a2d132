// `npm run playground`: the bot on the embedded demo database plus the Microsoft 365 Agents Playground
// (offline: no browser opened, no telemetry). `--coordinator` opens a second Playground, the MLDS
// coordinator's view, beside a bot that is already running.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const coordinator = process.argv.includes("--coordinator");
const port = coordinator ? "56151" : "56150";
const children = [];
const run = (cmd, args, env = {}) => {
  const child = spawn(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  children.push(child);
  child.on("exit", (code) => shutdown(code ?? 0));
  return child;
};
let stopping = false;
function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill("SIGTERM");
  setTimeout(() => process.exit(code), 500);
}
process.on("SIGINT", () => shutdown(0));
process.on("SIGTERM", () => shutdown(0));

if (!coordinator) run(process.execPath, ["--disable-warning=DEP0111", "--import", "tsx", "src/main.ts"]);
const cli = path.join(path.dirname(require.resolve("@microsoft/m365agentsplayground/package.json")), "cli.js");
run(process.execPath, [cli, "start", "-e", "http://127.0.0.1:3978/api/messages", "-c", "msteams", "-p", port, "--dt"], {
  TEAMSAPPTESTER_BROWSER: "none",
  APPLICATION_INSIGHTS_NO_STATSBEAT: "true",
  ...(coordinator ? { M365_AGENTS_PLAYGROUND_CONFIG_PATH: path.resolve("playground/coordinator.yml") } : {}),
});
console.log(`Open http://localhost:${port}/ to talk to Repère as ${coordinator ? "Sophie Laurent (MLDS coordinator)" : "Claire Martin (teacher)"}.`);
console.log("The « Mes dossiers » tab: http://127.0.0.1:3978/tab/ (local mode: pick a demo person, e.g. Karim Benali or Sophie Laurent).");
