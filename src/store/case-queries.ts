import { sql, type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool } from "kysely";
import type { CaseStatus } from "../domain/lifecycle.js";
import type { CaseVisibility } from "../domain/case-queries.js";
import { MLDS_MIN_AGE } from "../domain/routing.js";
import { GPDS_DECISION_EVENT } from "../domain/gpds.js";
import { URGENT_LEVEL, type MldsAccess } from "../domain/permissions.js";
import { prepared, type DB, type Db } from "./kysely.js";

/** Read-only queries behind the chat commands (statut, mes signalements, à traiter, en retard).
 *  Every list is filtered by the caller's scope in SQL (a `CaseVisibility` from src/domain), is
 *  LIMITed, and counts with GROUP BY: nothing loads the cases of a school or a district into
 *  memory, and the work follows the cases in the caller's scope that match, not the table.
 *  Measured with EXPLAIN ANALYZE on 100,000 cases (test/helpers/case-fill.ts, ten districts, most
 *  cases closed): under 1 ms for a teacher or a référent, 2 to 6 ms for a coordinator (each case of
 *  the district is checked for the under-16 rule by its pupil's key), about 10 ms for the académie's
 *  7,000 overdue cases. Indexes: migration 20261128083500_query_indexes.
 *
 *  Each shape of statement (scope, number of words) is one text, prepared once per connection, so
 *  that PostgreSQL may keep a generic plan for it (store/kysely.ts): the name search of a teacher who
 *  holds no case, at 100,000 cases, took 2.9 ms planned at every call and 0.33 ms prepared. */

