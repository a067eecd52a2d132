import { sql } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedDatabase } from "../../src/store/pglite-server.js";
import { applyMigrations, readMigrations } from "../../src/store/migrate.js";
import { DATABASE_KINDS, dropSchema, openTestDatabase, POSTGRES_URL, uniqueSchemaName } from "../helpers/database.js";

const TIMESTAMPTZ_MIGRATION = "20261206100000_timestamptz";

describe.each(DATABASE_KINDS)("instants in the database, on %s", (kind) => {
  const opened: { drop(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const db of opened) await db.drop();
  });

  it("are all stored with their time zone, so that no statement depends on the session's", async () => {
    const db = await openTestDatabase(kind);
    opened.push(db);
    const { rows: columns } = await sql<{ table: string; column: string; type: string }>`
      SELECT table_name AS "table", column_name AS "column", data_type AS "type" FROM information_schema.columns
       WHERE table_schema = ${db.schema} AND data_type LIKE 'timestamp%'`.execute(db.kysely);
    expect(columns.length).toBeGreaterThan(30);
    expect(columns.filter((c) => c.type !== "timestamp with time zone")).toEqual([]);
  });

  it("keep the instant they held when the columns became timestamptz", async () => {
    // The migrations before the change, a row written as the code then wrote it (UTC wall time),
    // then the change: the instant read back is the one written.
    const migrations = readMigrations();
    const at = migrations.findIndex((m) => m.name === TIMESTAMPTZ_MIGRATION);
    expect(at).toBeGreaterThan(0);
    const db = await openBare(kind);
    opened.push(db);
    await applyMigrations(db.pool, migrations.slice(0, at));
    await db.pool.query(`INSERT INTO "District" ("id", "code", "name", "createdAt") VALUES ('d1', 'N', 'Nord', '2026-03-29 01:30:00.250')`);
    await applyMigrations(db.pool, migrations);
    const { rows } = await db.pool.query<{ createdAt: Date }>(`SELECT "createdAt" FROM "District" WHERE "id" = 'd1'`);
    expect(rows[0]!.createdAt.toISOString()).toBe("2026-03-29T01:30:00.250Z");
  });
});

/** A database with no migration applied, and a pool on it. */
async function openBare(kind: (typeof DATABASE_KINDS)[number]): Promise<{ pool: pg.Pool; drop(): Promise<void> }> {
  if (kind === "embedded") {
    const embedded = await startEmbeddedDatabase("memory://");
    const pool = new pg.Pool({ connectionString: embedded.url, max: 1 });
    return {
      pool,
      async drop() {
        await pool.end();
        await embedded.stop();
      },
    };
  }
  const schema = uniqueSchemaName();
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}`, max: 1 });
  await pool.query(`CREATE SCHEMA "${schema}"`);
  return {
    pool,
    async drop() {
      await pool.end();
      await dropSchema(schema);
    },
  };
}
