import { randomUUID } from "node:crypto";
import { sql, type QueryCreator, type Selectable } from "kysely";
import { jsonArrayFrom } from "kysely/helpers/postgres";
import { OPEN_STATUSES, type CaseStatus } from "../domain/lifecycle.js";
import type { MldsAccess } from "../domain/permissions.js";
import type { FamilyRecord } from "../domain/families.js";
import { formatReference } from "../domain/reference.js";
import { runNamed, type DB, type Db } from "./kysely.js";
import type { OutgoingMessage } from "./outgoing-message.js";
import { applyPlanOp, type PlanOp } from "./plans.js";
import { caseEventsInsert } from "./case-events.js";
import { PUPIL_AND_ASSIGNEE } from "./case-queries.js";
import { sendOf, sendsInsert } from "./sends.js";

/** A case of the same pupil found when a report is filled: open (the report may join it) or closed
 *  less than a year ago (`closedAt`, ISO: the report may reopen it). Kept in the dialog state. */
export type OpenCaseMatch = { caseId: string; reference: string; status: CaseStatus; closedAt?: string };

export type NewReport = {
  submissionKey: string;
  reporterId: string;
  schoolId: string;
  pupil: { lastName: string; firstName: string; nameKey: string; birthYear: number; birthDate?: Date; className: string };
  signals: { code: string; family: string; note?: string }[];
  /** The pupil's age at the report date, kept with a new case (domain: routing.ageAtReport);
   *  absent: the age reached in the report's year. */
  ageAtReport?: number;
  /** The reporter said the pupil no longer comes or has left the school. */
  outOfSchool?: boolean;
  absenceHalfDays?: number;
  stepsTaken: string[];
  urgency: number;
  observations?: string;
  /** Join this open case instead of opening a new one. */
  attachToCaseId?: string;
  /** The case to join is closed: reopen it first (lifecycle REOPEN_BY_REPORT), if it was closed
   *  since `closedSince` and still names the pupil; else a new case is opened. `dropFollower`: its
   *  former follower left or works elsewhere now, so it reopens held by nobody. */
  reopen?: { closedSince: Date; reason: string; dropFollower?: boolean };
  /** A new case goes to the MLDS from the start (its school has nobody to follow it). */
  escalatedToMlds?: boolean;
  year: number;
};

export type RecordedReport = {
  caseId: string;
  reference: string;
  status: CaseStatus;
  joinedExisting: boolean;
  alreadyRecorded: boolean;
  /** The report reopened the closed case it joined. */
  reopened?: boolean;
};

/** Constants of the code go into the statement text (a prepared statement's plan knows them). */
const OPEN = OPEN_STATUSES.map((status) => sql.lit(status));

/** The next reference of a year (D-2026-0042): the one place where the yearly counter moves. The
 *  row lock taken by the upsert serialises concurrent reports and imports of the same year. */
export async function nextReferences(trx: Db, year: number, count = 1): Promise<string[]> {
  if (count <= 0) return [];
  const row = await trx
    .insertInto("CaseCounter")
    .values({ year, last: count })
    .onConflict((oc) => oc.column("year").doUpdateSet((eb) => ({ last: eb("CaseCounter.last", "+", count) })))
    .returning("last")
    .executeTakeFirstOrThrow();
  return Array.from({ length: count }, (_, i) => formatReference(year, row.last - count + 1 + i));
}

export class CaseRepository {
  constructor(private readonly db: Db) {}

  /** The open case of the same pupil (same school, same normalised names, same birth year), if any.
   *  Asked before every report is confirmed: from the pupil's index to its cases, so that the cost
   *  does not follow the number of open cases (Prisma's relation filter walked the open cases newest
   *  first: the report dialog's p50 grew by half from 1,000 to 100,000 cases, `npm run bench`). */
  async findOpenCaseForPupil(key: { schoolId: string; nameKey: string; birthYear: number }): Promise<OpenCaseMatch | null> {
    const [row] = await runNamed(
      this.db,
      "case_open_for_pupil",
      this.db
        .selectFrom("Pupil as p")
        .innerJoin("Case as c", "c.pupilId", "p.id")
        .select(["c.id as caseId", "c.reference", "c.status"])
        .where("p.schoolId", "=", key.schoolId)
        .where("p.nameKey", "=", key.nameKey)
        .where("p.birthYear", "=", key.birthYear)
        .where("p.anonymizedAt", "is", null)
        .where("c.status", "in", OPEN)
        .orderBy("c.createdAt", "desc")
        .limit(1),
    );
    return row ?? null;
  }

