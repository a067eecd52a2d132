import type { PrismaClient } from "../generated/prisma/client.js";
import { enqueueMessages } from "./cases.js";
import type { OutgoingMessage } from "./outgoing-message.js";

/** Plans whose review date has passed: each becomes REVIEW_DUE (lifecycle: PLAN_ACTIVE ->
 *  REVIEW_DUE, by the system) and its assignee gets one reminder. The database decides who sends:
 *  the conditional UPDATE over rows locked with SKIP LOCKED lets exactly one scheduler instance
 *  claim a given case and review date, and `reviewRemindedFor` remembers that date. */
export class ReviewReminderRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async claimDue(now: Date, limit = 100): Promise<{ caseId: string; reference: string }[]> {
    return this.prisma.$transaction(async (tx) => {
      const claimed = await tx.$queryRaw<{ id: string; reference: string; assigneeId: string | null }[]>`
        UPDATE "Case" SET "status" = 'REVIEW_DUE', "reviewRemindedFor" = "nextReviewAt", "version" = "version" + 1, "updatedAt" = now()
        WHERE "id" IN (
          SELECT "id" FROM "Case"
          WHERE "status" = 'PLAN_ACTIVE' AND "nextReviewAt" <= ${now}
            AND ("reviewRemindedFor" IS NULL OR "reviewRemindedFor" <> "nextReviewAt")
          ORDER BY "nextReviewAt" LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        AND "status" = 'PLAN_ACTIVE'
        RETURNING "id", "reference", "assigneeId"`;
      for (const c of claimed) {
        await tx.caseEvent.create({ data: { caseId: c.id, actorId: null, type: "REVIEW_DUE", data: {} } });
        const messages: OutgoingMessage[] = [];
        const assignee = c.assigneeId ? await tx.member.findUnique({ where: { id: c.assigneeId }, select: { aadObjectId: true } }) : null;
        const chat = assignee ? await tx.conversationRef.findFirst({ where: { aadObjectId: assignee.aadObjectId, kind: "PERSONAL" }, orderBy: { updatedAt: "desc" } }) : null;
        if (chat) messages.push({ conversationId: chat.conversationId, kind: "post", render: { view: "planReminder", caseId: c.id }, dedupeKey: `review:${c.id}:${now.toISOString().slice(0, 10)}` });
        const posts = await tx.channelPost.findMany({ where: { caseId: c.id }, select: { conversationId: true } });
        for (const p of posts) messages.push({ conversationId: p.conversationId, kind: "update", render: { view: "caseCard", caseId: c.id } });
        await enqueueMessages(tx, messages, c.id);
      }
      return claimed.map((c) => ({ caseId: c.id, reference: c.reference }));
    });
  }
}
