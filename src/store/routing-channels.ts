import type { PrismaClient } from "../generated/prisma/client.js";
import type { HotSql } from "./hot-sql.js";

export type RoutingChannelRecord = { teamId: string; channelId: string; name: string };

/** Routing rules are data: each district's coordinator channel, and the académie's fallback. */
export class RoutingChannelRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: HotSql,
  ) {}

  // ofDistrict and fallback route every new report: on the pool (hot-sql.ts).
  async ofDistrict(districtId: string): Promise<RoutingChannelRecord | null> {
    const rows = await this.sql.rows<RoutingChannelRecord>("routing_channel_of_district", `SELECT "teamId", "channelId", "name" FROM "RoutingChannel" WHERE "districtId" = $1`, [districtId]);
    return rows[0] ?? null;
  }

  /** Makes this channel the one of the district (by code); false when no district has that code. */
  async setForDistrict(districtCode: string, channel: RoutingChannelRecord): Promise<{ districtName: string } | null> {
    const district = await this.prisma.district.findUnique({ where: { code: districtCode }, select: { id: true, name: true } });
    if (!district) return null;
    const data = { districtId: district.id, isFallback: false, ...channel };
    await this.prisma.routingChannel.upsert({ where: { districtId: district.id }, create: data, update: data });
    return { districtName: district.name };
  }

  /** The académie's fallback channel: there is one at most. */
  async setFallback(channel: RoutingChannelRecord): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.routingChannel.deleteMany({ where: { isFallback: true } });
      await tx.routingChannel.create({ data: { isFallback: true, ...channel } });
    });
  }

  async fallback(): Promise<RoutingChannelRecord | null> {
    const rows = await this.sql.rows<RoutingChannelRecord>("routing_channel_fallback", `SELECT "teamId", "channelId", "name" FROM "RoutingChannel" WHERE "isFallback" LIMIT 1`, []);
    return rows[0] ?? null;
  }
}