  /** The latest case of the same pupil closed since `closedSince` that still names the pupil. */
  async findClosedCaseForPupil(
    key: { schoolId: string; nameKey: string; birthYear: number },
    closedSince: Date,
  ): Promise<(OpenCaseMatch & { closedAt: string }) | null> {
    const row = await this.db
      .selectFrom("Pupil as p")
      .innerJoin("Case as c", "c.pupilId", "p.id")
      .select(["c.id as caseId", "c.reference", "c.status", "c.closedAt"])
      .where("p.schoolId", "=", key.schoolId)
      .where("p.nameKey", "=", key.nameKey)
      .where("p.birthYear", "=", key.birthYear)
      .where("p.anonymizedAt", "is", null)
      .where("c.anonymizedAt", "is", null)
      .where("c.status", "=", "CLOSED")
      .where("c.closedAt", ">=", closedSince)
      .orderBy("c.closedAt", "desc")
      .limit(1)
      .executeTakeFirst();
    return row?.closedAt ? { caseId: row.caseId, reference: row.reference, status: row.status, closedAt: row.closedAt.toISOString() } : null;
  }

  async findBySubmissionKey(submissionKey: string): Promise<RecordedReport | null> {
    const row = await this.db
      .selectFrom("Report as r")
      .innerJoin("Case as c", "c.id", "r.caseId")
      .select(["c.id as caseId", "c.reference", "c.status"])
      .where("r.submissionKey", "=", submissionKey)
      .executeTakeFirst();
    return row ? { ...row, joinedExisting: false, alreadyRecorded: true } : null;
  }

