import type { PrismaClient } from "../generated/prisma/client.js";
import { Prisma } from "../generated/prisma/client.js";
import type { HistogramBucket } from "../domain/statistics.js";
import { enqueueOutbox } from "./outbox.js";
import type { RenderSpec, WeeklyDigestCounts } from "./outgoing-message.js";

/** Statistics are aggregated by PostgreSQL (GROUP BY over the Case indexes), never by loading
 *  cases: what leaves the database is a few dozen numbers. Every query is limited to the scope in
 *  SQL. Months and weeks are read on Paris clocks (timestamps are stored in UTC). */

/** Which cases count. `mldsOnlyOn`: leave out the under-16 cases that the school has not handed to
 *  the MLDS (as the coordinators do not see them), ages taken on that date. */
export type StatsFilter = { schoolIds?: string[]; districtIds?: string[]; mldsOnlyOn?: Date };

export type RawStats = {
  openedPerMonth: { month: string; count: number }[];
  openByStatus: { status: string; count: number }[];
  signalFamilies: { family: string; count: number }[];
  outcomes: { kind: string; count: number }[];
  /** Days from the report to the take-in-charge, of the cases opened in the period (0.1 day steps). */
  takeInChargeDays: HistogramBucket[];
  /** Days from the take-in-charge to the plan, of the cases opened in the period. */
  planDays: HistogramBucket[];
  perSchool: { schoolId: string; uai: string; name: string; opened: number; open: number; withPlan: number; overdue: number }[];
};

export type CaseExportRow = {
  reference: string;
  uai: string;
  schoolName: string;
  status: string;
  urgency: number;
  escalatedToMlds: boolean;
  openedAt: Date;
  takenInChargeAt: Date | null;
  planOpenedAt: Date | null;
  nextReviewAt: Date | null;
  closedAt: Date | null;
  outcome: string | null;
};

export type DataExportRecord = { id: string; memberId: string; kind: string; scope: unknown; createdAt: Date; downloads: number };

export type StatsActorRecord = { id: string; role: string; active: boolean; districtId: string | null; schoolIds: string[] };

/** Events that mean someone took the case in charge (an assignment of a new case counts). */
const TAKEN_EVENTS = ["TAKEN_IN_CHARGE", "ASSIGNED"];

const DIGEST_JOB = "weekly-digest";

type Period = { from: Date; to: Date };

function ts(d: Date): Prisma.Sql {
  return Prisma.sql`${d.toISOString()}::timestamp(3)`;
}

/** The WHERE conditions of a scope, on "Case" c (joined with "Pupil" p when mldsOnlyOn is set). */
function scopeSql(f: StatsFilter): Prisma.Sql {
  const parts: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (f.schoolIds) parts.push(f.schoolIds.length ? Prisma.sql`c."schoolId" IN (${Prisma.join(f.schoolIds)})` : Prisma.sql`FALSE`);
  if (f.districtIds) parts.push(f.districtIds.length ? Prisma.sql`c."districtId" IN (${Prisma.join(f.districtIds)})` : Prisma.sql`FALSE`);
  if (f.mldsOnlyOn) {
    const day = parisDate(f.mldsOnlyOn);
    // Same rule as ageOn(): the exact age with a birth date, the age reached this year without.
    parts.push(Prisma.sql`(c."escalatedToMlds" OR (CASE WHEN p."birthDate" IS NULL THEN ${Number(day.slice(0, 4))}::int - p."birthYear"
      ELSE date_part('year', age(${day}::date, p."birthDate"))::int END) >= 16)`);
  }
  return Prisma.join(parts, " AND ");
}

function pupilJoin(f: StatsFilter): Prisma.Sql {
  return f.mldsOnlyOn ? Prisma.sql`JOIN "Pupil" p ON p."id" = c."pupilId"` : Prisma.empty;
}

function parisDate(d: Date): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
}

const PARIS_MONTH = Prisma.sql`to_char(("createdAt" AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Paris', 'YYYY-MM')`;

