import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore, type Store } from "../../src/store/index.js";
import { createServices, type Actor, type Services } from "../../src/services/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";
import { seedDemo } from "../../src/services/demo-academie.js";

/** What was done with the family (informed, met, by whom) and the agreements, recorded on a case
 *  with its event; an MLDS module waits for the young person's agreement, a PAFI for the family's;
 *  who met the family is free text, erased with the rest when the case is anonymised. */

let now = new Date("2026-11-20T10:00:00Z"); // school year 2026-2027
const aad = (name: string) => DEMO_PEOPLE.find((p) => p.displayName === name)!.aadObjectId;

describe.each(DATABASE_KINDS)("families on the %s database", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let services: Services;
  let karim: Actor;
  let claire: Actor;
  let sophie: Actor;
  let n = 0;
  const version = async (caseId: string) => (await db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).version;

  async function caseOf(lastName: string, birthYear = 2009): Promise<string> {
    const [school] = await services.reports.reportingSchools(claire);
    const r = await services.reports.submit(
      claire,
      {
        pupil: { lastName, firstName: "Léa", className: "1re 2", schoolId: school!.id, birthYear },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 2 },
      },
      `families-${kind}-${++n}`,
    );
    if (!r.ok) throw new Error(r.reason);
    return r.recorded.caseId;
  }

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    services = createServices(store, () => now);
    karim = (await services.members.identify(DEMO_TENANT_ID, aad("Karim Benali")))!;
    claire = (await services.members.identify(DEMO_TENANT_ID, aad("Claire Martin")))!;
    sophie = (await services.members.identify(DEMO_TENANT_ID, aad("Sophie Laurent")))!;
  }, 120_000);
  afterAll(async () => db?.drop());

  it("records the family informed and met, by whom, with an event naming who recorded what", async () => {
    const caseId = await caseOf("Informee");
    const v = await version(caseId);
    const r = await services.families.record(karim, caseId, v, { informedAt: "2026-11-16", metAt: "2026-11-18", metBy: "CPE et professeur principal" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.case.version).toBe(v + 1);
    expect(r.case.family).toEqual({
      informedAt: new Date("2026-11-16T00:00:00Z"),
      metAt: new Date("2026-11-18T00:00:00Z"),
      metBy: "CPE et professeur principal",
      youngPersonAgreedAt: null,
      familyAgreedAt: null,
    });
    // A later recording adds to it; blank fields keep what is recorded.
    const later = await services.families.record(karim, caseId, v + 1, { informedAt: "", youngPersonAgreedAt: "2026-11-19" });
    expect(later.ok && later.case.family).toMatchObject({
      informedAt: new Date("2026-11-16T00:00:00Z"),
      youngPersonAgreedAt: new Date("2026-11-19T00:00:00Z"),
    });
    const events = await db.prisma.caseEvent.findMany({ where: { caseId, type: "FAMILY_RECORDED" }, orderBy: { id: "asc" } });
    expect(events.map((e) => [e.actorId, e.data])).toEqual([
      [karim.memberId, { fields: ["informedAt", "metAt", "metBy"], informedAt: "2026-11-16", metAt: "2026-11-18", metBy: "CPE et professeur principal" }],
      [karim.memberId, { fields: ["youngPersonAgreedAt"], youngPersonAgreedAt: "2026-11-19" }],
    ]);
  });

  it("refuses dates to come, before the previous school year, a stale version, and people outside the case", async () => {
    const caseId = await caseOf("Refus");
    const v = await version(caseId);
    expect(await services.families.record(karim, caseId, v, { informedAt: "2026-11-21" })).toMatchObject({
      ok: false,
      reason: "INVALID_INPUT",
      field: "family.informedAt",
    });
    expect(await services.families.record(karim, caseId, v, { metAt: "2025-08-31", metBy: "CPE" })).toMatchObject({ ok: false, field: "family.metAt" });
    expect(await services.families.record(karim, caseId, v, { metBy: "CPE" })).toMatchObject({ ok: false, field: "family.metAt" });
    expect(await services.families.record(karim, caseId, v, { familyAgreedAt: "20/11/2026" })).toMatchObject({ ok: false, field: "family.familyAgreedAt" });
    expect(await services.families.record(karim, caseId, v - 1, { informedAt: "2026-11-20" })).toMatchObject({ ok: false, reason: "CONFLICT" });
    // The teacher who filled the fiche de repérage, and the bassin's coordinator before any referral.
    expect(await services.families.record(claire, caseId, v, { informedAt: "2026-11-20" })).toMatchObject({ ok: false, reason: "FORBIDDEN" });
    expect(await services.families.record(sophie, caseId, v, { informedAt: "2026-11-20" })).toMatchObject({ ok: false, reason: "FORBIDDEN" });
    expect(await db.prisma.caseFamily.count({ where: { caseId } })).toBe(0);
    await db.prisma.case.update({ where: { id: caseId }, data: { escalatedToMlds: true } });
    expect((await services.families.record(sophie, caseId, await version(caseId), { informedAt: "2026-11-20" })).ok).toBe(true);
  });

  it("keeps an MLDS module out of the plan until the young person agreed, a PAFI until the family did", async () => {
    const caseId = await caseOf("Accords");
    await services.triage.act(karim, caseId, await version(caseId), { verb: "takeCharge" });
    await services.triage.act(karim, caseId, await version(caseId), { verb: "openPlan" });
    const add = async (type: string) => services.plans.act(karim, caseId, await version(caseId), { verb: "addAction", input: { type, description: "Action" } });
    expect(await add("PAFI")).toMatchObject({ ok: false, reason: "AGREEMENT_REQUIRED", field: "familyAgreedAt" });
    await services.families.record(karim, caseId, await version(caseId), { familyAgreedAt: "2026-11-20" });
    expect(await add("PAFI")).toMatchObject({ ok: true, event: "PLAN_ACTION_ADDED" });

    // Referred to the MLDS: its modules wait for the young person's agreement.
    await db.prisma.case.update({ where: { id: caseId }, data: { escalatedToMlds: true } });
    expect(await add("REMOBILISATION")).toMatchObject({ ok: false, reason: "AGREEMENT_REQUIRED", field: "youngPersonAgreedAt" });
    await services.families.record(karim, caseId, await version(caseId), { youngPersonAgreedAt: "2026-11-20" });
    expect(await add("REMOBILISATION")).toMatchObject({ ok: true });
    expect((await db.prisma.planAction.findMany({ where: { plan: { caseId } } })).map((a) => a.type).sort()).toEqual(["PAFI", "REMOBILISATION"]);
  });

  it("erases who met the family when the case is anonymised, keeping the dates", async () => {
    const caseId = await caseOf("Effacee");
    await services.families.record(karim, caseId, await version(caseId), { informedAt: "2026-11-16", metAt: "2026-11-18", metBy: "Mme Durand, CPE" });
    const dismissed = await services.triage.act(karim, caseId, await version(caseId), { verb: "dismiss", reason: "Situation réglée" });
    expect(dismissed.ok).toBe(true);
    now = new Date("2027-09-02T10:00:00Z"); // after the 31 August ending the school year of closure
    try {
      const run = await services.retention.run({ dryRun: false });
      expect(run.references.length).toBeGreaterThan(0);
    } finally {
      now = new Date("2026-11-20T10:00:00Z");
    }
    const family = await db.prisma.caseFamily.findUniqueOrThrow({ where: { caseId } });
    expect(family).toMatchObject({ metBy: null, metAt: new Date("2026-11-18T00:00:00Z"), informedAt: new Date("2026-11-16T00:00:00Z") });
    const event = await db.prisma.caseEvent.findFirstOrThrow({ where: { caseId, type: "FAMILY_RECORDED" } });
    expect(event.data).toEqual({ fields: ["informedAt", "metAt", "metBy"], informedAt: "2026-11-16", metAt: "2026-11-18" });
    expect(JSON.stringify((await db.prisma.caseEvent.findMany({ where: { caseId } })).map((e) => e.data))).not.toContain("Durand");
  });
});
