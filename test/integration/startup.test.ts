import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cardText, personalMessage, person } from "../helpers/bot-harness.js";
import { FakeConnector } from "../helpers/fake-connector.js";

// The real start command, as `npm start` runs it, in child processes.
function start(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["--disable-warning=DEP0111", "--import", "tsx", "src/main.ts"], {
    env: { PATH: process.env.PATH ?? "", CHECKPOINT_DISABLE: "1", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitHealthy(port: number, timeoutMs = 60_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(`http://127.0.0.1:${port}/healthz`);
    } catch {
      if (Date.now() > deadline) throw new Error("bot did not start");
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe("starting the bot", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "repere-start-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    [{ PORT: "abc" }, 'Configuration error: PORT must be a port number (0-65535) (got "abc")'],
    [{ DATABASE_URL: "mysql://root@localhost/repere" }, "Configuration error: DATABASE_URL must be a PostgreSQL URL"],
  ])("stops at once with one readable line for a bad variable %o", async (env, line) => {
    const run = start(env);
    expect(await run.exited).toBe(1);
    const lines = run.output().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(line);
  });

  it("runs on the embedded database with the demo data, refuses a second process on the same data, and stops cleanly on SIGTERM", async () => {
    const first = start({ PORT: "39781", DATA_DIR: dataDir });
    const res = await waitHealthy(39781);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", database: "ok", databaseKind: "embedded", disk: { space: "ok" } });
    expect(existsSync(path.join(dataDir, "repere.lock"))).toBe(true);

    // A person of the demo académie asks for help in a personal chat.
    const connector = await new FakeConnector().start();
    const answered = await fetch("http://127.0.0.1:39781/api/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(personalMessage(connector.url, person("Claire Martin"), { text: "aide" })),
    });
    expect(answered.status).toBe(200);
    expect(cardText(connector.cards()[0])).toContain("Aide de Repère");
    await connector.stop();

    const second = start({ PORT: "39782", DATA_DIR: dataDir });
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/^Cannot start: the embedded database .* is already open by process \d+; stop it first or set DATABASE_URL\n$/);

    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(existsSync(path.join(dataDir, "repere.lock"))).toBe(false);
    expect(first.output()).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  }, 120_000);
});
