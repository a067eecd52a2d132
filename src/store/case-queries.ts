import { createHash } from "node:crypto";
import { Prisma } from "../generated/prisma/client.js";
import type { CaseStatus } from "../domain/lifecycle.js";
import type { CaseVisibility, MldsAgeLimit } from "../domain/case-queries.js";
import type { HotSql } from "./hot-sql.js";

/** Read-only queries behind the chat commands (statut, mes signalements, à traiter, en retard).
 *  Every list is filtered by the caller's scope in SQL (a `CaseVisibility` from src/domain), is
 *  LIMITed, and counts with GROUP BY: nothing loads the cases of a school or a district into
 *  memory, and the work follows the cases in the caller's scope that match, not the table.
 *  Measured with EXPLAIN ANALYZE on 100,000 cases (bench/lib.ts fillCases, ten districts, most
 *  cases closed): under 1 ms for a teacher or a référent, 2 to 6 ms for a coordinator (each case of
 *  the district is checked for the under-16 rule by its pupil's key), about 10 ms for the académie's
 *  7,000 overdue cases. Indexes: migration 20261128083500_query_indexes. */

/** One case as a status answer needs it, with what permissions need to know about it. */
export type CaseSummaryRow = {
  id: string;
  reference: string;
  status: CaseStatus;
  urgency: number;
  escalatedToMlds: boolean;
  schoolId: string;
  schoolName: string;
  districtId: string;
  pupil: { firstName: string; lastName: string; className: string | null; birthYear: number; birthDate: Date | null; anonymized: boolean };
  reporterIds: string[];
  /** `role`: whether the school (référent) or the MLDS (coordinator) follows the case. */
  assignee: { id: string; displayName: string; role: string | null } | null;
  lastEvent: { type: string; at: Date } | null;
  nextReviewAt: Date | null;
  createdAt: Date;
  closedAt: Date | null;
};

export type StatusCount = { status: CaseStatus; count: number };
export type CaseListRows = { rows: CaseSummaryRow[]; counts: StatusCount[] };

/** Who may see what, plus, in a channel, the rule that a school's own cases stay out of it. */
export type CaseFilter = { visibility: CaseVisibility; onlyMldsCases?: MldsAgeLimit | null };

/** Consultations are audit entries, not something that happened to the case. */
const NOT_EVENTS = ["DETAILS_VIEWED", "HISTORY_VIEWED", "EXPORTED"];

/** A case's summary, for each case of a `picked` CTE (its "id"). */
const SUMMARY_SELECT = Prisma.raw(`
      SELECT c."id", c."reference", c."status"::text AS "status", c."urgency", c."escalatedToMlds",
             s."id" AS "schoolId", s."name" AS "schoolName", c."districtId",
             p."firstName", p."lastName", p."className", p."birthYear", p."birthDate", p."anonymizedAt" AS "pupilAnonymizedAt",
             ARRAY(SELECT DISTINCT r."reporterId" FROM "Report" r WHERE r."caseId" = c."id" AND r."reporterId" IS NOT NULL) AS "reporterIds",
             a."id" AS "assigneeId", a."displayName" AS "assigneeName", a."role"::text AS "assigneeRole",
             le."type" AS "lastEventType", le."at" AS "lastEventAt",
             c."nextReviewAt", c."createdAt", c."closedAt"
        FROM picked k
        JOIN "Case" c ON c."id" = k."id"
        JOIN "School" s ON s."id" = c."schoolId"
        JOIN "Pupil" p ON p."id" = c."pupilId"
        LEFT JOIN "Member" a ON a."id" = c."assigneeId"
        LEFT JOIN LATERAL (
          SELECT e."type", e."at" FROM "CaseEvent" e
           WHERE e."caseId" = c."id" AND e."type" NOT IN (${NOT_EVENTS.map((type) => `'${type}'`).join(", ")})
           ORDER BY e."at" DESC, e."id" DESC LIMIT 1) le ON true`);

type SummarySqlRow = {
  id: string;
  reference: string;
  status: CaseStatus;
  urgency: number;
  escalatedToMlds: boolean;
  schoolId: string;
  schoolName: string;
  districtId: string;
  firstName: string;
  lastName: string;
  className: string | null;
  birthYear: number;
  birthDate: Date | null;
  pupilAnonymizedAt: Date | null;
  reporterIds: string[] | null;
  assigneeId: string | null;
  assigneeName: string | null;
  assigneeRole: string | null;
  lastEventType: string | null;
  lastEventAt: Date | null;
  nextReviewAt: Date | null;
  createdAt: Date;
  closedAt: Date | null;
};

