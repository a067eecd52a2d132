import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { withClient } from "./connections.js";

/** Applies prisma/migrations at start, recording them in Prisma's own `_prisma_migrations` table
 *  so that `prisma migrate status` and `migrate dev` keep working. The bot needs no Prisma CLI
 *  (and no wasm schema engine) at run time; an advisory lock makes concurrent starts safe. */

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../prisma/migrations");
const LOCK_ID = 4_207_311; // arbitrary, constant: serialises migrations across instances

export type Migration = { name: string; sql: string; checksum: string };

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/** `onPending`: told how many migrations are about to be applied, when there are any. */
export async function applyMigrations(pool: pg.Pool, migrations = readMigrations(), onPending?: (count: number) => void): Promise<string[]> {
  // withClient: a connection lost while migrating fails the start instead of crashing it.
  return withClient(pool, (client, connection) => migrate(client, connection, migrations, onPending));
}

async function migrate(
  client: pg.PoolClient,
  connection: { lost(err?: unknown): boolean },
  migrations: Migration[],
  onPending?: (count: number) => void,
): Promise<string[]> {
  // A migration may rewrite a large table, and waiting for another instance's migrations takes as
  // long as they do: the bot's statement timeouts do not apply here (server side, and the client's
  // own timer with query_timeout 0), and are restored before the connection goes back to the pool.
  const query = <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => client.query<R>({ text, values, query_timeout: 0 } as pg.QueryConfig);
  const applied: string[] = [];
  await query("SET statement_timeout = 0");
  await query("SET idle_in_transaction_session_timeout = 0");
  try {
    await query("SELECT pg_advisory_lock($1)", [LOCK_ID]);
    await query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const done = await query<{ migration_name: string }>(
      `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const doneNames = new Set(done.rows.map((r) => r.migration_name));
    const pending = migrations.filter((m) => !doneNames.has(m.name)).length;
    if (pending > 0) onPending?.(pending);
    for (const m of migrations) {
      if (doneNames.has(m.name)) continue;
      await query("BEGIN");
      try {
        await query(m.sql);
        await query(`INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)`, [
          randomUUID(),
          m.checksum,
          m.name,
        ]);
        await query("COMMIT");
        applied.push(m.name);
      } catch (err) {
        if (connection.lost(err)) throw err;
        await query("ROLLBACK");
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
    }
  } finally {
    if (!connection.lost()) {
      await query("SELECT pg_advisory_unlock($1)", [LOCK_ID]).catch(() => {});
      await query("RESET statement_timeout").catch(() => {});
      await query("RESET idle_in_transaction_session_timeout").catch(() => {});
    }
  }
  return applied;
}
