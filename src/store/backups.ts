import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Database } from "./database.js";
import { restoreEmbeddedDatabase } from "./pglite-server.js";

/** Backups of the embedded database, as gzipped tar archives in <dataDir>/backups. */

export const backupDir = (dataDir: string) => path.join(dataDir, "backups");

export async function writeBackup(db: Database, dataDir: string, now = new Date()): Promise<string> {
  if (!db.backup) throw new Error("backups are for the embedded database; use pg_dump for PostgreSQL");
  const archive = await db.backup();
  const dir = backupDir(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `repere-${now.toISOString().replace(/[:.]/g, "-")}.tar.gz`);
  // Written under another name and renamed: a reader never sees half a backup; and half a backup
  // that could not be finished (a full disk) does not stay to take the space.
  try {
    writeFileSync(`${file}.partial`, archive);
    renameSync(`${file}.partial`, file);
  } catch (err) {
    rmSync(`${file}.partial`, { force: true });
    throw err;
  }
  return file;
}

/** The running bot writes a backup when `npm run backup` asks (a signal, which carries no answer):
 *  when it cannot, it says why in this file, if the disk still takes those few bytes. */
const failureFile = (dataDir: string) => path.join(dataDir, "backup-failure.txt");

export function recordBackupFailure(dataDir: string, err: unknown, now = new Date()): void {
  const e = err as { code?: unknown; message?: unknown };
  const reason = typeof e?.code === "string" ? e.code : String(e?.message ?? err).slice(0, 200);
  try {
    writeFileSync(failureFile(dataDir), `${now.toISOString()} ${reason}\n`);
  } catch {
    /* the disk is full: the asker sees that by itself */
  }
}

/** Why the bot could not write a backup asked for at `since`, if it said so. */
export function backupFailureSince(dataDir: string, since: Date): string | null {
  try {
    const [at, ...reason] = readFileSync(failureFile(dataDir), "utf8").trim().split(" ");
    return at && Date.parse(at) >= since.getTime() - 1000 ? reason.join(" ") : null;
  } catch {
    return null;
  }
}

export function listBackups(dataDir: string): string[] {
  const dir = backupDir(dataDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".tar.gz"))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Replaces the data directory's database with a backup; the previous one is kept aside. */
export async function restoreBackup(dataDir: string, file: string, now = new Date()): Promise<string | null> {
  const archive = readFileSync(file);
  const current = path.join(dataDir, "pgdata");
  let kept: string | null = null;
  if (existsSync(current)) {
    kept = path.join(dataDir, `pgdata.before-restore-${now.toISOString().replace(/[:.]/g, "-")}`);
    renameSync(current, kept);
  }
  await restoreEmbeddedDatabase(dataDir, archive);
  return kept;
}
