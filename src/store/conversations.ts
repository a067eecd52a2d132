import type { PrismaClient } from "../generated/prisma/client.js";
import { Prisma } from "../generated/prisma/client.js";

export type ConversationKind = "PERSONAL" | "CHANNEL" | "GROUP_CHAT";

export type StoredConversation = {
  conversationId: string;
  kind: ConversationKind;
  tenantId: string | null;
  aadObjectId: string | null;
  teamId: string | null;
  channelId: string | null;
  serviceUrl: string;
  /** The botbuilder ConversationReference, as Teams gave it. */
  reference: Record<string, unknown>;
};

export class ConversationRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async upsert(c: StoredConversation): Promise<void> {
    const data = { ...c, reference: c.reference as Prisma.InputJsonValue };
    await this.prisma.conversationRef.upsert({ where: { conversationId: c.conversationId }, create: data, update: data });
  }

  async get(conversationId: string): Promise<StoredConversation | null> {
    const row = await this.prisma.conversationRef.findUnique({ where: { conversationId } });
    return row ? toStored(row) : null;
  }

  async personalChatOf(aadObjectId: string): Promise<StoredConversation | null> {
    const row = await this.prisma.conversationRef.findFirst({
      where: { aadObjectId, kind: "PERSONAL" },
      orderBy: { updatedAt: "desc" },
    });
    return row ? toStored(row) : null;
  }

  async channel(teamId: string, channelId: string): Promise<StoredConversation | null> {
    const row = await this.prisma.conversationRef.findFirst({ where: { teamId, channelId, kind: "CHANNEL" } });
    return row ? toStored(row) : null;
  }
}

function toStored(row: Prisma.ConversationRefGetPayload<object>): StoredConversation {
  return {
    conversationId: row.conversationId,
    kind: row.kind,
    tenantId: row.tenantId,
    aadObjectId: row.aadObjectId,
    teamId: row.teamId,
    channelId: row.channelId,
    serviceUrl: row.serviceUrl,
    reference: row.reference as Record<string, unknown>,
  };
}
