// `npm run backup`: a consistent copy of the embedded database, taken while the bot runs (the bot
// writes it when asked by a signal) or directly when it is stopped. Restore: `npm run restore -- FILE`.
// It fails at once, with the reason, when it cannot work: no room on the disk, a backup directory
// it cannot write to, a bot that stops while writing.
import { accessSync, constants, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { ConfigError, loadConfig } from "../src/config.js";
import { backupDir, backupFailureSince, freeDiskBytes, listBackups, lockHolder, openDatabase, writeBackup } from "../src/store/index.js";

const MB = 1024 * 1024;
/** Room the database itself keeps for its writes after a backup (src/services/health.ts FULL_DISK_BYTES). */
const KEEP_FREE = 32 * MB;

function directorySize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? directorySize(p) : entry.isFile() ? statSync(p).size : 0;
  }
  return total;
}

/** What a backup will take: the last one and a quarter, or half the database when there is none
 *  (archives measured at about a quarter of the data directory). */
function expectedSize(dataDir: string): number {
  const last = listBackups(dataDir).at(-1);
  if (last) return Math.ceil(statSync(last).size * 1.25);
  const pgdata = path.join(dataDir, "pgdata");
  return Math.ceil(directorySize(pgdata) / 2);
}

async function checkRoom(dataDir: string): Promise<void> {
  const dir = backupDir(dataDir);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new Error(`cannot write to ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  const free = await freeDiskBytes(dir);
  const needed = expectedSize(dataDir) + KEEP_FREE;
  if (free !== null && free < needed) {
    throw new Error(
      `not enough room in ${dir}: ${Math.floor(free / MB)} MB free, a backup needs about ${Math.ceil(needed / MB)} MB (including ${KEEP_FREE / MB} MB the database keeps for itself); delete older backups or free some space, then try again`,
    );
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.database.kind !== "embedded") {
    throw new Error("npm run backup is for the embedded database; with DATABASE_URL, back up PostgreSQL with pg_dump (see the README)");
  }
  const dataDir = config.database.dataDir;
  await checkRoom(dataDir);
  const pid = lockHolder(dataDir);
  if (pid) {
    const before = new Set(listBackups(dataDir));
    process.kill(pid, "SIGUSR2");
    const asked = new Date();
    const deadline = asked.getTime() + 120_000;
    for (;;) {
      const added = listBackups(dataDir).find((f) => !before.has(f));
      if (added) return console.log(`Backup written by the running bot: ${added}`);
      const failure = backupFailureSince(dataDir, asked);
      if (failure) throw new Error(`the running bot could not write it: ${failure}`);
      if (lockHolder(dataDir) !== pid) throw new Error(`the bot (process ${pid}) stopped before writing the backup`);
      const free = await freeDiskBytes(backupDir(dataDir));
      if (free !== null && free < MB) throw new Error(`the disk of ${backupDir(dataDir)} is full: no backup was written; see the bot's log`);
      if (Date.now() > deadline) throw new Error(`the running bot (process ${pid}) wrote no backup within two minutes; see its log`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const db = await openDatabase(config.database, { migrate: false });
  try {
    console.log(`Backup written: ${await writeBackup(db, dataDir)}`);
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.problems.join("\n") : `Backup failed: ${(err as Error).message}`);
  process.exit(1);
});
