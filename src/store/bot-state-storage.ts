import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.js";
import { Prisma } from "../generated/prisma/client.js";

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
  constructor(private readonly prisma: PrismaClient) {}

  async read(keys: string[]): Promise<StoreItems> {
    if (keys.length === 0) return {};
    const rows = await this.prisma.botState.findMany({ where: { key: { in: keys } } });
    const items: StoreItems = {};
    for (const row of rows) items[row.key] = { ...(row.data as object), eTag: row.eTag };
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, item] of Object.entries(changes)) {
      const { eTag, ...rest } = item;
      const data = JSON.parse(JSON.stringify(rest)) as Prisma.InputJsonValue;
      const newETag = randomUUID();
      if (!eTag || eTag === "*") {
        await this.prisma.botState.upsert({
          where: { key },
          create: { key, data, eTag: newETag },
          update: { data, eTag: newETag },
        });
        continue;
      }
      // One conditional UPDATE: of two writers holding the same eTag, exactly one matches.
      const updated = await this.prisma.botState.updateMany({ where: { key, eTag }, data: { data, eTag: newETag } });
      if (updated.count === 1) continue;
      // No row with that eTag: either the item is new (first write wins) or someone else changed it.
      try {
        await this.prisma.botState.create({ data: { key, data, eTag: newETag } });
      } catch (err) {
        if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") throw new ETagConflictError(key);
        throw err;
      }
    }
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.prisma.botState.deleteMany({ where: { key: { in: keys } } });
  }
}