/** One case as a status answer needs it, with what permissions need to know about it. */
export type CaseSummaryRow = {
  id: string;
  reference: string;
  pupilId: string;
  status: CaseStatus;
  urgency: number;
  escalatedToMlds: boolean;
  referredAt: Date | null;
  ageAtReport: number | null;
  outOfSchool: boolean;
  /** The bassin's setting: whether its coordinators may act before the GPDS decides. */
  mldsAccess: MldsAccess;
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
export type CaseFilter = { visibility: CaseVisibility; onlyMldsCases?: boolean };

/** What a case shows of its pupil ("Pupil" as p) and of who follows it ("Member" as a). */
export const PUPIL_AND_ASSIGNEE = [
  "p.firstName",
  "p.lastName",
  "p.className",
  "p.birthYear",
  "p.birthDate",
  "p.anonymizedAt as pupilAnonymizedAt",
  "a.id as assigneeId",
  "a.displayName as assigneeName",
] as const;

/** Consultations are audit entries, not something that happened to the case. */
const NOT_EVENTS = ["DETAILS_VIEWED", "HISTORY_VIEWED", "EXPORTED", "SAME_PERSON_CONFIRMED", "SAME_PERSON_DENIED"] as const;

/** Expressions over a case, "Case" as c. */
type OnCase = ExpressionBuilder<DB & { c: DB["Case"] }, "c">;
type CaseCondition = (eb: OnCase) => Expression<SqlBool>;
/** What a query asks of a case, per branch of the caller's scope (null: nothing in that branch). */
type Condition = (branch: "area" | "assigned") => CaseCondition | null;
/** How a list is ordered, on c and on the picked cases alike. */
type Order = "newestOpenFirst" | "newest" | "oldest";

const anyOf = (values: readonly string[]) => sql<string>`any(${values}::text[])`;
/** Constants of the code are written into the statement, not sent as parameters: a prepared
 *  statement's generic plan then knows them, as the planner of a one-off statement does. */
const lit = <T extends string>(value: T) => sql.lit<T>(value);
const lits = <T extends string>(values: readonly T[]) => values.map(lit);

export class CaseQueryRepository {
  constructor(private readonly db: Db) {}

  /** A case by its reference (unique index); the caller checks the permission on what it gets. */
  async byReference(reference: string): Promise<CaseSummaryRow | null> {
    const [row] = await caseByReference(this.db, reference);
    return row ? toSummary(row) : null;
  }

  /** A case by its id (primary key); the caller checks the permission on what it gets. */
  async byId(id: string): Promise<CaseSummaryRow | null> {
    const [row] = await ordered(
      summaryQuery(this.db, this.db.selectFrom("Case as c").select(["c.id", "c.createdAt", "c.status"]).where("c.id", "=", id)),
      "oldest",
    ).execute();
    return row ? toSummary(row) : null;
  }

  /** Cases whose pupil's name key holds every token, open ones first, then the newest. In a
   *  school or a district the pupils are looked for through the index on (schoolId, nameKey, id),
   *  where the LIKE is checked on the index alone; among one's own reports and the cases assigned to
   *  one, each case's pupil is checked by its key (no scan of all pupils). */
  async searchByName(filter: CaseFilter, tokens: string[], limit: number): Promise<CaseSummaryRow[]> {
    if (tokens.length === 0) return [];
    const patterns = tokens.map((token) => `%${escapeLike(token)}%`);
    return this.searchByKey(filter, (key) => sql<boolean>`${key} LIKE ALL (${patterns}::text[])`, limit);
  }

  /** Cases whose pupil's name key matches, for every group, one of its LIKE patterns (patterns
   *  written by the caller, escaped already): the close names offered after a search found
   *  nothing (domain: slipPatterns). */
  async searchByNamePatterns(filter: CaseFilter, groups: string[][], limit: number): Promise<CaseSummaryRow[]> {
    if (groups.length === 0 || groups.some((g) => g.length === 0)) return [];
    return this.searchByKey(
      filter,
      (key) =>
        sql<boolean>`${sql.join(
          groups.map((g) => sql`${key} LIKE ANY (${g}::text[])`),
          sql` AND `,
        )}`,
      limit,
    );
  }

  private searchByKey(filter: CaseFilter, matches: (key: Expression<string>) => Expression<SqlBool>, limit: number): Promise<CaseSummaryRow[]> {
    const notAnonymized: CaseCondition = (eb) => eb(eb.selectFrom("Pupil as xp").select("xp.anonymizedAt").whereRef("xp.id", "=", "c.pupilId"), "is", null);
    const perCase: CaseCondition = (eb) =>
      matches(eb.selectFrom("Pupil as np").select("np.nameKey").whereRef("np.id", "=", "c.pupilId").where("np.anonymizedAt", "is", null).$asScalar());
    // The pupil of a case belongs to the case's school.
    const bySchools =
      (schools: (eb: OnCase) => Expression<string>): CaseCondition =>
      (eb) =>
        eb.and([
          eb(
            "c.pupilId",
            "in",
            eb
              .selectFrom("Pupil as np")
              .select("np.id")
              .where("np.schoolId", "=", schools(eb))
              .where((p) => matches(p.ref("np.nameKey"))),
          ),
          notAnonymized(eb),
        ]);
    const area = filter.visibility.area;
    const inArea =
      area.kind === "schools" && area.schoolIds.length > 0
        ? bySchools(() => anyOf(area.schoolIds))
        : area.kind === "district"
          ? bySchools((eb) => sql<string>`any(${eb.selectFrom("School as ds").select("ds.id").where("ds.districtId", "=", area.districtId)})`)
          : perCase;
    return this.summaries(
      this.picked(filter, (branch) => (branch === "area" ? inArea : perCase), "newestOpenFirst", limit),
      "newestOpenFirst",
    );
  }

  /** Cases with a report by this member, newest first. */
  reportedBy(filter: CaseFilter, memberId: string, limit: number): Promise<CaseListRows> {
    const mine: CaseCondition = (eb) => eb("c.id", "in", eb.selectFrom("Report as mr").select("mr.caseId").where("mr.reporterId", "=", memberId));
    return this.list(filter, () => mine, "newest", limit);
  }

  /**
   * The other cases of the young person of `caseId`, newest first: pupils are recorded per school,
   * so a move, a new school year or a campaign list makes another pupil row for the same person.
   * The same person: the same INE, or the same folded names and full birth date (and no two
   * different INEs), or a pupil row someone who sees both confirmed as the same young person
   * (« Même élève ? », PupilLink same). Anonymised pupils match nothing. Three index lookups
   * (Pupil ine / nameKey, PupilLink's key and its otherPupilId index), not a scan.
   */
  sameYoungPerson(filter: CaseFilter, caseId: string, limit: number): Promise<CaseListRows> {
    const samePerson: CaseCondition = (eb) =>
      eb.and([
        eb("c.id", "<>", caseId),
        eb(
          "c.pupilId",
          "in",
          sql<string>`(SELECT o.id FROM "Case" mc
            JOIN "Pupil" me ON me.id = mc."pupilId" AND me."anonymizedAt" IS NULL
            JOIN "Pupil" o ON o."anonymizedAt" IS NULL AND (
              (me.ine IS NOT NULL AND o.ine = me.ine)
              OR (me."birthDate" IS NOT NULL AND o."nameKey" = me."nameKey" AND o."birthDate" = me."birthDate"
                  AND (o.ine IS NULL OR me.ine IS NULL OR o.ine = me.ine)))
            WHERE mc.id = ${caseId}
            UNION ALL
            SELECT o.id FROM "Case" mc
            JOIN "Pupil" me ON me.id = mc."pupilId" AND me."anonymizedAt" IS NULL
            JOIN "PupilLink" l ON l.same AND (l."pupilId" = me.id OR l."otherPupilId" = me.id)
            JOIN "Pupil" o ON o.id = (CASE WHEN l."pupilId" = me.id THEN l."otherPupilId" ELSE l."pupilId" END) AND o."anonymizedAt" IS NULL
            WHERE mc.id = ${caseId})`,
        ),
      ]);
    return this.list(filter, () => samePerson, "newest", limit);
  }

  /**
   * « Même élève ? »: the cases of pupil rows that may be the young person of `caseId` but are not
   * known to be: the same folded names and birth year, a birth date missing on one side at least,
   * no INE on one side at least (two equal INEs are the same person, two different ones are not),
   * and nobody who sees both has answered for the pair yet. Newest first; the caller keeps the
   * cases it may see in detail. Through the index on Pupil (nameKey) and PupilLink's key.
   */
  possiblySameYoungPerson(filter: CaseFilter, caseId: string, limit: number): Promise<CaseListRows> {
    const maybeSame: CaseCondition = (eb) =>
      eb.and([
        eb("c.id", "<>", caseId),
        eb(
          "c.pupilId",
          "in",
          sql<string>`(SELECT o.id FROM "Case" mc
            JOIN "Pupil" me ON me.id = mc."pupilId" AND me."anonymizedAt" IS NULL
            JOIN "Pupil" o ON o."nameKey" = me."nameKey" AND o."birthYear" = me."birthYear" AND o.id <> me.id AND o."anonymizedAt" IS NULL
              AND (o."birthDate" IS NULL OR me."birthDate" IS NULL)
              AND (o.ine IS NULL OR me.ine IS NULL)
            WHERE mc.id = ${caseId}
              AND NOT EXISTS (SELECT 1 FROM "PupilLink" l
                WHERE (l."pupilId" = me.id AND l."otherPupilId" = o.id) OR (l."pupilId" = o.id AND l."otherPupilId" = me.id)))`,
        ),
      ]);
    return this.list(filter, () => maybeSame, "newest", limit);
  }

  /** "À traiter": NEW, INFO_REQUESTED and REVIEW_DUE cases, and ACKNOWLEDGED ones held by this
   *  member or by nobody (domain: isWaitingFor); the oldest first. */
  waitingFor(filter: CaseFilter, memberId: string, limit: number, options: { mldsMayActOnly?: boolean } = {}): Promise<CaseListRows> {
    const waiting: CaseCondition = (eb) =>
      eb.or([
        eb("c.status", "in", lits(["NEW", "INFO_REQUESTED", "REVIEW_DUE"] as const)),
        eb.and([eb("c.status", "=", lit("ACKNOWLEDGED")), eb.or([eb("c.assigneeId", "is", null), eb("c.assigneeId", "=", memberId)])]),
      ]);
    // A coordinator's area keeps only the cases they may act on (domain: permissions.mldsMayAct);
    // the ones they hold stay in the list whatever the bassin's setting.
    const acting: CaseCondition = (eb) => eb.and([waiting(eb), mldsMayAct(eb)]);
    return this.list(filter, (branch) => (options.mldsMayActOnly && branch === "area" ? acting : waiting), "oldest", limit);
  }

  /** "En retard": open cases whose review date has passed, and NEW ones created before
   *  `newBefore` (domain: latenessOf); the oldest first. */
  overdue(filter: CaseFilter, now: Date, newBefore: Date, limit: number): Promise<CaseListRows> {
    const late: CaseCondition = (eb) =>
      eb.or([
        eb.and([eb("c.status", "in", lits(["NEW", "ACKNOWLEDGED", "INFO_REQUESTED", "PLAN_ACTIVE", "REVIEW_DUE"] as const)), eb("c.nextReviewAt", "<", now)]),
        eb.and([eb("c.status", "=", lit("NEW")), eb("c.createdAt", "<", newBefore)]),
      ]);
    return this.list(filter, () => late, "oldest", limit);
  }

  /** One page of the cases of the caller's scope that match `criteria` (the tab's « Mes dossiers »),
   *  with the counts per status of the cases that match every criterion but the statuses. Each branch
   *  of the scope is ordered and limited to the end of the page through its own index, as the chat
   *  lists are. */
  async page(filter: CaseFilter, criteria: CaseCriteria, order: Order, offset: number, limit: number): Promise<CaseListRows> {
    const n = Math.max(0, Math.min(Math.floor(limit), 100));
    const skip = Math.max(0, Math.min(Math.floor(offset), 10_000));
    const matching = criteriaCondition(criteria, false);
    const withStatus = criteriaCondition(criteria, true);
    const union = this.branches(
      filter,
      () => withStatus,
      // Within each half (open, closed) « open first » is « newest first »: the order of the index.
      (q) => ordered(q, order === "newestOpenFirst" ? "newest" : order).limit(skip + n),
      order === "newestOpenFirst",
    );
    const picked =
      union === null
        ? null
        : ordered(this.db.selectFrom(union.as("c")).select(["c.id", "c.createdAt", "c.status"]), order)
            .offset(skip)
            .limit(n);
    const rows = await this.summaries(picked, order);
    const all = this.branches(filter, () => matching);
    const counts =
      all === null
        ? []
        : await this.db
            .selectFrom(all.as("c"))
            .select(["c.status", sql<number>`count(*)::int`.as("count")])
            .groupBy("c.status")
            .execute();
    return { rows, counts };
  }

  private async list(filter: CaseFilter, condition: Condition, order: Order, limit: number): Promise<CaseListRows> {
    const rows = await this.summaries(this.picked(filter, condition, order, limit), order);
    const union = this.branches(filter, condition);
    const counts =
      union === null
        ? []
        : await this.db
            .selectFrom(union.as("c"))
            .select(["c.status", sql<number>`count(*)::int`.as("count")])
            .groupBy("c.status")
            .execute();
    return { rows, counts };
  }

  /** The cases to show: each branch of the scope ordered and limited through its own index, then
   *  the branches merged, ordered and limited. */
  private picked(filter: CaseFilter, condition: Condition, order: Order, limit: number) {
    const n = Math.max(0, Math.min(Math.floor(limit), 100));
    const split = order === "newestOpenFirst";
    const union = this.branches(filter, condition, (q) => ordered(q, split ? "newest" : order).limit(n), split);
    return union === null ? null : ordered(this.db.selectFrom(union.as("c")).select(["c.id", "c.createdAt", "c.status"]), order).limit(n);
  }

  /**
   * The caller's scope as a UNION ALL of disjoint branches over `c` ("Case"): the area (school,
   * district, own reports, académie; for a coordinator only the cases that concern the MLDS), and the
   * cases assigned to the caller outside it. Each branch keeps its own index (an OR of the two would
   * not), and being disjoint they need no deduplication. In a channel every branch keeps only the
   * cases that concern the MLDS. Each branch is a derived table, so that its own ORDER BY and LIMIT
   * stay its own.
   *
   * `splitClosed` (the order « open first, newest first »): each branch again in two, its open cases
   * and its closed ones, so that each half is read newest first through an index and stops at the
   * limit ("Case" (districtId, createdAt DESC, id) and (…, status, createdAt)); ordered on
   * (status = 'CLOSED') as one, a bassin of 100,000 cases was read whole and sorted (bench/results/tab-first-page.md).
   */
  private branches(filter: CaseFilter, condition: Condition, tail: (q: CaseBranch) => CaseBranch = (q) => q, splitClosed = false) {
    const v = filter.visibility;
    const channelLimit = filter.onlyMldsCases === true;
    const branches: CaseBranch[] = [];
    const add = (parts: CaseCondition[], cond: CaseCondition | null) => {
      if (cond === null) return;
      const all = [...parts, ...(channelLimit ? [concernsMlds] : []), cond];
      const halves: (CaseCondition | null)[] = splitClosed ? [(eb) => eb("c.status", "<>", lit("CLOSED")), (eb) => eb("c.status", "=", lit("CLOSED"))] : [null];
      for (const half of halves) {
        const conditions = half === null ? all : [...all, half];
        branches.push(
          tail(
            this.db
              .selectFrom("Case as c")
              .select(["c.id", "c.createdAt", "c.status"])
              .where((eb) => eb.and(conditions.map((p) => p(eb)))),
          ),
        );
      }
    };
    const area = areaCondition(v.area);
    // A coordinator's area keeps only the MLDS's cases; in a channel that rule is already there.
    const age = v.mldsOnly && !channelLimit ? concernsMlds : null;
    const inArea: CaseCondition | null = area === null ? null : age === null ? area : (eb) => eb.and([area(eb), age(eb)]);
    if (inArea !== null) add([inArea], condition("area"));
    if (v.alsoAssignedTo !== null && v.area.kind !== "academy") {
      const assignee = v.alsoAssignedTo;
      const outside: CaseCondition | null =
        inArea === null ? null : v.area.kind === "district" ? outsideDistrict(v.area.districtId, age !== null) : (eb) => eb.not(inArea(eb));
      add([(eb) => eb("c.assigneeId", "=", assignee), ...(outside === null ? [] : [outside])], condition("assigned"));
    }
    if (branches.length === 0) return null;
    const [first, ...rest] = branches.map((b, i) => this.db.selectFrom(b.as(`b${i}`)).selectAll());
    return rest.reduce((union, next) => union.unionAll(next), first!);
  }

  /** The details of the picked cases (at most `limit` of them), each read through its indexes. */
  private async summaries(picked: CaseBranch | null, order: Order): Promise<CaseSummaryRow[]> {
    if (picked === null) return [];
    return (await ordered(summaryQuery(this.db, picked), order).execute()).map(toSummary);
  }
}

/** The columns of a case that a status answer shows, for the picked cases ("picked" as k). */
function summaryQuery(db: Db, picked: CaseBranch) {
  return db
    .with("picked", () => picked)
    .selectFrom("picked as k")
    .innerJoin("Case as c", "c.id", "k.id")
    .innerJoin("School as s", "s.id", "c.schoolId")
    .innerJoin("Pupil as p", "p.id", "c.pupilId")
    .innerJoin("District as d", "d.id", "c.districtId")
    .leftJoin("Member as a", "a.id", "c.assigneeId")
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom("CaseEvent as e")
          .select(["e.type", "e.at"])
          .whereRef("e.caseId", "=", "c.id")
          .where("e.type", "not in", lits(NOT_EVENTS))
          .orderBy("e.at", "desc")
          .orderBy("e.id", "desc")
          .limit(1)
          .as("le"),
      (join) => join.onTrue(),
    )
    .select([
      "c.id",
      "c.reference",
      "c.pupilId",
      "c.status",
      "c.urgency",
      "c.escalatedToMlds",
      "c.referredAt",
      "c.ageAtReport",
      "c.outOfSchool",
      "d.mldsAccess",
      "s.id as schoolId",
      "s.name as schoolName",
      "c.districtId",
      ...PUPIL_AND_ASSIGNEE,
      "a.role as assigneeRole",
      "le.type as lastEventType",
      "le.at as lastEventAt",
      "c.nextReviewAt",
      "c.createdAt",
      "c.closedAt",
    ])
    .select((eb) =>
      sql<
        string[]
      >`ARRAY(${eb.selectFrom("Report as r").select("r.reporterId").distinct().whereRef("r.caseId", "=", "c.id").where("r.reporterId", "is not", null)})`.as(
        "reporterIds",
      ),
    );
}

