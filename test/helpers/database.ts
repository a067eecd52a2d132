import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type Database } from "../../src/store/index.js";

/** The PostgreSQL server every developer machine and CI has (trust auth). */
export const POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test";

export type TestDatabaseKind = "embedded" | "postgres";

/** A fresh, migrated database: an in-memory PGlite, or a schema of its own on PostgreSQL so that
 *  concurrent test runs never collide. `drop()` removes it. */
export async function openTestDatabase(kind: TestDatabaseKind): Promise<Database & { drop(): Promise<void> }> {
  if (kind === "embedded") {
    const db = await openDatabase({ kind: "embedded", dataDir: "memory://" });
    return Object.assign(db, { drop: () => db.close() });
  }
  const schema = uniqueSchemaName();
  const db = await openDatabase({ kind: "postgres", url: POSTGRES_URL }, { schema });
  return Object.assign(db, {
    async drop() {
      await db.close();
      await dropSchema(schema);
    },
  });
}

export function uniqueSchemaName(): string {
  return `t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export const DATABASE_KINDS: TestDatabaseKind[] = ["embedded", "postgres"];