  /** One transaction: pupil (reused when known), case (new reference) or the open case it joins,
   *  report with its signals, the first case event, and the sends that route a new case
   *  (`route` is asked for them once the case id is known). The submission key makes it idempotent.
   *  Four statements where Prisma made a dozen queries (`npm run bench`, workload c: Prisma was
   *  28 % of the bot's busy time in report dialogs). */
  async recordReport(r: NewReport, route: (caseId: string) => OutgoingMessage[] = () => [], joinSends: OutgoingMessage[] = []): Promise<RecordedReport> {
    const existing = await this.findBySubmissionKey(r.submissionKey);
    if (existing) return existing;
    try {
      return await this.db.transaction().execute(async (trx) => {
        let target: { id: string; reference: string; status: CaseStatus } | undefined;
        const families = [...new Set(r.signals.map((s) => s.family))];
        let reopened = false;
        if (r.attachToCaseId && r.reopen) {
          // Reopened like REOPEN does (its outcome removed until it closes again; the CLOSED event
          // keeps it in the history), then joined below as an open case.
          const row = await trx
            .updateTable("Case")
            .set((eb) => ({
              status: "ACKNOWLEDGED",
              closedAt: null,
              closureProposedAt: null,
              ...(r.reopen!.dropFollower ? { assigneeId: null } : {}),
              version: eb("version", "+", 1),
              updatedAt: sql<Date>`now()`,
            }))
            .where("id", "=", r.attachToCaseId)
            .where("schoolId", "=", r.schoolId)
            .where("status", "=", "CLOSED")
            .where("anonymizedAt", "is", null)
            .where("closedAt", ">=", r.reopen.closedSince)
            .returning("id")
            .executeTakeFirst();
          if (row) {
            reopened = true;
            await trx.deleteFrom("Outcome").where("caseId", "=", row.id).execute();
            await caseEventsInsert(trx, [{ caseId: row.id, actorId: r.reporterId, type: "REOPENED_BY_REPORT", data: { reason: r.reopen.reason } }]).execute();
          }
        }
        if (r.attachToCaseId && (!r.reopen || reopened)) {
          // A new report may raise the urgency of the case it joins, never lower it (the triage decides
          // that). When it changes what the case card shows (the urgency, a new family of signals), the
          // case's version moves on: the cards posted with the former one are updated (`joinSends`),
          // and an action from a copy of the card that was not is told that the case changed.
          target = await trx
            .with("known", (qc) =>
              qc
                .selectFrom("Report as kr")
                .innerJoin("ReportSignal as rs", "rs.reportId", "kr.id")
                .select(sql<string[]>`COALESCE(array_agg(DISTINCT rs."family"), '{}')`.as("families"))
                .where("kr.caseId", "=", r.attachToCaseId!),
            )
            .updateTable("Case")
            .from("known")
            .set((eb) => ({
              urgency: sql<number>`GREATEST(${eb.ref("Case.urgency")}, ${r.urgency})`,
              outOfSchool: sql<boolean>`${eb.ref("Case.outOfSchool")} OR ${r.outOfSchool === true}`,
              version: sql<number>`${eb.ref("Case.version")} + CASE WHEN ${eb.ref("Case.urgency")} < ${r.urgency} OR (${r.outOfSchool === true} AND NOT ${eb.ref("Case.outOfSchool")}) OR NOT (${families}::text[] <@ ${eb.ref("known.families")}) THEN 1 ELSE 0 END`,
              updatedAt: sql<Date>`now()`,
            }))
            .where("Case.id", "=", r.attachToCaseId)
            .where("Case.schoolId", "=", r.schoolId)
            .where("Case.status", "in", OPEN)
            .returning(["Case.id", "Case.reference", "Case.status"])
            .executeTakeFirst();
        }
        const joinedExisting = target !== undefined;
        if (!target) {
          const [reference] = await nextReferences(trx, r.year);
          // The pupil is reused when known in the school (its class brought up to date), else created.
          target = await trx
            .with("known", (qc) =>
              qc
                .selectFrom("Pupil")
                .select("id")
                .where("schoolId", "=", r.schoolId)
                .where("nameKey", "=", r.pupil.nameKey)
                .where("birthYear", "=", r.pupil.birthYear)
                .where("anonymizedAt", "is", null)
                .limit(1),
            )
            .with("touched", (qc) =>
              qc
                .updateTable("Pupil")
                .set((eb) => ({
                  className: r.pupil.className,
                  // A birth date typed in a report completes one the pupil did not have.
                  birthDate: r.pupil.birthDate ? sql<Date>`COALESCE(${eb.ref("birthDate")}, ${isoDay(r.pupil.birthDate)}::date)` : eb.ref("birthDate"),
                }))
                .where("id", "in", (eb) => eb.selectFrom("known").select("known.id"))
                .returning("id"),
            )
            .with("added", (qc) =>
              qc
                .insertInto("Pupil")
                .columns(["id", "schoolId", "lastName", "firstName", "nameKey", "birthYear", "birthDate", "className"])
                .expression((eb) =>
                  qc
                    .selectNoFrom([
                      eb.val(randomUUID()).as("id"),
                      eb.val(r.schoolId).as("schoolId"),
                      eb.val(r.pupil.lastName).as("lastName"),
                      eb.val(r.pupil.firstName).as("firstName"),
                      eb.val(r.pupil.nameKey).as("nameKey"),
                      eb.val(r.pupil.birthYear).as("birthYear"),
                      sql<Date | null>`${r.pupil.birthDate ? isoDay(r.pupil.birthDate) : null}::date`.as("birthDate"),
                      eb.val(r.pupil.className).as("className"),
                    ])
                    .where(eb.not(eb.exists(eb.selectFrom("known").select("known.id")))),
                )
                .returning("id"),
            )
            .insertInto("Case")
            .columns([
              "id",
              "reference",
              "pupilId",
              "schoolId",
              "districtId",
              "urgency",
              "reporterId",
              "escalatedToMlds",
              "ageAtReport",
              "outOfSchool",
              "updatedAt",
            ])
            .expression((eb) =>
              eb
                .selectFrom(["School as s", eb.selectFrom("touched").select("touched.id").unionAll(eb.selectFrom("added").select("added.id")).as("p")])
                .select([
                  eb.val(randomUUID()).as("id"),
                  eb.val(reference!).as("reference"),
                  "p.id as pupilId",
                  "s.id as schoolId",
                  "s.districtId",
                  eb.val(r.urgency).as("urgency"),
                  eb.val(r.reporterId).as("reporterId"),
                  eb.val(r.escalatedToMlds === true).as("escalatedToMlds"),
                  eb.val(r.ageAtReport ?? r.year - r.pupil.birthYear).as("ageAtReport"),
                  eb.val(r.outOfSchool === true).as("outOfSchool"),
                  sql<Date>`now()`.as("updatedAt"),
                ])
                .where("s.id", "=", r.schoolId),
            )
            .returning(["id", "reference", "status"])
            .executeTakeFirst();
          if (!target) throw new Error(`school ${r.schoolId} not found`);
        }
        const caseId = target.id;
        const reportId = randomUUID();
        const sends = (joinedExisting ? joinSends : route(caseId)).map((m) => sendOf(m, caseId));
        // The report, its signals, the case event and the sends: one statement.
        await trx
          .with("report", (qc) =>
            qc
              .insertInto("Report")
              .values({
                id: reportId,
                caseId,
                reporterId: r.reporterId,
                submissionKey: r.submissionKey,
                absenceHalfDays: r.absenceHalfDays ?? null,
                stepsTaken: r.stepsTaken,
                urgency: r.urgency,
                observations: r.observations ?? null,
                outOfSchool: r.outOfSchool === true,
              })
              .returning("id"),
          )
          .with("signals", (qc) =>
            qc
              .insertInto("ReportSignal")
              .columns(["id", "reportId", "code", "family", "note"])
              .expression(
                sql`SELECT g."id", report."id", g."code", g."family", g."note"
                      FROM report, unnest(${r.signals.map(() => randomUUID())}::text[], ${r.signals.map((s) => s.code)}::text[],
                                          ${r.signals.map((s) => s.family)}::text[], ${r.signals.map((s) => s.note ?? null)}::text[]) AS g("id", "code", "family", "note")`,
              ),
          )
          .with("event", (qc) =>
            caseEventsInsert(qc, [
              { caseId, actorId: r.reporterId, type: joinedExisting ? "REPORT_ADDED" : "REPORTED", data: { reportId, families, urgency: r.urgency } },
            ]),
          )
          .with("sends", (qc) => sendsInsert(qc, sends))
          .selectFrom("report")
          .select("report.id")
          .execute();
        return { caseId, reference: target.reference, status: target.status, joinedExisting, alreadyRecorded: false, ...(reopened ? { reopened } : {}) };
      });
    } catch (err) {
      // Two confirms at once: the unique submission key lets one through; the other reads its result.
      if ((err as { code?: unknown }).code === UNIQUE_VIOLATION) {
        const again = await this.findBySubmissionKey(r.submissionKey);
        if (again) return again;
      }
      throw err;
    }
  }
}

