import { sql, type ExpressionBuilder } from "kysely";
import type { DB } from "../generated/kysely/database.js";
import type { Db } from "./kysely.js";

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

/**
 * For a query over members aliased `m`: their latest personal chat with the bot, as a lateral join
 * named `chat` (`chat.conversationId`); members who never wrote to the bot have none and drop out
 * of an inner join. `.innerJoinLateral(latestPersonalChat, (join) => join.onTrue())`.
 */
export function latestPersonalChat(eb: ExpressionBuilder<DB & { m: DB["Member"] }, "m">) {
  return eb
    .selectFrom("ConversationRef as r")
    .select("r.conversationId")
    .whereRef("r.aadObjectId", "=", "m.aadObjectId")
    .where("r.kind", "=", "PERSONAL")
    .orderBy("r.updatedAt", "desc")
    .limit(1)
    .as("chat");
}

const COLUMNS = ["conversationId", "kind", "tenantId", "aadObjectId", "teamId", "channelId", "serviceUrl", "reference"] as const;

/** A stored reference is the JSON object Teams gave. */
function stored<T extends { reference: unknown }>(row: T): Omit<T, "reference"> & { reference: Record<string, unknown> } {
  const reference = row.reference;
  return { ...row, reference: reference !== null && typeof reference === "object" ? (reference as Record<string, unknown>) : {} };
}

export class ConversationRepository {
  constructor(private readonly db: Db) {}

  /** One INSERT … ON CONFLICT statement. */
  async upsert(c: StoredConversation): Promise<void> {
    await this.db
      .insertInto("ConversationRef")
      .values({ ...c, reference: JSON.stringify(c.reference), updatedAt: sql<Date>`now()` })
      .onConflict((oc) =>
        oc.column("conversationId").doUpdateSet((eb) => ({
          kind: eb.ref("excluded.kind"),
          tenantId: eb.ref("excluded.tenantId"),
          aadObjectId: eb.ref("excluded.aadObjectId"),
          teamId: eb.ref("excluded.teamId"),
          channelId: eb.ref("excluded.channelId"),
          serviceUrl: eb.ref("excluded.serviceUrl"),
          updatedAt: eb.ref("excluded.updatedAt"),
          // Install and membership events carry no locale: keep the one the person's messages gave.
          reference: sql`CASE WHEN EXCLUDED."reference" ? 'locale' OR NOT ("ConversationRef"."reference" ? 'locale') THEN EXCLUDED."reference"
                              ELSE EXCLUDED."reference" || jsonb_build_object('locale', "ConversationRef"."reference"->'locale') END`,
        })),
      )
      .execute();
  }

  /** Read for every outbox send. */
  async get(conversationId: string): Promise<StoredConversation | null> {
    const row = await this.db.selectFrom("ConversationRef").select(COLUMNS).where("conversationId", "=", conversationId).executeTakeFirst();
    return row ? stored(row) : null;
  }

  /** Where to tell someone that a case was assigned to them (every assignment). */
  /** A member loaded from the staff list who never wrote to the bot has no Teams identity yet
   *  (null), hence no chat. */
  async personalChatOf(aadObjectId: string | null): Promise<StoredConversation | null> {
    if (aadObjectId === null) return null;
    const row = await this.db
      .selectFrom("ConversationRef")
      .select(COLUMNS)
      .where("aadObjectId", "=", aadObjectId)
      .where("kind", "=", "PERSONAL")
      .orderBy("updatedAt", "desc")
      .limit(1)
      .executeTakeFirst();
    return row ? stored(row) : null;
  }

  async channel(teamId: string, channelId: string): Promise<StoredConversation | null> {
    const row = await this.db
      .selectFrom("ConversationRef")
      .select(COLUMNS)
      .where("teamId", "=", teamId)
      .where("channelId", "=", channelId)
      .where("kind", "=", "CHANNEL")
      .limit(1)
      .executeTakeFirst();
    return row ? stored(row) : null;
  }
}