type SummaryColumns = Awaited<ReturnType<ReturnType<typeof summaryQuery>["execute"]>>[number];

function toSummary(r: SummaryColumns): CaseSummaryRow {
  return {
    id: r.id,
    reference: r.reference,
    pupilId: r.pupilId,
    status: r.status,
    urgency: r.urgency,
    escalatedToMlds: r.escalatedToMlds,
    referredAt: r.referredAt,
    ageAtReport: r.ageAtReport,
    outOfSchool: r.outOfSchool,
    mldsAccess: r.mldsAccess,
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
    reporterIds: r.reporterIds,
    assignee: r.assigneeId !== null && r.assigneeName !== null ? { id: r.assigneeId, displayName: r.assigneeName, role: r.assigneeRole } : null,
    lastEvent: r.lastEventType !== null && r.lastEventAt !== null ? { type: r.lastEventType, at: r.lastEventAt } : null,
    nextReviewAt: r.nextReviewAt,
    createdAt: r.createdAt,
    closedAt: r.closedAt,
  };
}

/** A case by its reference: the statement of every `statut D-…`, compiled once (store/kysely.ts). */
const caseByReference = prepared("case_by_reference", (db, reference: string) =>
  ordered(summaryQuery(db, db.selectFrom("Case as c").select(["c.id", "c.createdAt", "c.status"]).where("c.reference", "=", reference)), "oldest"),
);