export class CaseQueryRepository {
  // Status questions are turns of their own: statements go straight to the pool (hot-sql.ts).
  constructor(private readonly sql: HotSql) {}

  /** A case by its reference (unique index); the caller checks the permission on what it gets. */
  async byReference(reference: string): Promise<CaseSummaryRow | null> {
    const rows = await this.summaries(Prisma.sql`SELECT c."id" FROM "Case" c WHERE c."reference" = ${reference}`, Prisma.sql`c."createdAt"`);
    return rows[0] ?? null;
  }

  /** Cases whose pupil's name key holds every token, open ones first, then the newest. In a
   *  school or a district the pupils are looked for through the index on (schoolId, nameKey, id),
   *  where the LIKE is checked on the index alone; among one's own reports and the cases assigned to
   *  one, each case's pupil is checked by its key (no scan of all pupils). */
  async searchByName(filter: CaseFilter, tokens: string[], limit: number): Promise<CaseSummaryRow[]> {
    if (tokens.length === 0) return [];
    const patterns = Prisma.sql`ARRAY[${Prisma.join(tokens.map((token) => `%${escapeLike(token)}%`))}]::text[]`;
    return this.searchByKey(filter, (key) => Prisma.sql`${key} LIKE ALL (${patterns})`, limit);
  }

  /** Cases whose pupil's name key matches, for every group, one of its LIKE patterns (patterns
   *  written by the caller, escaped already): the close names offered after a search found
   *  nothing (domain: slipPatterns). */
  async searchByNamePatterns(filter: CaseFilter, groups: string[][], limit: number): Promise<CaseSummaryRow[]> {
    if (groups.length === 0 || groups.some((g) => g.length === 0)) return [];
    return this.searchByKey(filter, (key) => Prisma.join(groups.map((g) => Prisma.sql`${key} LIKE ANY (ARRAY[${Prisma.join(g)}]::text[])`), " AND "), limit);
  }

  private async searchByKey(filter: CaseFilter, matches: (key: Prisma.Sql) => Prisma.Sql, limit: number): Promise<CaseSummaryRow[]> {
    const notAnonymized = Prisma.sql`(SELECT xp."anonymizedAt" FROM "Pupil" xp WHERE xp."id" = c."pupilId") IS NULL`;
    const perCase = matches(Prisma.sql`(SELECT np."nameKey" FROM "Pupil" np WHERE np."id" = c."pupilId" AND np."anonymizedAt" IS NULL)`);
    // The pupil of a case belongs to the case's school.
    const bySchools = (schools: Prisma.Sql) =>
      Prisma.sql`c."pupilId" IN (SELECT np."id" FROM "Pupil" np WHERE np."schoolId" IN (${schools}) AND ${matches(Prisma.sql`np."nameKey"`)}) AND ${notAnonymized}`;
    const area = filter.visibility.area;
    const inArea =
      area.kind === "schools" && area.schoolIds.length > 0
        ? bySchools(Prisma.join(area.schoolIds))
        : area.kind === "district"
          ? bySchools(Prisma.sql`SELECT ds."id" FROM "School" ds WHERE ds."districtId" = ${area.districtId}`)
          : perCase;
    const order = Prisma.sql`(c."status" = 'CLOSED'), c."createdAt" DESC, c."id"`;
    return this.summaries(this.picked(filter, (branch) => (branch === "area" ? inArea : perCase), order, limit), order);
  }

  /** Cases with a report by this member, newest first. */
  reportedBy(filter: CaseFilter, memberId: string, limit: number): Promise<CaseListRows> {
    const mine = Prisma.sql`c."id" IN (SELECT mr."caseId" FROM "Report" mr WHERE mr."reporterId" = ${memberId})`;
    return this.list(filter, () => mine, Prisma.sql`c."createdAt" DESC, c."id"`, limit);
  }

