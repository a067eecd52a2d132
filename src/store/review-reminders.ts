import { sql } from "kysely";
import type { Db } from "./kysely.js";
import { latestPersonalChat } from "./conversations.js";
import { caseEventsInsert } from "./case-events.js";
import { queueSends, type NewSend } from "./sends.js";

/** Plans whose review date has passed: each becomes REVIEW_DUE (lifecycle: PLAN_ACTIVE ->
 *  REVIEW_DUE, by the system) and its assignee gets one reminder. The database decides who sends:
 *  the conditional UPDATE over rows locked with SKIP LOCKED lets exactly one scheduler instance
 *  claim a given case and review date, and `reviewRemindedFor` remembers that date. */
export class ReviewReminderRepository {
  constructor(private readonly db: Db) {}

  /** Claims up to `limit` cases, the earliest review first. A batch is the same five statements
   *  whatever its size: after an import or a holiday, thousands of reviews can fall due at once. */
  async claimDue(now: Date, limit = 100): Promise<{ caseId: string; reference: string }[]> {
    return this.db.transaction().execute(async (trx) => {
      // The picked rows are materialised first: as an IN (subquery), PostgreSQL may run the
      // subquery again for each row updated, and each run skips the rows this statement has just
      // updated and takes the next ones, past the LIMIT.
      const claimed = await trx
        .with(
          (wb) => wb("picked").materialized(),
          (qc) =>
            qc
              .selectFrom("Case")
              .select("id")
              .where("status", "=", "PLAN_ACTIVE")
              .where("nextReviewAt", "<=", now)
              .where((eb) => eb.or([eb("reviewRemindedFor", "is", null), eb("reviewRemindedFor", "<>", eb.ref("nextReviewAt"))]))
              .orderBy("nextReviewAt")
              .limit(limit)
              .forUpdate()
              .skipLocked(),
        )
        .updateTable("Case as c")
        .from("picked")
        .set((eb) => ({ status: "REVIEW_DUE", reviewRemindedFor: eb.ref("c.nextReviewAt"), version: eb("c.version", "+", 1), updatedAt: sql<Date>`now()` }))
        .whereRef("c.id", "=", "picked.id")
        .where("c.status", "=", "PLAN_ACTIVE")
        .returning(["c.id", "c.reference"])
        .execute();
      if (claimed.length === 0) return [];
      const ids = claimed.map((c) => c.id);
      await caseEventsInsert(
        trx,
        ids.map((caseId) => ({ caseId, actorId: null, type: "REVIEW_DUE" })),
      ).execute();
      // The assignee's latest personal chat with the bot, if they have one; and the case cards in Teams.
      const chats = await trx
        .selectFrom("Case as c")
        .innerJoin("Member as m", "m.id", "c.assigneeId")
        .innerJoinLateral(latestPersonalChat, (join) => join.onTrue())
        .select(["c.id as caseId", "chat.conversationId"])
        .where("c.id", "=", sql<string>`any(${ids}::text[])`)
        .execute();
      const posts = await trx
        .selectFrom("ChannelPost")
        .select(["caseId", "conversationId"])
        .where("caseId", "=", sql<string>`any(${ids}::text[])`)
        .orderBy("createdAt")
        .orderBy("id")
        .execute();
      const day = now.toISOString().slice(0, 10);
      const sends = claimed.flatMap((c): NewSend[] => [
        ...chats
          .filter((chat) => chat.caseId === c.id)
          .map((chat): NewSend => ({
            conversationId: chat.conversationId,
            kind: "post",
            payload: { render: { view: "planReminder", caseId: c.id } },
            dedupeKey: `review:${c.id}:${day}`,
            caseId: c.id,
          })),
        ...posts
          .filter((p) => p.caseId === c.id)
          .map((p): NewSend => ({ conversationId: p.conversationId, kind: "update", payload: { render: { view: "caseCard", caseId: c.id } }, caseId: c.id })),
      ]);
      await queueSends(trx, sends);
      return claimed.map((c) => ({ caseId: c.id, reference: c.reference }));
    });
  }
}