/** A selection of cases, `c`, with the columns the lists order and count by. */
type CaseBranch = SelectQueryBuilder<DB & { c: DB["Case"] }, "c", { id: string; createdAt: Date; status: CaseStatus }>;

/** Orders a query over c (cases or picked cases alike: both have c.status and c.createdAt). */
function ordered<Q extends SelectQueryBuilder<DB & { c: DB["Case"] }, "c", object>>(q: Q, order: Order): Q {
  switch (order) {
    case "newestOpenFirst":
      return q
        .orderBy(sql`(c."status" = 'CLOSED')`)
        .orderBy("c.createdAt", "desc")
        .orderBy("c.id") as Q;
    case "newest":
      return q.orderBy("c.createdAt", "desc").orderBy("c.id") as Q;
    case "oldest":
      return q.orderBy("c.createdAt").orderBy("c.id") as Q;
  }
}

function areaCondition(area: CaseVisibility["area"]): CaseCondition | null {
  switch (area.kind) {
    case "reportedBy":
      return (eb) => eb("c.id", "in", eb.selectFrom("Report as vr").select("vr.caseId").where("vr.reporterId", "=", area.memberId));
    case "schools":
      return area.schoolIds.length === 0 ? null : (eb) => eb("c.schoolId", "=", anyOf(area.schoolIds));
    case "district":
      return (eb) => eb("c.districtId", "=", area.districtId);
    case "department":
      // The cases of the schools of the département (the directory import records it).
      return (eb) => eb("c.schoolId", "in", eb.selectFrom("School as ds").select("ds.id").where("ds.departmentCode", "=", area.departmentCode));
    case "academy":
      return () => sql<boolean>`TRUE`;
    case "nothing":
      return null;
  }
}

