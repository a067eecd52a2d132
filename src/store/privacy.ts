import { sql } from "kysely";
import { FREE_TEXT_EVENT_KEYS } from "../domain/retention.js";
import type { Role } from "../domain/roles.js";
import type { Db } from "./kysely.js";
import { caseEventsInsert, recordCaseEvents } from "./case-events.js";
import { erasedValues } from "./retention-columns.js";
import { queueSends } from "./sends.js";

/** Data protection in the database: everything held on one pupil (access requests), and the
 *  anonymisation that erasure requests and the retention job apply. Anonymisation keeps what the
 *  statistics need (school, class, birth year, signal codes and families, dates, statuses,
 *  outcome, plan action types) and removes identity and every text typed by people: what each
 *  column becomes is declared in retention-columns.ts. */

export type PupilCases = {
  pupilId: string;
  anonymized: boolean;
  cases: { id: string; reference: string; status: string; anonymizedAt: Date | null }[];
};

export type AnonymizeCause = "RETENTION" | "REQUEST";

/** The export of an access request (RGPD art. 15): JSON, dates in ISO 8601. */
export type PupilExport = {
  format: "repere-pupil-export/1";
  generatedAt: string;
  pupil: {
    lastName: string;
    firstName: string;
    birthYear: number;
    birthDate: string | null;
    className: string | null;
    ine: string | null;
    school: { uai: string; name: string };
    recordedAt: string;
    anonymizedAt: string | null;
    /** The phone and e-mail a campaign list gave (kept for the MLDS coordinators), if any. */
    contact: { phone: string | null; email: string | null } | null;
  };
  cases: Array<{
    reference: string;
    status: string;
    urgency: number;
    source: string;
    sourceLabel: string | null;
    escalatedToMlds: boolean;
    openedAt: string;
    closedAt: string | null;
    nextReviewAt: string | null;
    anonymizedAt: string | null;
    assignee: string | null;
    reports: Array<{
      at: string;
      reporter: string | null;
      urgency: number;
      absenceHalfDays: number | null;
      stepsTaken: string[];
      observations: string | null;
      signals: Array<{ code: string; family: string; note: string | null }>;
    }>;
    plan: null | {
      objective: string;
      nextReviewAt: string | null;
      openedAt: string;
      actions: Array<{
        type: string;
        description: string;
        status: string;
        startDate: string | null;
        endDate: string | null;
        partner: string | null;
        company: string | null;
      }>;
    };
    outcome: null | { kind: string; comment: string | null; decidedAt: string; decidedBy: string | null };
    /** The MLDS's calls (call campaign of imported lists). */
    calls: Array<{ day: string | null; outcome: string; note: string | null; by: string | null }>;
    history: Array<{ at: string; type: string; by: string | null; data: unknown }>;
  }>;
};

export type DownloadMember = {
  memberId: string;
  displayName: string;
  role: Role;
  schoolIds: string[];
  districtId: string | null;
  departmentCode: string | null;
  locale: string | null;
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);

export class PrivacyRepository {
  constructor(private readonly db: Db) {}

  /** Deletes the dialog state of conversations idle since `before`: an unfinished report holds a
   *  pupil's name and notes, and nobody resumes one after weeks. */
  async forgetIdleDialogState(before: Date): Promise<number> {
    const deleted = await this.db.deleteFrom("BotState").where("updatedAt", "<", before).executeTakeFirst();
    return Number(deleted.numDeletedRows);
  }

  /** The pupil of a case and all of that pupil's cases. */
  async pupilOfCase(caseId: string): Promise<PupilCases | null> {
    const pupil = await this.db
      .selectFrom("Case as c")
      .innerJoin("Pupil as p", "p.id", "c.pupilId")
      .select(["p.id", "p.anonymizedAt"])
      .where("c.id", "=", caseId)
      .executeTakeFirst();
    if (!pupil) return null;
    const cases = await this.db
      .selectFrom("Case")
      .select(["id", "reference", "status", "anonymizedAt"])
      .where("pupilId", "=", pupil.id)
      .orderBy("createdAt")
      .orderBy("id")
      .execute();
    return { pupilId: pupil.id, anonymized: pupil.anonymizedAt !== null, cases };
  }

