import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.js";
import type { Config } from "../config.js";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "./pglite-server.js";
import { applyMigrations, readMigrations } from "./migrate.js";
import { ensureMigratedTemplate } from "./pglite-template.js";
import { createKysely, type Db } from "./kysely.js";
import { ResilientPrismaPg } from "./prisma-pg.js";
import { timeoutSettings, type DatabaseTimeouts } from "./statement-timeout.js";
import { freeDiskBytes } from "./disk-space.js";

export type Database = {
  prisma: PrismaClient;
  /** The store's typed statements (kysely.ts), on the same connections. */
  kysely: Db;
  kind: "postgres" | "embedded";
  /** PostgreSQL schema holding the tables ("public" unless a test isolates itself). */
  schema: string;
  /** The embedded database only: a consistent archive of it (PostgreSQL has pg_dump). */
  backup?: () => Promise<Uint8Array>;
  /** The embedded database only: free space where it writes (null when it cannot be told). */
  freeDiskBytes?: () => Promise<number | null>;
  close(): Promise<void>;
};

export type OpenOptions = {
  /** Use (and create) this PostgreSQL schema instead of "public": tests isolate their runs this way. */
  schema?: string;
  migrate?: boolean;
  poolMax?: number;
  /** Embedded database: the URL the pool connects to instead of PGlite's socket (tests put a
   *  proxy that breaks connections in between). */
  embeddedVia?: (socket: { host: string; port: number }) => Promise<string>;
  /** The bot's limits on waiting for the database (scripts wait as long as it takes). On the embedded
   *  database only the connection one applies: PGlite runs in this process, where no network can
   *  cut it off, and it honours no statement_timeout. */
  timeouts?: DatabaseTimeouts;
  /** Told what a slow start is doing (creating the embedded database, applying migrations). */
  progress?: (message: string, fields?: Record<string, unknown>) => void;
};

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openDatabase(database: Config["database"], opts: OpenOptions = {}): Promise<Database> {
  const schema = opts.schema ?? (database.kind === "postgres" ? database.schema : undefined) ?? "public";
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name ${schema}`);
  let embedded: EmbeddedDatabase | undefined;
  let url: string;
  if (database.kind === "embedded") {
    const fresh = !database.dataDir.startsWith("memory://") && !existsSync(path.join(database.dataDir, "pgdata"));
    opts.progress?.(fresh ? "creating the embedded database (first start)" : "opening the embedded database", { dataDir: database.dataDir });
    embedded = await startEmbeddedDatabase(database.dataDir);
    url = opts.embeddedVia ? await opts.embeddedVia(embedded) : embedded.url;
  } else {
    url = database.url;
  }
  const pool = new pg.Pool({
    connectionString: url,
    // pglite-socket serves one query at a time: several client connections only queue (docs/ARCHITECTURE.md, D5).
    max: embedded ? 1 : (opts.poolMax ?? 10),
    // Instants are timestamptz: the session's zone only matters to the SQL that still writes UTC
    // wall time (now() AT TIME ZONE 'UTC'), which must then be read back as UTC.
    options: `-c TimeZone=UTC${schema === "public" ? "" : ` -c search_path=${schema}`}`,
    connectionTimeoutMillis: opts.timeouts?.connectMs ?? 5000,
    idleTimeoutMillis: 30_000,
    ...(opts.timeouts && !embedded ? timeoutSettings(opts.timeouts) : {}),
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on("error", () => {});
  if (embedded) {
    // pglite-socket serves every connection from PGlite's one backend, so session state outlives a
    // connection. pg-pool drops a client whose statement failed and opens a new one that knows no
    // prepared statement, while the backend still holds those of the dropped client (and the
    // failed one, parsed before its bind failed): the next Parse of any of those names was refused
    // with 42P05 on every turn of every user. A new connection starts from a clean session, as a
    // PostgreSQL backend does; the pool sends this before the query that asked for the client.
    pool.on("connect", (client) => {
      client.query("DEALLOCATE ALL").catch(() => {});
    });
  }
  try {
    if (schema !== "public") await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    if (opts.migrate ?? true) {
      await applyMigrations(pool, undefined, (pending) => opts.progress?.(`applying ${pending} database migration${pending > 1 ? "s" : ""}`));
    }
  } catch (err) {
    await pool.end().catch(() => {});
    await embedded?.stop();
    throw err;
  }
  const prisma = new PrismaClient({ adapter: new ResilientPrismaPg(pool, { schema }) });
  let closed = false;
  return {
    prisma,
    kysely: createKysely(pool),
    kind: embedded ? "embedded" : "postgres",
    schema,
    ...(embedded && database.kind === "embedded" ? { backup: () => embedded.dump(), freeDiskBytes: () => freeDiskBytes(database.dataDir) } : {}),
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect().catch(() => {});
      await pool.end().catch(() => {});
      await embedded?.stop();
    },
  };
}

/** Install time (scripts/pglite-template.ts): the embedded templates, the migrated one made by
 *  opening a copy of the empty cluster as the bot does, so that it is migrated the same way. */
export async function ensureEmbeddedTemplates(): Promise<string> {
  return ensureMigratedTemplate(readMigrations(), async (pgdata) => {
    const dataDir = `${pgdata}-data`;
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir);
    renameSync(pgdata, path.join(dataDir, "pgdata"));
    try {
      const db = await openDatabase({ kind: "embedded", dataDir });
      await db.close();
    } finally {
      renameSync(path.join(dataDir, "pgdata"), pgdata);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}
