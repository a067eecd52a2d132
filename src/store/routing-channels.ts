import { randomUUID } from "node:crypto";
import type { MldsAccess } from "../domain/permissions.js";
import type { Db } from "./kysely.js";

export type RoutingChannelRecord = { teamId: string; channelId: string; name: string };

/** Routing rules are data: each district's coordinator channel, and the académie's fallback. */
export class RoutingChannelRepository {
  constructor(private readonly db: Db) {}

  async ofDistrict(districtId: string): Promise<RoutingChannelRecord | null> {
    return (await this.db.selectFrom("RoutingChannel").select(["teamId", "channelId", "name"]).where("districtId", "=", districtId).executeTakeFirst()) ?? null;
  }

  /** Makes this channel the one of the district (by code); null when no district has that code. */
  async setForDistrict(districtCode: string, channel: RoutingChannelRecord): Promise<{ districtName: string } | null> {
    const district = await this.db.selectFrom("District").select(["id", "name"]).where("code", "=", districtCode).executeTakeFirst();
    if (!district) return null;
    await this.db
      .insertInto("RoutingChannel")
      .values({ id: randomUUID(), districtId: district.id, isFallback: false, ...channel })
      .onConflict((oc) => oc.column("districtId").doUpdateSet({ isFallback: false, ...channel }))
      .execute();
    return { districtName: district.name };
  }

  /** Sets whether a bassin's MLDS coordinators may act before the school's GPDS decides. */
  async setMldsAccess(districtCode: string, access: MldsAccess): Promise<{ districtName: string } | null> {
    const row = await this.db.updateTable("District").set({ mldsAccess: access }).where("code", "=", districtCode).returning("name").executeTakeFirst();
    return row ? { districtName: row.name } : null;
  }

  /** The académie's fallback channel: there is one at most. */
  async setFallback(channel: RoutingChannelRecord): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("RoutingChannel").where("isFallback", "=", true).execute();
      await trx
        .insertInto("RoutingChannel")
        .values({ id: randomUUID(), isFallback: true, ...channel })
        .execute();
    });
  }

  async fallback(): Promise<RoutingChannelRecord | null> {
    return (
      (await this.db.selectFrom("RoutingChannel").select(["teamId", "channelId", "name"]).where("isFallback", "=", true).limit(1).executeTakeFirst()) ?? null
    );
  }
}