const UNIQUE_VIOLATION = "23505";

/** A calendar date as PostgreSQL's date reads it (birth dates are stored at UTC midnight). */
function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Everything the triage needs to know about a case, read in one query. */
export type CaseRecord = {
  id: string;
  reference: string;
  status: CaseStatus;
  urgency: number;
  version: number;
  escalatedToMlds: boolean;
  /** When the school's GPDS referred the case to the MLDS. */
  referredAt: Date | null;
  /** The pupil's age at the report date; null: unknown (counts as 16 or over). */
  ageAtReport: number | null;
  outOfSchool: boolean;
  /** The bassin's setting: whether its coordinators may act before the GPDS decides. */
  mldsAccess: MldsAccess;
  source: "REPORT" | "IMPORT";
  /** departmentCode: the département of the school ("069"), for the DSDEN's scope; null when unknown. */
  school: { id: string; name: string; uai: string; departmentCode: string | null };
  districtId: string;
  pupil: { lastName: string; firstName: string; className: string | null; birthYear: number; birthDate: Date | null; anonymized: boolean };
  reporterIds: string[];
  assignee: { id: string; displayName: string } | null;
  families: string[];
  signals: { code: string; note: string | null }[];
  absenceHalfDays: number | null;
  stepsTaken: string[];
  observations: string[];
  infoRequest: { question: string; answered: boolean; askedById: string | null } | null;
  /** The family informed, met, the agreements (all null when nothing was recorded). */
  family: FamilyRecord;
  nextReviewAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
  /** When the daily job proposed closing the open case « perdu de vue » (null: not proposed). */
  closureProposedAt: Date | null;
  lastEvent: { type: string; at: Date } | null;
};

/** A request for information and the reporter's answer, as the details of a case show them. */
export type InfoExchange = {
  question: string | null;
  askedBy: string | null;
  askedAt: Date;
  answer: { text: string | null; by: string | null; at: Date } | null;
};

export class VersionConflictError extends Error {
  constructor(readonly caseId: string) {
    super(`case ${caseId} changed since it was read`);
  }
}

export type CaseChange = {
  status?: CaseStatus;
  reviewRemindedFor?: Date | null;
  assigneeId?: string | null;
  escalatedToMlds?: boolean;
  referredAt?: Date | null;
  ageAtReport?: number | null;
  closedAt?: Date | null;
  /** The daily job's proposal to close the case (cleared by « Garder ouvert », closing, reopening). */
  closureProposedAt?: Date | null;
  nextReviewAt?: Date | null;
  /** The pupil's birth date, completed by the référent (written before the case, in one transaction). */
  pupilBirthDate?: Date;
  /** What was done with the family: the fields given are written (one transaction with the case). */
  family?: { fields: Partial<FamilyRecord>; updatedById: string };
};

export type TransferTarget = {
  id: string;
  name: string;
  uai: string;
  state: "OPEN" | "OPENING" | "CLOSING" | "CLOSED";
  districtId: string;
  departmentCode: string | null;
  mldsAccess: MldsAccess;
};

/** Where a case was moved from and to, and when (the reason stays in the row and its event). */
export type CaseTransferRecord = { fromSchoolId: string; toSchoolId: string; fromDistrictId: string; toDistrictId: string; byId: string | null; at: Date };

export type CaseEventInput = { type: string; actorId: string | null; data?: Record<string, unknown>; /** By default, the database's now(). */ at?: Date };

const FAMILY_ORDER = ["ATTENDANCE", "ENGAGEMENT", "RESULTS", "BEHAVIOUR", "ORIENTATION"];

