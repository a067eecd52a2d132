import { spawn, type ChildProcess } from "node:child_process";
import { serverNodeArgs } from "../../helpers/server-bundle.js";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";

/** What the journeys run against: the bot as `npm start` runs it (src/main.ts) on a fresh embedded
 *  database seeded with the demo académie, two Agents Playgrounds (the teacher's and the
 *  coordinator's, committed fixed-id configs) and Debian's Chromium. */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const require = createRequire(import.meta.url);
const PLAYGROUND_CLI = path.join(path.dirname(require.resolve("@microsoft/m365agentsplayground/package.json")), "cli.js");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

type Proc = { name: string; child: ChildProcess; output: () => string };

function spawnLogged(name: string, args: string[], opts: { env: Record<string, string>; keepStdinOpen?: boolean }): Proc {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), ...opts.env },
    // The Playground stops when its stdin closes: keep a pipe open for its lifetime.
    stdio: [opts.keepStdinOpen ? "pipe" : "ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return { name, child, output: () => out };
}

async function until<T>(what: string, proc: Proc, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited with code ${proc.child.exitCode} before ${what}:\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`${proc.name}: no ${what} after ${timeoutMs} ms:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export type Bot = { port: number; url: string; proc: Proc; dataDir: string };

/** `env`: more settings for the bot process (FORCE_LOCALE=fr for French pictures, say). */
export async function startBot(port: number, env: Record<string, string> = {}): Promise<Bot> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "repere-e2e-"));
  const proc = spawnLogged("bot", serverNodeArgs(), {
    env: { PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: "warn", SEED_DEMO: "auto", CHECKPOINT_DISABLE: "1", ...env },
  });
  const url = `http://127.0.0.1:${port}`;
  await until("healthy /healthz", proc, async () => ((await fetch(`${url}/healthz`)).status === 200 ? true : undefined), 90_000);
  return { port, url, proc, dataDir };
}

export type Playground = { url: string; port: number; proc: Proc };

/** One Playground instance: one current user, from the given committed config. */
export async function startPlayground(name: string, config: string, botPort: number, port: number): Promise<Playground> {
  const proc = spawnLogged(name, [PLAYGROUND_CLI, "start", "-e", `http://127.0.0.1:${botPort}/api/messages`, "-c", "msteams", "-p", String(port), "--dt"], {
    env: {
      TEAMSAPPTESTER_BROWSER: "none",
      APPLICATION_INSIGHTS_NO_STATSBEAT: "true",
      M365_AGENTS_PLAYGROUND_CONFIG_PATH: path.resolve(ROOT, config),
    },
    keepStdinOpen: true,
  });
  // It picks a random port when the one asked for is taken: read the one it took.
  const actual = await until(
    '"Listening on" line',
    proc,
    async () => {
      const m = /Listening on (\d+)/.exec(proc.output());
      return m ? Number(m[1]) : undefined;
    },
    60_000,
  );
  const url = `http://127.0.0.1:${actual}/`;
  await until("page", proc, async () => ((await fetch(url)).ok ? true : undefined), 30_000);
  return { url, port: actual, proc };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export async function stop(proc: Proc | undefined): Promise<void> {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.child.once("exit", resolve));
  proc.child.kill("SIGTERM");
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function stopBot(bot: Bot | undefined): Promise<void> {
  if (!bot) return;
  await stop(bot.proc);
  rmSync(bot.dataDir, { recursive: true, force: true });
}
