import type { PrismaClient } from "../generated/prisma/client.js";

export type RoutingChannelRecord = { teamId: string; channelId: string; name: string };

/** Routing rules are data: each district's coordinator channel, and the académie's fallback. */
export class RoutingChannelRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async ofDistrict(districtId: string): Promise<RoutingChannelRecord | null> {
    return this.prisma.routingChannel.findUnique({ where: { districtId }, select: { teamId: true, channelId: true, name: true } });
  }

  async fallback(): Promise<RoutingChannelRecord | null> {
    return this.prisma.routingChannel.findFirst({ where: { isFallback: true }, select: { teamId: true, channelId: true, name: true } });
  }
}
