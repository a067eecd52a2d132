// `npm run playground`: the bot on the embedded demo database plus the Microsoft 365 Agents Playground
// (offline: no browser opened, no telemetry). `--coordinator` opens a second Playground, the MLDS
// coordinator's view, beside a bot that is already running; `--referent` another, the référent's
// (Karim Benali, with the school's GPDS group chat).
//
// PORT is the bot's port (as for `npm start`), PLAYGROUND_PORT the Playground's. The Playground
// declares an English client: the bot started here answers in French (FORCE_LOCALE=fr) unless
// FORCE_LOCALE says otherwise (FORCE_LOCALE= empty: follow the client).
/* global fetch, AbortSignal */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const referent = process.argv.includes("--referent");
/** A second Playground beside a running bot: the coordinator's or the référent's. */
const coordinator = referent || process.argv.includes("--coordinator");
const botPort = port("PORT", 3978);
const playgroundPort = port("PLAYGROUND_PORT", referent ? 56152 : coordinator ? 56151 : 56150);
const botUrl = `http://127.0.0.1:${botPort}`;
const who = referent ? "Karim Benali (référent décrochage, GPDS)" : coordinator ? "Sophie Laurent (MLDS coordinator)" : "Claire Martin (teacher)";

function port(name, fallback) {
  const raw = (process.env[name] ?? "").trim();
  if (raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    console.error(`${name} must be a port number (1-65535) (got "${raw}")`);
    process.exit(1);
  }
  return n;
}

const children = [];
let stopping = false;
const run = (cmd, args, env = {}) => {
  const child = spawn(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  children.push(child);
  child.on("exit", (code) => shutdown(code ?? 0));
  return child;
};
function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill("SIGTERM");
  setTimeout(() => process.exit(code), 500);
}
process.on("SIGINT", () => shutdown(0));
process.on("SIGTERM", () => shutdown(0));

/** Whether the bot answers its health check, trying until `waitMs` has passed. */
async function botAnswers(waitMs) {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      const res = await fetch(`${botUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status < 500 || res.status === 503) return true;
    } catch {
      // not listening yet
    }
    if (Date.now() >= until || stopping) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

if (!coordinator) {
  run(process.execPath, ["--disable-warning=DEP0111", "--import", "tsx", "src/main.ts"], {
    PORT: String(botPort),
    FORCE_LOCALE: process.env.FORCE_LOCALE ?? "fr",
  });
}
// The Playground alone only says « Connecting to your application » forever when no bot answers.
if (!(await botAnswers(coordinator ? 3000 : 120_000))) {
  console.error(
    coordinator
      ? `No bot answers at ${botUrl}: start \`npm run playground\` first (in another terminal), with the same PORT.`
      : `The bot did not answer at ${botUrl} within 2 minutes: see its messages above.`,
  );
  shutdown(1);
} else {
  const cli = path.join(path.dirname(require.resolve("@microsoft/m365agentsplayground/package.json")), "cli.js");
  run(process.execPath, [cli, "start", "-e", `${botUrl}/api/messages`, "-c", "msteams", "-p", String(playgroundPort), "--dt"], {
    TEAMSAPPTESTER_BROWSER: "none",
    APPLICATION_INSIGHTS_NO_STATSBEAT: "true",
    ...(coordinator ? { M365_AGENTS_PLAYGROUND_CONFIG_PATH: path.resolve(referent ? "playground/referent.yml" : "playground/coordinator.yml") } : {}),
  });
  console.log(`Open http://localhost:${playgroundPort}/ to talk to Repère as ${who}.`);
  console.log(`The « Mes dossiers » tab: ${botUrl}/tab/ (local mode: pick a demo person, e.g. Karim Benali or Sophie Laurent).`);
}
