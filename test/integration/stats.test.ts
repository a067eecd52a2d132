import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type Actor, type Services } from "../../src/services/index.js";
import { SignedLinks } from "../../src/services/signed-links.js";
import type { StatsView } from "../../src/services/statistics.js";
import { createStore, openDatabase, type Database, type Store } from "../../src/store/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { OUTCOMES } from "../../src/domain/plan-catalogue.js";
import { DATABASE_KINDS, POSTGRES_URL, dropSchema, openTestDatabase, uniqueSchemaName } from "../helpers/database.js";
import { seedDemo } from "../../src/services/demo-academie.js";
import { ageAtReport } from "../../src/domain/routing.js";

/** Statistics on a seeded data set whose answers were worked out by hand (see the table below).
 *  "Now" is Monday 30 November 2026, 8:05 in Paris: the default period is the school year 2026-2027. */

const NOW = new Date("2026-11-30T07:05:00Z");
const DAY = 86_400_000;
const at = (iso: string) => new Date(`${iso}T10:00:00Z`);

type Seed = {
  n: number;
  uai: string;
  created: string;
  status: "NEW" | "ACKNOWLEDGED" | "PLAN_ACTIVE" | "REVIEW_DUE" | "CLOSED";
  families: string[];
  birthYear?: number;
  takenAfter?: number;
  planAfter?: number;
  nextReview?: string;
  closed?: string;
  outcome?: "APPRENTICESHIP";
};

// VH = Lycée Victor-Hugo (NORD, Karim's school), JM = Jean-Moulin (NORD), SV = Simone-Veil (SUD).
const VH = "0690001B";
const JM = "0690002C";
const SV = "0690004E";
const CASES: Seed[] = [
  { n: 1, uai: VH, created: "2026-09-10", status: "NEW", families: ["ATTENDANCE"] },
  { n: 2, uai: VH, created: "2026-09-20", status: "ACKNOWLEDGED", families: ["ATTENDANCE", "ENGAGEMENT"], takenAfter: 1 },
  { n: 3, uai: VH, created: "2026-10-05", status: "PLAN_ACTIVE", families: ["RESULTS"], takenAfter: 2, planAfter: 3, nextReview: "2026-11-20" },
  { n: 4, uai: VH, created: "2026-10-15", status: "PLAN_ACTIVE", families: ["ORIENTATION"], takenAfter: 4, planAfter: 5, nextReview: "2026-12-20" },
  { n: 5, uai: VH, created: "2026-11-02", status: "REVIEW_DUE", families: ["ATTENDANCE"], takenAfter: 3, planAfter: 1, nextReview: "2026-11-10" },
  {
    n: 6,
    uai: VH,
    created: "2026-09-05",
    status: "CLOSED",
    families: ["BEHAVIOUR"],
    takenAfter: 0.5,
    planAfter: 2,
    closed: "2026-11-01",
    outcome: "APPRENTICESHIP",
  },
  { n: 7, uai: VH, created: "2026-09-06", status: "CLOSED", families: ["ATTENDANCE"], closed: "2026-09-08" }, // classé sans suite
  { n: 8, uai: VH, created: "2026-06-15", status: "PLAN_ACTIVE", families: ["ENGAGEMENT"], takenAfter: 1, planAfter: 1, nextReview: "2026-12-01" }, // last school year
  { n: 9, uai: VH, created: "2026-10-20", status: "NEW", families: ["ATTENDANCE"], birthYear: 2012 }, // 14, kept by the school
  { n: 10, uai: JM, created: "2026-10-01", status: "NEW", families: ["ATTENDANCE"] },
  { n: 11, uai: JM, created: "2026-11-03", status: "ACKNOWLEDGED", families: ["ORIENTATION"], takenAfter: 2 },
  { n: 12, uai: SV, created: "2026-10-10", status: "NEW", families: ["RESULTS"] },
  { n: 13, uai: JM, created: "2026-11-24", status: "NEW", families: ["ATTENDANCE"] }, // last week
];

