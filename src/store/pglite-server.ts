import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync, unlinkSync, constants } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { copyTemplateTo, tuneEmbeddedConfig } from "./pglite-template.js";
import { readMigrations } from "./migrate.js";

/** An in-process PGlite database served over the PostgreSQL wire protocol on loopback,
 *  so that the same @prisma/adapter-pg client works for the embedded and the real server. */
export type EmbeddedDatabase = {
  url: string;
  host: string;
  port: number;
  /** A consistent copy of the whole database (gzipped tar of the data directory), taken while
   *  it serves: PGlite runs one statement at a time, so the copy falls between two statements. */
  dump(): Promise<Uint8Array>;
  stop(): Promise<void>;
};

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`the embedded database ${dataDir} is already open by process ${pid}; stop it first or set DATABASE_URL`);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid of the live process that holds the data directory, if any. */
export function lockHolder(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(dataDir, "repere.lock"), "utf8").trim());
    return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** PGlite does not stop two processes from opening one data directory (and corrupting it):
 *  take an exclusive lock file holding our pid; a stale lock (dead pid) is taken over. */
function acquireLock(dataDir: string): () => void {
  const lockPath = path.join(dataDir, "repere.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY);
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(lockPath, "utf8") === String(process.pid)) unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(readFileSync(lockPath, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && pidAlive(holder)) {
        throw new DataDirLockedError(dataDir, holder);
      }
      unlinkSync(lockPath);
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}

/** Rebuilds a data directory from a dump (the database must be stopped). */
export async function restoreEmbeddedDatabase(dataDir: string, archive: Uint8Array): Promise<void> {
  const release = acquireLock(dataDir);
  try {
    const db = await PGlite.create(path.join(dataDir, "pgdata"), { loadDataDir: new Blob([new Uint8Array(archive)]) });
    await db.query("SELECT 1");
    await db.close();
  } finally {
    release();
  }
}

/** Start PGlite on `dataDir` ("memory://" for a throwaway database).
 *  maxConnections >= 2: with 1, pg-pool's reconnect after an error is refused (docs/ARCHITECTURE.md, D5). */
export async function startEmbeddedDatabase(dataDir: string, opts: { maxConnections?: number; unref?: boolean } = {}): Promise<EmbeddedDatabase> {
  const inMemory = dataDir.startsWith("memory://");
  let release = () => {};
  if (!inMemory) {
    mkdirSync(dataDir, { recursive: true });
    release = acquireLock(dataDir);
  }
  try {
    if (!inMemory) {
      // Only a new data directory is filled from a template: a restart reads no migration file here.
      if (!existsSync(path.join(dataDir, "pgdata"))) copyTemplateTo(path.join(dataDir, "pgdata"), undefined, readMigrations());
      tuneEmbeddedConfig(path.join(dataDir, "pgdata"));
    }
    const db = await PGlite.create(inMemory ? dataDir : path.join(dataDir, "pgdata"));
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: opts.maxConnections ?? 4 });
    await server.start();
    // A CLI run must be able to exit while the socket server is still listening.
    if (opts.unref) (server as unknown as { server?: { unref(): void } }).server?.unref();
    const [host = "127.0.0.1", port = "0"] = server.getServerConn().split(":");
    let stopped = false;
    return {
      host,
      port: Number(port),
      url: `postgresql://postgres:postgres@${host}:${port}/postgres`,
      async dump() {
        const archive = await db.dumpDataDir("gzip");
        return new Uint8Array(await archive.arrayBuffer());
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await server.stop();
        await db.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
