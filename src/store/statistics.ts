import { randomUUID } from "node:crypto";
import { sql, type ExpressionBuilder, type Expression, type SqlBool } from "kysely";
import type { HistogramBucket } from "../domain/statistics.js";
import { MLDS_MIN_AGE } from "../domain/routing.js";
import type { DB, Db } from "./kysely.js";
import type { RenderSpec, WeeklyDigestCounts } from "./outgoing-message.js";
import { queueSends } from "./sends.js";

/** Statistics are aggregated by PostgreSQL (GROUP BY over the Case indexes), never by loading
 *  cases: what leaves the database is a few dozen numbers. Every query is limited to the scope in
 *  SQL. Months and weeks are read on Paris clocks. */

/** Which cases count. `mldsOnly`: leave out the cases of pupils under 16 at the report date that the
 *  school has not referred to the MLDS (as the coordinators do not see them). */
export type StatsFilter = { schoolIds?: string[]; districtIds?: string[]; departmentCode?: string; mldsOnly?: boolean };

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

export type StatsActorRecord = { id: string; role: string; active: boolean; districtId: string | null; departmentCode: string | null; schoolIds: string[] };

/** Events that mean someone took the case in charge (an assignment of a new case counts). */
const TAKEN_EVENTS = ["TAKEN_IN_CHARGE", "ASSIGNED"];

const DIGEST_JOB = "weekly-digest";

type Period = { from: Date; to: Date };

/** The cases of a scope: "Case" as c. */
type Scoped = ExpressionBuilder<DB & { c: DB["Case"] }, "c">;

/** The conditions of a scope, on "Case" c. */
function inScope(eb: Scoped, f: StatsFilter): Expression<SqlBool> {
  const parts: Expression<SqlBool>[] = [];
  if (f.schoolIds) parts.push(f.schoolIds.length ? eb("c.schoolId", "=", sql<string>`any(${f.schoolIds}::text[])`) : sql<boolean>`false`);
  if (f.districtIds) parts.push(f.districtIds.length ? eb("c.districtId", "=", sql<string>`any(${f.districtIds}::text[])`) : sql<boolean>`false`);
  if (f.departmentCode !== undefined)
    parts.push(eb("c.schoolId", "in", eb.selectFrom("School as ds").select("ds.id").where("ds.departmentCode", "=", f.departmentCode)));
  if (f.mldsOnly) {
    // The age at the report date, kept with the case (routing.ageAtReport), as the coordinators'
    // lists read it: no birthday and no 1 January moves a case into or out of the MLDS's figures.
    // Unknown counts as 16 or over.
    parts.push(eb.or([eb("c.escalatedToMlds", "=", true), eb("c.ageAtReport", "is", null), eb("c.ageAtReport", ">=", sql.lit(MLDS_MIN_AGE))]));
  }
  return eb.and(parts);
}

export class StatisticsRepository {
  constructor(private readonly db: Db) {}

  /** The cases of the scope with their pupils, to aggregate. */
  private scoped(f: StatsFilter) {
    return this.db.selectFrom("Case as c").where((eb) => inScope(eb, f));
  }