/** The statement that reads a case record works on two CTEs: `upd`, the case's row, and `ev`,
 *  events to show besides the stored ones. A read fills them from the tables; a change fills `upd`
 *  with the row it wrote and `ev` with the event it added (what a statement writes is not visible
 *  to the tables it reads from). Either way the record is read by the same statement text below. */
type RecordCtes = { upd: Selectable<DB["Case"]>; ev: { id: string; type: string; at: Date; data: unknown; actorId: string | null } };

/** The CTEs the record reads, with their types checked; others that the statement writes (its
 *  sends) are left out of the type only: a query creator's type lists every CTE, and Kysely's types
 *  cannot be generic over them. */
function reading<E extends RecordCtes>(qc: QueryCreator<DB & E>): QueryCreator<DB & RecordCtes> {
  return qc as unknown as QueryCreator<DB & RecordCtes>;
}

function selectRecord(qc: QueryCreator<DB & RecordCtes>) {
  return qc
    .selectFrom("upd as c")
    .innerJoin("School as s", "s.id", "c.schoolId")
    .innerJoin("Pupil as p", "p.id", "c.pupilId")
    .innerJoin("District as d", "d.id", "c.districtId")
    .leftJoin("Member as a", "a.id", "c.assigneeId")
    .leftJoin("CaseFamily as f", "f.caseId", "c.id")
    .select([
      "c.id",
      "c.reference",
      "c.status",
      "c.urgency",
      "c.version",
      "c.escalatedToMlds",
      "c.referredAt",
      "c.ageAtReport",
      "c.outOfSchool",
      "d.mldsAccess",
      "c.source",
      "c.districtId",
      "c.nextReviewAt",
      "c.createdAt",
      "c.updatedAt",
      "c.closedAt",
      "c.closureProposedAt",
      "s.id as schoolId",
      "s.name as schoolName",
      "s.uai as schoolUai",
      "s.departmentCode as schoolDepartmentCode",
      "f.informedAt as familyInformedAt",
      "f.metAt as familyMetAt",
      "f.metBy as familyMetBy",
      "f.youngPersonAgreedAt as familyYoungPersonAgreedAt",
      "f.familyAgreedAt as familyFamilyAgreedAt",
      ...PUPIL_AND_ASSIGNEE,
    ])
    .select((eb) => [
      // Oldest first, each with its signals.
      jsonArrayFrom(
        eb
          .selectFrom("Report as r")
          .select(["r.reporterId", "r.absenceHalfDays", "r.stepsTaken", "r.observations"])
          .select((rb) =>
            jsonArrayFrom(rb.selectFrom("ReportSignal as rs").select(["rs.code", "rs.family", "rs.note"]).whereRef("rs.reportId", "=", "r.id")).as("signals"),
          )
          .whereRef("r.caseId", "=", "c.id")
          .orderBy("r.createdAt"),
      ).as("reports"),
      // The 20 latest events, newest first; instants as epoch milliseconds (JSON has no dates).
      jsonArrayFrom(
        eb
          .selectFrom(
            eb
              .selectFrom("ev")
              .select(["ev.id", "ev.type", "ev.at", "ev.data", "ev.actorId"])
              .unionAll(
                // A derived table keeps its ORDER BY and LIMIT its own (a UNION member's would apply to the union).
                eb
                  .selectFrom(
                    eb
                      .selectFrom("CaseEvent as se")
                      .select(["se.id", "se.type", "se.at", "se.data", "se.actorId"])
                      .whereRef("se.caseId", "=", "c.id")
                      .orderBy("se.id", "desc")
                      .limit(20)
                      .as("latest"),
                  )
                  .selectAll("latest"),
              )
              .as("e"),
          )
          .select(["e.type", "e.data", "e.actorId", sql<number>`(extract(epoch FROM e."at") * 1000)::float8`.as("atMs")])
          .orderBy("e.id", "desc")
          .limit(20),
      ).as("events"),
    ]);
}

type CaseRow = Awaited<ReturnType<ReturnType<typeof selectRecord>["executeTakeFirstOrThrow"]>>;

