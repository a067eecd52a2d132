// Fills a seeded database (the demo académie) with many cases, by set-based SQL: one
// INSERT … SELECT generate_series a table, however many cases (900,000 added in 196-243 s on the
// shared 2-core machines, bench/results/before-kysely.md). Used by the bench (bench/run.ts: the turn rows at 1,000 to
// 1,000,000 cases; bench/measures.ts: the statistics at 100,000) and by the test that keeps this
// fill in step with the schema (test/integration/case-fill.test.ts).
//
// Dates are written as now() minus intervals, so the fill works whether the columns are
// `timestamp` or `timestamptz`.
import type { PrismaClient } from "../../src/generated/prisma/client.js";

/** The one thing the fill needs: run a statement (with $1… parameters) and get its rows. */
export type SqlRunner = { query<T = Record<string, any>>(sql: string, params?: unknown[]): Promise<T[]> };

/** A runner on the Prisma client of a test database (PGlite or PostgreSQL). Each statement
 *  stands alone, as the pool may run consecutive ones on different connections. */
export function prismaRunner(prisma: PrismaClient): SqlRunner {
  return { query: <T>(sql: string, params: unknown[] = []) => prisma.$queryRawUnsafe<T[]>(sql, ...params) };
}

/** `count` STAFF members named "<label> n", each in one school (round robin over the schools in
 *  UAI order), with their own AAD object ids (00000000-0000-4000-9000-<prefix><n>). Idempotent. */
export async function addStaff(sql: SqlRunner, count: number, label: string, prefix: string): Promise<void> {
  if (count <= 0) return;
  await sql.query(
    `WITH t AS (SELECT "tenantId" FROM "Member" LIMIT 1)
     INSERT INTO "Member" (id, "tenantId", "aadObjectId", "displayName", email, role, "updatedAt")
     SELECT gen_random_uuid()::text, t."tenantId", '00000000-0000-4000-9000-' || $2 || lpad(k::text, 12 - length($2), '0'), $1 || ' ' || k, NULL, 'STAFF', now()
       FROM generate_series(1, $3::int) k, t
     ON CONFLICT ("tenantId", "aadObjectId") DO NOTHING`,
    [label, prefix, count],
  );
  await sql.query(
    `WITH schools AS (SELECT id, row_number() OVER (ORDER BY uai) - 1 AS i, count(*) OVER () AS n FROM "School"),
          staff AS (SELECT id, (regexp_replace("displayName", '^.* ', ''))::int AS k FROM "Member" WHERE "aadObjectId" LIKE '00000000-0000-4000-9000-' || $1 || '%')
     INSERT INTO "MemberSchool" ("memberId", "schoolId")
     SELECT staff.id, schools.id FROM staff JOIN schools ON schools.i = staff.k % schools.n
     ON CONFLICT DO NOTHING`,
    [prefix],
  );
}

const SIGNAL_CATALOGUE: [string, string][] = [
  ["UNJUSTIFIED_ABSENCES", "ATTENDANCE"],
  ["LATENESS", "ATTENDANCE"],
  ["INTERMITTENT_ABSENCES", "ATTENDANCE"],
  ["WORK_NOT_DONE", "ENGAGEMENT"],
  ["EQUIPMENT_FORGOTTEN", "ENGAGEMENT"],
  ["PASSIVITY", "ENGAGEMENT"],
  ["DISENGAGED_INSIDE", "ENGAGEMENT"],
  ["FALLING_GRADES", "RESULTS"],
  ["EXAM_FAILED", "RESULTS"],
  ["INCIDENTS", "BEHAVIOUR"],
  ["WITHDRAWAL", "BEHAVIOUR"],
  ["ORIENTATION_SUBIE", "ORIENTATION"],
  ["NO_PLAN", "ORIENTATION"],
  ["NOT_ASSIGNED", "ORIENTATION"],
];

/** The status of the n-th filled case (n counts from 1 at the first case ever filled): 30 % NEW,
 *  20 % ACKNOWLEDGED, 10 % INFO_REQUESTED, 10 % PLAN_ACTIVE, 10 % REVIEW_DUE, 20 % CLOSED. */