  /** Every aggregate of the statistics card, in parallel queries. `now` decides what is overdue. */
  async aggregate(f: StatsFilter, period: Period, now: Date): Promise<RawStats> {
    const count = sql<number>`count(*)::int`;
    const [perMonth, byStatus, families, outcomes, delays, perSchool] = await Promise.all([
      this.scoped(f)
        .select(sql<string>`to_char(c."createdAt" AT TIME ZONE 'Europe/Paris', 'YYYY-MM')`.as("month"))
        .select(count.as("count"))
        .where("c.createdAt", ">=", period.from)
        .where("c.createdAt", "<", period.to)
        .groupBy(sql`1`)
        .orderBy(sql`1`)
        .execute(),
      this.scoped(f).select(["c.status"]).select(count.as("count")).where("c.status", "<>", "CLOSED").groupBy("c.status").execute(),
      // A case counts once per family, whatever the number of reports or signals.
      this.db
        .selectFrom(() =>
          this.scoped(f)
            .innerJoin("Report as r", "r.caseId", "c.id")
            .innerJoin("ReportSignal as s", "s.reportId", "r.id")
            .select(["c.id", "s.family"])
            .distinct()
            .where("r.createdAt", ">=", period.from)
            .where("r.createdAt", "<", period.to)
            .as("x"),
        )
        .select(["x.family"])
        .select(count.as("count"))
        .groupBy("x.family")
        .execute(),
      // Closed without a follow-up leaves no Outcome row: it is the DISMISSED outcome.
      this.scoped(f)
        .leftJoin("Outcome as o", "o.caseId", "c.id")
        .select(sql<string>`COALESCE(o."kind"::text, 'DISMISSED')`.as("kind"))
        .select(count.as("count"))
        .where("c.status", "=", "CLOSED")
        .where("c.closedAt", ">=", period.from)
        .where("c.closedAt", "<", period.to)
        .groupBy(sql`1`)
        .execute(),
      // Both delays in one pass: the first take-in-charge of each case (grouped once, hash-joined:
      // far cheaper than a look-up per case), then one histogram per measure in 0.1-day steps.
      this.db
        .with("e", (qc) =>
          qc
            .selectFrom("CaseEvent")
            .select(["caseId", (eb) => eb.fn.min("at").as("taken")])
            .where("type", "in", TAKEN_EVENTS)
            .groupBy("caseId"),
        )
        .with(
          (wb) => wb("t").materialized(),
          (qc) =>
            qc
              .selectFrom("Case as c")
              .innerJoin("e", "e.caseId", "c.id")
              .leftJoin("Plan as pl", "pl.caseId", "c.id")
              .select(["c.createdAt", "e.taken", "pl.createdAt as planAt"])
              .where((eb) => inScope(eb, f))
              .where("c.createdAt", ">=", period.from)
              .where("c.createdAt", "<", period.to),
        )
        .selectFrom("t")
        .select([
          sql<"take" | "plan">`'take'`.as("measure"),
          sql<number>`round((extract(epoch FROM "taken" - "createdAt") / 86400.0)::numeric, 1)::float8`.as("value"),
          count.as("count"),
        ])
        .groupBy(sql`2`)
        .unionAll((qc) =>
          qc
            .selectFrom("t")
            .select([
              sql<"take" | "plan">`'plan'`.as("measure"),
              sql<number>`round((extract(epoch FROM "planAt" - "taken") / 86400.0)::numeric, 1)::float8`.as("value"),
              count.as("count"),
            ])
            .where("planAt", "is not", null)
            .whereRef("planAt", ">=", "taken")
            .groupBy(sql`2`),
        )
        .execute(),
      this.scoped(f)
        .innerJoin("School as sc", "sc.id", "c.schoolId")
        .select(["c.schoolId", "sc.uai", "sc.name"])
        .select((eb) => [
          sql<number>`count(*) FILTER (WHERE ${eb.and([eb("c.createdAt", ">=", period.from), eb("c.createdAt", "<", period.to)])})::int`.as("opened"),
          sql<number>`count(*) FILTER (WHERE ${eb("c.status", "<>", "CLOSED")})::int`.as("open"),
          sql<number>`count(*) FILTER (WHERE ${eb("c.status", "in", ["PLAN_ACTIVE", "REVIEW_DUE"])})::int`.as("withPlan"),
          sql<number>`count(*) FILTER (WHERE ${eb.or([eb("c.status", "=", "REVIEW_DUE"), eb.and([eb("c.status", "=", "PLAN_ACTIVE"), eb("c.nextReviewAt", "<", now)])])})::int`.as(
            "overdue",
          ),
        ])
        .where((eb) => eb.or([eb("c.status", "<>", "CLOSED"), eb.and([eb("c.createdAt", ">=", period.from), eb("c.createdAt", "<", period.to)])]))
        .groupBy(["c.schoolId", "sc.uai", "sc.name"])
        .orderBy("sc.name")
        .execute(),
    ]);
    const histogram = (measure: "take" | "plan") => delays.filter((d) => d.measure === measure).map(({ value, count }) => ({ value, count }));
    return {
      openedPerMonth: perMonth,
      openByStatus: byStatus,
      signalFamilies: families,
      outcomes,
      takeInChargeDays: histogram("take"),
      planDays: histogram("plan"),
      perSchool,
    };
  }