function toCaseRecord(c: CaseRow): CaseRecord {
  const events = c.events.map((e) => ({ ...e, at: new Date(e.atMs) }));
  const families = new Set(c.reports.flatMap((r) => r.signals.map((s) => s.family)));
  const lastRequest = events.find((e) => e.type === "INFO_REQUESTED");
  const lastAnswer = events.find((e) => e.type === "INFO_ANSWERED");
  const requestIndex = lastRequest ? events.indexOf(lastRequest) : -1;
  const answerIndex = lastAnswer ? events.indexOf(lastAnswer) : -1;
  return {
    id: c.id,
    reference: c.reference,
    status: c.status,
    urgency: c.urgency,
    version: c.version,
    escalatedToMlds: c.escalatedToMlds,
    referredAt: c.referredAt,
    ageAtReport: c.ageAtReport,
    outOfSchool: c.outOfSchool,
    mldsAccess: c.mldsAccess,
    source: c.source,
    school: { id: c.schoolId, name: c.schoolName, uai: c.schoolUai, departmentCode: c.schoolDepartmentCode },
    districtId: c.districtId,
    pupil: {
      lastName: c.lastName,
      firstName: c.firstName,
      className: c.className,
      birthYear: c.birthYear,
      birthDate: c.birthDate,
      anonymized: c.pupilAnonymizedAt !== null,
    },
    reporterIds: [...new Set(c.reports.map((r) => r.reporterId).filter((x): x is string => x !== null))],
    assignee: c.assigneeId !== null && c.assigneeName !== null ? { id: c.assigneeId, displayName: c.assigneeName } : null,
    families: FAMILY_ORDER.filter((f) => families.has(f)),
    signals: c.reports.flatMap((r) => r.signals.map((s) => ({ code: s.code, note: s.note }))),
    absenceHalfDays: c.reports.reduce<number | null>(
      (max, r) => (r.absenceHalfDays !== null && (max === null || r.absenceHalfDays > max) ? r.absenceHalfDays : max),
      null,
    ),
    stepsTaken: [...new Set(c.reports.flatMap((r) => r.stepsTaken))],
    observations: c.reports.map((r) => r.observations).filter((o): o is string => Boolean(o)),
    // Events are newest first: the request is answered when an answer came after it.
    infoRequest: lastRequest
      ? { question: questionOf(lastRequest.data), answered: answerIndex !== -1 && answerIndex < requestIndex, askedById: lastRequest.actorId }
      : null,
    family: {
      informedAt: c.familyInformedAt,
      metAt: c.familyMetAt,
      metBy: c.familyMetBy,
      youngPersonAgreedAt: c.familyYoungPersonAgreedAt,
      familyAgreedAt: c.familyFamilyAgreedAt,
    },
    nextReviewAt: c.nextReviewAt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    closedAt: c.closedAt,
    closureProposedAt: c.closureProposedAt,
    lastEvent: events[0] ? { type: events[0].type, at: events[0].at } : null,
  };
}

function questionOf(data: unknown): string {
  const question = data !== null && typeof data === "object" ? (data as { question?: unknown }).question : undefined;
  return typeof question === "string" ? question : "";
}

/** No event besides the stored ones (a read). */
const NO_EVENT = (qc: QueryCreator<DB & Pick<RecordCtes, "upd">>) =>
  qc
    .selectFrom("CaseEvent")
    .select(["id", "type", "at", "data", "actorId"])
    .where(sql<boolean>`false`);

export class CaseChangeRepository {
  constructor(private readonly db: Db) {}

  async get(where: { id: string } | { reference: string }): Promise<CaseRecord | null> {
    const row = await selectRecord(
      reading(
        this.db
          .with("upd", (qc) => {
            const cases = qc.selectFrom("Case").selectAll();
            return "id" in where ? cases.where("id", "=", where.id) : cases.where("reference", "=", where.reference);
          })
          .with("ev", NO_EVENT),
      ),
    ).executeTakeFirst();
    return row ? toCaseRecord(row) : null;
  }

  /** Applies a change if the case is still at `expectedVersion` (optimistic concurrency: of two
   *  coordinators acting at once, the second gets VersionConflictError), with its event and sends,
   *  and a plan change in the same transaction. The one place where a case changes. */
  async apply(
    caseId: string,
    expectedVersion: number,
    change: CaseChange,
    event: CaseEventInput,
    messages: OutgoingMessage[],
    planOp?: PlanOp,
  ): Promise<CaseRecord> {
    if (!planOp && !change.pupilBirthDate && !change.family) return this.applyChange(this.db, caseId, expectedVersion, change, event, messages);
    return this.db.transaction().execute(async (trx) => {
      // The case row first: its lock makes a concurrent change of the same case wait, then fail on the version.
      const locked = await trx.selectFrom("Case").select(["version", "pupilId"]).where("id", "=", caseId).forUpdate().executeTakeFirst();
      if (locked?.version !== expectedVersion) throw new VersionConflictError(caseId);
      if (planOp) await applyPlanOp(trx, caseId, planOp);
      if (change.pupilBirthDate) {
        await trx
          .updateTable("Pupil")
          .set({ birthDate: sql<Date>`${isoDay(change.pupilBirthDate)}::date`, birthYear: change.pupilBirthDate.getUTCFullYear() })
          .where("id", "=", locked.pupilId)
          .execute();
      }
      if (change.family) {
        const f = change.family.fields;
        const date = (d: Date | null | undefined) => (d ? sql<Date>`${isoDay(d)}::date` : null);
        const fields = {
          ...(f.informedAt !== undefined ? { informedAt: date(f.informedAt) } : {}),
          ...(f.metAt !== undefined ? { metAt: date(f.metAt) } : {}),
          ...(f.metBy !== undefined ? { metBy: f.metBy } : {}),
          ...(f.youngPersonAgreedAt !== undefined ? { youngPersonAgreedAt: date(f.youngPersonAgreedAt) } : {}),
          ...(f.familyAgreedAt !== undefined ? { familyAgreedAt: date(f.familyAgreedAt) } : {}),
          updatedById: change.family.updatedById,
          updatedAt: sql<Date>`now()`,
        };
        await trx
          .insertInto("CaseFamily")
          .values({ caseId, ...fields })
          .onConflict((oc) => oc.column("caseId").doUpdateSet(fields))
          .execute();
      }
      return this.applyChange(trx, caseId, expectedVersion, change, event, messages);
    });
  }