export const FILL_STATUS_SQL = `(ARRAY['NEW','NEW','NEW','ACKNOWLEDGED','ACKNOWLEDGED','INFO_REQUESTED','PLAN_ACTIVE','REVIEW_DUE','CLOSED','CLOSED'])[1 + g.n % 10]`;
export function fillStatus(n: number): string {
  return ["NEW", "NEW", "NEW", "ACKNOWLEDGED", "ACKNOWLEDGED", "INFO_REQUESTED", "PLAN_ACTIVE", "REVIEW_DUE", "CLOSED", "CLOSED"][n % 10]!;
}

export type FillOptions = {
  /** Year of the references (D-<year>-n, after the year's counter); the current year by default. */
  year?: number;
  /** New cases go to the STAFF members who reported fewer than this (25 by default). */
  perReporter?: number;
  /** Told how long each statement took (the bench prints it for the 1,000,000-case fill). */
  onStep?: (step: string, ms: number) => void;
  /** The runner is one session of a superuser (the bench's own connection): the fill skips the
   *  foreign-key triggers, a lookup per inserted row, its rows being built consistent (which
   *  test/integration/case-fill.test.ts checks with the triggers on), and sorts in more memory. */
  bulkSession?: boolean;
};

/**
 * Brings the Case table up to `target` rows. Each case: a pupil of its own (a last name of its
 * own, "Nom<letters>z", so that a name search finds one case at every scale), a report with two
 * signals, its REPORTED event; ACKNOWLEDGED and later: assigned to the district's coordinator,
 * with a TAKEN_IN_CHARGE event a day later; PLAN_ACTIVE, REVIEW_DUE and half of the CLOSED: a plan
 * (a review date ahead for PLAN_ACTIVE, past and already reminded for REVIEW_DUE, so that no
 * reminder job fires on the filled cases); CLOSED: an outcome. Created within the last year; one
 * case in seven escalated to the MLDS. References of `year`, after its counter (which is moved on).
 *
 * Reporters: the active STAFF members who reported fewer than `perReporter` cases, in turn (every
 * member's first free slot, then every second one…), each case in its reporter's school. Spread
 * over every member instead, the bench's measured teachers reported 15 cases at 1,000 and 66 at
 * 100,000, and `statut <nom>`, which looks through the caller's own cases, seemed to grow with
 * the académie. Returns how many cases were added.
 */
