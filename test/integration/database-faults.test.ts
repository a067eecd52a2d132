import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import pg from "pg";
import { sql } from "kysely";
import type { Db } from "../../src/store/kysely.js";
import { openDatabase, type Database } from "../../src/store/index.js";
import { OutboxRepository } from "../../src/store/outbox.js";
import { applyMigrations } from "../../src/store/migrate.js";
import { timeoutSettings } from "../../src/store/statement-timeout.js";
import { POSTGRES_URL, dropSchema, uniqueSchemaName, type TestDatabaseKind } from "../helpers/database.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";

/** A statement of the test's own, on the store's connections (or in one of its transactions). */
async function run<T = unknown>(db: Db, text: string): Promise<T[]> {
  return (await sql.raw<T>(text).execute(db)).rows;
}
import { isDatabaseUnavailable } from "../../src/teams/platform/adapter.js";

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
    const tx = b.db.kysely.transaction().execute(async (trx) => {
      await run(trx, `SELECT 1 AS "n"`);
      // Between two statements, the connection is reset (the client is borrowed, idle in transaction).
      b.proxy.reset();
      await new Promise((r) => setTimeout(r, 100));
      return run(trx, `SELECT 2 AS "n"`);
    });
    await expect(tx).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 100));
    expect(await b.db.kysely.transaction().execute((trx) => run<{ n: number }>(trx, `SELECT 3 AS "n"`))).toEqual([{ n: 3 }]);
  });

  it("a Prisma transaction whose connection is reset fails, and does not keep its connection from the pool", async () => {
    // Prisma sends ROLLBACK before it gives the connection back; when that ROLLBACK fails too, it
    // never gave it back. A pool of one connection (the embedded database's) then had none left.
    const poolSize = kind === "embedded" ? 1 : 10;
    for (let i = 0; i < poolSize; i++) {
      const held = b.proxy.holdWhen(`prisma_probe_${i}`);
      const tx = b.db.prisma.$transaction((t) => t.$queryRawUnsafe(`SELECT 'prisma_probe_${i}'`));
      await held.seen;
      b.proxy.resetHeld();
      const e = await tx.catch((e: unknown) => e);
      expect(isDatabaseUnavailable(e)).toBe(true);
    }
    expect(await b.db.prisma.$transaction((t) => t.district.count())).toBe(0);
    expect(await run(b.db.kysely, `SELECT 10 AS "n"`)).toEqual([{ n: 10 }]);
  });

  it("the outbox claim, reset while its statement is on the wire, fails once and the next claim works", async () => {
    const outbox = new OutboxRepository(b.db.kysely);
    await outbox.enqueue({ conversationId: "a:1", kind: "post", payload: { activity: { text: "x" } } });
    const held = b.proxy.holdWhen("outbox_claim.");
    const claim = outbox.claimDue({ workerId: "w", conversations: 5, leaseMs: 60_000, now: new Date() });
    await held.seen;
    b.proxy.resetHeld();
    await expect(claim).rejects.toThrow();
    const again = await outbox.claimDue({ workerId: "w", conversations: 5, leaseMs: 60_000, now: new Date() });
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
    const tx = db.kysely.transaction().execute(async (trx) => {
      const [{ pid }] = (await run<{ pid: number }>(trx, `SELECT pg_backend_pid() AS "pid"`)) as [{ pid: number }];
      await admin.query("SELECT pg_terminate_backend($1)", [pid]);
      await new Promise((r) => setTimeout(r, 100));
      return run(trx, `SELECT 1`);
    });
    await expect(tx).rejects.toThrow();
    expect(await db.kysely.transaction().execute((trx) => run<{ n: number }>(trx, `SELECT 4 AS "n"`))).toEqual([{ n: 4 }]);
  });
});

describe("statement timeouts on PostgreSQL", () => {
  const schema = uniqueSchemaName();
  let proxy: TcpProxy;
  let db: Database;
  beforeAll(async () => {
    proxy = await new TcpProxy().start();
    db = await openDatabase({ kind: "postgres", url: `${proxy.url}/test` }, { schema, poolMax: 1, timeouts: { statementMs: 1000, connectMs: 1000 } });
  });
  afterAll(async () => {
    proxy.resume();
    await db?.close();
    await proxy?.stop();
    await dropSchema(schema);
  });

  it("a statement running past the timeout is cancelled by the server, and the error reads as « unavailable »", async () => {
    const viaPrisma = await db.prisma.$queryRaw`SELECT pg_sleep(3)`.catch((e: unknown) => e);
    expect(viaPrisma).toMatchObject({ code: "P2010" });
    expect(isDatabaseUnavailable(viaPrisma)).toBe(true);
    const viaPool = await run(db.kysely, "SELECT pg_sleep(3)").catch((e: unknown) => e);
    expect(viaPool).toMatchObject({ code: "57014" });
    expect(isDatabaseUnavailable(viaPool)).toBe(true);
    expect(await run(db.kysely, `SELECT 6 AS "n"`)).toEqual([{ n: 6 }]);
  });

  it("a server that stops answering: statements and transactions fail after the timeout, through the pool and through Prisma, and all goes on afterwards", async () => {
    proxy.stall();
    const failures = await Promise.all([
      run(db.kysely, "SELECT 1").catch((e: unknown) => e),
      db.kysely
        .transaction()
        .execute((trx) => run(trx, "SELECT 1"))
        .catch((e: unknown) => e),
      db.prisma.district.count().catch((e: unknown) => e),
      db.prisma.$transaction((tx) => tx.district.count()).catch((e: unknown) => e),
    ]);
    for (const f of failures) expect(isDatabaseUnavailable(f)).toBe(true);
    proxy.resume();
    // Every connection that went silent was dropped: none is handed out again with a statement
    // still waiting for its answer.
    for (let i = 0; i < 12; i++) {
      expect(await db.prisma.district.count()).toBe(0);
      expect(await db.kysely.transaction().execute((trx) => run(trx, `SELECT 7 AS "n"`))).toEqual([{ n: 7 }]);
    }
  });

  it("a connection that alone goes silent (a half-open connection) is dropped, not handed to the next statement", async () => {
    const held = proxy.holdWhen("silent_probe");
    const lost = await db.prisma.$transaction((tx) => tx.$queryRawUnsafe(`SELECT 'silent_probe'`), { timeout: 10_000 }).catch((e: unknown) => e);
    await held.seen;
    expect(isDatabaseUnavailable(lost)).toBe(true);
    // The pool hands out the connection released last first: the silent one, had it been kept.
    expect(await db.prisma.district.count()).toBe(0);
    expect(await run(db.kysely, `SELECT 9 AS "n"`)).toEqual([{ n: 9 }]);
    proxy.resetHeld();
  });

  it("the migrator is not bound by the statement timeout", async () => {
    // A pool set up as the bot's (one connection, so that the migrator's is the one used after it).
    const pool = new pg.Pool({
      connectionString: POSTGRES_URL,
      max: 1,
      options: `-c search_path=${schema}`,
      ...timeoutSettings({ statementMs: 1000, connectMs: 1000 }),
    });
    pool.on("error", () => {});
    try {
      const applied = await applyMigrations(pool, [{ name: "20990101000000_slow", sql: `SELECT pg_sleep(3.5)`, checksum: "slow" }]);
      expect(applied).toEqual(["20990101000000_slow"]);
      // Given back to the pool with the bot's timeouts again.
      expect(await pool.query("SELECT pg_sleep(3)").catch((e: unknown) => e)).toMatchObject({ code: "57014" });
    } finally {
      await pool.end();
    }
  });
});
