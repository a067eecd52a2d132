import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createServices, type Actor, type Services } from "../../src/services/index.js";
import { DEMO_CHANNELS, DEMO_PEOPLE, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { createStore, type Store } from "../../src/store/index.js";
import { translator } from "../../src/teams/i18n.js";
import { confirmedCard } from "../../src/teams/reports/report-views.js";
import { ownerlessReportText, ownerlessSchoolsText } from "../../src/teams/directory/school-directory-views.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";
import { seedDemo } from "../../src/services/demo-academie.js";

// A report in a school with nobody to follow it (no référent, no chef d'établissement) still
// reaches someone, and the reporter is told who; the admins hear daily which schools lack an owner.
const NOW = new Date("2026-12-07T09:00:00Z");
const aad = (name: string) => DEMO_PEOPLE.find((p) => p.displayName === name)!.aadObjectId;
const JULES_FERRY = "0690003D"; // Bassin Nord, no référent in the demo; its principale adjointe leaves below
const JEAN_MOULIN = "0690002C"; // Bassin Nord, référent Inès Moreau
const NORD_CHANNEL = DEMO_CHANNELS[0].channelId;
const fr = translator("fr");

describe.each(DATABASE_KINDS)("schools without an owner (%s)", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let services: Services;
  const actor = async (name: string) => (await services.members.identify(DEMO_TENANT_ID, aad(name))) as Actor;

  beforeEach(async () => {
    db = await openTestDatabase(kind);
    store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    // Collège Jules-Ferry's only owner in the demo, its principale adjointe, has left.
    await db.prisma.member.updateMany({ where: { email: "helene.garnier@demo.repere.fr" }, data: { active: false } });
    services = createServices(store, () => NOW);
    for (const [id, name] of [
      ["a:sophie", "Sophie Laurent"],
      ["a:nathalie", "Nathalie Roux"],
      ["a:ines", "Inès Moreau"],
    ] as const) {
      await store.conversations.upsert({
        conversationId: id,
        kind: "PERSONAL",
        tenantId: DEMO_TENANT_ID,
        aadObjectId: aad(name),
        teamId: null,
        channelId: null,
        serviceUrl: "http://x",
        reference: { conversation: { id } },
      });
    }
  });
  afterEach(async () => {
    await db.drop();
  });

  async function report(uai: string, birthYear: number, key: string) {
    const thomas = await actor("Thomas Girard");
    const school = (await services.reports.reportingSchools(thomas)).find((s) => s.uai === uai)!;
    return services.reports.submit(
      thomas,
      {
        pupil: { lastName: "Orphelin", firstName: "Léo", className: "4e B", schoolId: school.id, birthYear },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 2 },
      },
      key,
    );
  }
  const sendsOf = async (caseId: string) =>
    Object.fromEntries(
      (await db.prisma.outboxMessage.findMany({ where: { caseId } })).map((m) => [m.conversationId, (m.payload as { render: { view: string } }).render]),
    );

  it("sends an under-16 report in a school without a référent to the bassin's coordinators and the admins, who may see it, and tells the reporter", async () => {
    const outcome = await report(JULES_FERRY, 2013, "orphan-1");
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.toldInstead).toEqual({ coordinators: 1, admins: 1 });
    const sends = await sendsOf(outcome.recorded.caseId);
    expect(sends[NORD_CHANNEL]).toEqual({ view: "caseCard", caseId: outcome.recorded.caseId });
    expect(sends["a:sophie"]).toEqual({ view: "caseCard", caseId: outcome.recorded.caseId });
    expect(sends["a:nathalie"]).toEqual({ view: "ownerlessReport", caseId: outcome.recorded.caseId, schoolName: "Collège Jules-Ferry", coordinators: 1 });

    // The coordinator may see and triage it although the pupil is under 16; the admin sees its status.
    const c = (await services.triage.systemView(outcome.recorded.caseId))!;
    expect(c.escalatedToMlds).toBe(true);
    expect(services.triage.may(await actor("Sophie Laurent"), "VIEW_DETAILS", c)).toBe(true);
    expect(services.triage.may(await actor("Sophie Laurent"), "TRIAGE", c)).toBe(true);
    expect(services.triage.may(await actor("Nathalie Roux"), "VIEW_STATUS", c)).toBe(true);

    const card = JSON.stringify(confirmedCard(fr, outcome.recorded, outcome.joined, outcome.toldInstead));
    expect(card).toContain(
      "Aucun référent décrochage n'est enregistré pour votre établissement : le coordonnateur MLDS du bassin et l'administrateur Repère de l'académie ont été prévenus.",
    );
    expect(card).not.toContain("Le référent décrochage de l'établissement est prévenu");
    expect(ownerlessReportText(fr, outcome.recorded.reference, { schoolName: "Collège Jules-Ferry", coordinators: 1 })).toContain(
      `Signalement ${outcome.recorded.reference} dans l'établissement Collège Jules-Ferry`,
    );
    expect(JSON.stringify(confirmedCard(translator("en"), outcome.recorded, outcome.joined, outcome.toldInstead))).toContain(
      "the bassin's MLDS coordinator and the académie's Repère administrator have been told",
    );
  });

  it("leaves a school with a référent as it was: an under-16 case stays with the school", async () => {
    const outcome = await report(JEAN_MOULIN, 2013, "led-1");
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.toldInstead).toBeUndefined();
    const sends = await sendsOf(outcome.recorded.caseId);
    expect(Object.keys(sends)).toEqual(["a:ines"]);
    const c = (await services.triage.systemView(outcome.recorded.caseId))!;
    expect(c.escalatedToMlds).toBe(false);
    expect(services.triage.may(await actor("Sophie Laurent"), "VIEW_DETAILS", c)).toBe(false);
    expect(JSON.stringify(confirmedCard(fr, outcome.recorded, outcome.joined, outcome.toldInstead))).toContain(
      "Le référent décrochage de l'établissement est prévenu",
    );
  });

  it("counts a chef d'établissement as an owner too", async () => {
    const school = await db.prisma.school.findUniqueOrThrow({ where: { uai: JULES_FERRY } });
    await db.prisma.member.create({ data: { displayName: "Principale", role: "HEAD", schools: { create: { schoolId: school.id } } } });
    const outcome = await report(JULES_FERRY, 2013, "head-1");
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.toldInstead).toBeUndefined();
  });

  it("refuses a new report in a closed school and does not offer it", async () => {
    await db.prisma.school.update({ where: { uai: JULES_FERRY }, data: { state: "CLOSED" } });
    expect(await report(JULES_FERRY, 2013, "closed-1")).toEqual({ ok: false, reason: "SCHOOL_CLOSED" });
    expect(await db.prisma.case.count()).toBe(0);
    expect(fr("schoolDirectory.report.closedSchool")).toContain("Cet établissement est fermé");
  });

  it("lists the schools without an owner to the admins once a day", async () => {
    expect(await services.owners.runDaily()).toBe(1);
    expect(await services.owners.runDaily()).toBeNull();
    const sent = await db.prisma.outboxMessage.findFirstOrThrow({ where: { conversationId: "a:nathalie" } });
    const render = (
      sent.payload as {
        render: {
          view: "ownerlessSchools";
          count: number;
          schools: { uai: string; name: string; districtCode: string | null; districtName?: string; noLead: boolean; noRoute: boolean }[];
        };
      }
    ).render;
    // Jules-Ferry (Nord) and the three schools of Bassin Sud have no référent; Sud has a coordinator.
    expect(render.view).toBe("ownerlessSchools");
    expect(render.schools.map((s) => s.uai)).toEqual(["0690003D", "0690006G", "0690005F", "0690004E"]);
    const text = ownerlessSchoolsText(fr, render);
    expect(text).toContain("4 établissement(s) ouvert(s) sans responsable");
    expect(text).toContain("- 0690003D Collège Jules-Ferry : aucun référent décrochage ni chef d'établissement");
  });
});