/** Domain: concernsMldsBy (referred, or a pupil of 16 or over at the report date; unknown counts
 *  as 16 or over). Read on the case's own row: no birthday moves a case into the MLDS's lists. */
const concernsMlds: CaseCondition = (eb) =>
  eb.or([eb.ref("c.escalatedToMlds"), eb("c.ageAtReport", "is", null), eb("c.ageAtReport", ">=", sql.lit(MLDS_MIN_AGE))]);

/** The cases outside a district's area (with `mldsOnly`, the coordinator's: its cases that concern
 *  the MLDS), written as index ranges on "Case" (assigneeId, districtId, ageAtReport): as
 *  NOT (in the area), the branch of the cases a coordinator holds outside it read every case they
 *  hold inside it (50,000 in a bassin of 100,000: bench/results/tab-first-page.md). districtId is
 *  never null, so « <> » is « < or > », and not concerning the MLDS is « not referred and under 16 ». */
function outsideDistrict(districtId: string, mldsOnly: boolean): CaseCondition {
  return (eb) =>
    eb.or([
      eb("c.districtId", "<", districtId),
      eb("c.districtId", ">", districtId),
      ...(mldsOnly
        ? [eb.and([eb("c.districtId", "=", districtId), eb.not(eb.ref("c.escalatedToMlds")), eb("c.ageAtReport", "<", sql.lit(MLDS_MIN_AGE))])]
        : []),
    ]);
}

