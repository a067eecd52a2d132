import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "./kysely.js";

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
  constructor(private readonly db: Db) {}

  async read(keys: string[]): Promise<StoreItems> {
    if (keys.length === 0) return {};
    const rows = await this.db
      .selectFrom("BotState")
      .select(["key", "data", "eTag"])
      .where("key", "=", sql<string>`any(${keys}::text[])`)
      .execute();
    const items: StoreItems = {};
    for (const row of rows) items[row.key] = { ...(row.data as object), eTag: row.eTag };
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, item] of Object.entries(changes)) {
      const { eTag, ...rest } = item;
      const data = JSON.stringify(rest);
      const newETag = randomUUID();
      const row = { key, data, eTag: newETag, updatedAt: sql<Date>`now()` };
      if (!eTag || eTag === "*") {
        await this.db
          .insertInto("BotState")
          .values(row)
          .onConflict((oc) =>
            oc.column("key").doUpdateSet((eb) => ({ data: eb.ref("excluded.data"), eTag: eb.ref("excluded.eTag"), updatedAt: eb.ref("excluded.updatedAt") })),
          )
          .execute();
        continue;
      }
      // One conditional UPDATE: of two writers holding the same eTag, exactly one matches.
      const updated = await this.db
        .updateTable("BotState")
        .set({ data, eTag: newETag, updatedAt: sql<Date>`now()` })
        .where("key", "=", key)
        .where("eTag", "=", eTag)
        .executeTakeFirst();
      if (updated.numUpdatedRows === 1n) continue;
      // No row with that eTag: either the item is new (first write wins) or someone else changed it.
      const created = await this.db
        .insertInto("BotState")
        .values(row)
        .onConflict((oc) => oc.column("key").doNothing())
        .executeTakeFirst();
      if (created.numInsertedOrUpdatedRows !== 1n) throw new ETagConflictError(key);
    }
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db
      .deleteFrom("BotState")
      .where("key", "=", sql<string>`any(${keys}::text[])`)
      .execute();
  }
}
