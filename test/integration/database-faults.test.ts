import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import pg from "pg";
import { openDatabase, type Database } from "../../src/store/index.js";
import { OutboxRepository } from "../../src/store/outbox.js";
import { applyMigrations } from "../../src/store/migrate.js";
import { POSTGRES_URL, dropSchema, uniqueSchemaName, type TestDatabaseKind } from "../helpers/database.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";

// Connections that break under a running bot: a proxy between the pool and the database (PostgreSQL,
// or the embedded PGlite's socket) resets or stalls them. An 'error' event nobody listens to would
// end the process: vitest reports it as an unhandled error and fails the run.

type Behind = { proxy: TcpProxy; db: Database; url: string; schema?: string; close(): Promise<void> };

async function behindProxy(kind: TestDatabaseKind): Promise<Behind> {
  let schema: string | undefined;
  let proxy: TcpProxy | undefined;
  let db: Database;
  let url = "";
  if (kind === "embedded") {
    db = await openDatabase(
      { kind: "embedded", dataDir: "memory://" },
      {
        embeddedVia: async (socket) => {
          proxy = await new TcpProxy(socket.port, socket.host).start();
          url = `${proxy.url}/postgres`;
          return url;
        },
      },
    );
  } else {
    schema = uniqueSchemaName();
    proxy = await new TcpProxy().start();
    url = `${proxy.url}/test`;
    db = await openDatabase({ kind: "postgres", url }, { schema });
  }
  return {
    proxy: proxy!,
    db,
    url,
    schema,
    async close() {
      await db.close();
      await proxy?.stop();
      if (schema) await dropSchema(schema);
    },
  };
}

describe.each<TestDatabaseKind>(["embedded", "postgres"])("a connection that drops in the middle of a transaction, on %s", (kind) => {
  let b: Behind;
  beforeAll(async () => {
    b = await behindProxy(kind);
  });
  afterAll(async () => {
    await b?.close();
  });
  beforeEach(() => b.proxy.releaseHeld());

  it("fails that transaction only; the process goes on and the next transaction works", async () => {
    const tx = b.db.sql.transaction(async (sql) => {
      await sql.rows(null, `SELECT 1 AS "n"`, []);
      // Between two statements, the connection is reset (the client is borrowed, idle in transaction).
      b.proxy.reset();
      await new Promise((r) => setTimeout(r, 100));
      return sql.rows(null, `SELECT 2 AS "n"`, []);
    });
    await expect(tx).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 100));
    expect(await b.db.sql.transaction((sql) => sql.rows<{ n: number }>(null, `SELECT 3 AS "n"`, []))).toEqual([{ n: 3 }]);
  });

  it("the outbox claim, reset while its statement is on the wire, fails once and the next claim works", async () => {
    const outbox = new OutboxRepository(b.db.prisma, b.db.sql);
    await outbox.enqueue({ conversationId: "a:1", kind: "post", payload: { activity: { text: "x" } } });
    const held = b.proxy.holdWhen("outbox_claim\0");
    const claim = outbox.claimDue({ workerId: "w", limit: 5, leaseMs: 60_000, now: new Date() });
    await held.seen;
    b.proxy.resetHeld();
    await expect(claim).rejects.toThrow();
    const again = await outbox.claimDue({ workerId: "w", limit: 5, leaseMs: 60_000, now: new Date() });
    expect(again.map((r) => r.payload.activity)).toEqual([{ text: "x" }]);
  });

  it("the migrator, reset while it holds its connection, fails and leaves the pool usable", async () => {
    const pool = new pg.Pool({ connectionString: b.url, max: 1, options: b.schema ? `-c search_path=${b.schema}` : undefined });
    pool.on("error", () => {});
    try {
      const held = b.proxy.holdWhen("_prisma_migrations");
      const migrating = applyMigrations(pool, [{ name: "20990101000000_fault", sql: `CREATE TABLE "FaultProbe" ("id" int)`, checksum: "x" }]);
      await held.seen;
      b.proxy.resetHeld();
      await expect(migrating).rejects.toThrow();
      expect((await pool.query(`SELECT 5 AS "n"`)).rows).toEqual([{ n: 5 }]);
    } finally {
      await pool.end();
    }
  });
});

describe("a backend terminated by PostgreSQL (what a failover does)", () => {
  const schema = uniqueSchemaName();
  let db: Database;
  let admin: pg.Client;
  beforeAll(async () => {
    db = await openDatabase({ kind: "postgres", url: POSTGRES_URL }, { schema });
    admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await db?.close();
    await dropSchema(schema);
  });

  it("pg_terminate_backend during a transaction fails it; the process goes on and the next one works", async () => {
    const tx = db.sql.transaction(async (sql) => {
      const [{ pid }] = (await sql.rows<{ pid: number }>(null, `SELECT pg_backend_pid() AS "pid"`, [])) as [{ pid: number }];
      await admin.query("SELECT pg_terminate_backend($1)", [pid]);
      await new Promise((r) => setTimeout(r, 100));
      return sql.rows(null, `SELECT 1`, []);
    });
    await expect(tx).rejects.toThrow();
    expect(await db.sql.transaction((sql) => sql.rows<{ n: number }>(null, `SELECT 4 AS "n"`, []))).toEqual([{ n: 4 }]);
  });
});