  /** The change, its event and its sends are written by one statement, so they commit together or
   *  not at all, and it answers with the case as changed (one round trip instead of 6 Prisma
   *  queries; `npm run bench`, workload d). As with Prisma, an undefined field is left as it is and
   *  a null one is emptied. */
  private async applyChange(
    db: Db,
    caseId: string,
    expectedVersion: number,
    change: CaseChange,
    event: CaseEventInput,
    messages: OutgoingMessage[],
  ): Promise<CaseRecord> {
    const upd = { from: "upd", id: sql<string>`upd."id"` };
    const [row] = await runNamed(
      db,
      "case_apply",
      selectRecord(
        reading(
          db
            .with("upd", (qc) =>
              qc
                .updateTable("Case")
                .set((eb) => ({
                  status: change.status !== undefined ? sql.val(change.status) : eb.ref("status"),
                  assigneeId: change.assigneeId !== undefined ? sql.val(change.assigneeId) : eb.ref("assigneeId"),
                  escalatedToMlds: change.escalatedToMlds !== undefined ? sql.val(change.escalatedToMlds) : eb.ref("escalatedToMlds"),
                  referredAt: change.referredAt !== undefined ? sql.val(change.referredAt) : eb.ref("referredAt"),
                  ageAtReport: change.ageAtReport !== undefined ? sql.val(change.ageAtReport) : eb.ref("ageAtReport"),
                  closedAt: change.closedAt !== undefined ? sql.val(change.closedAt) : eb.ref("closedAt"),
                  closureProposedAt: change.closureProposedAt !== undefined ? sql.val(change.closureProposedAt) : eb.ref("closureProposedAt"),
                  nextReviewAt: change.nextReviewAt !== undefined ? sql.val(change.nextReviewAt) : eb.ref("nextReviewAt"),
                  reviewRemindedFor: change.reviewRemindedFor !== undefined ? sql.val(change.reviewRemindedFor) : eb.ref("reviewRemindedFor"),
                  version: eb("version", "+", 1),
                  updatedAt: sql<Date>`now()`,
                }))
                .where("id", "=", caseId)
                .where("version", "=", expectedVersion)
                .returningAll(),
            )
            .with("ev", (qc) =>
              caseEventsInsert(
                qc,
                [{ actorId: event.actorId, type: event.type, data: event.data ?? {}, ...(event.at ? { at: event.at } : {}) }],
                upd,
              ).returning(["id", "type", "at", "data", "actorId"]),
            )
            .with("sends", (qc) =>
              sendsInsert(
                qc,
                messages.map((m) => sendOf(m)),
                upd,
              ),
            ),
        ),
      ),
    );
    if (!row) throw new VersionConflictError(caseId);
    return toCaseRecord(row);
  }

  /** An event that changes nothing else (audit of a consultation, a reply received), with its sends. */
  async record(caseId: string, event: CaseEventInput, messages: OutgoingMessage[] = []): Promise<void> {
    await this.db
      .with("ev", (qc) => caseEventsInsert(qc, [{ caseId, ...event }]))
      .with("sends", (qc) =>
        sendsInsert(
          qc,
          messages.map((m) => sendOf(m, caseId)),
        ),
      )
      .selectNoFrom(sql<number>`1`.as("done"))
      .execute();
  }

