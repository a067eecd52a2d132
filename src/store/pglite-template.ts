import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";

/**
 * A new embedded database starts as a copy of a PostgreSQL cluster made once at install time
 * (`npm install` runs scripts/pglite-template.ts): creating a cluster (initdb, in WebAssembly) takes
 * 5 to 13 s, applying the migrations to it 2 to 10 s more, copying one well under a second, and the
 * first `npm start` is the one people judge. Two templates: the empty cluster, keyed by PGlite's
 * version, and that cluster with the migrations of the install applied, keyed also by those
 * migrations (after a `git pull` that brings new ones, a first start copies the empty cluster and
 * migrates it, as without a template).
 */
const CACHE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../node_modules/.cache/repere");

function pgliteVersion(): string {
  try {
    const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
    let dir = path.dirname(entry);
    for (let i = 0; i < 4; i++, dir = path.dirname(dir)) {
      const file = path.join(dir, "package.json");
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "@electric-sql/pglite" && pkg.version) return pkg.version;
    }
  } catch {
    /* unknown version: no template */
  }
  return "unknown";
}

export function templateDir(cacheDir = CACHE_DIR): string {
  return path.join(cacheDir, `pglite-${pgliteVersion()}`);
}

/** Makes the template if there is none; returns where it is. */
export async function ensureTemplate(cacheDir = CACHE_DIR): Promise<string> {
  const dir = templateDir(cacheDir);
  if (existsSync(path.join(dir, "PG_VERSION"))) return dir;
  mkdirSync(cacheDir, { recursive: true });
  const building = `${dir}.${process.pid}.tmp`;
  rmSync(building, { recursive: true, force: true });
  const db = await PGlite.create(building);
  await db.query("SELECT 1");
  await db.close();
  tuneEmbeddedConfig(building);
  try {
    renameSync(building, dir);
  } catch (err) {
    // Another install made it meanwhile: theirs is as good.
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(path.join(dir, "PG_VERSION"))) throw err;
  }
  return dir;
}

/**
 * PostgreSQL's buffer cache lives in PGlite's WebAssembly memory, inside the bot's process, and
 * that memory never shrinks: initdb's 128 MB (PGlite reports 160) made the bot 300 MB resident
 * before its first turn. 16 MB holds the working set of an académie's few thousand cases; the
 * rest is read through the operating system's file cache. Written into the data directory's
 * postgresql.conf (initdb's other settings kept) before PGlite starts; idempotent.
 */
export const EMBEDDED_SHARED_BUFFERS = "16MB";

export function tuneEmbeddedConfig(pgdata: string): void {
  const file = path.join(pgdata, "postgresql.conf");
  if (!existsSync(file)) return;
  const text = readFileSync(file, "utf8");
  const line = `shared_buffers = ${EMBEDDED_SHARED_BUFFERS}\t\t\t# Repère: src/store/pglite-template.ts`;
  const tuned = /^shared_buffers\s*=.*$/m.test(text) ? text.replace(/^shared_buffers\s*=.*$/m, line) : `${text.trimEnd()}\n${line}\n`;
  if (tuned !== text) writeFileSync(file, tuned);
}

/** The migrated template for this set of migrations (names and checksums). */
export function migratedTemplateDir(migrations: readonly { name: string; checksum: string }[], cacheDir = CACHE_DIR): string {
  const hash = createHash("sha256");
  for (const m of migrations) hash.update(m.name).update("\0").update(m.checksum).update("\0");
  return `${templateDir(cacheDir)}-m${hash.digest("hex").slice(0, 12)}`;
}

/**
 * Makes the migrated template if there is none: `migrate(pgdata)` applies the migrations to a copy of
 * the empty one. Migrated templates of other migration sets are removed (each is ~40 MB).
 */
export async function ensureMigratedTemplate(
  migrations: readonly { name: string; checksum: string }[],
  migrate: (pgdata: string) => Promise<void>,
  cacheDir = CACHE_DIR,
): Promise<string> {
  const dir = migratedTemplateDir(migrations, cacheDir);
  if (existsSync(path.join(dir, "PG_VERSION"))) return dir;
  const base = await ensureTemplate(cacheDir);
  const building = `${dir}.${process.pid}.tmp`;
  rmSync(building, { recursive: true, force: true });
  cpSync(base, building, { recursive: true });
  await migrate(building);
  try {
    renameSync(building, dir);
  } catch (err) {
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(path.join(dir, "PG_VERSION"))) throw err;
  }
  const prefix = `${path.basename(base)}-m`;
  for (const name of readdirSync(cacheDir)) {
    if (name.startsWith(prefix) && name !== path.basename(dir) && !name.endsWith(".tmp")) rmSync(path.join(cacheDir, name), { recursive: true, force: true });
  }
  return dir;
}

/**
 * Fills a data directory that does not exist yet from a template: the migrated one of these
 * migrations when there is one, else the empty one; false when there is none.
 */
export function copyTemplateTo(pgdata: string, cacheDir = CACHE_DIR, migrations?: readonly { name: string; checksum: string }[]): boolean {
  const migrated = migrations ? migratedTemplateDir(migrations, cacheDir) : null;
  const dir = migrated && existsSync(path.join(migrated, "PG_VERSION")) ? migrated : templateDir(cacheDir);
  if (existsSync(pgdata) || !existsSync(path.join(dir, "PG_VERSION"))) return false;
  const partial = `${pgdata}.partial`;
  rmSync(partial, { recursive: true, force: true });
  cpSync(dir, partial, { recursive: true });
  // A copy cut short (a crash, a full disk) is never mistaken for a database.
  renameSync(partial, pgdata);
  return true;
}