/** Domain: permissions.mldsMayAct (referred, or the bassin lets its coordinators act before the
 *  GPDS decides: at once, or when urgent or out of school). */
const mldsMayAct: CaseCondition = (eb) =>
  eb.or([
    eb.ref("c.escalatedToMlds"),
    eb(eb.selectFrom("District as md").select("md.mldsAccess").whereRef("md.id", "=", "c.districtId").$asScalar(), "=", lit("IMMEDIATE")),
    eb.and([
      eb(eb.selectFrom("District as md2").select("md2.mldsAccess").whereRef("md2.id", "=", "c.districtId").$asScalar(), "=", lit("URGENT_OR_OUT_OF_SCHOOL")),
      eb.or([eb("c.urgency", ">=", sql.lit(URGENT_LEVEL)), eb.ref("c.outOfSchool")]),
    ]),
  ]);

/** What the tab's list asks of a case besides the caller's scope. */
export type CaseCriteria = {
  statuses?: readonly CaseStatus[];
  schoolId?: string;
  urgency?: number;
  /** Late by the rules of "en retard" (review passed, or still new before `newBefore`). */
  overdue?: { now: Date; newBefore: Date };
  /** The start of a reference ("D-2026-00"), upper case. */
  referencePrefix?: string;
  /** Words that the pupil's name key must all hold (domain: nameSearchTokens); not anonymised. */
  nameTokens?: readonly string[];
  /** The pupil's age at the report date: under 16, or 16 and over (unknown counts as 16 or over,
   *  as in concernsMlds). */
  ageGroup?: "UNDER_16" | "16_AND_OVER";
  /** Awaiting the GPDS's decision: open, neither referred to the MLDS nor under a Parcours de suivi,
   *  and no decision of a GPDS meeting recorded (but « Reporter au prochain GPDS »). */
  gpdsPending?: boolean;
};

