import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createStore, openDatabase } from "../../src/store/index.js";
import { personalMessage, person } from "../helpers/bot-harness.js";
import { startBotProcess } from "../helpers/bot-process.js";
import { FakeConnector } from "../helpers/fake-connector.js";

const claire = person("Claire Martin");
const run = (script: string, args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ["--import", "tsx", script, ...args], {
    env: { PATH: process.env.PATH ?? "", CHECKPOINT_DISABLE: "1", ...env },
    encoding: "utf8",
    timeout: 120_000,
  });

describe("backup of the embedded database", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "repere-backup-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("takes a consistent copy while the bot runs, and restores it once the bot is stopped", async () => {
    const connector = await new FakeConnector().start();
    const bot = await startBotProcess({ DATA_DIR: dataDir });
    try {
      await fetch(`${bot.url}/api/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(personalMessage(connector.url, claire, { text: "aide" })),
      });
      const backup = run("scripts/backup.ts", [], { DATA_DIR: dataDir });
      expect(backup.status, backup.stderr).toBe(0);
      const file = /Backup written by the running bot: (.+\.tar\.gz)/.exec(backup.stdout)?.[1];
      expect(file).toBeDefined();

      const refused = run("scripts/restore.ts", [file!], { DATA_DIR: dataDir });
      expect(refused.status).toBe(1);
      expect(refused.stderr.trim()).toMatch(/^Restore failed: the bot is running \(process \d+\): stop it first$/);

      bot.child.kill("SIGTERM");
      expect(await bot.exited).toBe(0);
      const restored = run("scripts/restore.ts", [file!], { DATA_DIR: dataDir });
      expect(restored.status, restored.stderr).toBe(0);
      expect(restored.stdout).toContain("The previous database is kept in");

      const db = await openDatabase({ kind: "embedded", dataDir }, { migrate: false });
      try {
        const store = createStore(db);
        expect(await db.prisma.district.count()).toBe(2);
        expect(await store.conversations.personalChatOf(claire.aadObjectId)).not.toBeNull();
      } finally {
        await db.close();
      }
    } finally {
      if (bot.child.exitCode === null) bot.child.kill("SIGKILL");
      await connector.stop();
    }
  }, 120_000);

  it("explains that PostgreSQL is backed up with pg_dump", () => {
    const r = run("scripts/backup.ts", [], { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/test" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("pg_dump");
  });
});