async function seedCases(store: Store): Promise<void> {
  const prisma = store.db.prisma;
  const schools = new Map((await prisma.school.findMany()).map((s) => [s.uai, s]));
  for (const c of CASES) {
    const school = schools.get(c.uai)!;
    const created = at(c.created);
    const pupil = await prisma.pupil.create({
      data: { schoolId: school.id, lastName: `Eleve${c.n}`, firstName: "Test", nameKey: `eleve${c.n} test`, birthYear: c.birthYear ?? 2009 },
    });
    const row = await prisma.case.create({
      data: {
        reference: `D-2026-${String(c.n).padStart(4, "0")}`,
        pupilId: pupil.id,
        schoolId: school.id,
        districtId: school.districtId,
        status: c.status,
        urgency: 2,
        createdAt: created,
        nextReviewAt: c.nextReview ? at(c.nextReview) : null,
        closedAt: c.closed ? at(c.closed) : null,
        // As a report keeps it: the age on the report's day.
        ageAtReport: ageAtReport(c.birthYear ?? 2009, null, created),
      },
    });
    await prisma.report.create({
      data: {
        caseId: row.id,
        submissionKey: `seed-${c.n}`,
        urgency: 2,
        createdAt: created,
        observations: "Note confidentielle à ne jamais exporter",
        signals: { create: c.families.map((family) => ({ code: `${family}_X`, family, note: "absent le lundi" })) },
      },
    });
    await prisma.caseEvent.create({ data: { caseId: row.id, type: "REPORTED", at: created } });
    if (c.takenAfter !== undefined) {
      const taken = new Date(created.getTime() + c.takenAfter * DAY);
      await prisma.caseEvent.create({ data: { caseId: row.id, type: "TAKEN_IN_CHARGE", at: taken } });
      // A later assignment does not move the take-in-charge date.
      await prisma.caseEvent.create({ data: { caseId: row.id, type: "ASSIGNED", at: new Date(taken.getTime() + 10 * DAY) } });
      if (c.planAfter !== undefined)
        await prisma.plan.create({ data: { caseId: row.id, objective: "", createdAt: new Date(taken.getTime() + c.planAfter * DAY) } });
    }
    if (c.outcome) await prisma.outcome.create({ data: { caseId: row.id, kind: c.outcome, decidedAt: at(c.closed!) } });
  }
}

async function actorOf(services: Services, displayName: string): Promise<Actor> {
  const m = await services.members.identify(DEMO_TENANT_ID, DEMO_PEOPLE.find((p) => p.displayName === displayName)!.aadObjectId);
  if (!m) throw new Error(displayName);
  return m;
}

const counts = <T extends { count: number | null }>(rows: T[], key: keyof T) => Object.fromEntries(rows.map((r) => [r[key] as string, r.count]));

