import type { PrismaClient } from "../generated/prisma/client.js";
import { Prisma } from "../generated/prisma/client.js";
import { ANONYMOUS_PUPIL, FREE_TEXT_EVENT_KEYS } from "../domain/retention.js";
import type { Role } from "../domain/roles.js";
import { insertOutboxRows, outboxRow } from "./outbox.js";

/** Data protection in the database: everything held on one pupil (access requests), and the
 *  anonymisation that erasure requests and the retention job apply. Anonymisation keeps what the
 *  statistics need (school, class, birth year, signal codes and families, dates, statuses,
 *  outcome, plan action types) and removes identity and every text typed by people. */

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
      actions: Array<{ type: string; description: string; status: string; startDate: string | null; endDate: string | null; partner: string | null; company: string | null }>;
    };
    outcome: null | { kind: string; comment: string | null; decidedAt: string; decidedBy: string | null };
    history: Array<{ at: string; type: string; by: string | null; data: unknown }>;
  }>;
};

export type DownloadMember = { memberId: string; displayName: string; role: Role; schoolIds: string[]; districtId: string | null; locale: string | null };

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);

export class PrivacyRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Deletes the dialog state of conversations idle since `before`: an unfinished report holds a
   *  pupil's name and notes, and nobody resumes one after weeks. */
  async forgetIdleDialogState(before: Date): Promise<number> {
    return this.prisma.$executeRaw`DELETE FROM "BotState" WHERE "updatedAt" < ${before}`;
  }

  /** The pupil of a case and all of that pupil's cases. */
  async pupilOfCase(caseId: string): Promise<PupilCases | null> {
    const c = await this.prisma.case.findUnique({ where: { id: caseId }, select: { pupil: { select: { id: true, anonymizedAt: true, cases: { select: { id: true, reference: true, status: true, anonymizedAt: true }, orderBy: { createdAt: "asc" } } } } } });
    if (!c) return null;
    return { pupilId: c.pupil.id, anonymized: c.pupil.anonymizedAt !== null, cases: c.pupil.cases };
  }

  /** An active member, by id, with what permissions need (a download link names its requester). */
  async member(memberId: string): Promise<DownloadMember | null> {
    const m = await this.prisma.member.findFirst({ where: { id: memberId, active: true }, include: { schools: { select: { schoolId: true } } } });
    return m ? { memberId: m.id, displayName: m.displayName, role: m.role, schoolIds: m.schools.map((s) => s.schoolId), districtId: m.districtId, locale: m.locale } : null;
  }

  async exportPupil(pupilId: string, now: Date): Promise<PupilExport | null> {
    const p = await this.prisma.pupil.findUnique({
      where: { id: pupilId },
      include: {
        school: { select: { uai: true, name: true } },
        cases: {
          orderBy: { createdAt: "asc" },
          include: {
            reports: { orderBy: { createdAt: "asc" }, include: { signals: true } },
            plan: { include: { actions: { orderBy: { createdAt: "asc" } } } },
            outcome: true,
            events: { orderBy: { id: "asc" } },
          },
        },
      },
    });
    if (!p) return null;
    const memberIds = new Set<string>();
    for (const c of p.cases) {
      for (const id of [c.assigneeId, c.outcome?.decidedById ?? null, ...c.reports.map((r) => r.reporterId), ...c.events.map((e) => e.actorId)]) if (id) memberIds.add(id);
    }
    const names = new Map((await this.prisma.member.findMany({ where: { id: { in: [...memberIds] } }, select: { id: true, displayName: true } })).map((m) => [m.id, m.displayName]));
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
        school: p.school,
        recordedAt: p.createdAt.toISOString(),
        anonymizedAt: iso(p.anonymizedAt),
      },
      cases: p.cases.map((c) => ({
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
        reports: c.reports.map((r) => ({
          at: r.createdAt.toISOString(),
          reporter: name(r.reporterId),
          urgency: r.urgency,
          absenceHalfDays: r.absenceHalfDays,
          stepsTaken: r.stepsTaken,
          observations: r.observations,
          signals: r.signals.map((s) => ({ code: s.code, family: s.family, note: s.note })),
        })),
        plan: c.plan
          ? {
              objective: c.plan.objective,
              nextReviewAt: iso(c.plan.nextReviewAt),
              openedAt: c.plan.createdAt.toISOString(),
              actions: c.plan.actions.map((a) => ({ type: a.type, description: a.description, status: a.status, startDate: day(a.startDate), endDate: day(a.endDate), partner: a.partner, company: a.company })),
            }
          : null,
        outcome: c.outcome ? { kind: c.outcome.kind, comment: c.outcome.comment, decidedAt: c.outcome.decidedAt.toISOString(), decidedBy: name(c.outcome.decidedById) } : null,
        history: c.events.map((e) => ({ at: e.at.toISOString(), type: e.type, by: name(e.actorId), data: e.data })),
      })),
    };
  }

  /** An audit event on each case of a pupil (who exported or looked, and when). */
  async recordOnCases(caseIds: string[], event: { type: string; actorId: string | null; data: Record<string, unknown> }): Promise<void> {
    if (caseIds.length === 0) return;
    await this.prisma.caseEvent.createMany({ data: caseIds.map((caseId) => ({ caseId, actorId: event.actorId, type: event.type, data: event.data as Prisma.InputJsonValue })) });
  }

  /** Erasure request: every case of the pupil anonymised (open ones closed) and the pupil too, in
   *  one transaction; each case keeps an ERASED event (who, when, which reference). */
  async erasePupil(pupilId: string, opts: { now: Date; actorId: string; reference: string }): Promise<{ references: string[] }> {
    return this.prisma.$transaction(
      async (tx) => {
        // The pupil row is locked first: two erasures of one pupil at once run one after the other.
        const locked = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Pupil" WHERE "id" = ${pupilId} FOR UPDATE`;
        if (locked.length === 0) return { references: [] };
        const cases = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Case" WHERE "pupilId" = ${pupilId} ORDER BY "createdAt", "id" FOR UPDATE`;
        const done = await anonymizeCasesIn(tx, cases.map((c) => c.id), { now: opts.now, actorId: opts.actorId, cause: "REQUEST", requestedFor: opts.reference, close: true });
        await anonymizePupils(tx, Prisma.sql`"id" = ${pupilId}`, opts.now);
        return { references: done };
      },
      { timeout: TRANSACTION_TIMEOUT_MS },
    );
  }

  /** Closed cases past retention (closed before `cutoff`), oldest first. */
  async retentionDue(cutoff: Date, limit: number): Promise<{ id: string; reference: string; closedAt: Date }[]> {
    const rows = await this.prisma.case.findMany({
      where: { status: "CLOSED", anonymizedAt: null, closedAt: { lt: cutoff } },
      select: { id: true, reference: true, closedAt: true },
      orderBy: [{ closedAt: "asc" }, { id: "asc" }],
      take: limit,
    });
    return rows.map((r) => ({ id: r.id, reference: r.reference, closedAt: r.closedAt! }));
  }

  /** Retention: up to `limit` closed cases past retention, the oldest first, anonymised together in
   *  one transaction; returns their references (fewer than `limit`: nothing more is free to take).
   *  Cases another run holds are skipped (SKIP LOCKED): runs may overlap or be interrupted, and
   *  each case is anonymised once. A pupil who still has a case that keeps its identity keeps it:
   *  the anonymised cases move to anonymous pupil rows. */
  async anonymizeClosedCases(opts: { now: Date; cutoff: Date; limit: number }): Promise<string[]> {
    return this.prisma.$transaction(
      async (tx) => {
        const due = await tx.$queryRaw<{ id: string }[]>`
          SELECT "id" FROM "Case"
           WHERE "status" = 'CLOSED' AND "anonymizedAt" IS NULL AND "closedAt" < ${opts.cutoff}::timestamp(3)
           ORDER BY "closedAt", "id" LIMIT ${opts.limit}
           FOR UPDATE SKIP LOCKED`;
        return anonymizeCasesIn(tx, due.map((c) => c.id), { now: opts.now, actorId: null, cause: "RETENTION", close: false });
      },
      { timeout: TRANSACTION_TIMEOUT_MS },
    );
  }
}

