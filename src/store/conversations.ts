import type { PrismaClient } from "../generated/prisma/client.js";
import { Prisma } from "../generated/prisma/client.js";
import type { HotSql } from "./hot-sql.js";

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

const SELECT_STORED = `SELECT "conversationId", "kind"::text AS "kind", "tenantId", "aadObjectId", "teamId", "channelId", "serviceUrl", "reference" FROM "ConversationRef"`;

export class ConversationRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: HotSql,
  ) {}

  /** One INSERT … ON CONFLICT statement on the pool (Prisma's upsert costs several times more CPU;
   *  measured by `npm run bench`). */
  async upsert(c: StoredConversation): Promise<void> {
    await this.sql.rowCount(
      "conversation_upsert",
      `INSERT INTO "ConversationRef" ("conversationId", "kind", "tenantId", "aadObjectId", "teamId", "channelId", "serviceUrl", "reference", "updatedAt")
      VALUES ($1, $2::"ConversationKind", $3, $4, $5, $6, $7, $8::jsonb, now() AT TIME ZONE 'UTC')
      ON CONFLICT ("conversationId") DO UPDATE SET
        "kind" = EXCLUDED."kind", "tenantId" = EXCLUDED."tenantId", "aadObjectId" = EXCLUDED."aadObjectId", "teamId" = EXCLUDED."teamId",
        "channelId" = EXCLUDED."channelId", "serviceUrl" = EXCLUDED."serviceUrl", "updatedAt" = EXCLUDED."updatedAt",
        -- Install and membership events carry no locale: keep the one the person's messages gave.
        "reference" = CASE WHEN EXCLUDED."reference" ? 'locale' OR NOT ("ConversationRef"."reference" ? 'locale') THEN EXCLUDED."reference"
                           ELSE EXCLUDED."reference" || jsonb_build_object('locale', "ConversationRef"."reference"->'locale') END`,
      [c.conversationId, c.kind, c.tenantId, c.aadObjectId, c.teamId, c.channelId, c.serviceUrl, JSON.stringify(c.reference)],
    );
  }

  /** Read for every outbox send. */
  async get(conversationId: string): Promise<StoredConversation | null> {
    const rows = await this.sql.rows<StoredConversation>("conversation_get", `${SELECT_STORED} WHERE "conversationId" = $1`, [conversationId]);
    return rows[0] ?? null;
  }

  /** Where to tell someone that a case was assigned to them (every assignment): on the pool. */
  async personalChatOf(aadObjectId: string): Promise<StoredConversation | null> {
    const rows = await this.sql.rows<StoredConversation>(
      "conversation_personal_chat",
      `${SELECT_STORED} WHERE "aadObjectId" = $1 AND "kind" = 'PERSONAL' ORDER BY "updatedAt" DESC LIMIT 1`,
      [aadObjectId],
    );
    return rows[0] ?? null;
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
