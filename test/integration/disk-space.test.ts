import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startApp, type App } from "../../src/app.js";
import { createLogger } from "../../src/logging.js";

// The embedded database writes to the bot's own disk. A full disk is played for real by the fault
// suite (npm run faults, a small tmpfs); here the readings are given, to check what is done with them.

describe("the embedded database's disk", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "repere-disk-"));
  let app: App;
  beforeAll(async () => {
    app = await startApp(loadConfig({ PORT: "0", DATA_DIR: dataDir, SEED_DEMO: "never" }), { logger: createLogger("silent"), outboxDelivery: "manual" });
  });
  afterAll(async () => {
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("/healthz tells how much room is left, and is unhealthy when the database may not write any more", async () => {
    const healthz = async () => {
      const res = await fetch(`http://127.0.0.1:${app.port}/healthz`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const real = await healthz();
    expect(real.status).toBe(200);
    expect(real.body).toMatchObject({ status: "ok", databaseKind: "embedded", disk: { space: "ok" } });
    expect((real.body.disk as { freeMb: number }).freeMb).toBeGreaterThan(0);

    const reading = app.store.db.freeDiskBytes!;
    app.store.db.freeDiskBytes = async () => 10 * 1024 * 1024;
    try {
      expect(await healthz()).toEqual({
        status: 503,
        body: { status: "unhealthy", database: "ok", databaseKind: "embedded", disk: { space: "full", freeMb: 10 } },
      });
    } finally {
      app.store.db.freeDiskBytes = reading;
    }
    expect((await healthz()).status).toBe(200);
  });
});

describe("npm run backup without room for the backup", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "repere-backup-room-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("refuses at once, saying how much room it needs, and writes nothing", () => {
    // The last backup, as the disk sees it: a sparse file of 1 TB (it takes no room), so that the
    // next one is expected to need more than any test machine has free.
    mkdirSync(path.join(dataDir, "backups"), { recursive: true });
    const last = path.join(dataDir, "backups", "repere-2026-01-01T00-00-00-000Z.tar.gz");
    writeFileSync(last, "");
    truncateSync(last, 1024 ** 4);
    const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/backup.ts"], {
      env: { PATH: process.env.PATH ?? "", CHECKPOINT_DISABLE: "1", DATA_DIR: dataDir },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toMatch(
      /^Backup failed: not enough room in .*backups: \d+ MB free, a backup needs about \d+ MB \(including 32 MB the database keeps for itself\); delete older backups or free some space, then try again$/,
    );
    expect(
      spawnSync("ls", [path.join(dataDir, "backups")], { encoding: "utf8" })
        .stdout.trim()
        .split("\n"),
    ).toEqual([path.basename(last)]);
  });
});
