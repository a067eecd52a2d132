import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPEN_STATUSES } from "../../src/domain/lifecycle.js";
import { createServices, type Actor, type Services } from "../../src/services/index.js";
import { createStore, type Store } from "../../src/store/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { addStaff, fillCases, fillStatus, prismaRunner, type SqlRunner } from "../helpers/case-fill.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";
import { seedDemo } from "../../src/services/demo-academie.js";

// The bench measures the bot on databases filled by test/helpers/case-fill.ts (1,000 to 1,000,000
// cases). These tests keep that fill in step with the schema and the services: if a column or an
// index changes, the fill must still give cases that the bot reads as real ones.

const YEAR = 2026;

describe.each(DATABASE_KINDS)("the bench's fill of a database with cases, on %s", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let services: Services;
  let sql: SqlRunner;
  let indexesBefore: { indexname: string; indexdef: string }[];
  const actor = async (name: string) =>
    (await services.members.identify(DEMO_TENANT_ID, DEMO_PEOPLE.find((p) => p.displayName === name)!.aadObjectId)) as Actor;
  const indexes = () =>
    sql.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname::text AS indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`,
    );

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    services = createServices(store, () => new Date());
    sql = prismaRunner(db.prisma);
    indexesBefore = await indexes();
    await addStaff(sql, 16, "Bench Staff", "b");
    // From an empty Case table: more than doubles it, so its indexes are dropped and built again.
    expect(await fillCases(sql, 300, { year: YEAR })).toBe(300);
  });
  afterAll(async () => db?.drop());

  it("adds cases up to the target, numbered after the year's counter, and nothing when the target is reached", async () => {
    expect(await fillCases(sql, 300, { year: YEAR })).toBe(0);
    expect(await fillCases(sql, 400, { year: YEAR })).toBe(100);
    const [refs] = await sql.query<{ n: number; distinct: number; first: string; last: string; counter: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT reference)::int AS distinct, min(reference) AS first, max(reference) AS last,
              (SELECT last FROM "CaseCounter" WHERE year = ${YEAR}) AS counter FROM "Case"`,
    );
    expect(refs).toEqual({ n: 400, distinct: 400, first: "D-2026-0001", last: "D-2026-0400", counter: 400 });
  });

  it("leaves the filled tables with the indexes they had", async () => {
    expect(await indexes()).toEqual(indexesBefore);
  });

  it("gives cases the services read as real ones: open cases by status in the fill's shares, a teacher's status answer, no review reminder due", async () => {
    const r = await services.statistics.view(await actor("Nathalie Roux"));
    if (!r.ok) throw new Error(r.reason);
    const expected = new Map<string, number>();
    for (let n = 1; n <= 400; n++) expected.set(fillStatus(n), (expected.get(fillStatus(n)) ?? 0) + 1);
    expect(r.view.openByStatus).toEqual(OPEN_STATUSES.map((status) => ({ status, count: expected.get(status) ?? 0 })));

    const [own] = await sql.query<{ reference: string; displayName: string }>(
      `SELECT c.reference, m."displayName" FROM "Case" c JOIN "Member" m ON m.id = c."reporterId" WHERE m."displayName" = 'Claire Martin' ORDER BY c.reference LIMIT 1`,
    );
    expect(own).toBeDefined();
    const answer = await services.queries.statusByReference(await actor("Claire Martin"), own!.reference, "personal");
    expect(answer).toMatchObject({ ok: true, line: { reference: own!.reference } });

    // PLAN_ACTIVE reviews lie ahead, REVIEW_DUE ones were reminded: the bot's reminder job finds nothing.
    expect(await store.reviewReminders.claimDue(new Date())).toEqual([]);
  });

  it("gives each case to a teacher of its school who reported fewer than 25, a pupil of its own to each", async () => {
    // 2 demo teachers and 16 bench ones: 450 cases are 25 each, whatever the order they came in.
    expect(await fillCases(sql, 450, { year: YEAR, perReporter: 25 })).toBe(50);
    const [c] = await sql.query<{ orphans: number; elsewhere: number; most: number; least: number; reporters: number; pupils: number; names: number }>(
      `SELECT (SELECT count(*)::int FROM "Case" WHERE "reporterId" IS NULL) AS orphans,
              (SELECT count(*)::int FROM "Case" c WHERE NOT EXISTS (SELECT 1 FROM "MemberSchool" ms WHERE ms."memberId" = c."reporterId" AND ms."schoolId" = c."schoolId")) AS elsewhere,
              (SELECT max(n)::int FROM (SELECT count(*) AS n FROM "Case" GROUP BY "reporterId") x) AS most,
              (SELECT min(n)::int FROM (SELECT count(*) AS n FROM "Case" GROUP BY "reporterId") x) AS least,
              (SELECT count(DISTINCT "reporterId")::int FROM "Case") AS reporters,
              (SELECT count(DISTINCT "pupilId")::int FROM "Case") AS pupils,
              (SELECT count(DISTINCT "lastName")::int FROM "Pupil") AS names`,
    );
    expect(c).toEqual({ orphans: 0, elsewhere: 0, most: 25, least: 25, reporters: 18, pupils: 450, names: 450 });
  });
});
