import { mkdirSync, readdirSync, renameSync, writeFileSync, existsSync, readFileSync } from "node:fs";
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
  // Written under another name and renamed: a reader never sees half a backup.
  writeFileSync(`${file}.partial`, archive);
  renameSync(`${file}.partial`, file);
  return file;
}

export function listBackups(dataDir: string): string[] {
  const dir = backupDir(dataDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith(".tar.gz")).sort().map((f) => path.join(dir, f));
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