  /** An active member, by id, with what permissions need (a download link names its requester). */
  async member(memberId: string): Promise<DownloadMember | null> {
    const m = await this.db
      .selectFrom("Member as m")
      .select(["m.id as memberId", "m.displayName", "m.role", "m.districtId", "m.departmentCode", "m.locale"])
      .select((eb) =>
        eb.fn
          .coalesce(
            eb
              .selectFrom("MemberSchool as ms")
              .select(sql<string[]>`array_agg(ms."schoolId" ORDER BY ms."schoolId")`.as("ids"))
              .whereRef("ms.memberId", "=", "m.id"),
            sql<string[]>`'{}'::text[]`,
          )
          .as("schoolIds"),
      )
      .where("m.id", "=", memberId)
      .where("m.active", "=", true)
      .executeTakeFirst();
    return m ?? null;
  }

  async exportPupil(pupilId: string, now: Date): Promise<PupilExport | null> {
    const p = await this.db
      .selectFrom("Pupil as p")
      .innerJoin("School as s", "s.id", "p.schoolId")
      .select([
        "p.lastName",
        "p.firstName",
        "p.birthYear",
        "p.birthDate",
        "p.className",
        "p.ine",
        "p.createdAt",
        "p.anonymizedAt",
        "s.uai",
        "s.name as schoolName",
      ])
      .where("p.id", "=", pupilId)
      .executeTakeFirst();
    if (!p) return null;
    const cases = await this.db.selectFrom("Case").selectAll().where("pupilId", "=", pupilId).orderBy("createdAt").orderBy("id").execute();
    const caseIds = cases.map((c) => c.id);
    const inCases = sql<string>`any(${caseIds}::text[])`;
    const contact = await this.db.selectFrom("PupilContact").select(["phone", "email"]).where("pupilId", "=", pupilId).executeTakeFirst();
    const [reports, signals, plans, actions, outcomes, events, calls] =
      caseIds.length === 0
        ? [[], [], [], [], [], [], []]
        : await Promise.all([
            this.db.selectFrom("Report").selectAll().where("caseId", "=", inCases).orderBy("createdAt").orderBy("id").execute(),
            this.db
              .selectFrom("ReportSignal as rs")
              .innerJoin("Report as r", "r.id", "rs.reportId")
              .selectAll("rs")
              .where("r.caseId", "=", inCases)
              .orderBy("rs.id")
              .execute(),
            this.db.selectFrom("Plan").selectAll().where("caseId", "=", inCases).execute(),
            this.db
              .selectFrom("PlanAction as a")
              .innerJoin("Plan as pl", "pl.id", "a.planId")
              .selectAll("a")
              .where("pl.caseId", "=", inCases)
              .orderBy("a.createdAt")
              .orderBy("a.id")
              .execute(),
            this.db.selectFrom("Outcome").selectAll().where("caseId", "=", inCases).execute(),
            this.db.selectFrom("CaseEvent").selectAll().where("caseId", "=", inCases).orderBy("id").execute(),
            this.db.selectFrom("CallAttempt").selectAll().where("caseId", "=", inCases).orderBy("calledAt").orderBy("createdAt").execute(),
          ]);
    const memberIds = new Set<string>();
    for (const id of [
      ...cases.map((c) => c.assigneeId),
      ...outcomes.map((o) => o.decidedById),
      ...reports.map((r) => r.reporterId),
      ...events.map((e) => e.actorId),
      ...calls.map((c) => c.byId),
    ])
      if (id) memberIds.add(id);
    const names = new Map(
      memberIds.size === 0
        ? []
        : (
            await this.db
              .selectFrom("Member")
              .select(["id", "displayName"])
              .where("id", "=", sql<string>`any(${[...memberIds]}::text[])`)
              .execute()
          ).map((m) => [m.id, m.displayName]),
    );
    const name = (id: string | null) => (id ? (names.get(id) ?? null) : null);
    return {
      format: "repere-pupil-export/1",
      generatedAt: now.toISOString(),
      pupil: {
        lastName: p.lastName,
        firstName: p.firstName,
        birthYear: p.birthYear,
        birthDate: day(p.birthDate),
        className: p.className,
        ine: p.ine,
        school: { uai: p.uai, name: p.schoolName },
        recordedAt: p.createdAt.toISOString(),
        anonymizedAt: iso(p.anonymizedAt),
        contact: contact && (contact.phone || contact.email) ? { phone: contact.phone, email: contact.email } : null,
      },
      cases: cases.map((c) => {
        const plan = plans.find((pl) => pl.caseId === c.id);
        const outcome = outcomes.find((o) => o.caseId === c.id);
        return {
          reference: c.reference,
          status: c.status,
          urgency: c.urgency,
          source: c.source,
          sourceLabel: c.sourceLabel,
          escalatedToMlds: c.escalatedToMlds,
          openedAt: c.createdAt.toISOString(),
          closedAt: iso(c.closedAt),
          nextReviewAt: iso(c.nextReviewAt),
          anonymizedAt: iso(c.anonymizedAt),
          assignee: name(c.assigneeId),
          reports: reports
            .filter((r) => r.caseId === c.id)
            .map((r) => ({
              at: r.createdAt.toISOString(),
              reporter: name(r.reporterId),
              urgency: r.urgency,
              absenceHalfDays: r.absenceHalfDays,
              stepsTaken: r.stepsTaken,
              observations: r.observations,
              signals: signals.filter((s) => s.reportId === r.id).map((s) => ({ code: s.code, family: s.family, note: s.note })),
            })),
          plan: plan
            ? {
                objective: plan.objective,
                nextReviewAt: iso(plan.nextReviewAt),
                openedAt: plan.createdAt.toISOString(),
                actions: actions
                  .filter((a) => a.planId === plan.id)
                  .map((a) => ({
                    type: a.type,
                    description: a.description,
                    status: a.status,
                    startDate: day(a.startDate),
                    endDate: day(a.endDate),
                    partner: a.partner,
                    company: a.company,
                  })),
              }
            : null,
          outcome: outcome
            ? { kind: outcome.kind, comment: outcome.comment, decidedAt: outcome.decidedAt.toISOString(), decidedBy: name(outcome.decidedById) }
            : null,
          calls: calls.filter((k) => k.caseId === c.id).map((k) => ({ day: day(k.calledAt), outcome: k.outcome, note: k.note, by: name(k.byId) })),
          history: events.filter((e) => e.caseId === c.id).map((e) => ({ at: e.at.toISOString(), type: e.type, by: name(e.actorId), data: e.data })),
        };
      }),
    };
  }