  /** "À traiter": NEW, INFO_REQUESTED and REVIEW_DUE cases, and ACKNOWLEDGED ones held by this
   *  member or by nobody (domain: isWaitingFor); the oldest first. */
  waitingFor(filter: CaseFilter, memberId: string, limit: number): Promise<CaseListRows> {
    const waiting = Prisma.sql`(c."status" IN ('NEW', 'INFO_REQUESTED', 'REVIEW_DUE')
      OR (c."status" = 'ACKNOWLEDGED' AND (c."assigneeId" IS NULL OR c."assigneeId" = ${memberId})))`;
    return this.list(filter, () => waiting, Prisma.sql`c."createdAt", c."id"`, limit);
  }

  /** "En retard": open cases whose review date has passed, and NEW ones created before
   *  `newBefore` (domain: latenessOf); the oldest first. */
  overdue(filter: CaseFilter, now: Date, newBefore: Date, limit: number): Promise<CaseListRows> {
    const late = Prisma.sql`((c."status" IN ('NEW', 'ACKNOWLEDGED', 'INFO_REQUESTED', 'PLAN_ACTIVE', 'REVIEW_DUE') AND c."nextReviewAt" < ${now})
      OR (c."status" = 'NEW' AND c."createdAt" < ${newBefore}))`;
    return this.list(filter, () => late, Prisma.sql`c."createdAt", c."id"`, limit);
  }

  private async list(filter: CaseFilter, condition: Condition, order: Prisma.Sql, limit: number): Promise<CaseListRows> {
    const rows = await this.summaries(this.picked(filter, condition, order, limit), order);
    const union = branchesSql(filter, condition, Prisma.sql`c."id", c."status"`);
    const counts = union === null ? [] : await this.query<{ status: CaseStatus; count: number }>(Prisma.sql`
      SELECT c."status"::text AS "status", count(*)::int AS "count" FROM (${union}) c GROUP BY c."status"`, "case_counts");
    return { rows, counts: counts.map((r) => ({ status: r.status, count: Number(r.count) })) };
  }

  /** The ids of the cases to show: each branch of the scope ordered and limited through its own
   *  index, then the branches merged, ordered and limited. */
  private picked(filter: CaseFilter, condition: Condition, order: Prisma.Sql, limit: number): Prisma.Sql | null {
    const n = Math.max(0, Math.min(Math.floor(limit), 100));
    const union = branchesSql(filter, condition, Prisma.sql`c."id", c."createdAt", c."status"`, Prisma.sql`ORDER BY ${order} LIMIT ${n}`);
    return union === null ? null : Prisma.sql`SELECT c."id", c."createdAt" FROM (${union}) c ORDER BY ${order} LIMIT ${n}`;
  }

  /** The details of the picked cases (at most `limit` of them), each read through its indexes. */
  private async summaries(picked: Prisma.Sql | null, order: Prisma.Sql): Promise<CaseSummaryRow[]> {
    if (picked === null) return [];
    const rows = await this.query<SummarySqlRow>(Prisma.sql`WITH picked AS (${picked}) ${SUMMARY_SELECT} ORDER BY ${order}`, "case_summaries");
    return rows.map(toSummary);
  }

  /** Each shape of statement (scope, number of words or schools) is named after its text, so that
   *  a connection prepares it once and PostgreSQL may keep a generic plan for it. The name search of
   *  a teacher who holds no case, at 100,000 cases: 2.9 ms unnamed (planned again at every call),
   *  0.33 ms named (interleaved runs); 4.9 ms with the "assigned to me" branch, whose generic plan
   *  looks too dear to keep (a scope that reaches thousands of cases is planned at every call). */
  private query<T>(statement: Prisma.Sql, kind: string): Promise<T[]> {
    const name = `${kind}_${createHash("sha1").update(statement.text).digest("base64url").slice(0, 20)}`;
    return this.sql.rows<T>(name, statement.text, statement.values);
  }
}

/** What a query asks of a case, per branch of the caller's scope (null: nothing in that branch). */
type Condition = (branch: "area" | "assigned") => Prisma.Sql | null;

/**
 * The caller's scope as a UNION ALL of disjoint branches over `c` ("Case"): the area (school,
 * district, own reports, académie; for a coordinator only the cases that concern the MLDS), and the
 * cases assigned to the caller outside it. Each branch keeps its own index (an OR of the two would
 * not), and being disjoint they need no deduplication. In a channel every branch keeps only the
 * cases that concern the MLDS.
 */