  /** The cases of a scope for a CSV export: those opened in the period and those still open.
   *  Reference, school, status, dates and outcome only: no pupil, no note. */
  async casesForExport(f: StatsFilter, period: Period): Promise<CaseExportRow[]> {
    return this.scoped(f)
      .innerJoin("School as sc", "sc.id", "c.schoolId")
      .leftJoin("Plan as pl", "pl.caseId", "c.id")
      .leftJoin("Outcome as o", "o.caseId", "c.id")
      .select([
        "c.reference",
        "sc.uai",
        "sc.name as schoolName",
        "c.status",
        "c.urgency",
        "c.escalatedToMlds",
        "c.createdAt as openedAt",
        "pl.createdAt as planOpenedAt",
        "c.nextReviewAt",
        "c.closedAt",
      ])
      .select((eb) => [
        eb
          .selectFrom("CaseEvent as e")
          .select((e) => e.fn.min("e.at").as("at"))
          .whereRef("e.caseId", "=", "c.id")
          .where("e.type", "in", TAKEN_EVENTS)
          .as("takenInChargeAt"),
        sql<string | null>`CASE WHEN c."status" = 'CLOSED' THEN COALESCE(o."kind"::text, 'DISMISSED') END`.as("outcome"),
      ])
      .where("c.createdAt", "<", period.to)
      .where((eb) => eb.or([eb("c.createdAt", ">=", period.from), eb("c.status", "<>", "CLOSED")]))
      .orderBy("c.createdAt")
      .orderBy("c.reference")
      .execute();
  }

  // --- Scope look-ups ---

  async schoolByUai(uai: string): Promise<{ id: string; uai: string; name: string; districtId: string; departmentCode: string | null } | null> {
    return (await this.db.selectFrom("School").select(["id", "uai", "name", "districtId", "departmentCode"]).where("uai", "=", uai).executeTakeFirst()) ?? null;
  }

  async schoolsByIds(ids: string[]): Promise<{ id: string; uai: string; name: string; districtId: string }[]> {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom("School")
      .select(["id", "uai", "name", "districtId"])
      .where("id", "=", sql<string>`any(${ids}::text[])`)
      .orderBy("name")
      .execute();
  }

  async districts(): Promise<{ id: string; code: string; name: string }[]> {
    return this.db.selectFrom("District").select(["id", "code", "name"]).orderBy("name").execute();
  }

  /** A member as permissions need them, read again when a download link is used. */
  async actor(memberId: string): Promise<StatsActorRecord | null> {
    const m = await this.db
      .selectFrom("Member as m")
      .select(["m.id", "m.role", "m.active", "m.districtId", "m.departmentCode"])
      .select((eb) =>
        eb.fn
          .coalesce(
            eb
              .selectFrom("MemberSchool as ms")
              .select(sql<string[]>`array_agg(ms."schoolId")`.as("ids"))
              .whereRef("ms.memberId", "=", "m.id"),
            sql<string[]>`'{}'::text[]`,
          )
          .as("schoolIds"),
      )
      .where("m.id", "=", memberId)
      .executeTakeFirst();
    return m ?? null;
  }

  // --- Exports (audit) ---