  /** An audit event on each case of a pupil (who exported or looked, and when). */
  async recordOnCases(caseIds: string[], event: { type: string; actorId: string | null; data: Record<string, unknown> }): Promise<void> {
    await recordCaseEvents(
      this.db,
      caseIds.map((caseId) => ({ caseId, ...event })),
    );
  }

  /** Erasure request: every case of the pupil anonymised (open ones closed) and the pupil too, in
   *  one transaction; each case keeps an ERASED event (who, when, which reference). */
  async erasePupil(pupilId: string, opts: { now: Date; actorId: string; reference: string }): Promise<{ references: string[] }> {
    return this.db.transaction().execute(async (trx) => {
      // The pupil row is locked first: two erasures of one pupil at once run one after the other.
      const locked = await trx.selectFrom("Pupil").select("id").where("id", "=", pupilId).forUpdate().executeTakeFirst();
      if (!locked) return { references: [] };
      const cases = await trx.selectFrom("Case").select("id").where("pupilId", "=", pupilId).orderBy("createdAt").orderBy("id").forUpdate().execute();
      const done = await anonymizeCasesIn(
        trx,
        cases.map((c) => c.id),
        { now: opts.now, actorId: opts.actorId, cause: "REQUEST", requestedFor: opts.reference, close: true },
      );
      await anonymizePupils(trx, [pupilId], opts.now);
      return { references: done };
    });
  }

  /** Closed cases past retention (closed before `cutoff`), oldest first. */
  async retentionDue(cutoff: Date, limit: number): Promise<{ id: string; reference: string; closedAt: Date }[]> {
    const rows = await this.db
      .selectFrom("Case")
      .select(["id", "reference", "closedAt"])
      .where("status", "=", "CLOSED")
      .where("anonymizedAt", "is", null)
      .where("closedAt", "<", cutoff)
      .orderBy("closedAt")
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.flatMap((r) => (r.closedAt ? [{ id: r.id, reference: r.reference, closedAt: r.closedAt }] : []));
  }