function branchesSql(filter: CaseFilter, condition: Condition, columns: Prisma.Sql, tail: Prisma.Sql = Prisma.empty): Prisma.Sql | null {
  const v = filter.visibility;
  const channelLimit = filter.onlyMldsCases ?? null;
  const branches: Prisma.Sql[] = [];
  const add = (parts: (Prisma.Sql | null)[], cond: Prisma.Sql | null) => {
    if (cond === null) return;
    const where = [...parts, channelLimit ? concernsMldsSql(channelLimit) : null, cond].filter((x): x is Prisma.Sql => x !== null);
    branches.push(Prisma.sql`(SELECT ${columns} FROM "Case" c WHERE ${Prisma.join(where, " AND ")} ${tail})`);
  };
  const area = areaSql(v.area);
  // A coordinator's area keeps only the MLDS's cases; in a channel that rule is already there.
  const age = v.mldsOnly && !sameLimit(v.mldsOnly, channelLimit) ? concernsMldsSql(v.mldsOnly) : null;
  const inArea = area === null ? null : age === null ? area : Prisma.sql`(${area} AND ${age})`;
  if (inArea !== null) add([inArea], condition("area"));
  if (v.alsoAssignedTo !== null && v.area.kind !== "academy") {
    add([Prisma.sql`c."assigneeId" = ${v.alsoAssignedTo}`, inArea === null ? null : Prisma.sql`NOT (${inArea})`], condition("assigned"));
  }
  return branches.length === 0 ? null : Prisma.join(branches, " UNION ALL ");
}

function sameLimit(a: MldsAgeLimit, b: MldsAgeLimit | null): boolean {
  return b !== null && a.bornOnOrBefore === b.bornOnOrBefore && a.birthYearAtMost === b.birthYearAtMost;
}

function areaSql(area: CaseVisibility["area"]): Prisma.Sql | null {
  switch (area.kind) {
    case "reportedBy":
      return Prisma.sql`c."id" IN (SELECT vr."caseId" FROM "Report" vr WHERE vr."reporterId" = ${area.memberId})`;
    case "schools":
      return area.schoolIds.length === 0 ? null : Prisma.sql`c."schoolId" IN (${Prisma.join(area.schoolIds)})`;
    case "district":
      return Prisma.sql`c."districtId" = ${area.districtId}`;
    case "department":
      // No list reaches a département yet (the DSDEN has statistics only) and schools do not
      // record theirs yet (issue 24): nothing, rather than a guess.
      return null;
    case "academy":
      return Prisma.sql`TRUE`;
    case "nothing":
      return null;
  }
}

/** Domain: concernsMldsBy (escalated, or a pupil of 16 or over by the limit). The pupil is read by
 *  its key for each case of the scope (a correlated subquery): the cost follows the cases at hand,
 *  where a join would let the planner hash the whole Pupil table. */
function concernsMldsSql(limit: MldsAgeLimit): Prisma.Sql {
  return Prisma.sql`(c."escalatedToMlds" OR (SELECT CASE WHEN ap."birthDate" IS NOT NULL THEN ap."birthDate" <= ${limit.bornOnOrBefore}::date
    ELSE ap."birthYear" <= ${limit.birthYearAtMost}::int END FROM "Pupil" ap WHERE ap."id" = c."pupilId"))`;
}

/** Typed text is matched literally: LIKE's wildcards and its escape character lose their meaning. */
function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function toSummary(r: SummarySqlRow): CaseSummaryRow {
  return {
    id: r.id,
    reference: r.reference,
    status: r.status,
    urgency: r.urgency,
    escalatedToMlds: r.escalatedToMlds,
    schoolId: r.schoolId,
    schoolName: r.schoolName,
    districtId: r.districtId,
    pupil: {
      firstName: r.firstName,
      lastName: r.lastName,
      className: r.className,
      birthYear: r.birthYear,
      birthDate: r.birthDate,
      anonymized: r.pupilAnonymizedAt !== null,
    },
    reporterIds: r.reporterIds ?? [],
    assignee: r.assigneeId !== null && r.assigneeName !== null ? { id: r.assigneeId, displayName: r.assigneeName, role: r.assigneeRole } : null,
    lastEvent: r.lastEventType !== null && r.lastEventAt !== null ? { type: r.lastEventType, at: r.lastEventAt } : null,
    nextReviewAt: r.nextReviewAt,
    createdAt: r.createdAt,
    closedAt: r.closedAt,
  };
}