  async recordExport(memberId: string, kind: string, scope: Record<string, unknown>): Promise<string> {
    const row = await this.db
      .insertInto("DataExport")
      .values({ id: randomUUID(), memberId, kind, scope: JSON.stringify(scope) })
      .returning("id")
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async export(id: string): Promise<DataExportRecord | null> {
    return (
      (await this.db.selectFrom("DataExport").select(["id", "memberId", "kind", "scope", "createdAt", "downloads"]).where("id", "=", id).executeTakeFirst()) ??
      null
    );
  }

  async recordDownload(id: string, rowCount: number, at: Date): Promise<void> {
    await this.db
      .updateTable("DataExport")
      .set((eb) => ({ rowCount, downloads: eb("downloads", "+", 1), lastDownloadAt: at }))
      .where("id", "=", id)
      .execute();
  }

  // --- Weekly digest ---

  /** Claims this week's digest and queues one card per district channel, in one transaction: of
   *  several instances asking at once, the conditional UPDATE lets exactly one through (the others
   *  wait for its row lock, then find the week done). Null: already sent this week. */
  async claimWeeklyDigest(week: { weekStart: string; lastWeekFrom: Date; weekFrom: Date; weekTo: Date }, now: Date): Promise<number | null> {
    return this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("JobRun")
        .values({ name: DIGEST_JOB })
        .onConflict((oc) => oc.column("name").doNothing())
        .execute();
      const claimed = await trx
        .updateTable("JobRun")
        .set({ lastRunAt: now })
        .where("name", "=", DIGEST_JOB)
        .where((eb) => eb.or([eb("lastRunAt", "is", null), eb("lastRunAt", "<", week.weekFrom)]))
        .executeTakeFirst();
      if (claimed.numUpdatedRows === 0n) return null;
      const channels = await trx
        .selectFrom("RoutingChannel as rc")
        .innerJoin("District as d", "d.id", "rc.districtId")
        .select(["d.id as districtId", "d.name as districtName", "rc.channelId"])
        .execute();
      if (channels.length === 0) return 0;
      const f: StatsFilter = { districtIds: channels.map((c) => c.districtId), mldsOnly: true };
      const reviewed = ["PLAN_ACTIVE", "REVIEW_DUE"] as const;
      const rows = await trx
        .selectFrom("Case as c")
        .innerJoin("School as sc", "sc.id", "c.schoolId")
        .select(["c.districtId", "sc.name as schoolName"])
        .select((eb) => [
          sql<number>`count(*) FILTER (WHERE ${eb.and([eb("c.createdAt", ">=", week.lastWeekFrom), eb("c.createdAt", "<", week.weekFrom)])})::int`.as(
            "newLastWeek",
          ),
          sql<number>`count(*) FILTER (WHERE ${eb("c.status", "=", "NEW")})::int`.as("waiting"),
          sql<number>`count(*) FILTER (WHERE ${eb.and([eb("c.status", "in", reviewed), eb("c.nextReviewAt", ">=", week.weekFrom), eb("c.nextReviewAt", "<", week.weekTo)])})::int`.as(
            "reviewsThisWeek",
          ),
          sql<number>`count(*) FILTER (WHERE ${eb.and([eb("c.status", "in", reviewed), eb("c.nextReviewAt", "<", week.weekFrom)])})::int`.as("reviewsOverdue"),
        ])
        .where((eb) => inScope(eb, f))
        .where((eb) => eb.or([eb("c.status", "<>", "CLOSED"), eb("c.createdAt", ">=", week.lastWeekFrom)]))
        .groupBy(["c.districtId", "sc.name"])
        .orderBy("sc.name")
        .execute();
      const sends = channels.map((channel) => {
        const schools = rows
          .filter((r) => r.districtId === channel.districtId)
          .map(({ districtId: _, schoolName, ...counts }) => ({ name: schoolName, ...counts }));
        const total = (k: keyof WeeklyDigestCounts) => schools.reduce((s, r) => s + r[k], 0);
        const render: RenderSpec = {
          view: "weeklyDigest",
          districtName: channel.districtName,
          weekStart: week.weekStart,
          counts: {
            newLastWeek: total("newLastWeek"),
            waiting: total("waiting"),
            reviewsThisWeek: total("reviewsThisWeek"),
            reviewsOverdue: total("reviewsOverdue"),
          },
          schools: schools.filter((s) => s.newLastWeek + s.waiting + s.reviewsThisWeek + s.reviewsOverdue > 0),
        };
        return {
          conversationId: channel.channelId,
          kind: "post" as const,
          payload: { render },
          dedupeKey: `${DIGEST_JOB}:${week.weekStart}:${channel.districtId}`,
        };
      });
      return queueSends(trx, sends);
    });
  }
}
