import type { PrismaClient } from "../generated/prisma/client.js";
import { Prisma } from "../generated/prisma/client.js";
import { ANONYMOUS_PUPIL, FREE_TEXT_EVENT_KEYS } from "../domain/retention.js";
import type { Role } from "../domain/roles.js";
import { enqueueMessages } from "./cases.js";
import type { OutgoingMessage } from "./outgoing-message.js";

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
    return this.prisma.$transaction(async (tx) => {
      // The pupil row is locked first: two erasures of one pupil at once run one after the other.
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Pupil" WHERE "id" = ${pupilId} FOR UPDATE`;
      if (locked.length === 0) return { references: [] };
      const cases = await tx.case.findMany({ where: { pupilId }, select: { id: true, reference: true }, orderBy: { createdAt: "asc" } });
      const done: string[] = [];
      for (const c of cases) {
        if (await anonymizeCaseIn(tx, c.id, { now: opts.now, actorId: opts.actorId, cause: "REQUEST", requestedFor: opts.reference, close: true, splitPupil: false })) done.push(c.reference);
      }
      await anonymizePupilIn(tx, pupilId, opts.now);
      return { references: done };
    });
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

  /** Retention: one closed case anonymised, in its own transaction. False when it was not due
   *  any more (already anonymised, by another instance for example). A pupil who still has a case
   *  that keeps its identity keeps it: the anonymised case moves to an anonymous pupil row. */
  async anonymizeClosedCase(caseId: string, opts: { now: Date; cutoff: Date }): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const due = await tx.$queryRaw<{ id: string }[]>`
        SELECT "id" FROM "Case" WHERE "id" = ${caseId} AND "status" = 'CLOSED' AND "anonymizedAt" IS NULL AND "closedAt" < ${opts.cutoff}::timestamp(3)
        FOR UPDATE SKIP LOCKED`;
      if (due.length === 0) return false;
      return anonymizeCaseIn(tx, caseId, { now: opts.now, actorId: null, cause: "RETENTION", close: false, splitPupil: true });
    });
  }
}

/** Removes the identity and the free texts of one case (not yet anonymised), in `tx`. */
async function anonymizeCaseIn(
  tx: Prisma.TransactionClient,
  caseId: string,
  opts: { now: Date; actorId: string | null; cause: AnonymizeCause; requestedFor?: string; close: boolean; splitPupil: boolean },
): Promise<boolean> {
  const c = await tx.case.findUnique({ where: { id: caseId }, select: { id: true, reference: true, status: true, closedAt: true, pupilId: true, anonymizedAt: true, pupil: { select: { schoolId: true, birthYear: true, className: true } } } });
  if (!c || c.anonymizedAt) return false;
  const close = opts.close && c.status !== "CLOSED";
  await tx.case.update({
    where: { id: caseId },
    data: { anonymizedAt: opts.now, version: { increment: 1 }, ...(close ? { status: "CLOSED", closedAt: c.closedAt ?? opts.now, nextReviewAt: null } : {}) },
  });
  await tx.reportSignal.updateMany({ where: { report: { caseId } }, data: { note: null } });
  await tx.report.updateMany({ where: { caseId }, data: { observations: null } });
  await tx.outcome.updateMany({ where: { caseId }, data: { comment: null } });
  await tx.plan.updateMany({ where: { caseId }, data: { objective: "" } });
  await tx.planAction.updateMany({ where: { plan: { caseId } }, data: { description: "", company: null } });
  const keys = [...FREE_TEXT_EVENT_KEYS];
  await tx.$executeRaw`UPDATE "CaseEvent" SET "data" = "data" - ${keys}::text[] WHERE "caseId" = ${caseId} AND jsonb_typeof("data") = 'object'`;

  if (opts.splitPupil) {
    const others = await tx.case.count({ where: { pupilId: c.pupilId, anonymizedAt: null, id: { not: caseId } } });
    if (others > 0) {
      // The pupil is still followed in another case: this one moves to an anonymous pupil.
      const placeholder = await tx.pupil.create({
        data: { schoolId: c.pupil.schoolId, birthYear: c.pupil.birthYear, className: c.pupil.className, ...ANONYMOUS_PUPIL, nameKey: "", anonymizedAt: opts.now },
        select: { id: true },
      });
      await tx.case.update({ where: { id: caseId }, data: { pupilId: placeholder.id } });
    } else {
      await anonymizePupilIn(tx, c.pupilId, opts.now);
    }
  }
  await tx.caseEvent.create({
    data: { caseId, actorId: opts.actorId, type: "ERASED", data: { cause: opts.cause, reference: c.reference, ...(opts.requestedFor ? { requestedFor: opts.requestedFor } : {}) } },
  });
  // Every copy of the case card in Teams is shown again, without the name it may have carried.
  const posts = await tx.channelPost.findMany({ where: { caseId }, select: { conversationId: true } });
  const messages: OutgoingMessage[] = posts.map((p) => ({ conversationId: p.conversationId, kind: "update", render: { view: "caseCard", caseId } }));
  await enqueueMessages(tx, messages, caseId);
  return true;
}

async function anonymizePupilIn(tx: Prisma.TransactionClient, pupilId: string, now: Date): Promise<void> {
  await tx.pupil.updateMany({
    where: { id: pupilId, anonymizedAt: null },
    data: { ...ANONYMOUS_PUPIL, nameKey: "", birthDate: null, ine: null, anonymizedAt: now },
  });
}
