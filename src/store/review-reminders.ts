import type { PrismaClient } from "../generated/prisma/client.js";
import { insertOutboxRows, outboxRow } from "./outbox.js";
import type { OutgoingMessage } from "./outgoing-message.js";

/** Plans whose review date has passed: each becomes REVIEW_DUE (lifecycle: PLAN_ACTIVE ->
 *  REVIEW_DUE, by the system) and its assignee gets one reminder. The database decides who sends:
 *  the conditional UPDATE over rows locked with SKIP LOCKED lets exactly one scheduler instance
 *  claim a given case and review date, and `reviewRemindedFor` remembers that date. */
export class ReviewReminderRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Claims up to `limit` cases, the earliest review first. A batch is the same five statements
   *  whatever its size: after an import or a holiday, thousands of reviews can fall due at once. */
  async claimDue(now: Date, limit = 100): Promise<{ caseId: string; reference: string }[]> {
    return this.prisma.$transaction(async (tx) => {
      // The picked rows are materialised first: as an IN (subquery), PostgreSQL may run the
      // subquery again for each row updated, and each run skips the rows this statement has just
      // updated and takes the next ones, past the LIMIT.
      const claimed = await tx.$queryRaw<{ id: string; reference: string }[]>`
        WITH picked AS MATERIALIZED (
          SELECT "id" FROM "Case"
          WHERE "status" = 'PLAN_ACTIVE' AND "nextReviewAt" <= ${now}
            AND ("reviewRemindedFor" IS NULL OR "reviewRemindedFor" <> "nextReviewAt")
          ORDER BY "nextReviewAt" LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        UPDATE "Case" c SET "status" = 'REVIEW_DUE', "reviewRemindedFor" = c."nextReviewAt", "version" = c."version" + 1, "updatedAt" = now() AT TIME ZONE 'UTC'
          FROM picked WHERE c."id" = picked."id" AND c."status" = 'PLAN_ACTIVE'
        RETURNING c."id", c."reference"`;
      if (claimed.length === 0) return [];
      const ids = claimed.map((c) => c.id);
      await tx.$executeRaw`
        INSERT INTO "CaseEvent" ("caseId", "actorId", "type", "data", "at")
        SELECT k."id", NULL, 'REVIEW_DUE', '{}'::jsonb, now() AT TIME ZONE 'UTC' FROM unnest(${ids}::text[]) WITH ORDINALITY AS k("id", "n") ORDER BY k."n"`;
      // The assignee's latest personal chat with the bot, if they have one; and the case cards in Teams.
      const chats = await tx.$queryRaw<{ caseId: string; conversationId: string }[]>`
        SELECT c."id" AS "caseId", chat."conversationId"
          FROM "Case" c JOIN "Member" m ON m."id" = c."assigneeId"
          CROSS JOIN LATERAL (
            SELECT r."conversationId" FROM "ConversationRef" r
             WHERE r."aadObjectId" = m."aadObjectId" AND r."kind" = 'PERSONAL'
             ORDER BY r."updatedAt" DESC LIMIT 1) chat
         WHERE c."id" = ANY(${ids}::text[])`;
      const posts = await tx.$queryRaw<{ caseId: string; conversationId: string }[]>`
        SELECT "caseId", "conversationId" FROM "ChannelPost" WHERE "caseId" = ANY(${ids}::text[]) ORDER BY "createdAt", "id"`;
      const day = now.toISOString().slice(0, 10);
      const rows = claimed.flatMap((c) => {
        const messages: OutgoingMessage[] = chats
          .filter((chat) => chat.caseId === c.id)
          .map((chat) => ({ conversationId: chat.conversationId, kind: "post", render: { view: "planReminder", caseId: c.id }, dedupeKey: `review:${c.id}:${day}` }));
        for (const p of posts) if (p.caseId === c.id) messages.push({ conversationId: p.conversationId, kind: "update", render: { view: "caseCard", caseId: c.id } });
        return messages.map((m) => ({ caseId: c.id, ...outboxRow(m) }));
      });
      await insertOutboxRows(tx, rows);
      return claimed.map((c) => ({ caseId: c.id, reference: c.reference }));
    });
  }
}