/** Anonymising a batch of cases is a dozen statements whatever its size, but on the embedded
 *  database a batch of a few hundred cases takes longer than Prisma's default of 5 s. */
const TRANSACTION_TIMEOUT_MS = 120_000;

/**
 * Removes the identity and the free texts of the given cases that are not anonymised yet, in `tx`
 * (their rows locked by the caller), set-based: the same dozen statements for one case or five
 * hundred (the retention of a whole school year runs on 1 September; case by case it cost about
 * 10 ms of the bot's time each, `npm run retention` on 18,904 cases: 3 min 15 s). Returns the
 * references of the cases anonymised, in the order given.
 */
async function anonymizeCasesIn(
  tx: Prisma.TransactionClient,
  caseIds: string[],
  opts: { now: Date; actorId: string | null; cause: AnonymizeCause; requestedFor?: string; close: boolean },
): Promise<string[]> {
  if (caseIds.length === 0) return [];
  const now = Prisma.sql`${opts.now.toISOString()}::timestamp(3)`;
  const updated = await tx.$queryRaw<{ id: string; reference: string }[]>`
    UPDATE "Case" SET
      "anonymizedAt" = ${now}, "version" = "version" + 1, "updatedAt" = now() AT TIME ZONE 'UTC',
      "status" = CASE WHEN ${opts.close}::boolean THEN 'CLOSED'::"CaseStatus" ELSE "status" END,
      "closedAt" = CASE WHEN ${opts.close}::boolean AND "status" <> 'CLOSED' THEN coalesce("closedAt", ${now}) ELSE "closedAt" END,
      "nextReviewAt" = CASE WHEN ${opts.close}::boolean AND "status" <> 'CLOSED' THEN NULL ELSE "nextReviewAt" END
     WHERE "id" = ANY(${caseIds}::text[]) AND "anonymizedAt" IS NULL
     RETURNING "id", "reference"`;
  if (updated.length === 0) return [];
  const ids = updated.map((c) => c.id);
  const inCases = Prisma.sql`ANY(${ids}::text[])`;
  await tx.$executeRaw`UPDATE "ReportSignal" SET "note" = NULL WHERE "note" IS NOT NULL AND "reportId" IN (SELECT "id" FROM "Report" WHERE "caseId" = ${inCases})`;
  await tx.$executeRaw`UPDATE "Report" SET "observations" = NULL WHERE "observations" IS NOT NULL AND "caseId" = ${inCases}`;
  await tx.$executeRaw`UPDATE "Outcome" SET "comment" = NULL WHERE "comment" IS NOT NULL AND "caseId" = ${inCases}`;
  await tx.$executeRaw`UPDATE "Plan" SET "objective" = '', "updatedAt" = now() AT TIME ZONE 'UTC' WHERE "caseId" = ${inCases}`;
  await tx.$executeRaw`UPDATE "PlanAction" SET "description" = '', "company" = NULL, "updatedAt" = now() AT TIME ZONE 'UTC'
    WHERE "planId" IN (SELECT "id" FROM "Plan" WHERE "caseId" = ${inCases})`;
  const keys = [...FREE_TEXT_EVENT_KEYS];
  await tx.$executeRaw`UPDATE "CaseEvent" SET "data" = "data" - ${keys}::text[]
    WHERE "caseId" = ${inCases} AND jsonb_typeof("data") = 'object' AND "data" ?| ${keys}::text[]`;

  // A pupil still followed in a case that keeps its identity keeps it there: the anonymised cases
  // move to anonymous pupil rows of their own (same school, class and birth year, for statistics).
  await tx.$executeRaw`
    WITH moved AS (
      SELECT c."id" AS "caseId", gen_random_uuid()::text AS "pupilId", p."schoolId", p."birthYear", p."className"
        FROM "Case" c JOIN "Pupil" p ON p."id" = c."pupilId"
       WHERE c."id" = ${inCases} AND p."anonymizedAt" IS NULL
         AND EXISTS (SELECT 1 FROM "Case" o WHERE o."pupilId" = c."pupilId" AND o."anonymizedAt" IS NULL)),
    placeholders AS (
      INSERT INTO "Pupil" ("id", "schoolId", "lastName", "firstName", "nameKey", "birthYear", "className", "anonymizedAt", "createdAt")
      SELECT m."pupilId", m."schoolId", ${ANONYMOUS_PUPIL.lastName}::text, ${ANONYMOUS_PUPIL.firstName}::text, '', m."birthYear", m."className", ${now}, now() AT TIME ZONE 'UTC'
        FROM moved m)
    UPDATE "Case" c SET "pupilId" = m."pupilId" FROM moved m WHERE c."id" = m."caseId"`;
  // The others lose their identity with their last case.
  await anonymizePupils(tx, Prisma.sql`"id" IN (SELECT "pupilId" FROM "Case" WHERE "id" = ${inCases})`, opts.now);

  const erased = { cause: opts.cause, ...(opts.requestedFor ? { requestedFor: opts.requestedFor } : {}) };
  await tx.$executeRaw`
    INSERT INTO "CaseEvent" ("caseId", "actorId", "type", "data", "at")
    SELECT e."caseId", ${opts.actorId}::text, 'ERASED', ${JSON.stringify(erased)}::jsonb || jsonb_build_object('reference', e."reference"), now() AT TIME ZONE 'UTC'
      FROM unnest(${ids}::text[], ${updated.map((c) => c.reference)}::text[]) WITH ORDINALITY AS e("caseId", "reference", "n")
     ORDER BY e."n"`;
  // Every copy of the case cards in Teams is shown again, without the name it may have carried.
  const posts = await tx.$queryRaw<{ caseId: string; conversationId: string }[]>`
    SELECT "caseId", "conversationId" FROM "ChannelPost" WHERE "caseId" = ${inCases} ORDER BY "createdAt", "id"`;
  await insertOutboxRows(tx, posts.map((p) => ({ caseId: p.caseId, ...outboxRow({ conversationId: p.conversationId, kind: "update", render: { view: "caseCard", caseId: p.caseId } }) })));
  const references = new Map(updated.map((c) => [c.id, c.reference]));
  return caseIds.flatMap((id) => references.get(id) ?? []);
}

/** The pupils `which` selects lose their identity (those not anonymised yet). */
async function anonymizePupils(tx: Prisma.TransactionClient, which: Prisma.Sql, now: Date): Promise<void> {
  await tx.$executeRaw`
    UPDATE "Pupil" SET "lastName" = ${ANONYMOUS_PUPIL.lastName}, "firstName" = ${ANONYMOUS_PUPIL.firstName}, "nameKey" = '', "birthDate" = NULL, "ine" = NULL,
           "anonymizedAt" = ${now.toISOString()}::timestamp(3)
     WHERE "anonymizedAt" IS NULL AND ${which}`;
}
