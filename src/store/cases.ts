import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.js";
import { Prisma } from "../generated/prisma/client.js";
import { formatReference } from "../domain/reference.js";
import type { OutgoingMessage } from "./outgoing-message.js";
import { applyPlanOp, type PlanOp } from "./plans.js";
import { enqueueOutbox, outboxColumns, outboxRow } from "./outbox.js";
import type { HotSql } from "./hot-sql.js";
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
  constructor(private readonly sql: HotSql) {}

  /** The open case of the same pupil (same school, same normalised names, same birth year), if any.
   *  Asked before every report is confirmed: from the pupil's index to its cases, so that the cost
   *  does not follow the number of open cases (Prisma's relation filter walked the open cases newest
   *  first: the report dialog's p50 grew by half from 1,000 to 100,000 cases, `npm run bench`). */
  async findOpenCaseForPupil(key: { schoolId: string; nameKey: string; birthYear: number }): Promise<OpenCaseMatch | null> {
    const rows = await this.sql.rows<OpenCaseMatch>(
      "case_open_for_pupil",
      `SELECT c."id" AS "caseId", c."reference", c."status"::text AS "status"
         FROM "Pupil" p JOIN "Case" c ON c."pupilId" = p."id"
        WHERE p."schoolId" = $1 AND p."nameKey" = $2 AND p."birthYear" = $3 AND p."anonymizedAt" IS NULL
          AND c."status" IN (${OPEN_SQL})
        ORDER BY c."createdAt" DESC LIMIT 1`,
      [key.schoolId, key.nameKey, key.birthYear],
    );
    return rows[0] ?? null;
  }

  async findBySubmissionKey(submissionKey: string): Promise<RecordedReport | null> {
    const rows = await this.sql.rows<{ caseId: string; reference: string; status: CaseStatus }>(
      "report_by_submission_key",
      `SELECT c."id" AS "caseId", c."reference", c."status"::text AS "status" FROM "Report" r JOIN "Case" c ON c."id" = r."caseId" WHERE r."submissionKey" = $1`,
      [submissionKey],
    );
    const r = rows[0];
    return r ? { ...r, joinedExisting: false, alreadyRecorded: true } : null;
  }

  /** One transaction: pupil (reused when known), case (new reference) or the open case it joins,
   *  report with its signals, the first case event, and the sends that route a new case
   *  (`route` is asked for them once the case id is known). The submission key makes it idempotent.
   *  Four statements on the pool where Prisma made a dozen queries (`npm run bench`, workload c:
   *  Prisma was 28 % of the bot's busy time in report dialogs). */
  async recordReport(r: NewReport, route: (caseId: string) => OutgoingMessage[] = () => [], joinSends: OutgoingMessage[] = []): Promise<RecordedReport> {
    const existing = await this.findBySubmissionKey(r.submissionKey);
    if (existing) return existing;
    try {
      return await this.sql.transaction(async (tx) => {
        let target: { id: string; reference: string; status: CaseStatus } | null = null;
        const families = [...new Set(r.signals.map((s) => s.family))];
        if (r.attachToCaseId) {
          // A new report may raise the urgency of the case it joins, never lower it (the triage decides
          // that). When it changes what the case card shows (the urgency, a new family of signals), the
          // case's version moves on: the cards posted with the former one are updated (`joinSends`),
          // and an action from a copy of the card that was not is told that the case changed.
          const joined = await tx.rows<{ id: string; reference: string; status: CaseStatus }>(
            "report_join_case",
            `WITH known AS (
               SELECT COALESCE(array_agg(DISTINCT rs."family"), '{}') AS "families" FROM "Report" kr JOIN "ReportSignal" rs ON rs."reportId" = kr."id" WHERE kr."caseId" = $1)
             UPDATE "Case" SET
               "urgency" = GREATEST("urgency", $3),
               "version" = "version" + CASE WHEN "urgency" < $3 OR NOT ($4::text[] <@ known."families") THEN 1 ELSE 0 END,
               "updatedAt" = now() AT TIME ZONE 'UTC'
              FROM known
             WHERE "id" = $1 AND "schoolId" = $2 AND "status" IN (${OPEN_SQL})
             RETURNING "id", "reference", "status"::text AS "status"`,
            [r.attachToCaseId, r.schoolId, r.urgency, families],
          );
          target = joined[0] ?? null;
        }
        const joinedExisting = target !== null;
        if (!target) {
          // The row lock taken by the upsert serialises concurrent reports of the same year.
          const [counter] = await tx.rows<{ last: number }>(
            "case_counter_next",
            `INSERT INTO "CaseCounter" ("year", "last") VALUES ($1, 1) ON CONFLICT ("year") DO UPDATE SET "last" = "CaseCounter"."last" + 1 RETURNING "last"`,
            [r.year],
          );
          // The pupil is reused when known in the school (its class brought up to date), else created.
          const created = await tx.rows<{ id: string; reference: string; status: CaseStatus }>(
            "report_new_case",
            `WITH known AS (
               SELECT "id" FROM "Pupil" WHERE "schoolId" = $1::text AND "nameKey" = $2::text AND "birthYear" = $3::int AND "anonymizedAt" IS NULL LIMIT 1),
             touched AS (
               UPDATE "Pupil" SET "className" = $4::text WHERE "id" IN (SELECT "id" FROM known) RETURNING "id"),
             added AS (
               INSERT INTO "Pupil" ("id", "schoolId", "lastName", "firstName", "nameKey", "birthYear", "className", "createdAt")
               SELECT $5::text, $1, $6::text, $7::text, $2, $3, $4, now() AT TIME ZONE 'UTC' WHERE NOT EXISTS (SELECT 1 FROM known) RETURNING "id")
             INSERT INTO "Case" ("id", "reference", "pupilId", "schoolId", "districtId", "urgency", "reporterId", "createdAt", "updatedAt")
             SELECT $8::text, $9::text, p."id", s."id", s."districtId", $10::int, $11::text, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
               FROM "School" s, (SELECT "id" FROM touched UNION ALL SELECT "id" FROM added) p
              WHERE s."id" = $1
             RETURNING "id", "reference", "status"::text AS "status"`,
            [r.schoolId, r.pupil.nameKey, r.pupil.birthYear, r.pupil.className, randomUUID(), r.pupil.lastName, r.pupil.firstName, randomUUID(), formatReference(r.year, counter!.last), r.urgency, r.reporterId],
          );
          target = created[0] ?? null;
          if (!target) throw new Error(`school ${r.schoolId} not found`);
        }
        const reportId = randomUUID();
        const sends = (joinedExisting ? joinSends : route(target.id)).map((m) => outboxRow(m));
        // The report, its signals, the case event and the sends: one statement.
        await tx.rows(
          "report_insert",
          `WITH report AS (
             INSERT INTO "Report" ("id", "caseId", "reporterId", "submissionKey", "absenceHalfDays", "stepsTaken", "urgency", "observations", "createdAt")
             VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8, now() AT TIME ZONE 'UTC') RETURNING "id"),
           signals AS (
             INSERT INTO "ReportSignal" ("id", "reportId", "code", "family", "note")
             SELECT g."id", report."id", g."code", g."family", g."note" FROM report, unnest($9::text[], $10::text[], $11::text[], $12::text[]) WITH ORDINALITY AS g("id", "code", "family", "note", "n")),
           event AS (
             INSERT INTO "CaseEvent" ("caseId", "actorId", "type", "data", "at")
             SELECT $2, $3, $13::text, $14::jsonb, now() AT TIME ZONE 'UTC' FROM report),
           sends AS (
             INSERT INTO "OutboxMessage" ("id", "conversationId", "kind", "payload", "dedupeKey", "caseId", "createdAt", "nextAttemptAt")
             SELECT o."id", o."conversationId", o."kind", o."payload"::jsonb, o."dedupeKey", $2, o."createdAt"::timestamp, o."createdAt"::timestamp
               FROM report, unnest($15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[]) AS o("id", "conversationId", "kind", "payload", "dedupeKey", "createdAt")
             ON CONFLICT ("dedupeKey") DO NOTHING)
           SELECT "id" FROM report`,
          [
            reportId,
            target.id,
            r.reporterId,
            r.submissionKey,
            r.absenceHalfDays ?? null,
            r.stepsTaken,
            r.urgency,
            r.observations ?? null,
            r.signals.map(() => randomUUID()),
            r.signals.map((s) => s.code),
            r.signals.map((s) => s.family),
            r.signals.map((s) => s.note ?? null),
            joinedExisting ? "REPORT_ADDED" : "REPORTED",
            JSON.stringify({ reportId, families, urgency: r.urgency }),
            ...outboxColumns(sends),
          ],
        );
        return { caseId: target.id, reference: target.reference, status: target.status, joinedExisting, alreadyRecorded: false };
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
const OPEN_SQL = OPEN.map((status) => `'${status}'`).join(", ");

/** Everything the triage needs to know about a case, read in one query. */
export type CaseRecord = {
  id: string;
  reference: string;
  status: CaseStatus;
  urgency: number;
  version: number;
  escalatedToMlds: boolean;
  source: "REPORT" | "IMPORT";
  school: { id: string; name: string; uai: string };
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
  nextReviewAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
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
  closedAt?: Date | null;
  nextReviewAt?: Date | null;
};

export type CaseEventInput = { type: string; actorId: string | null; data?: Record<string, unknown> };

const FAMILY_ORDER = ["ATTENDANCE", "ENGAGEMENT", "RESULTS", "BEHAVIOUR", "ORIENTATION"];

type CaseRow = {
  id: string;
  reference: string;
  status: CaseStatus;
  urgency: number;
  version: number;
  escalatedToMlds: boolean;
  source: "REPORT" | "IMPORT";
  districtId: string;
  nextReviewAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
  schoolId: string;
  schoolName: string;
  schoolUai: string;
  lastName: string;
  firstName: string;
  className: string | null;
  birthYear: number;
  birthDate: Date | null;
  pupilAnonymizedAt: Date | null;
  assigneeId: string | null;
  assigneeName: string | null;
  /** Oldest first, each with its signals. */
  reports: { reporterId: string | null; absenceHalfDays: number | null; stepsTaken: string[] | null; observations: string | null; signals: { code: string; family: string; note: string | null }[] }[];
  /** The 20 latest, newest first; `at` as PostgreSQL writes a timestamp in JSON (UTC, no zone). */
  events: { type: string; at: string; data: unknown; actorId: string | null }[];
};

/** Everything about a case in one statement (it was seven Prisma queries, read on every triage
 *  action, status card and queued card; measured by `npm run bench`): the case rows of `cases`,
 *  with the 20 latest of `events` (a statement on the case `c`). */
function caseRecordSelect(cases: string, events: string): string {
  return `
    SELECT c."id", c."reference", c."status"::text AS "status", c."urgency", c."version", c."escalatedToMlds", c."source"::text AS "source",
           c."districtId", c."nextReviewAt", c."createdAt", c."updatedAt", c."closedAt",
           s."id" AS "schoolId", s."name" AS "schoolName", s."uai" AS "schoolUai",
           p."lastName", p."firstName", p."className", p."birthYear", p."birthDate", p."anonymizedAt" AS "pupilAnonymizedAt",
           a."id" AS "assigneeId", a."displayName" AS "assigneeName",
           COALESCE((SELECT json_agg(json_build_object(
                        'reporterId', r."reporterId", 'absenceHalfDays', r."absenceHalfDays", 'stepsTaken', r."stepsTaken", 'observations', r."observations",
                        'signals', COALESCE((SELECT json_agg(json_build_object('code', rs."code", 'family', rs."family", 'note', rs."note"))
                                               FROM "ReportSignal" rs WHERE rs."reportId" = r."id"), '[]'::json))
                      ORDER BY r."createdAt")
                       FROM "Report" r WHERE r."caseId" = c."id"), '[]'::json) AS "reports",
           COALESCE((SELECT json_agg(json_build_object('type', e."type", 'at', e."at", 'data', e."data", 'actorId', e."actorId") ORDER BY e."id" DESC)
                       FROM (${events}) e), '[]'::json) AS "events"
      FROM ${cases} c
      JOIN "School" s ON s."id" = c."schoolId"
      JOIN "Pupil" p ON p."id" = c."pupilId"
      LEFT JOIN "Member" a ON a."id" = c."assigneeId"`;
}

const LATEST_EVENTS = `SELECT "id", "type", "at", "data", "actorId" FROM "CaseEvent" WHERE "caseId" = c."id" ORDER BY "id" DESC LIMIT 20`;
const CASE_RECORD_SELECT = caseRecordSelect(`"Case"`, LATEST_EVENTS);
/** The same in a statement that changed the case (CTE `upd`, returning the new row) and added an
 *  event (CTE `ev`): what such a statement wrote is not in the tables it reads from. */
const APPLIED_CASE_RECORD = caseRecordSelect(
  "upd",
  `SELECT * FROM (SELECT "id", "type", "at", "data", "actorId" FROM ev UNION ALL (${LATEST_EVENTS})) latest ORDER BY "id" DESC LIMIT 20`,
);

async function loadCaseRecord(prisma: PrismaClient | Prisma.TransactionClient, where: { id: string } | { reference: string }): Promise<CaseRecord | null> {
  const rows = await prisma.$queryRawUnsafe<CaseRow[]>(`${CASE_RECORD_SELECT} WHERE ${"id" in where ? `c."id"` : `c."reference"`} = $1`, "id" in where ? where.id : where.reference);
  return rows[0] ? toCaseRecord(rows[0]) : null;
}

/** The same on the hot path (triage actions, status cards): straight on the pool. */
async function readCaseRecord(sql: HotSql, where: { id: string } | { reference: string }): Promise<CaseRecord | null> {
  const rows = "id" in where
    ? await sql.rows<CaseRow>("case_record_by_id", `${CASE_RECORD_SELECT} WHERE c."id" = $1`, [where.id])
    : await sql.rows<CaseRow>("case_record_by_reference", `${CASE_RECORD_SELECT} WHERE c."reference" = $1`, [where.reference]);
  return rows[0] ? toCaseRecord(rows[0]) : null;
}

function toCaseRecord(c: CaseRow): CaseRecord {
  const events = c.events.map((e) => ({ ...e, at: new Date(`${e.at}Z`) }));
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
    source: c.source,
    school: { id: c.schoolId, name: c.schoolName, uai: c.schoolUai },
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
    absenceHalfDays: c.reports.reduce<number | null>((max, r) => (r.absenceHalfDays !== null && (max === null || r.absenceHalfDays > max) ? r.absenceHalfDays : max), null),
    stepsTaken: [...new Set(c.reports.flatMap((r) => r.stepsTaken ?? []))],
    observations: c.reports.map((r) => r.observations).filter((o): o is string => Boolean(o)),
    // Events are newest first: the request is answered when an answer came after it.
    infoRequest: lastRequest
      ? { question: String((lastRequest.data as { question?: string } | null)?.question ?? ""), answered: answerIndex !== -1 && answerIndex < requestIndex, askedById: lastRequest.actorId }
      : null,
    nextReviewAt: c.nextReviewAt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    closedAt: c.closedAt,
    lastEvent: events[0] ? { type: events[0].type, at: events[0].at } : null,
  };
}

/** Outbox rows for messages decided with a case change, in the same transaction: a committed
 *  change always has its sends queued, and a rolled-back one has none. */
export async function enqueueMessages(tx: Prisma.TransactionClient, messages: OutgoingMessage[], caseId: string): Promise<void> {
  for (const m of messages) {
    await enqueueOutbox(tx, { conversationId: m.conversationId, kind: m.kind, payload: { render: m.render }, caseId, ...(m.dedupeKey ? { dedupeKey: m.dedupeKey } : {}) });
  }
}

export class CaseChangeRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: HotSql,
  ) {}

  get(where: { id: string } | { reference: string }): Promise<CaseRecord | null> {
    return readCaseRecord(this.sql, where);
  }

  /** Applies a change if the case is still at `expectedVersion` (optimistic concurrency: of two
   *  coordinators acting at once, the second gets VersionConflictError), with its event and sends. */
  async apply(caseId: string, expectedVersion: number, change: CaseChange, event: CaseEventInput, messages: OutgoingMessage[], planOp?: PlanOp): Promise<CaseRecord> {
    if (planOp) return this.applyWithPlan(caseId, expectedVersion, change, event, messages, planOp);
    // A triage action is one statement: its event and sends are written by the same statement, so
    // they commit with the change or not at all, and it answers with the case as changed (one round
    // trip instead of 6 Prisma queries, then one instead of 2; `npm run bench`, workload d).
    const sends = messages.map((m) => outboxRow(m));
    // As with Prisma, an undefined field is left as it is and a null one is emptied.
    const set = <K extends keyof CaseChange>(key: K) => [change[key] !== undefined, change[key] ?? null];
    const rows = await this.sql.rows<CaseRow>(
      "case_apply",
      `WITH upd AS (
         UPDATE "Case" SET
           "status" = CASE WHEN $3::boolean THEN $4::"CaseStatus" ELSE "status" END,
           "assigneeId" = CASE WHEN $5::boolean THEN $6::text ELSE "assigneeId" END,
           "escalatedToMlds" = CASE WHEN $7::boolean THEN $8::boolean ELSE "escalatedToMlds" END,
           "closedAt" = CASE WHEN $9::boolean THEN $10::timestamp ELSE "closedAt" END,
           "nextReviewAt" = CASE WHEN $11::boolean THEN $12::timestamp ELSE "nextReviewAt" END,
           "reviewRemindedFor" = CASE WHEN $13::boolean THEN $14::timestamp ELSE "reviewRemindedFor" END,
           "version" = "version" + 1, "updatedAt" = now() AT TIME ZONE 'UTC'
          WHERE "id" = $1 AND "version" = $2 RETURNING *),
       ev AS (
         INSERT INTO "CaseEvent" ("caseId", "actorId", "type", "data", "at") SELECT upd."id", $15, $16, $17::jsonb, now() AT TIME ZONE 'UTC' FROM upd
         RETURNING "id", "type", "at", "data", "actorId"),
       sends AS (
         INSERT INTO "OutboxMessage" ("id", "conversationId", "kind", "payload", "dedupeKey", "caseId", "createdAt", "nextAttemptAt")
         SELECT o."id", o."conversationId", o."kind", o."payload"::jsonb, o."dedupeKey", upd."id", o."createdAt"::timestamp, o."createdAt"::timestamp
           FROM upd, unnest($18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::text[]) AS o("id", "conversationId", "kind", "payload", "dedupeKey", "createdAt")
         ON CONFLICT ("dedupeKey") DO NOTHING)
       ${APPLIED_CASE_RECORD}`,
      [
        caseId,
        expectedVersion,
        ...set("status"),
        ...set("assigneeId"),
        ...set("escalatedToMlds"),
        ...set("closedAt"),
        ...set("nextReviewAt"),
        ...set("reviewRemindedFor"),
        event.actorId,
        event.type,
        JSON.stringify(event.data ?? {}),
        ...outboxColumns(sends),
      ],
    );
    if (!rows[0]) throw new VersionConflictError(caseId);
    return toCaseRecord(rows[0]);
  }

  private applyWithPlan(caseId: string, expectedVersion: number, change: CaseChange, event: CaseEventInput, messages: OutgoingMessage[], planOp: PlanOp): Promise<CaseRecord> {
    return this.prisma.$transaction(async (tx) => {
      const updated = await tx.case.updateMany({ where: { id: caseId, version: expectedVersion }, data: { ...change, version: { increment: 1 } } });
      if (updated.count !== 1) throw new VersionConflictError(caseId);
      await applyPlanOp(tx, caseId, planOp);
      await tx.caseEvent.create({ data: { caseId, actorId: event.actorId, type: event.type, data: (event.data ?? {}) as Prisma.InputJsonValue } });
      await enqueueMessages(tx, messages, caseId);
      return (await loadCaseRecord(tx, { id: caseId }))!;
    });
  }

  /** An event that changes nothing else (audit of a consultation, a reply received). */
  async record(caseId: string, event: CaseEventInput, messages: OutgoingMessage[] = []): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.caseEvent.create({ data: { caseId, actorId: event.actorId, type: event.type, data: (event.data ?? {}) as Prisma.InputJsonValue } });
      await enqueueMessages(tx, messages, caseId);
    });
  }

  /** The questions asked to the reporters and their answers, oldest first, with who wrote them
   *  (texts removed at retention read as null). */
  async infoExchanges(caseId: string): Promise<InfoExchange[]> {
    const rows = await this.sql.rows<{ type: string; at: Date; text: string | null; actorName: string | null }>(
      "case_info_exchanges",
      `SELECT e."type", e."at", COALESCE(e."data"->>'question', e."data"->>'answer') AS "text", m."displayName" AS "actorName"
         FROM "CaseEvent" e LEFT JOIN "Member" m ON m."id" = e."actorId"
        WHERE e."caseId" = $1 AND e."type" IN ('INFO_REQUESTED', 'INFO_ANSWERED')
        ORDER BY e."id"`,
      [caseId],
    );
    const exchanges: InfoExchange[] = [];
    for (const r of rows) {
      const at = r.at instanceof Date ? r.at : new Date(`${String(r.at)}Z`);
      if (r.type === "INFO_REQUESTED") exchanges.push({ question: r.text, askedBy: r.actorName, askedAt: at, answer: null });
      else {
        const open = exchanges.at(-1);
        if (open && !open.answer) open.answer = { text: r.text, by: r.actorName, at };
      }
    }
    return exchanges;
  }

  async channelPosts(caseId: string): Promise<{ conversationId: string; activityId: string }[]> {
    return this.sql.rows("case_channel_posts", `SELECT "conversationId", "activityId" FROM "ChannelPost" WHERE "caseId" = $1`, [caseId]);
  }
}