export async function fillCases(sql: SqlRunner, target: number, opts: FillOptions = {}): Promise<number> {
  const year = opts.year ?? new Date().getFullYear();
  const perReporter = opts.perReporter ?? 25;
  const step = async (name: string, statement: string) => {
    const started = performance.now();
    await sql.query(statement);
    opts.onStep?.(name, performance.now() - started);
  };
  const [{ n: existing }] = (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Case"`)) as [{ n: number }];
  const add = target - existing;
  if (add <= 0) return 0;
  const [counter] = await sql.query<{ last: number }>(`SELECT last FROM "CaseCounter" WHERE year = $1`, [year]);
  const first = (counter?.last ?? 0) + 1;
  const last = first + add - 1;
  // A fill that more than doubles the tables builds their secondary indexes afresh afterwards
  // rather than maintaining them row by row: one sort per index instead of a million random
  // insertions into each of the Case table's ten. Read from the catalog, so whatever the schema.
  const rebuild = add > existing ? await secondaryIndexes(sql, FILLED_TABLES) : [];
  for (const index of rebuild) await sql.query(`DROP INDEX ${index.name}`);
  if (opts.bulkSession) await sql.query(`SET session_replication_role = replica`);
  if (opts.bulkSession) await sql.query(`SET maintenance_work_mem = '256MB'`);
  try {
    await fill(sql, { add, first, last, year, perReporter, step });
  } finally {
    if (opts.bulkSession) await sql.query(`RESET session_replication_role`);
    const started = performance.now();
    for (const index of rebuild) await sql.query(index.def);
    if (rebuild.length > 0) opts.onStep?.(`${rebuild.length} indexes rebuilt`, performance.now() - started);
    if (opts.bulkSession) await sql.query(`RESET maintenance_work_mem`);
  }
  // A database that grew over the years has been vacuumed by autovacuum as it went; a bulk load
  // just before measuring would instead be vacuumed (and its rows' hint bits written by the first
  // readers) in the middle of the next rows. The filled tables only: the schema may hold others.
  await step("VACUUM ANALYZE", `VACUUM ANALYZE ${FILLED_TABLES.map((t) => `"${t}"`).join(", ")}, "CaseCounter", "Member", "MemberSchool"`);
  return add;
}

const FILLED_TABLES = ["Pupil", "Case", "Report", "ReportSignal", "CaseEvent", "Plan", "Outcome"];

/** The indexes of `tables` (in the current schema) that back no constraint, with their definitions. */
async function secondaryIndexes(sql: SqlRunner, tables: string[]): Promise<{ name: string; def: string }[]> {
  return sql.query<{ name: string; def: string }>(
    `SELECT quote_ident(n.nspname) || '.' || quote_ident(i.relname) AS name, pg_get_indexdef(i.oid) AS def
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = current_schema() AND t.relname = ANY($1::text[]) AND NOT x.indisunique AND NOT x.indisprimary
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
      ORDER BY t.relname, i.relname`,
    [tables],
  );
}

type FillRange = { add: number; first: number; last: number; year: number; perReporter: number; step: (name: string, statement: string) => Promise<void> };

async function fill(sql: SqlRunner, { first, last, year, perReporter, step }: FillRange): Promise<void> {
  // Working tables in the schema (not TEMP: a pool may run each statement on another connection),
  // unlogged as nothing needs them after a crash; dropped at the end.
  for (const t of ["fill_seed", "fill_reporters", "fill_signals"]) await sql.query(`DROP TABLE IF EXISTS ${t}`);
  await sql.query(
    `CREATE UNLOGGED TABLE fill_signals AS SELECT * FROM (VALUES ${SIGNAL_CATALOGUE.map(([c, f], i) => `(${i}, '${c}', '${f}')`).join(", ")}) v(i, code, family)`,
  );
  await step(
    "reporters",
    `CREATE UNLOGGED TABLE fill_reporters AS
       WITH held AS (SELECT "reporterId" AS id, count(*)::int AS n FROM "Case" WHERE "reporterId" IS NOT NULL GROUP BY 1),
            coordinators AS (SELECT DISTINCT ON ("districtId") "districtId", id FROM "Member" WHERE role = 'COORDINATOR' ORDER BY "districtId", "displayName"),
            staff AS (
              SELECT m.id, m."aadObjectId", ms."schoolId", s."districtId", coalesce(h.n, 0) AS held
                FROM "Member" m
                JOIN LATERAL (SELECT "schoolId" FROM "MemberSchool" WHERE "memberId" = m.id ORDER BY "schoolId" LIMIT 1) ms ON true
                JOIN "School" s ON s.id = ms."schoolId"
                LEFT JOIN held h ON h.id = m.id
               WHERE m.role = 'STAFF' AND m.active)
       SELECT (row_number() OVER (ORDER BY k, st."aadObjectId") - 1)::int AS i, st.id AS member_id, st."schoolId" AS school_id, st."districtId" AS district_id, co.id AS coordinator_id
         FROM staff st LEFT JOIN coordinators co ON co."districtId" = st."districtId"
        CROSS JOIN LATERAL generate_series(1, greatest(1, ${perReporter} - st.held)) AS k`,
  );
  await step(
    "seed",
    `CREATE UNLOGGED TABLE fill_seed AS
       SELECT g.n, gen_random_uuid()::text AS pupil_id, gen_random_uuid()::text AS case_id, gen_random_uuid()::text AS report_id,
              r.member_id, r.school_id, r.district_id, r.coordinator_id,
              -- One name per pupil, none inside another ("Nombcz" is not in "Nombcdz").
              'Nom' || translate(g.n::text, '0123456789', 'abcdefghij') || 'z' AS last_name,
              'Prenom' || translate((g.n % 37)::text, '0123456789', 'abcdefghij') AS first_name,
              x.status, x.created_at,
              CASE x.status WHEN 'PLAN_ACTIVE' THEN now() + (1 + g.n % 60) * interval '1 day' WHEN 'REVIEW_DUE' THEN now() - (1 + g.n % 30) * interval '1 day' END AS review_at,
              CASE WHEN x.status = 'CLOSED' THEN least(now(), x.created_at + interval '20 days') END AS closed_at
         FROM generate_series(${first}, ${last}) AS g(n)
         CROSS JOIN LATERAL (SELECT ${FILL_STATUS_SQL} AS status, now() - (g.n % 365) * interval '1 day' - (g.n % 1440) * interval '1 minute' AS created_at) x
         JOIN fill_reporters r ON r.i = (g.n - ${first}) % (SELECT count(*) FROM fill_reporters)`,
  );
  await step(
    "Pupil",
    `INSERT INTO "Pupil" (id, "schoolId", "lastName", "firstName", "nameKey", "birthYear", "className", "createdAt")
     SELECT pupil_id, school_id, last_name, first_name, lower(last_name || ' ' || first_name), ${year} - 11 - (n % 8), '2nde ' || (n % 9 + 1), created_at FROM fill_seed`,
  );
  await step(
    "Case",
    `INSERT INTO "Case" (id, reference, "pupilId", "schoolId", "districtId", status, urgency, "escalatedToMlds", "reporterId", "assigneeId", "nextReviewAt", "reviewRemindedFor", "closedAt", "createdAt", "updatedAt")
     SELECT case_id, 'D-${year}-' || lpad(n::text, greatest(4, length(n::text)), '0'), pupil_id, school_id, district_id, status::"CaseStatus", n % 3 + 1, n % 7 = 0, member_id,
            CASE WHEN status <> 'NEW' AND status <> 'CLOSED' THEN coordinator_id END,
            review_at, CASE WHEN status = 'REVIEW_DUE' THEN review_at END, closed_at, created_at, created_at
       FROM fill_seed`,
  );
  await step(
    "Report",
    `INSERT INTO "Report" (id, "caseId", "reporterId", "submissionKey", "absenceHalfDays", "stepsTaken", urgency, observations, "createdAt")
     SELECT report_id, case_id, member_id, 'fill-' || case_id, CASE WHEN n % 3 = 0 THEN n % 12 END, ARRAY['FAMILY_CONTACTED'], n % 3 + 1, NULL, created_at FROM fill_seed`,
  );
  await step(
    "ReportSignal",
    `INSERT INTO "ReportSignal" (id, "reportId", code, family, note)
     SELECT gen_random_uuid()::text, b.report_id, s.code, s.family, CASE WHEN k = 0 THEN 'Constat en classe' END
       FROM fill_seed b CROSS JOIN generate_series(0, 1) AS k JOIN fill_signals s ON s.i = (b.n + k * 5) % 14`,
  );
  await step(
    "CaseEvent",
    `INSERT INTO "CaseEvent" ("caseId", at, "actorId", type, data)
     SELECT b.case_id, b.created_at, b.member_id, 'REPORTED', jsonb_build_object('reportId', b.report_id, 'families', jsonb_build_array(s1.family, s2.family), 'urgency', b.n % 3 + 1)
       FROM fill_seed b JOIN fill_signals s1 ON s1.i = b.n % 14 JOIN fill_signals s2 ON s2.i = (b.n + 5) % 14
     UNION ALL
     SELECT case_id, created_at + interval '1 day', coordinator_id, 'TAKEN_IN_CHARGE', jsonb_build_object('from', 'NEW', 'to', 'ACKNOWLEDGED')
       FROM fill_seed WHERE status <> 'NEW'`,
  );
  await step(
    "Plan",
    `INSERT INTO "Plan" (id, "caseId", objective, "nextReviewAt", "createdById", "createdAt", "updatedAt")
     SELECT gen_random_uuid()::text, case_id, 'Remobilisation', review_at, coordinator_id, created_at + interval '8 days', created_at + interval '8 days'
       FROM fill_seed WHERE status IN ('PLAN_ACTIVE', 'REVIEW_DUE') OR (status = 'CLOSED' AND n % 2 = 0)`,
  );
  await step(
    "Outcome",
    `INSERT INTO "Outcome" ("caseId", kind, "decidedById", "decidedAt")
     SELECT case_id, (ARRAY['BACK_IN_TRAINING','APPRENTICESHIP','EMPLOYMENT','NO_SOLUTION']::"OutcomeKind"[])[1 + n % 4], coordinator_id, closed_at
       FROM fill_seed WHERE status = 'CLOSED'`,
  );
  await sql.query(
    `INSERT INTO "CaseCounter" (year, last) VALUES (${year}, ${last}) ON CONFLICT (year) DO UPDATE SET last = GREATEST("CaseCounter".last, EXCLUDED.last)`,
  );
  for (const t of ["fill_seed", "fill_reporters", "fill_signals"]) await sql.query(`DROP TABLE ${t}`);
}

/** Letters only (pupil names accept no digits): 0 -> "a", 27 -> "bb". */
export function letters(n: number): string {
  let s = "";
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
}
