import type { PrismaClient } from "../generated/prisma/client.js";
import { Prisma } from "../generated/prisma/client.js";
import { formatReference } from "../domain/reference.js";
import type { CaseStatus } from "../domain/lifecycle.js";

export type OpenCaseMatch = { caseId: string; reference: string; status: CaseStatus };

export type NewReport = {
  submissionKey: string;
  reporterId: string;
  schoolId: string;
  pupil: { lastName: string; firstName: string; nameKey: string; birthYear: number; className: string };
  signals: { code: string; family: string; note?: string }[];
  absenceHalfDays?: number;
  stepsTaken: string[];
  urgency: number;
  observations?: string;
  /** Join this open case instead of opening a new one. */
  attachToCaseId?: string;
  year: number;
};

export type RecordedReport = { caseId: string; reference: string; status: CaseStatus; joinedExisting: boolean; alreadyRecorded: boolean };

const OPEN: CaseStatus[] = ["NEW", "ACKNOWLEDGED", "INFO_REQUESTED", "PLAN_ACTIVE", "REVIEW_DUE"];

export class CaseRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** The open case of the same pupil (same school, same normalised names, same birth year), if any. */
  async findOpenCaseForPupil(key: { schoolId: string; nameKey: string; birthYear: number }): Promise<OpenCaseMatch | null> {
    const c = await this.prisma.case.findFirst({
      where: { status: { in: OPEN }, pupil: { schoolId: key.schoolId, nameKey: key.nameKey, birthYear: key.birthYear, anonymizedAt: null } },
      select: { id: true, reference: true, status: true },
      orderBy: { createdAt: "desc" },
    });
    return c ? { caseId: c.id, reference: c.reference, status: c.status } : null;
  }

  async findBySubmissionKey(submissionKey: string): Promise<RecordedReport | null> {
    const r = await this.prisma.report.findUnique({
      where: { submissionKey },
      select: { case: { select: { id: true, reference: true, status: true } } },
    });
    return r ? { caseId: r.case.id, reference: r.case.reference, status: r.case.status, joinedExisting: false, alreadyRecorded: true } : null;
  }

  /** One transaction: pupil (reused when known), case (new reference) or the open case it joins,
   *  report with its signals, and the first case event. The submission key makes it idempotent. */
  async recordReport(r: NewReport): Promise<RecordedReport> {
    const existing = await this.findBySubmissionKey(r.submissionKey);
    if (existing) return existing;
    try {
      return await this.prisma.$transaction(async (tx) => {
        let target: { id: string; reference: string; status: CaseStatus } | null = null;
        if (r.attachToCaseId) {
          target = await tx.case.findFirst({
            where: { id: r.attachToCaseId, schoolId: r.schoolId, status: { in: OPEN } },
            select: { id: true, reference: true, status: true },
          });
        }
        const joinedExisting = target !== null;
        if (!target) {
          const school = await tx.school.findUniqueOrThrow({ where: { id: r.schoolId }, select: { districtId: true } });
          let pupil = await tx.pupil.findFirst({
            where: { schoolId: r.schoolId, nameKey: r.pupil.nameKey, birthYear: r.pupil.birthYear, anonymizedAt: null },
            select: { id: true },
          });
          if (pupil) {
            await tx.pupil.update({ where: { id: pupil.id }, data: { className: r.pupil.className } });
          } else {
            pupil = await tx.pupil.create({ data: { schoolId: r.schoolId, ...r.pupil }, select: { id: true } });
          }
          const number = await nextCaseNumber(tx, r.year);
          target = await tx.case.create({
            data: {
              reference: formatReference(r.year, number),
              pupilId: pupil.id,
              schoolId: r.schoolId,
              districtId: school.districtId,
              urgency: r.urgency,
              reporterId: r.reporterId,
            },
            select: { id: true, reference: true, status: true },
          });
        } else if (r.urgency > 0) {
          // A new report may raise the urgency, never lower it (the triage decides that).
          await tx.case.updateMany({ where: { id: target.id, urgency: { lt: r.urgency } }, data: { urgency: r.urgency, version: { increment: 1 } } });
        }
        const report = await tx.report.create({
          data: {
            caseId: target.id,
            reporterId: r.reporterId,
            submissionKey: r.submissionKey,
            absenceHalfDays: r.absenceHalfDays ?? null,
            stepsTaken: r.stepsTaken,
            urgency: r.urgency,
            observations: r.observations ?? null,
            signals: { create: r.signals.map((s) => ({ code: s.code, family: s.family, note: s.note ?? null })) },
          },
          select: { id: true },
        });
        await tx.caseEvent.create({
          data: {
            caseId: target.id,
            actorId: r.reporterId,
            type: joinedExisting ? "REPORT_ADDED" : "REPORTED",
            data: { reportId: report.id, families: [...new Set(r.signals.map((s) => s.family))], urgency: r.urgency },
          },
        });
        return { caseId: target.id, reference: target.reference, status: target.status, joinedExisting, alreadyRecorded: false };
      });
    } catch (err) {
      // Two confirms at once: the unique submission key lets one through; the other reads its result.
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
        const again = await this.findBySubmissionKey(r.submissionKey);
        if (again) return again;
      }
      throw err;
    }
  }
}

async function nextCaseNumber(tx: Prisma.TransactionClient, year: number): Promise<number> {
  // The row lock taken by the upsert serialises concurrent reports of the same year.
  const rows = await tx.$queryRaw<{ last: number }[]>`
    INSERT INTO "CaseCounter" ("year", "last") VALUES (${year}, 1)
    ON CONFLICT ("year") DO UPDATE SET "last" = "CaseCounter"."last" + 1
    RETURNING "last"`;
  return rows[0]!.last;
}
