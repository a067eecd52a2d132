import { randomUUID } from "node:crypto";
import type { HotSql } from "./hot-sql.js";

/** The shape of botbuilder's Storage interface (kept here so that only src/teams imports botbuilder). */
export type StoreItem = { eTag?: string; [key: string]: unknown };
export type StoreItems = Record<string, StoreItem>;

export class ETagConflictError extends Error {
  constructor(readonly key: string) {
    super(`storage write conflict on ${key}: the item changed since it was read`);
  }
}

/** Dialog and conversation state in PostgreSQL, so that any bot instance can continue any
 *  conversation and a restart loses nothing. Optimistic concurrency follows botbuilder's own
 *  storages: a write carrying an eTag succeeds only if the stored item still has that eTag;
 *  "*" or no eTag writes unconditionally. */
export class DatabaseStorage {
  constructor(private readonly sql: HotSql) {}

  // Every turn reads and most dialog turns write: statements straight on the pool (hot-sql.ts).
  async read(keys: string[]): Promise<StoreItems> {
    if (keys.length === 0) return {};
    const rows = await this.sql.rows<{ key: string; data: unknown; eTag: string }>(
      "bot_state_read",
      `SELECT "key", "data", "eTag" FROM "BotState" WHERE "key" = ANY($1::text[])`,
      [keys],
    );
    const items: StoreItems = {};
    for (const row of rows) items[row.key] = { ...(row.data as object), eTag: row.eTag };
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, item] of Object.entries(changes)) {
      const { eTag, ...rest } = item;
      const data = JSON.stringify(rest);
      const newETag = randomUUID();
      if (!eTag || eTag === "*") {
        await this.sql.rowCount(
          "bot_state_put",
          `INSERT INTO "BotState" ("key", "data", "eTag", "updatedAt") VALUES ($1, $2::jsonb, $3, now() AT TIME ZONE 'UTC')
           ON CONFLICT ("key") DO UPDATE SET "data" = EXCLUDED."data", "eTag" = EXCLUDED."eTag", "updatedAt" = EXCLUDED."updatedAt"`,
          [key, data, newETag],
        );
        continue;
      }
      // One conditional UPDATE: of two writers holding the same eTag, exactly one matches.
      const updated = await this.sql.rowCount(
        "bot_state_update",
        `UPDATE "BotState" SET "data" = $2::jsonb, "eTag" = $3, "updatedAt" = now() AT TIME ZONE 'UTC' WHERE "key" = $1 AND "eTag" = $4`,
        [key, data, newETag, eTag],
      );
      if (updated === 1) continue;
      // No row with that eTag: either the item is new (first write wins) or someone else changed it.
      const created = await this.sql.rowCount(
        "bot_state_create",
        `INSERT INTO "BotState" ("key", "data", "eTag", "updatedAt") VALUES ($1, $2::jsonb, $3, now() AT TIME ZONE 'UTC') ON CONFLICT ("key") DO NOTHING`,
        [key, data, newETag],
      );
      if (created !== 1) throw new ETagConflictError(key);
    }
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.sql.rowCount("bot_state_delete", `DELETE FROM "BotState" WHERE "key" = ANY($1::text[])`, [keys]);
  }
}