describe.each(DATABASE_KINDS)("statistics on %s, with known answers", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let services: Services;
  let karim: Actor, sophie: Actor, marc: Actor, nathalie: Actor, claire: Actor;
  const view = async (actor: Actor, scope?: string): Promise<StatsView> => {
    const r = await services.statistics.view(actor, scope);
    if (!r.ok) throw new Error(r.reason);
    return r.view;
  };

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    await seedCases(store);
    services = createServices(store, () => NOW, {
      links: new SignedLinks(
        "k".repeat(40),
        () => "https://repere.example",
        () => NOW,
      ),
    });
    karim = await actorOf(services, "Karim Benali");
    sophie = await actorOf(services, "Sophie Laurent");
    marc = await actorOf(services, "Marc Petit");
    nathalie = await actorOf(services, "Nathalie Roux");
    claire = await actorOf(services, "Claire Martin");
  });
  afterAll(async () => db?.drop());

  it("gives a référent every figure of their school, exactly", async () => {
    const v = await view(karim);
    expect(v.protect).toBe(false);
    expect(v.scope).toEqual({ kind: "schools", label: "Lycée Victor-Hugo", uais: [VH] });
    expect(v.period.label).toBe("2026-2027");
    expect(v.months).toEqual([
      { month: "2026-09", count: 4 },
      { month: "2026-10", count: 3 },
      { month: "2026-11", count: 1 },
    ]);
    expect(v.openedTotal).toBe(8);
    expect(counts(v.openByStatus, "status")).toEqual({ NEW: 2, ACKNOWLEDGED: 1, INFO_REQUESTED: 0, PLAN_ACTIVE: 3, REVIEW_DUE: 1 });
    expect(v.openTotal).toBe(7);
    expect(counts(v.signalFamilies, "family")).toEqual({ ATTENDANCE: 5, ENGAGEMENT: 1, RESULTS: 1, BEHAVIOUR: 1, ORIENTATION: 1 });
    expect(counts(v.outcomes, "kind")).toMatchObject({ APPRENTICESHIP: 1, DISMISSED: 1, EMPLOYMENT: 0 });
    // The categories of the national follow-up of early school leavers; no legacy row when no case has one.
    expect(v.outcomes.map((o) => o.kind)).toEqual([...OUTCOMES]);
    expect(v.closedTotal).toBe(2);
    // Days to take-in-charge 0.5, 1, 2, 3, 4; days to plan 1, 2, 3, 5.
    expect(v.takeInCharge).toEqual({ medianDays: 2, cases: 5 });
    expect(v.toPlan).toEqual({ medianDays: 2.5, cases: 4 });
    expect(v.overdue).toEqual({ withPlan: 4, overdue: 2, share: 0.5 });
    expect(v.schools).toEqual([{ uai: VH, name: "Lycée Victor-Hugo", opened: 8, open: 7, withPlan: 4, overdue: 2, share: 0.5 }]);
  });

  it("hides counts of 1 to 4 from a coordinator, and leaves out the under-16 cases kept by a school", async () => {
    const v = await view(sophie);
    expect(v.protect).toBe(true);
    expect(v.scope.label).toBe("Bassin Nord");
    expect(v.months.map((m) => m.count)).toEqual([4, 3, 3].map(() => null));
    expect(v.openedTotal).toBe(10);
    expect(counts(v.openByStatus, "status")).toEqual({ NEW: null, ACKNOWLEDGED: null, INFO_REQUESTED: 0, PLAN_ACTIVE: null, REVIEW_DUE: null });
    expect(v.openTotal).toBe(9);
    expect(counts(v.signalFamilies, "family")).toEqual({ ATTENDANCE: 6, ENGAGEMENT: null, RESULTS: null, BEHAVIOUR: null, ORIENTATION: null });
    expect(v.closedTotal).toBeNull();
    // Six delays (0.5, 1, 2, 2, 3, 4): shown. Four plans: a median of so few is hidden.
    expect(v.takeInCharge).toEqual({ medianDays: 2, cases: 6 });
    expect(v.toPlan).toEqual({ medianDays: null, cases: null });
    expect(v.overdue).toEqual({ withPlan: null, overdue: null, share: null });
    const vh = v.schools.find((s) => s.uai === VH)!;
    expect(vh).toMatchObject({ opened: 7, open: 6, withPlan: null, overdue: null, share: null });
    expect(v.schools.map((s) => s.uai).sort()).toEqual([VH, JM]);
  });

  it("counts « 16 ans et plus » by the age at the report date, which no birthday changes afterwards", async () => {
    // Born on 20 December 2010 and reported on 10 November 2026: 15 that day, 16 a month later. Born on
    // 1 October 2010, reported the same day: 16 already. Both at Jean-Moulin (NORD, Sophie's bassin).
    const prisma = store.db.prisma;
    const jm = await prisma.school.findUniqueOrThrow({ where: { uai: JM } });
    const reported = at("2026-11-10");
    const added: string[] = [];
    for (const [n, birth] of [
      [91, "2010-12-20"],
      [92, "2010-10-01"],
    ] as const) {
      const birthDate = new Date(`${birth}T00:00:00Z`);
      const pupil = await prisma.pupil.create({
        data: { schoolId: jm.id, lastName: `Eleve${n}`, firstName: "Test", nameKey: `eleve${n} test`, birthYear: 2010, birthDate },
      });
      const c = await prisma.case.create({
        data: {
          reference: `D-2026-00${n}`,
          pupilId: pupil.id,
          schoolId: jm.id,
          districtId: jm.districtId,
          status: "NEW",
          urgency: 2,
          createdAt: reported,
          ageAtReport: ageAtReport(2010, birthDate, reported),
        },
      });
      added.push(c.id);
    }
    expect((await prisma.case.findMany({ where: { id: { in: added } }, orderBy: { reference: "asc" } })).map((c) => c.ageAtReport)).toEqual([15, 16]);
    // In January both pupils are 16: the age on the day would have counted both for the MLDS.
    const january = createServices(store, () => new Date("2027-01-15T09:00:00Z"));
    try {
      for (const services_ of [services, january]) {
        const r = await services_.statistics.view(sophie);
        if (!r.ok) throw new Error(r.reason);
        // 10 cases of the bassin before (previous test), plus the one who was 16 when reported.
        expect(r.view.openedTotal).toBe(11);
        expect(r.view.schools.find((s) => s.uai === JM)).toMatchObject({ opened: null });
      }
      // The school's référent and the DSDEN count both (the under-16 cases are theirs too).
      const inSchool = await services.statistics.view(nathalie);
      expect(inSchool.ok && inSchool.view.openedTotal).toBe(14);
      // Referred by the GPDS, the December pupil counts for the MLDS too.
      await prisma.case.update({ where: { id: added[0]! }, data: { escalatedToMlds: true } });
      const referred = await january.statistics.view(sophie);
      expect(referred.ok && referred.view.openedTotal).toBe(12);
    } finally {
      await prisma.case.deleteMany({ where: { id: { in: added } } });
      await prisma.pupil.deleteMany({ where: { lastName: { in: ["Eleve91", "Eleve92"] } } });
    }
  });

  it("still counts a case closed with a former outcome (« déménagement »), on a row of its own", async () => {
    const six = await store.db.prisma.case.findFirstOrThrow({ where: { reference: "D-2026-0006" } });
    await store.db.prisma.outcome.update({ where: { caseId: six.id }, data: { kind: "MOVED_AWAY" } });
    try {
      const v = await view(karim);
      expect(counts(v.outcomes, "kind")).toMatchObject({ APPRENTICESHIP: 0, MOVED_AWAY: 1, DISMISSED: 1 });
      expect(v.outcomes.at(-1)!.kind).toBe("MOVED_AWAY");
      expect(v.closedTotal).toBe(2);
    } finally {
      await store.db.prisma.outcome.update({ where: { caseId: six.id }, data: { kind: "APPRENTICESHIP" } });
    }
  });

  it("gives the académie every school, protected, and reads a district, a school or a period", async () => {
    const all = await view(nathalie);
    expect(all.scope.kind).toBe("academy");
    expect(all.months.map((m) => m.count)).toEqual([null, 5, null]);
    expect(all.openedTotal).toBe(12);
    expect(all.schools.map((s) => s.uai).sort()).toEqual([VH, JM, SV]);
    const sud = await view(nathalie, "bassin sud");
    expect(sud.scope.label).toBe("Bassin Sud");
    expect(sud.openedTotal).toBeNull();
    expect((await view(nathalie, VH.toLowerCase())).openedTotal).toBe(8);
    const lastYear = await view(karim, "2025-2026");
    expect(lastYear.months).toHaveLength(12);
    expect(lastYear.months.find((m) => m.month === "2026-06")!.count).toBe(1);
    expect(lastYear.openedTotal).toBe(1);
    const october = await view(karim, "octobre 2026");
    expect(october.months).toEqual([{ month: "2026-10", count: 3 }]);
    expect((await view(sophie, "ce mois")).openedTotal).toBeNull();
  });

  it("gives a DSDEN the statistics of the schools of its département, protected, and nothing else", async () => {
    await db.prisma.school.updateMany({ where: { uai: { in: [VH, JM] } }, data: { departmentCode: "069" } });
    await db.prisma.school.updateMany({ where: { uai: SV }, data: { departmentCode: "038" } });
    try {
      const dsden = (departmentCode: string | null): Actor => ({
        memberId: "dsden",
        displayName: "DSDEN",
        role: "DSDEN",
        schoolIds: [],
        districtId: null,
        departmentCode,
        locale: null,
      });
      const rhone = await view(dsden("069"));
      expect(rhone.protect).toBe(true);
      expect(rhone.scope).toEqual({ kind: "district", label: "Département 069", uais: [] });
      expect(rhone.schools.map((s) => s.uai).sort()).toEqual([VH, JM].sort());
      const ines = await view(await actorOf(services, "Inès Moreau"));
      expect(rhone.openedTotal).toBe(8 + (ines.openedTotal as number));
      expect((await view(dsden("069"), VH.toLowerCase())).openedTotal).toBe(8);
      expect(await services.statistics.view(dsden("069"), SV.toLowerCase())).toEqual({ ok: false, reason: "OUT_OF_SCOPE" });
      expect(await services.statistics.view(dsden("069"), "bassin sud")).toEqual({ ok: false, reason: "OUT_OF_SCOPE" });
      expect((await view(dsden("001"))).schools).toEqual([]);
      expect(await services.statistics.view(dsden(null))).toEqual({ ok: false, reason: "FORBIDDEN" });
    } finally {
      await db.prisma.school.updateMany({ data: { departmentCode: null } });
    }
  });

  it("refuses what is outside the caller's scope", async () => {
    const reason = async (a: Actor, s?: string) => {
      const r = await services.statistics.view(a, s);
      return r.ok ? "ok" : r.reason;
    };
    expect(await reason(claire)).toBe("FORBIDDEN");
    expect(await reason(karim, SV)).toBe("OUT_OF_SCOPE");
    expect(await reason(karim, "nord")).toBe("OUT_OF_SCOPE");
    expect(await reason(sophie, "sud")).toBe("OUT_OF_SCOPE");
    expect(await reason(sophie, SV)).toBe("OUT_OF_SCOPE");
    expect(await reason(sophie, "académie")).toBe("OUT_OF_SCOPE");
    expect(await reason(marc, "nord")).toBe("OUT_OF_SCOPE");
    expect(await reason(nathalie, "atlantide")).toBe("UNKNOWN_DISTRICT");
    expect(await reason(nathalie, "0699999Z")).toBe("UNKNOWN_SCHOOL");
    expect(await reason(nathalie, "2026-2028")).toBe("INVALID_PERIOD");
  });

  it("exports a coordinator's cases (no note, no name) through a signed link, and audits it", async () => {
    const r = await services.statistics.requestExport(sophie, "cases", undefined, "fr");
    if (!r.ok) throw new Error(r.reason);
    const url = new URL(r.url);
    expect(url.origin).toBe("https://repere.example");
    const file = await services.statistics.download(url.pathname, url.searchParams.get("exp"), url.searchParams.get("sig"));
    if (!file.ok || file.kind !== "cases") throw new Error(JSON.stringify(file));
    // Opened this school year or still open, in the district, MLDS cases: 1-8, 10, 11, 13 (not 9, not 12).
    expect(file.rows.map((x) => x.reference).sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 13].map((n) => `D-2026-${String(n).padStart(4, "0")}`).sort());
    const six = file.rows.find((x) => x.reference === "D-2026-0006")!;
    expect(six).toMatchObject({ uai: VH, status: "CLOSED", outcome: "APPRENTICESHIP" });
    expect(six.takenInChargeAt?.toISOString()).toBe("2026-09-05T22:00:00.000Z");
    expect(file.rows.find((x) => x.reference === "D-2026-0007")!.outcome).toBe("DISMISSED");
    expect(JSON.stringify(file.rows)).not.toMatch(/confidentielle|Eleve|lundi/);
    const audit = await store.db.prisma.dataExport.findMany({ where: { memberId: sophie.memberId } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ kind: "CASES", downloads: 1, rowCount: 11 });
  });

  it("lets only the roles with EXPORT_CASES export cases, and re-checks the member at download", async () => {
    expect(await services.statistics.requestExport(nathalie, "cases", undefined, "fr")).toEqual({ ok: false, reason: "FORBIDDEN" });
    expect(await services.statistics.requestExport(claire, "stats", undefined, "fr")).toEqual({ ok: false, reason: "FORBIDDEN" });
    const stats = await services.statistics.requestExport(nathalie, "stats", "sud", "en");
    if (!stats.ok) throw new Error(stats.reason);
    const u = new URL(stats.url);
    const file = await services.statistics.download(u.pathname, u.searchParams.get("exp"), u.searchParams.get("sig"));
    expect(file.ok && file.kind === "stats" && file.view.scope.label).toBe("Bassin Sud");
    expect(file.ok && file.locale).toBe("en");

    const mine = await services.statistics.requestExport(karim, "cases", undefined, "fr");
    if (!mine.ok) throw new Error(mine.reason);
    const m = new URL(mine.url);
    await store.db.prisma.member.update({ where: { id: karim.memberId }, data: { active: false } });
    try {
      expect(await services.statistics.download(m.pathname, m.searchParams.get("exp"), m.searchParams.get("sig"))).toEqual({ ok: false, reason: "FORBIDDEN" });
    } finally {
      await store.db.prisma.member.update({ where: { id: karim.memberId }, data: { active: true } });
    }
    // Change the first hex digit of the export id into another one: the signature no longer matches.
    const tampered = m.pathname.replace(/export-([0-9a-f])/, (_, d: string) => `export-${d === "0" ? "1" : "0"}`);
    expect((await services.statistics.download(tampered, m.searchParams.get("exp"), m.searchParams.get("sig"))).ok).toBe(false);
    expect(await store.db.prisma.dataExport.count()).toBe(3);
  });

  it("queues one digest per district channel on Monday from 8:00, counting the MLDS's cases", async () => {
    const prisma = store.db.prisma;
    const sud = await prisma.district.findUniqueOrThrow({ where: { code: "SUD" } });
    await prisma.routingChannel.upsert({
      where: { districtId: sud.id },
      create: { districtId: sud.id, teamId: "19:sud", channelId: "19:sud-general", name: "MLDS Sud" },
      update: {},
    });
    const early = createServices(store, () => new Date("2026-11-30T06:55:00Z"));
    expect(await early.weeklyDigest.runOnce()).toBeNull(); // 7:55 in Paris
    expect(await services.weeklyDigest.runOnce()).toBe(2);
    expect(await services.weeklyDigest.runOnce()).toBeNull();
    const rows = await prisma.outboxMessage.findMany({ where: { dedupeKey: { startsWith: "weekly-digest:" } }, orderBy: { conversationId: "asc" } });
    expect(rows.map((r) => r.conversationId)).toEqual(["19:demo-team-nord@thread.tacv2", "19:sud-general"]);
    const nord = (rows[0]!.payload as { render: { counts: unknown; districtName: string; weekStart: string } }).render;
    expect(nord.districtName).toBe("Bassin Nord");
    expect(nord.weekStart).toBe("2026-11-30");
    // New last week: 13. Waiting: 1, 10, 13 (9 is the school's). This week: 8. Overdue: 3 and 5.
    expect(nord.counts).toEqual({ newLastWeek: 1, waiting: 3, reviewsThisWeek: 1, reviewsOverdue: 2 });
    expect((rows[1]!.payload as { render: { counts: unknown } }).render.counts).toEqual({ newLastWeek: 0, waiting: 1, reviewsThisWeek: 0, reviewsOverdue: 0 });
  });
});