  /** Retention: up to `limit` closed cases past retention, the oldest first, anonymised together in
   *  one transaction; returns their references (fewer than `limit`: nothing more is free to take).
   *  Cases another run holds are skipped (SKIP LOCKED): runs may overlap or be interrupted, and
   *  each case is anonymised once. A pupil who still has a case that keeps its identity keeps it:
   *  the anonymised cases move to anonymous pupil rows. */
  async anonymizeClosedCases(opts: { now: Date; cutoff: Date; limit: number }): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom("Case")
        .select("id")
        .where("status", "=", "CLOSED")
        .where("anonymizedAt", "is", null)
        .where("closedAt", "<", opts.cutoff)
        .orderBy("closedAt")
        .orderBy("id")
        .limit(opts.limit)
        .forUpdate()
        .skipLocked()
        .execute();
      return anonymizeCasesIn(
        trx,
        due.map((c) => c.id),
        { now: opts.now, actorId: null, cause: "RETENTION", close: false },
      );
    });
  }
}

/**
 * Removes the identity and the free texts of the given cases that are not anonymised yet, in `trx`
 * (their rows locked by the caller), set-based: the same dozen statements for one case or five
 * hundred (the retention of a whole school year runs on 1 September; case by case it cost about
 * 10 ms of the bot's time each, `npm run retention` on 18,904 cases: 3 min 15 s). Returns the
 * references of the cases anonymised, in the order given.
 */
