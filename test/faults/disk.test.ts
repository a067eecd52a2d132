import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PEOPLE } from "../../src/store/demo-seed.js";
import { cardText, personalMessage } from "../helpers/bot-harness.js";
import { startBotProcess, type BotProcess } from "../helpers/bot-process.js";
import { FakeConnector } from "../helpers/fake-connector.js";

// The embedded database on a disk that fills up: a 100 MB tmpfs in a mount namespace of the bot's
// own (test/faults/small-disk.sh).

const UNAVAILABLE = "Le service est momentanément indisponible. Réessayez dans une minute : rien de ce que vous avez saisi n'est perdu.";

describe("the embedded database when its disk is full", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "repere-small-disk-"));
  const connector = new FakeConnector();
  let bot: BotProcess;
  let output = "";
  const order = async (word: string, until: RegExp): Promise<string> => {
    const from = output.length;
    bot.child.stdin!.write(`${word}\n`);
    await expect.poll(() => until.test(output.slice(from)), { timeout: 60_000, interval: 100 }).toBe(true);
    return output.slice(from);
  };
  const healthz = async () => {
    const res = await fetch(`${bot.url}/healthz`);
    return { status: res.status, body: (await res.json()) as { disk?: { space: string; freeMb: number } } };
  };
  const turn = async (who: (typeof DEMO_PEOPLE)[number], text: string) => {
    const before = connector.sent.length;
    await fetch(`${bot.url}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(personalMessage(connector.url, who, { text })),
    });
    return connector.sent.slice(before).map((s) => s.body.text ?? cardText(s.body.attachments?.[0]?.content));
  };

  beforeAll(async () => {
    await connector.start();
    bot = await startBotProcess(
      { DATA_DIR: dataDir, SMALL_DISK_MB: "100" },
      { stdin: "pipe", wrap: (node, args) => ["unshare", ["-rm", "sh", "test/faults/small-disk.sh", node, ...args]] },
    );
    bot.child.stdout!.on("data", (d) => (output += d));
  });
  afterAll(async () => {
    if (bot && bot.child.exitCode === null) bot.child.stdin!.write("quit\n");
    await bot?.exited;
    await connector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("tells people « indisponible », reports it on /healthz, refuses a backup at once, and goes on once room is made", async () => {
    expect(await healthz()).toMatchObject({ status: 200, body: { disk: { space: "ok" } } });
    await order("fill", /filled/);
    expect(await healthz()).toMatchObject({ status: 503, body: { status: "unhealthy", database: "ok", disk: { space: "full", freeMb: 0 } } });

    // Each person starting a report writes a dialog state: once the pages in place are full, the
    // database cannot grow its files.
    const answers: string[] = [];
    for (const who of DEMO_PEOPLE) answers.push(...(await turn(who, "signaler")));
    expect(answers.filter((a) => a.includes("Désolé, une erreur"))).toEqual([]);
    expect(answers).toContain(UNAVAILABLE);
    console.log(`disk full: ${answers.filter((a) => a === UNAVAILABLE).length} of ${DEMO_PEOPLE.length} people told « indisponible »`);

    const started = Date.now();
    const backup = await order("backup", /backup-exit \d+/);
    expect(backup).toMatch(/Backup failed: not enough room in .*: 0 MB free/);
    expect(backup).toMatch(/backup-exit 1/);
    console.log(`npm run backup on a full disk failed after ${Date.now() - started} ms`);

    await order("free", /freed/);
    expect(await healthz()).toMatchObject({ status: 200, body: { disk: { space: "ok" } } });
    expect((await turn(DEMO_PEOPLE[0]!, "aide")).join("\n")).toContain("signaler");
    expect(bot.child.exitCode).toBe(null);
  });
});