  /** The questions asked to the reporters and their answers, oldest first, with who wrote them
   *  (texts removed at retention read as null). */
  async infoExchanges(caseId: string): Promise<InfoExchange[]> {
    const rows = await this.db
      .selectFrom("CaseEvent as e")
      .leftJoin("Member as m", "m.id", "e.actorId")
      .select(["e.type", "e.at", "m.displayName as actorName", sql<string | null>`COALESCE(e."data"->>'question', e."data"->>'answer')`.as("text")])
      .where("e.caseId", "=", caseId)
      .where("e.type", "in", [sql.lit("INFO_REQUESTED"), sql.lit("INFO_ANSWERED")])
      .orderBy("e.id")
      .execute();
    const exchanges: InfoExchange[] = [];
    for (const r of rows) {
      if (r.type === "INFO_REQUESTED") exchanges.push({ question: r.text, askedBy: r.actorName, askedAt: r.at, answer: null });
      else {
        const open = exchanges.at(-1);
        if (open && !open.answer) open.answer = { text: r.text, by: r.actorName, at: r.at };
      }
    }
    return exchanges;
  }

  /**
   * Moves a case to another school (and bassin) of the académie, if it is still at
   * `expectedVersion`, in one transaction: the CaseTransfer row, the case's school and bassin, its
   * pupil's school (the same young person, one record: a later report at the new school joins this
   * case), the case card posts of every conversation but `stayingConversationIds` (where the case
   * goes, and its follower's chat if they keep it): their ChannelPost rows go, and their case cards
   * not yet delivered, posts or updates, are not sent (they would show the case where it now is);
   * then the change of
   * status or follower with its event and sends (`messages`), as apply() does.
   */
  async transfer(
    caseId: string,
    expectedVersion: number,
    move: { toSchoolId: string; toDistrictId: string; byId: string; reason: string },
    change: CaseChange,
    event: CaseEventInput,
    messages: OutgoingMessage[],
    stayingConversationIds: string[],
  ): Promise<CaseRecord> {
    return this.db.transaction().execute(async (trx) => {
      const locked = await trx
        .selectFrom("Case")
        .select(["version", "pupilId", "schoolId", "districtId"])
        .where("id", "=", caseId)
        .forUpdate()
        .executeTakeFirst();
      if (locked?.version !== expectedVersion) throw new VersionConflictError(caseId);
      await trx
        .insertInto("CaseTransfer")
        .values({
          id: randomUUID(),
          caseId,
          fromSchoolId: locked.schoolId,
          toSchoolId: move.toSchoolId,
          fromDistrictId: locked.districtId,
          toDistrictId: move.toDistrictId,
          byId: move.byId,
          reason: move.reason,
        })
        .execute();
      await trx.updateTable("Case").set({ schoolId: move.toSchoolId, districtId: move.toDistrictId }).where("id", "=", caseId).execute();
      await trx.updateTable("Pupil").set({ schoolId: move.toSchoolId }).where("id", "=", locked.pupilId).execute();
      const stays = sql<string>`all(${stayingConversationIds}::text[])`;
      await trx.deleteFrom("ChannelPost").where("caseId", "=", caseId).where("conversationId", "<>", stays).execute();
      await trx
        .deleteFrom("OutboxMessage")
        .where("caseId", "=", caseId)
        .where("status", "=", sql.lit("PENDING"))
        .where("conversationId", "<>", stays)
        .where(sql<boolean>`"payload"->'render'->>'view' IN ('caseCard', 'assigned')`)
        .execute();
      return this.applyChange(trx, caseId, expectedVersion, change, event, messages);
    });
  }

  /** A school a case may be transferred to: its state, bassin and that bassin's MLDS setting. */
  async transferTarget(schoolId: string): Promise<TransferTarget | null> {
    return (
      (await this.db
        .selectFrom("School as s")
        .innerJoin("District as d", "d.id", "s.districtId")
        .select(["s.id", "s.name", "s.uai", "s.state", "s.districtId", "s.departmentCode", "d.mldsAccess"])
        .where("s.id", "=", schoolId)
        .executeTakeFirst()) ?? null
    );
  }

  /** Whether the member wrote an event of the case before a date (took part in it there). */
  async actedBefore(caseId: string, memberId: string, before: Date): Promise<boolean> {
    const row = await this.db
      .selectFrom("CaseEvent")
      .select("id")
      .where("caseId", "=", caseId)
      .where("actorId", "=", memberId)
      .where("at", "<", before)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The transfers of a case, oldest first. */
  async transfers(caseId: string): Promise<CaseTransferRecord[]> {
    return this.db
      .selectFrom("CaseTransfer")
      .select(["fromSchoolId", "toSchoolId", "fromDistrictId", "toDistrictId", "byId", "at"])
      .where("caseId", "=", caseId)
      .orderBy("at")
      .orderBy("id")
      .execute();
  }

  async channelPosts(caseId: string): Promise<{ conversationId: string; activityId: string }[]> {
    return this.db.selectFrom("ChannelPost").select(["conversationId", "activityId"]).where("caseId", "=", caseId).execute();
  }
}
