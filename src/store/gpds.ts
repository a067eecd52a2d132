import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "./kysely.js";
import { latestPersonalChat } from "./conversations.js";
import { initials } from "../domain/text.js";
import type { Role } from "../domain/roles.js";
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
        .select(["id", "date", "agendaSentAt", "agendaCaseIds"])
        .where("schoolId", "=", meeting.schoolId)
        .where("date", "<", asDate(meeting.date))
        .orderBy("date", "desc")
        .limit(1)
        .executeTakeFirst()
        .then(async (p) => (p ? { ...p, carried: await carriedOver(trx, p.id, p.agendaCaseIds) } : undefined));
      // Since the previous agenda went out: a case opened between it and its meeting is on this one.
      const since = previous ? (previous.agendaSentAt ?? previous.date) : null;
      const newCases = await trx
        .selectFrom("Case as c")
        .innerJoin("Pupil as p", "p.id", "c.pupilId")
        .select(["c.id", "c.reference", "p.firstName", "p.lastName"])
        .where("c.schoolId", "=", meeting.schoolId)
        .where("c.status", "in", ["NEW", "ACKNOWLEDGED", "INFO_REQUESTED"])
        .where((eb) =>
          eb.or([
            ...(since !== null ? [eb("c.createdAt", ">=", since)] : [eb.lit(true)]),
            // The lines of the previous agenda postponed to this one come back.
            ...(previous?.carried.length ? [eb("c.id", "in", previous.carried)] : []),
          ]),
        )
        .orderBy("c.createdAt")
        .limit(60)
        .execute();
      const reviews = await trx
        .selectFrom("Case as c")
        .innerJoin("Pupil as p", "p.id", "c.pupilId")
        .select(["c.id", "c.reference", "p.firstName", "p.lastName", "c.nextReviewAt"])
        .where("c.schoolId", "=", meeting.schoolId)
        // A case the GPDS keeps watching (ACKNOWLEDGED with a review date) comes back as a review too.
        .where("c.status", "in", ["PLAN_ACTIVE", "REVIEW_DUE", "ACKNOWLEDGED"])
        .where("c.nextReviewAt", "<", reviewsBefore)
        .orderBy("c.nextReviewAt")
        .limit(60)
        .execute();
      const reviewIds = new Set(reviews.map((c) => c.id));
      const newOnes = newCases.filter((c) => !reviewIds.has(c.id));
      await trx
        .updateTable("GpdsMeeting")
        .set({ agendaCaseIds: [...newOnes.map((c) => c.id), ...reviews.map((c) => c.id)], agendaReviewIds: reviews.map((c) => c.id) })
        .where("id", "=", meeting.id)
        .execute();
      const space = await trx.selectFrom("GpdsSpace").select(["conversationId"]).where("schoolId", "=", meeting.schoolId).executeTakeFirst();
      const targets = space
        ? [space.conversationId]
        : (
            await trx
              .selectFrom("Member as m")
              .innerJoin("MemberSchool as ms", "ms.memberId", "m.id")
              .innerJoinLateral(latestPersonalChat, (join) => join.onTrue())
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
        newCases: newOnes.map((c) => ({ reference: c.reference, initials: initials(c.firstName, c.lastName) })),
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

  /** A meeting, with its agenda lines, who attended and whether its séance is closed. */
  async meeting(id: string): Promise<GpdsMeetingDetail | null> {
    const row = await this.db
      .selectFrom("GpdsMeeting as g")
      .innerJoin("School as s", "s.id", "g.schoolId")
      .select(["g.id", "g.schoolId", "s.name as schoolName", "g.date", "g.agendaSentAt", "g.attendeeIds", "g.agendaCaseIds", "g.agendaReviewIds", "g.closedAt"])
      .where("g.id", "=", id)
      .executeTakeFirst();
    if (!row) return null;
    return {
      ...row,
      date: day(row.date),
      attendeeIds: row.attendeeIds ?? [],
      agendaCaseIds: row.agendaCaseIds ?? [],
      agendaReviewIds: row.agendaReviewIds ?? [],
    };
  }

  /** The next meeting of a school after a day (the default review date of a decision). */
  async nextAfter(schoolId: string, afterDay: string): Promise<string | null> {
    const [next] = await this.upcoming(schoolId, addDay(afterDay), 1);
    return next?.date ?? null;
  }

  /** The cases of a meeting's agenda as its lines show them, in the agenda's order, each with the
   *  decision recorded for it at this meeting (the last one), if any. */
  async agendaLines(meeting: Pick<GpdsMeetingDetail, "id" | "agendaCaseIds" | "agendaReviewIds">): Promise<GpdsDecisionLine[]> {
    if (meeting.agendaCaseIds.length === 0) return [];
    const cases = await this.db
      .selectFrom("Case as c")
      .innerJoin("Pupil as p", "p.id", "c.pupilId")
      .select(["c.id", "c.reference", "p.firstName", "p.lastName", "p.birthYear", "p.birthDate", "c.escalatedToMlds", "c.status", "c.nextReviewAt"])
      .where("c.id", "in", meeting.agendaCaseIds)
      .execute();
    const decisions = await this.db
      .selectFrom("CaseEvent")
      .select(["caseId", "actorId", "at", "data"])
      .where("type", "=", "GPDS_DECISION")
      .where("caseId", "in", meeting.agendaCaseIds)
      .where(sql<boolean>`"data"->>'meetingId' = ${meeting.id}`)
      .orderBy("at")
      .execute();
    const byCase = new Map(decisions.map((d) => [d.caseId, d]));
    const reviews = new Set(meeting.agendaReviewIds);
    const lines: GpdsDecisionLine[] = [];
    for (const id of meeting.agendaCaseIds) {
      const c = cases.find((x) => x.id === id);
      if (!c) continue; // purged since
      const d = byCase.get(id);
      const data = (d?.data ?? {}) as { decision?: string; reviewDay?: string };
      lines.push({
        caseId: c.id,
        reference: c.reference,
        firstName: c.firstName,
        lastName: c.lastName,
        initials: initials(c.firstName, c.lastName),
        status: c.status,
        pupilBirth: { year: c.birthYear, date: c.birthDate },
        escalatedToMlds: c.escalatedToMlds,
        review: reviews.has(id),
        reviewAt: c.nextReviewAt,
        decision: d ? { decision: data.decision ?? "", decidedById: d.actorId, at: d.at, reviewDay: data.reviewDay ?? null } : null,
      });
    }
    return lines;
  }

  /** The active members of a school's GPDS (by role), by name. */
  async members(schoolId: string, roles: readonly string[]): Promise<{ id: string; displayName: string; role: string }[]> {
    return this.db
      .selectFrom("Member as m")
      .innerJoin("MemberSchool as ms", "ms.memberId", "m.id")
      .select(["m.id", "m.displayName", "m.role"])
      .where("ms.schoolId", "=", schoolId)
      .where("m.active", "=", true)
      .where("m.role", "in", roles as readonly Role[])
      .orderBy("m.displayName")
      .limit(60)
      .execute();
  }

  /** Who attended (replaces the list). False when the séance is closed. */
  async setAttendees(meetingId: string, memberIds: readonly string[]): Promise<boolean> {
    const result = await this.db
      .updateTable("GpdsMeeting")
      .set({ attendeeIds: [...memberIds] })
      .where("id", "=", meetingId)
      .where("closedAt", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The agenda cards delivered for a meeting (to update them in place). */
  async agendaPosts(meetingId: string): Promise<{ conversationId: string; activityId: string; render: RenderSpec }[]> {
    const rows = await this.db
      .selectFrom("OutboxMessage")
      .select(["conversationId", "resultActivityId", "payload"])
      .where("dedupeKey", "like", `gpds-agenda:${meetingId}:%`)
      .where("kind", "=", "post")
      .where("status", "=", "SENT")
      .where("resultActivityId", "is not", null)
      .execute();
    return rows.flatMap((r) => {
      const render = (r.payload as { render?: RenderSpec } | null)?.render;
      return render && r.resultActivityId ? [{ conversationId: r.conversationId, activityId: r.resultActivityId, render }] : [];
    });
  }

  /** Queues sends (the updates of an agenda card). */
  queue(sends: readonly NewSend[]): Promise<number> {
    return queueSends(this.db, sends);
  }

  /** Meetings held before `today` whose agenda went out and whose séance is not closed; `lines`:
   *  how many lines their agenda had. */
  async summaryCandidates(today: string): Promise<(GpdsMeetingRow & { lines: number })[]> {
    const rows = await this.db
      .selectFrom("GpdsMeeting")
      .select(["id", "schoolId", "date", "agendaSentAt", sql<number>`coalesce(cardinality("agendaCaseIds"), 0)::int`.as("lines")])
      .where("date", "<", asDate(today))
      .where("agendaSentAt", "is not", null)
      .where("closedAt", "is", null)
      .orderBy("date")
      .limit(500)
      .execute();
    return rows.map((r) => ({ ...r, date: day(r.date) }));
  }

  /**
   * Closes a meeting's séance (once, whichever comes first: a conditional UPDATE) and queues its
   * summary in the same transaction: to the school's GPDS space (initials), and to the personal
   * chat of each member of the school's GPDS (names, checked again when delivered). Returns how
   * many sends were queued, or null when it was closed already.
   */
  async close(meetingId: string, closedById: string | null, now: Date, memberRoles: readonly string[], withSummary = true): Promise<number | null> {
    return this.db.transaction().execute(async (trx) => {
      const closed = await trx
        .updateTable("GpdsMeeting")
        .set({ closedAt: now, closedById })
        .where("id", "=", meetingId)
        .where("closedAt", "is", null)
        .returning(["schoolId"])
        .executeTakeFirst();
      if (!closed) return null;
      if (!withSummary) return 0;
      const space = await trx.selectFrom("GpdsSpace").select(["conversationId"]).where("schoolId", "=", closed.schoolId).executeTakeFirst();
      const chats = await trx
        .selectFrom("Member as m")
        .innerJoin("MemberSchool as ms", "ms.memberId", "m.id")
        .innerJoinLateral(latestPersonalChat, (join) => join.onTrue())
        .select(["m.id", "chat.conversationId"])
        .where("ms.schoolId", "=", closed.schoolId)
        .where("m.active", "=", true)
        .where("m.role", "in", memberRoles as readonly Role[])
        .orderBy("m.displayName")
        .execute();
      const sends: NewSend[] = [
        ...(space
          ? [
              {
                conversationId: space.conversationId,
                kind: "post" as const,
                payload: { render: { view: "gpdsSummary", meetingId } as RenderSpec },
                dedupeKey: `gpds-summary:${meetingId}:space`,
              },
            ]
          : []),
        ...chats.map((c): NewSend => ({
          conversationId: c.conversationId,
          kind: "post",
          payload: { render: { view: "gpdsSummary", meetingId, memberId: c.id } },
          dedupeKey: `gpds-summary:${meetingId}:${c.id}`,
        })),
      ];
      return queueSends(trx, sends);
    });
  }
}

export type GpdsMeetingDetail = {
  id: string;
  schoolId: string;
  schoolName: string;
  date: string;
  agendaSentAt: Date | null;
  attendeeIds: string[];
  agendaCaseIds: string[];
  agendaReviewIds: string[];
  closedAt: Date | null;
};

/** One line of a meeting's agenda as it stands: the case (names for whoever may read them) and the
 *  decision the GPDS recorded for it at that meeting. */
export type GpdsDecisionLine = {
  caseId: string;
  reference: string;
  firstName: string;
  lastName: string;
  initials: string;
  status: string;
  /** For the referral rule (never shown). */
  pupilBirth: { year: number; date: Date | null };
  escalatedToMlds: boolean;
  review: boolean;
  reviewAt: Date | null;
  decision: { decision: string; decidedById: string | null; at: Date; reviewDay: string | null } | null;
};

const addDay = (d: string) => day(new Date(asDate(d).getTime() + 86_400_000));

/** Of a meeting's agenda lines, those that come back on the next agenda: postponed (« Reporter au
 *  prochain GPDS »). A line left without a decision does not (the summary lists it as such). */
async function carriedOver(db: Db, meetingId: string, caseIds: string[] | null): Promise<string[]> {
  if (!caseIds?.length) return [];
  const decided = await db
    .selectFrom("CaseEvent")
    .select(["caseId", "data"])
    .where("type", "=", "GPDS_DECISION")
    .where("caseId", "in", caseIds)
    .where(sql<boolean>`"data"->>'meetingId' = ${meetingId}`)
    .orderBy("at")
    .execute();
  const last = new Map(decided.map((d) => [d.caseId, (d.data as { decision?: string }).decision]));
  return caseIds.filter((id) => last.get(id) === "POSTPONE");
}