async function anonymizeCasesIn(
  trx: Db,
  caseIds: string[],
  opts: { now: Date; actorId: string | null; cause: AnonymizeCause; requestedFor?: string; close: boolean },
): Promise<string[]> {
  if (caseIds.length === 0) return [];
  const updated = await trx
    .updateTable("Case")
    .set((eb) => {
      const closing = eb.and([sql<boolean>`${opts.close}::boolean`, eb("status", "<>", "CLOSED")]);
      return {
        anonymizedAt: opts.now,
        version: eb("version", "+", 1),
        updatedAt: sql<Date>`now()`,
        status: opts.close ? "CLOSED" : eb.ref("status"),
        closedAt: eb
          .case()
          .when(closing)
          .then(eb.fn.coalesce("closedAt", sql<Date>`${opts.now}::timestamptz`))
          .else(eb.ref("closedAt"))
          .end(),
        nextReviewAt: eb.case().when(closing).then(null).else(eb.ref("nextReviewAt")).end(),
      };
    })
    .where("id", "=", sql<string>`any(${caseIds}::text[])`)
    .where("anonymizedAt", "is", null)
    .returning(["id", "reference"])
    .execute();
  if (updated.length === 0) return [];
  const ids = updated.map((c) => c.id);
  const inCases = sql<string>`any(${ids}::text[])`;
  const reportsOf = trx.selectFrom("Report").select("id").where("caseId", "=", inCases);
  const plansOf = trx.selectFrom("Plan").select("id").where("caseId", "=", inCases);
  await trx.updateTable("ReportSignal").set(erasedValues("ReportSignal")).where("reportId", "in", reportsOf).execute();
  await trx.updateTable("Report").set(erasedValues("Report")).where("caseId", "=", inCases).execute();
  await trx.updateTable("Outcome").set(erasedValues("Outcome")).where("caseId", "=", inCases).execute();
  await trx.updateTable("CaseFamily").set(erasedValues("CaseFamily")).where("caseId", "=", inCases).execute();
  await trx.updateTable("CallAttempt").set(erasedValues("CallAttempt")).where("caseId", "=", inCases).execute();
  await trx.updateTable("CaseTransfer").set(erasedValues("CaseTransfer")).where("caseId", "=", inCases).execute();
  await trx
    .updateTable("Plan")
    .set({ ...erasedValues("Plan"), updatedAt: sql<Date>`now()` })
    .where("caseId", "=", inCases)
    .execute();
  await trx
    .updateTable("PlanAction")
    .set({ ...erasedValues("PlanAction"), updatedAt: sql<Date>`now()` })
    .where("planId", "in", plansOf)
    .execute();
  const keys = [...FREE_TEXT_EVENT_KEYS];
  await trx
    .updateTable("CaseEvent")
    .set({ data: sql`"data" - ${keys}::text[]` })
    .where("caseId", "=", inCases)
    .where(sql<boolean>`jsonb_typeof("data") = 'object' AND "data" ?| ${keys}::text[]`)
    .execute();

  // A pupil still followed in a case that keeps its identity keeps it there: the anonymised cases
  // move to anonymous pupil rows of their own (same school, class and birth year, for statistics).
  const pupil = erasedValues("Pupil");
  await trx
    .with("moved", (qc) =>
      qc
        .selectFrom("Case as c")
        .innerJoin("Pupil as p", "p.id", "c.pupilId")
        .select(["c.id as caseId", sql<string>`gen_random_uuid()::text`.as("pupilId"), "p.schoolId", "p.birthYear", "p.className"])
        .where("c.id", "=", inCases)
        .where("p.anonymizedAt", "is", null)
        .where(({ exists, selectFrom }) =>
          exists(selectFrom("Case as o").select("o.id").whereRef("o.pupilId", "=", "c.pupilId").where("o.anonymizedAt", "is", null)),
        ),
    )
    .with("placeholders", (qc) =>
      qc
        .insertInto("Pupil")
        .columns(["id", "schoolId", "lastName", "firstName", "nameKey", "birthYear", "className", "anonymizedAt", "createdAt"])
        .expression((eb) =>
          eb
            .selectFrom("moved as m")
            .select([
              "m.pupilId",
              "m.schoolId",
              sql.lit(pupil.lastName ?? "").as("lastName"),
              sql.lit(pupil.firstName ?? "").as("firstName"),
              sql.lit("").as("nameKey"),
              "m.birthYear",
              "m.className",
              sql<Date>`${opts.now}::timestamptz`.as("anonymizedAt"),
              sql<Date>`now()`.as("createdAt"),
            ]),
        ),
    )
    .updateTable("Case as c")
    .from("moved as m")
    .set((eb) => ({ pupilId: eb.ref("m.pupilId") }))
    .whereRef("c.id", "=", "m.caseId")
    .execute();
  // The others lose their identity with their last case.
  const pupils = await trx.selectFrom("Case").select("pupilId").distinct().where("id", "=", inCases).execute();
  await anonymizePupils(
    trx,
    pupils.map((p) => p.pupilId),
    opts.now,
  );

  const erased = { cause: opts.cause, ...(opts.requestedFor ? { requestedFor: opts.requestedFor } : {}) };
  await caseEventsInsert(
    trx,
    updated.map((c) => ({ caseId: c.id, actorId: opts.actorId, type: "ERASED", data: { ...erased, reference: c.reference } })),
  ).execute();
  // Every copy of the case cards in Teams is shown again, without the name it may have carried.
  const posts = await trx
    .selectFrom("ChannelPost")
    .select(["caseId", "conversationId"])
    .where("caseId", "=", inCases)
    .orderBy("createdAt")
    .orderBy("id")
    .execute();
  await queueSends(
    trx,
    posts.map((p) => ({ conversationId: p.conversationId, kind: "update", payload: { render: { view: "caseCard", caseId: p.caseId } }, caseId: p.caseId })),
  );
  const references = new Map(updated.map((c) => [c.id, c.reference]));
  return caseIds.flatMap((id) => references.get(id) ?? []);
}

/** The pupils given lose their identity (those not anonymised yet). */
async function anonymizePupils(trx: Db, pupilIds: string[], now: Date): Promise<void> {
  await trx
    .updateTable("Pupil")
    .set({ ...erasedValues("Pupil"), birthDate: null, anonymizedAt: now })
    .where("anonymizedAt", "is", null)
    .where("id", "=", sql<string>`any(${pupilIds}::text[])`)
    .execute();
  // « Même élève ? » answers say who the young person is elsewhere: they go with the identity.
  await trx
    .deleteFrom("PupilLink")
    .where((eb) => eb.or([eb("pupilId", "=", sql<string>`any(${pupilIds}::text[])`), eb("otherPupilId", "=", sql<string>`any(${pupilIds}::text[])`)]))
    .execute();
  // The phone and e-mail of a campaign list go with the identity.
  await trx
    .updateTable("PupilContact")
    .set({ ...erasedValues("PupilContact"), updatedAt: now })
    .where("pupilId", "=", sql<string>`any(${pupilIds}::text[])`)
    .where((eb) => eb.or([eb("phone", "is not", null), eb("email", "is not", null)]))
    .execute();
}
