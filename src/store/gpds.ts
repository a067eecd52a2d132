import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "./kysely.js";
import { initials } from "../domain/text.js";
import type { RenderSpec } from "./outgoing-message.js";
import { queueSends, type NewSend } from "./sends.js";

export type GpdsMeetingRow = { id: string; schoolId: string; date: string; agendaSentAt: Date | null };
export type GpdsSpaceRow = { conversationId: string; kind: "PERSONAL" | "CHANNEL" | "GROUP_CHAT" | null; registeredAt: Date };
export type GpdsAgendaLine = { reference: string; initials: string; reviewDate?: string };

const day = (d: Date) => d.toISOString().slice(0, 10);
const asDate = (d: string) => new Date(`${d}T00:00:00Z`);

/** A school's GPDS meetings (one row per date) and the Teams conversation its agenda goes to. */
export class GpdsRepository {
  constructor(private readonly db: Db) {}

  /** Adds one-off dates (a date already set stays as it is); returns how many were new. */
  async addMeetings(schoolId: string, dates: readonly string[], createdById: string | null): Promise<number> {
    if (dates.length === 0) return 0;
    const result = await this.db
      .insertInto("GpdsMeeting")
      .values(dates.map((d) => ({ id: randomUUID(), schoolId, date: asDate(d), createdById })))
      .onConflict((oc) => oc.columns(["schoolId", "date"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n);
  }

  /** A recurrence: the dates from `from` on whose agenda is not sent yet are replaced by these. */
  async replaceFrom(schoolId: string, from: string, dates: readonly string[], createdById: string | null): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("GpdsMeeting").where("schoolId", "=", schoolId).where("date", ">=", asDate(from)).where("agendaSentAt", "is", null).execute();
      if (dates.length === 0) return 0;
      const result = await trx
        .insertInto("GpdsMeeting")
        .values(dates.map((d) => ({ id: randomUUID(), schoolId, date: asDate(d), createdById })))
        .onConflict((oc) => oc.columns(["schoolId", "date"]).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n);
    });
  }

  /** Removes dates; returns how many there were. */
  async cancel(schoolId: string, dates: readonly string[]): Promise<number> {
    if (dates.length === 0) return 0;
    const result = await this.db
      .deleteFrom("GpdsMeeting")
      .where("schoolId", "=", schoolId)
      .where("date", "=", sql<Date>`any(${dates}::date[])`)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The school's meetings on or after a day, the earliest first. */
  async upcoming(schoolId: string, fromDay: string, limit = 10): Promise<GpdsMeetingRow[]> {
    const rows = await this.db
      .selectFrom("GpdsMeeting")
      .select(["id", "schoolId", "date", "agendaSentAt"])
      .where("schoolId", "=", schoolId)
      .where("date", ">=", asDate(fromDay))
      .orderBy("date")
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...r, date: day(r.date) }));
  }

  /** Makes a conversation the school's GPDS space (one per school: a new one replaces it). */
  async setSpace(schoolId: string, conversationId: string, registeredById: string | null, now: Date): Promise<void> {
    await this.db
      .insertInto("GpdsSpace")
      .values({ schoolId, conversationId, registeredById, registeredAt: now })
      .onConflict((oc) => oc.column("schoolId").doUpdateSet({ conversationId, registeredById, registeredAt: now }))
      .execute();
  }

  async space(schoolId: string): Promise<GpdsSpaceRow | null> {
    const row = await this.db
      .selectFrom("GpdsSpace as s")
      .leftJoin("ConversationRef as r", "r.conversationId", "s.conversationId")
      .select(["s.conversationId", "r.kind", "s.registeredAt"])
      .where("s.schoolId", "=", schoolId)
      .executeTakeFirst();
    return row ?? null;
  }

  /** Meetings from `fromDay` to `toDay` whose agenda is not sent yet (the candidates of the job). */
  async agendaCandidates(fromDay: string, toDay: string): Promise<GpdsMeetingRow[]> {
    const rows = await this.db
      .selectFrom("GpdsMeeting")
      .select(["id", "schoolId", "date", "agendaSentAt"])
      .where("date", ">=", asDate(fromDay))
      .where("date", "<=", asDate(toDay))
      .where("agendaSentAt", "is", null)
      .orderBy("date")
      .limit(500)
      .execute();
    return rows.map((r) => ({ ...r, date: day(r.date) }));
  }

  /**
   * Claims a meeting's agenda (once, whichever instance comes first: a conditional UPDATE) and
   * queues it in the same transaction: to the school's GPDS space, or, without one, to the personal
   * chats of its référents and chefs d'établissement. On it: the cases not yet decided (no plan, not
   * closed) opened since the previous meeting's agenda went out (all of them before a first
   * meeting), and the reviews due before `reviewsBefore` (the end of the meeting day). Initials
   * and references only. Returns how many sends were queued, or null when another claimed it.
   */
  async claimAgenda(meeting: { id: string; schoolId: string; date: string }, now: Date, reviewsBefore: Date): Promise<number | null> {
    return this.db.transaction().execute(async (trx) => {
      const claimed = await trx
        .updateTable("GpdsMeeting")
        .set({ agendaSentAt: now })
        .where("id", "=", meeting.id)
        .where("agendaSentAt", "is", null)
        .returning(["id"])
        .executeTakeFirst();
      if (!claimed) return null;
      const school = await trx.selectFrom("School").select(["name"]).where("id", "=", meeting.schoolId).executeTakeFirstOrThrow();
      const previous = await trx
        .selectFrom("GpdsMeeting")
        .select(["date", "agendaSentAt"])
        .where("schoolId", "=", meeting.schoolId)
        .where("date", "<", asDate(meeting.date))
        .orderBy("date", "desc")
        .limit(1)
        .executeTakeFirst();
      // Since the previous agenda went out: a case opened between it and its meeting is on this one.
      const since = previous ? (previous.agendaSentAt ?? previous.date) : null;
      const newCases = await trx
        .selectFrom("Case as c")
        .innerJoin("Pupil as p", "p.id", "c.pupilId")
        .select(["c.reference", "p.firstName", "p.lastName"])
        .where("c.schoolId", "=", meeting.schoolId)
        .where("c.status", "in", ["NEW", "ACKNOWLEDGED", "INFO_REQUESTED"])
        .$if(since !== null, (q) => q.where("c.createdAt", ">=", since!))
        .orderBy("c.createdAt")
        .limit(60)
        .execute();
      const reviews = await trx
        .selectFrom("Case as c")
        .innerJoin("Pupil as p", "p.id", "c.pupilId")
        .select(["c.reference", "p.firstName", "p.lastName", "c.nextReviewAt"])
        .where("c.schoolId", "=", meeting.schoolId)
        .where("c.status", "in", ["PLAN_ACTIVE", "REVIEW_DUE"])
        .where("c.nextReviewAt", "<", reviewsBefore)
        .orderBy("c.nextReviewAt")
        .limit(60)
        .execute();
      const space = await trx.selectFrom("GpdsSpace").select(["conversationId"]).where("schoolId", "=", meeting.schoolId).executeTakeFirst();
      const targets = space
        ? [space.conversationId]
        : (
            await trx
              .selectFrom("Member as m")
              .innerJoin("MemberSchool as ms", "ms.memberId", "m.id")
              .innerJoinLateral(
                (eb) =>
                  eb
                    .selectFrom("ConversationRef as r")
                    .select("r.conversationId")
                    .whereRef("r.aadObjectId", "=", "m.aadObjectId")
                    .where("r.kind", "=", "PERSONAL")
                    .orderBy("r.updatedAt", "desc")
                    .limit(1)
                    .as("chat"),
                (join) => join.onTrue(),
              )
              .select("chat.conversationId")
              .where("ms.schoolId", "=", meeting.schoolId)
              .where("m.active", "=", true)
              .where("m.role", "in", ["REFERENT", "HEAD"])
              .orderBy("m.displayName")
              .execute()
          ).map((r) => r.conversationId);
      const render: RenderSpec = {
        view: "gpdsAgenda",
        meetingId: meeting.id,
        schoolName: school.name,
        date: meeting.date,
        inSpace: space !== undefined,
        newCases: newCases.map((c) => ({ reference: c.reference, initials: initials(c.firstName, c.lastName) })),
        reviews: reviews.map((c) => ({
          reference: c.reference,
          initials: initials(c.firstName, c.lastName),
          reviewDate: c.nextReviewAt ? c.nextReviewAt.toISOString() : "",
        })),
      };
      const sends = targets.map((conversationId): NewSend => ({
        conversationId,
        kind: "post",
        payload: { render },
        dedupeKey: `gpds-agenda:${meeting.id}:${conversationId}`,
      }));
      return queueSends(trx, sends);
    });
  }
}