export class StatisticsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Every aggregate of the statistics card, in parallel queries. `now` decides what is overdue. */
  async aggregate(f: StatsFilter, period: Period, now: Date): Promise<RawStats> {
    const where = scopeSql(f);
    const join = pupilJoin(f);
    const inPeriod = (col: Prisma.Sql) => Prisma.sql`${col} >= ${ts(period.from)} AND ${col} < ${ts(period.to)}`;
    const n = <T extends { count: bigint | number }>(rows: T[]) => rows.map((r) => ({ ...r, count: Number(r.count) }));

    const [perMonth, byStatus, families, outcomes, delays, perSchool] = await Promise.all([
      this.prisma.$queryRaw<{ month: string; count: bigint }[]>`
        SELECT ${PARIS_MONTH} AS "month", count(*) AS "count"
        FROM (SELECT c."createdAt" FROM "Case" c ${join} WHERE ${where} AND ${inPeriod(Prisma.sql`c."createdAt"`)}) x
        GROUP BY 1 ORDER BY 1`,
      this.prisma.$queryRaw<{ status: string; count: bigint }[]>`
        SELECT c."status"::text AS "status", count(*) AS "count" FROM "Case" c ${join}
        WHERE ${where} AND c."status" <> 'CLOSED' GROUP BY 1`,
      // A case counts once per family, whatever the number of reports or signals.
      this.prisma.$queryRaw<{ family: string; count: bigint }[]>`
        SELECT "family", count(*) AS "count" FROM (
          SELECT DISTINCT c."id", s."family"
          FROM "Case" c ${join} JOIN "Report" r ON r."caseId" = c."id" JOIN "ReportSignal" s ON s."reportId" = r."id"
          WHERE ${where} AND ${inPeriod(Prisma.sql`r."createdAt"`)}) x
        GROUP BY 1`,
      // Classé sans suite leaves no Outcome row: it is the DISMISSED outcome.
      this.prisma.$queryRaw<{ kind: string; count: bigint }[]>`
        SELECT COALESCE(o."kind"::text, 'DISMISSED') AS "kind", count(*) AS "count"
        FROM "Case" c ${join} LEFT JOIN "Outcome" o ON o."caseId" = c."id"
        WHERE ${where} AND c."status" = 'CLOSED' AND ${inPeriod(Prisma.sql`c."closedAt"`)} GROUP BY 1`,
      // Both delays in one pass: the first take-in-charge of each case (grouped once, hash-joined:
      // far cheaper than a look-up per case), then one histogram per measure in 0.1-day steps.
      this.prisma.$queryRaw<{ measure: "take" | "plan"; value: number; count: bigint }[]>`
        WITH e AS (
          SELECT "caseId", min("at") AS "taken" FROM "CaseEvent" WHERE "type" IN (${Prisma.join(TAKEN_EVENTS)}) GROUP BY 1),
        t AS MATERIALIZED (
          SELECT c."createdAt", e."taken", pl."createdAt" AS "planAt"
          FROM "Case" c ${join} JOIN e ON e."caseId" = c."id" LEFT JOIN "Plan" pl ON pl."caseId" = c."id"
          WHERE ${where} AND ${inPeriod(Prisma.sql`c."createdAt"`)})
        SELECT 'take' AS "measure", round((extract(epoch FROM "taken" - "createdAt") / 86400.0)::numeric, 1)::float8 AS "value", count(*) AS "count"
        FROM t GROUP BY 2
        UNION ALL
        SELECT 'plan', round((extract(epoch FROM "planAt" - "taken") / 86400.0)::numeric, 1)::float8, count(*)
        FROM t WHERE "planAt" IS NOT NULL AND "planAt" >= "taken" GROUP BY 2`,
      this.prisma.$queryRaw<{ schoolId: string; uai: string; name: string; opened: bigint; open: bigint; withPlan: bigint; overdue: bigint }[]>`
        SELECT c."schoolId" AS "schoolId", sc."uai" AS "uai", sc."name" AS "name",
          count(*) FILTER (WHERE ${inPeriod(Prisma.sql`c."createdAt"`)}) AS "opened",
          count(*) FILTER (WHERE c."status" <> 'CLOSED') AS "open",
          count(*) FILTER (WHERE c."status" IN ('PLAN_ACTIVE', 'REVIEW_DUE')) AS "withPlan",
          count(*) FILTER (WHERE c."status" = 'REVIEW_DUE' OR (c."status" = 'PLAN_ACTIVE' AND c."nextReviewAt" < ${ts(now)})) AS "overdue"
        FROM "Case" c ${join} JOIN "School" sc ON sc."id" = c."schoolId"
        WHERE ${where} AND (c."status" <> 'CLOSED' OR ${inPeriod(Prisma.sql`c."createdAt"`)})
        GROUP BY 1, 2, 3 ORDER BY 3`,
    ]);
    return {
      openedPerMonth: n(perMonth),
      openByStatus: n(byStatus),
      signalFamilies: n(families),
      outcomes: n(outcomes),
      takeInChargeDays: n(delays.filter((d) => d.measure === "take")).map(({ value, count }) => ({ value, count })),
      planDays: n(delays.filter((d) => d.measure === "plan")).map(({ value, count }) => ({ value, count })),
      perSchool: perSchool.map((r) => ({ schoolId: r.schoolId, uai: r.uai, name: r.name, opened: Number(r.opened), open: Number(r.open), withPlan: Number(r.withPlan), overdue: Number(r.overdue) })),
    };
  }

  /** The cases of a scope for a CSV export: those opened in the period and those still open.
   *  Reference, school, status, dates and outcome only: no pupil, no note. */
  async casesForExport(f: StatsFilter, period: Period): Promise<CaseExportRow[]> {
    return this.prisma.$queryRaw<CaseExportRow[]>`
      SELECT c."reference", sc."uai", sc."name" AS "schoolName", c."status"::text AS "status", c."urgency", c."escalatedToMlds",
        c."createdAt" AS "openedAt",
        (SELECT min(e."at") FROM "CaseEvent" e WHERE e."caseId" = c."id" AND e."type" IN (${Prisma.join(TAKEN_EVENTS)})) AS "takenInChargeAt",
        pl."createdAt" AS "planOpenedAt", c."nextReviewAt", c."closedAt",
        CASE WHEN c."status" = 'CLOSED' THEN COALESCE(o."kind"::text, 'DISMISSED') END AS "outcome"
      FROM "Case" c ${pupilJoin(f)} JOIN "School" sc ON sc."id" = c."schoolId"
        LEFT JOIN "Plan" pl ON pl."caseId" = c."id" LEFT JOIN "Outcome" o ON o."caseId" = c."id"
      WHERE ${scopeSql(f)} AND c."createdAt" < ${ts(period.to)}
        AND (c."createdAt" >= ${ts(period.from)} OR c."status" <> 'CLOSED')
      ORDER BY c."createdAt", c."reference"`;
  }

  // --- Scope look-ups ---

  async schoolByUai(uai: string): Promise<{ id: string; uai: string; name: string; districtId: string } | null> {
    return this.prisma.school.findUnique({ where: { uai }, select: { id: true, uai: true, name: true, districtId: true } });
  }

  async schoolsByIds(ids: string[]): Promise<{ id: string; uai: string; name: string; districtId: string }[]> {
    if (ids.length === 0) return [];
    return this.prisma.school.findMany({ where: { id: { in: ids } }, select: { id: true, uai: true, name: true, districtId: true }, orderBy: { name: "asc" } });
  }

  async districts(): Promise<{ id: string; code: string; name: string }[]> {
    return this.prisma.district.findMany({ select: { id: true, code: true, name: true }, orderBy: { name: "asc" } });
  }

  /** A member as permissions need them, read again when a download link is used. */
  async actor(memberId: string): Promise<StatsActorRecord | null> {
    const m = await this.prisma.member.findUnique({ where: { id: memberId }, select: { id: true, role: true, active: true, districtId: true, schools: { select: { schoolId: true } } } });
    return m && { id: m.id, role: m.role, active: m.active, districtId: m.districtId, schoolIds: m.schools.map((s) => s.schoolId) };
  }

  // --- Exports (audit) ---

  async recordExport(memberId: string, kind: string, scope: Record<string, unknown>): Promise<string> {
    const row = await this.prisma.dataExport.create({ data: { memberId, kind, scope: scope as Prisma.InputJsonValue }, select: { id: true } });
    return row.id;
  }

  async export(id: string): Promise<DataExportRecord | null> {
    return this.prisma.dataExport.findUnique({ where: { id }, select: { id: true, memberId: true, kind: true, scope: true, createdAt: true, downloads: true } });
  }

  async recordDownload(id: string, rowCount: number, at: Date): Promise<void> {
    await this.prisma.dataExport.update({ where: { id }, data: { rowCount, downloads: { increment: 1 }, lastDownloadAt: at } });
  }

  // --- Weekly digest ---

  /** Claims this week's digest and queues one card per district channel, in one transaction: of
   *  several instances asking at once, the conditional UPDATE lets exactly one through (the others
   *  wait for its row lock, then find the week done). Null: already sent this week. */
  async claimWeeklyDigest(week: { weekStart: string; lastWeekFrom: Date; weekFrom: Date; weekTo: Date }, now: Date): Promise<number | null> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`INSERT INTO "JobRun" ("name") VALUES (${DIGEST_JOB}) ON CONFLICT ("name") DO NOTHING`;
      const claimed = await tx.$queryRaw<{ name: string }[]>`
        UPDATE "JobRun" SET "lastRunAt" = ${ts(now)}
        WHERE "name" = ${DIGEST_JOB} AND ("lastRunAt" IS NULL OR "lastRunAt" < ${ts(week.weekFrom)})
        RETURNING "name"`;
      if (claimed.length === 0) return null;
      const channels = await tx.routingChannel.findMany({ where: { districtId: { not: null } }, select: { districtId: true, channelId: true, district: { select: { name: true } } } });
      const districtIds = channels.map((c) => c.districtId!);
      if (districtIds.length === 0) return 0;
      const f: StatsFilter = { districtIds, mldsOnlyOn: now };
      const rows = await tx.$queryRaw<{ districtId: string; schoolName: string; newLastWeek: bigint; waiting: bigint; reviewsThisWeek: bigint; reviewsOverdue: bigint }[]>`
        SELECT c."districtId" AS "districtId", sc."name" AS "schoolName",
          count(*) FILTER (WHERE c."createdAt" >= ${ts(week.lastWeekFrom)} AND c."createdAt" < ${ts(week.weekFrom)}) AS "newLastWeek",
          count(*) FILTER (WHERE c."status" = 'NEW') AS "waiting",
          count(*) FILTER (WHERE c."status" IN ('PLAN_ACTIVE', 'REVIEW_DUE') AND c."nextReviewAt" >= ${ts(week.weekFrom)} AND c."nextReviewAt" < ${ts(week.weekTo)}) AS "reviewsThisWeek",
          count(*) FILTER (WHERE c."status" IN ('PLAN_ACTIVE', 'REVIEW_DUE') AND c."nextReviewAt" < ${ts(week.weekFrom)}) AS "reviewsOverdue"
        FROM "Case" c ${pupilJoin(f)} JOIN "School" sc ON sc."id" = c."schoolId"
        WHERE ${scopeSql(f)} AND (c."status" <> 'CLOSED' OR c."createdAt" >= ${ts(week.lastWeekFrom)})
        GROUP BY 1, 2 ORDER BY 2`;
      let queued = 0;
      for (const channel of channels) {
        const schools = rows
          .filter((r) => r.districtId === channel.districtId)
          .map((r) => ({ name: r.schoolName, newLastWeek: Number(r.newLastWeek), waiting: Number(r.waiting), reviewsThisWeek: Number(r.reviewsThisWeek), reviewsOverdue: Number(r.reviewsOverdue) }));
        const total = (k: keyof WeeklyDigestCounts) => schools.reduce((s, r) => s + r[k], 0);
        const render: RenderSpec = {
          view: "weeklyDigest",
          districtName: channel.district?.name ?? "",
          weekStart: week.weekStart,
          counts: { newLastWeek: total("newLastWeek"), waiting: total("waiting"), reviewsThisWeek: total("reviewsThisWeek"), reviewsOverdue: total("reviewsOverdue") },
          schools: schools.filter((s) => s.newLastWeek + s.waiting + s.reviewsThisWeek + s.reviewsOverdue > 0),
        };
        const { created } = await enqueueOutbox(tx, { conversationId: channel.channelId, kind: "post", payload: { render }, dedupeKey: `${DIGEST_JOB}:${week.weekStart}:${channel.districtId}` });
        if (created) queued++;
      }
      return queued;
    });
  }
}