describe("the weekly digest with two scheduler instances on one PostgreSQL", () => {
  const schema = uniqueSchemaName();
  let a: Database, b: Database;
  beforeAll(async () => {
    a = await openDatabase({ kind: "postgres", url: POSTGRES_URL }, { schema });
    b = await openDatabase({ kind: "postgres", url: POSTGRES_URL }, { schema });
    await seedDemo(createStore(a), { onlyIfEmpty: false });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await dropSchema(schema);
  });

  it("sends it once a week, whichever instance asks first, and not in the holidays", async () => {
    let now = new Date("2026-11-30T07:00:00Z"); // Monday 8:00 in Paris
    const holidays = [{ from: "2026-12-19", to: "2027-01-03" }];
    const one = createServices(createStore(a), () => now, { schoolHolidays: holidays });
    const two = createServices(createStore(b), () => now, { schoolHolidays: holidays });
    const digests = () => a.prisma.outboxMessage.count({ where: { dedupeKey: { startsWith: "weekly-digest:" } } });
    // Many ticks at once from both instances: one claim succeeds.
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).weeklyDigest.runOnce()));
    expect(results.filter((r) => r !== null)).toEqual([1]);
    expect(await digests()).toBe(1);
    now = new Date("2026-11-30T15:00:00Z");
    expect(await two.weeklyDigest.runOnce()).toBeNull();
    now = new Date("2026-12-01T07:00:00Z"); // Tuesday
    expect(await one.weeklyDigest.runOnce()).toBeNull();
    now = new Date("2026-12-07T07:30:00Z");
    expect(await Promise.all([one.weeklyDigest.runOnce(), two.weeklyDigest.runOnce()])).toContain(1);
    expect(await digests()).toBe(2);
    now = new Date("2026-12-21T07:30:00Z"); // Christmas holidays
    expect(await one.weeklyDigest.runOnce()).toBeNull();
    expect(await digests()).toBe(2);
  });
});
