import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { CONSTRAINTS_QUERY_FRAGMENT, patchPgAdapter } from "../../prisma/cli-patches.js";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "../../src/store/pglite-server.js";
import { POSTGRES_URL } from "../helpers/database.js";

// Each work-around in prisma/cli-patches.ts exists because of an upstream bug. These tests fail
// once the bug is gone, telling us to drop the work-around.

const catalogQuery = {
  sql: "SELECT nspname, relkind FROM pg_namespace, pg_class WHERE pg_class.relnamespace = pg_namespace.oid LIMIT 1",
  args: [],
  argTypes: [],
};

describe('prisma/orm#27403: adapter-pg cannot read catalog columns of type name / "char"', () => {
  it("fails unpatched and works patched, on PostgreSQL", async () => {
    const plain = await new PrismaPg({ connectionString: POSTGRES_URL, max: 1 }).connect();
    try {
      await expect(plain.queryRaw(catalogQuery as never)).rejects.toThrow();
    } finally {
      await plain.dispose();
    }
    const patched = patchPgAdapter(await new PrismaPg({ connectionString: POSTGRES_URL, max: 1 }).connect());
    try {
      const result = await patched.queryRaw(catalogQuery as never);
      expect(result.rows).toHaveLength(1);
    } finally {
      await patched.dispose();
    }
  });
});

describe("prisma/orm#29635: PostgreSQL 18 lists NOT NULL constraints with contype 'n'", () => {
  let embedded: EmbeddedDatabase;
  beforeAll(async () => {
    embedded = await startEmbeddedDatabase("memory://");
  });
  afterAll(async () => embedded?.stop());

  it("the schema engine still filters constraints with the query the patch rewrites", () => {
    const wasm = path.join(path.dirname(createRequire(import.meta.url).resolve("prisma/package.json")), "build", "schema_engine_bg.wasm");
    expect(readFileSync(wasm).includes(Buffer.from(CONSTRAINTS_QUERY_FRAGMENT))).toBe(true);
  });

  it("the embedded PGlite database has such constraints, which the patched query leaves out", async () => {
    const client = new pg.Client({ connectionString: embedded.url });
    await client.connect();
    try {
      await client.query("CREATE TABLE t (id int NOT NULL)");
      const all = await client.query("SELECT count(*)::int AS n FROM pg_constraint WHERE contype = 'n'");
      expect(all.rows[0].n).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
    const patched = patchPgAdapter(await new PrismaPg({ connectionString: embedded.url, max: 1 }).connect());
    try {
      // Table t has only its NOT NULL constraint: the engine's filter keeps it, the patched one does not.
      const sql = `SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = 't'::regclass AND ${CONSTRAINTS_QUERY_FRAGMENT}`;
      const client2 = new pg.Client({ connectionString: embedded.url });
      await client2.connect();
      expect((await client2.query(sql)).rows[0].n).toBe(1);
      await client2.end();
      const result = await patched.queryRaw({ sql, args: [], argTypes: [] } as never);
      expect(result.rows[0]![0]).toBe(0);
    } finally {
      await patched.dispose();
    }
  });
});
