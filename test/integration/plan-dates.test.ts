import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore, type Store } from "../../src/store/index.js";
import { createServices, type Actor, type Services } from "../../src/services/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";
import { seedDemo } from "../../src/services/demo-academie.js";

/** Plan dates fall within the school years around today (the previous, this one and the next): a
 *  date such as 0000-01-01 reached the database, which refused it (22008), and the person got
 *  a generic error instead of « check the date ». */

const NOW = new Date("2026-11-20T10:00:00Z"); // school year 2026-2027
const aad = (name: string) => DEMO_PEOPLE.find((p) => p.displayName === name)!.aadObjectId;

describe.each(DATABASE_KINDS)("plan dates on the %s database", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let services: Services;
  let caseId = "";
  let karim: Actor;
  const version = async () => (await db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).version;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    services = createServices(store, () => NOW);
    // The school's référent runs the case: its plan offers the school's measures (tutorat).
    karim = (await services.members.identify(DEMO_TENANT_ID, aad("Karim Benali")))!;
    const claire = (await services.members.identify(DEMO_TENANT_ID, aad("Claire Martin")))!;
    const [school] = await services.reports.reportingSchools(claire);
    const r = await services.reports.submit(
      claire,
      {
        pupil: { lastName: "Dates", firstName: "Léo", className: "1re 2", schoolId: school!.id, birthYear: 2009 },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 2 },
      },
      "plan-dates",
    );
    if (!r.ok) throw new Error(r.reason);
    caseId = r.recorded.caseId;
    await services.triage.act(karim, caseId, await version(), { verb: "takeCharge" });
    await services.triage.act(karim, caseId, await version(), { verb: "openPlan" });
  }, 120_000);
  afterAll(async () => db?.drop());

  const add = async (startDate: string, endDate = "") =>
    services.plans.act(karim, caseId, await version(), { verb: "addAction", input: { type: "TUTORING", description: "Soutien", startDate, endDate } });

  it("refuses dates outside the school years around today, saying which field", async () => {
    for (const [start, end, field] of [
      ["0000-01-01", "", "startDate"],
      ["9999-12-31", "", "startDate"],
      ["2025-08-31", "", "startDate"],
      ["2026-10-01", "2028-09-01", "endDate"],
      ["2026-02-30", "", "startDate"],
    ] as const) {
      const r = await add(start, end);
      expect(r, `${start} ${end}`).toMatchObject({ ok: false, reason: "INVALID_INPUT", field });
    }
    const review = await services.plans.act(karim, caseId, await version(), { verb: "setReview", objective: "x", nextReviewAt: "9999-12-31" });
    expect(review).toMatchObject({ ok: false, reason: "INVALID_INPUT", field: "nextReviewAt" });
  });

  it("accepts the first and the last day of that span", async () => {
    expect((await add("2025-09-01", "2028-08-31")).ok).toBe(true);
  });
});