export type CaseOrder = Order;

function criteriaCondition(k: CaseCriteria, withStatus: boolean): CaseCondition {
  return (eb) => {
    const parts: Expression<SqlBool>[] = [];
    if (withStatus && k.statuses) parts.push(k.statuses.length === 0 ? sql<boolean>`FALSE` : eb("c.status", "in", lits(k.statuses)));
    if (k.schoolId !== undefined) parts.push(eb("c.schoolId", "=", k.schoolId));
    if (k.urgency !== undefined) parts.push(eb("c.urgency", "=", k.urgency));
    if (k.overdue) {
      parts.push(
        eb.or([
          eb.and([
            eb("c.status", "in", lits(["NEW", "ACKNOWLEDGED", "INFO_REQUESTED", "PLAN_ACTIVE", "REVIEW_DUE"] as const)),
            eb("c.nextReviewAt", "<", k.overdue.now),
          ]),
          eb.and([eb("c.status", "=", lit("NEW")), eb("c.createdAt", "<", k.overdue.newBefore)]),
        ]),
      );
    }
    if (k.ageGroup === "UNDER_16") parts.push(eb("c.ageAtReport", "<", sql.lit(MLDS_MIN_AGE)));
    if (k.ageGroup === "16_AND_OVER") parts.push(eb.or([eb("c.ageAtReport", "is", null), eb("c.ageAtReport", ">=", sql.lit(MLDS_MIN_AGE))]));
    if (k.gpdsPending) {
      parts.push(eb("c.escalatedToMlds", "=", false));
      parts.push(eb("c.status", "in", lits(["NEW", "ACKNOWLEDGED", "INFO_REQUESTED"] as const)));
      // Nor decided at a GPDS meeting (a line postponed to the next one is still waiting).
      parts.push(
        eb.not(
          eb.exists(
            eb
              .selectFrom("CaseEvent as ge")
              .select("ge.id")
              .whereRef("ge.caseId", "=", "c.id")
              .where("ge.type", "=", lit(GPDS_DECISION_EVENT))
              .where(sql<boolean>`coalesce(ge."data"->>'decision', '') <> 'POSTPONE'`),
          ),
        ),
      );
    }
    if (k.referencePrefix) parts.push(eb("c.reference", "like", `${escapeLike(k.referencePrefix)}%`));
    if (k.nameTokens && k.nameTokens.length > 0) {
      const patterns = k.nameTokens.map((token) => `%${escapeLike(token)}%`);
      parts.push(
        eb.exists(
          eb
            .selectFrom("Pupil as tp")
            .select("tp.id")
            .whereRef("tp.id", "=", "c.pupilId")
            .where("tp.anonymizedAt", "is", null)
            .where(sql<boolean>`tp."nameKey" LIKE ALL (${patterns}::text[])`),
        ),
      );
    }
    return parts.length === 0 ? sql<boolean>`TRUE` : eb.and(parts);
  };
}

/** Typed text is matched literally: LIKE's wildcards and its escape character lose their meaning. */
function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
