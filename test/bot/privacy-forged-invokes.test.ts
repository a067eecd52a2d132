import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import type { Actor } from "../../src/services/index.js";
import { cardText, execute, person, personalMessage, type Person, startTestBot, type TestBot } from "../helpers/bot-harness.js";

/** Card actions are authorised on the server from the caller's Teams identity and role; what a
 *  card (or a forged invoke) sends is never trusted. Each forged invoke below must be refused and
 *  change nothing: not the case, not its history, not anyone's role. */

const claire = person("Claire Martin"); // teacher, Lycée Victor-Hugo (Nord)
const karim = person("Karim Benali"); // référent, Lycée Victor-Hugo
const sophie = person("Sophie Laurent"); // coordinator, Nord
const marc = person("Marc Petit"); // coordinator, Sud
const thomas = person("Thomas Girard"); // teacher, two other Nord schools
const YEAR = new Date().getFullYear();
const personalOf = (p: Person) => ({ conversationId: `a:personal-${p.aadObjectId}`, type: "personal" as const });

describe("forged card actions", () => {
  let bot: TestBot;
  let n = 0;
  const prisma = () => bot.app.store.db.prisma;
  const actorOf = async (p: Person) => (await bot.app.services.members.identify(DEMO_TENANT_ID, p.aadObjectId)) as Actor;
  const version = async (caseId: string) => (await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).version;
  /** Everything a refused action must leave as it was. */
  const state = async (caseId: string) => {
    const c = await prisma().case.findUniqueOrThrow({
      where: { id: caseId },
      include: { events: { select: { type: true } }, plan: { include: { actions: true } }, pupil: true },
    });
    const members = await prisma().member.findMany({
      select: { aadObjectId: true, role: true, districtId: true, active: true },
      orderBy: { aadObjectId: "asc" },
    });
    return {
      status: c.status,
      version: c.version,
      assigneeId: c.assigneeId,
      escalated: c.escalatedToMlds,
      events: c.events.map((e) => e.type),
      plan: c.plan,
      pupil: c.pupil.lastName,
      members,
    };
  };

  async function nordCase(lastName: string, age = 17): Promise<string> {
    const reporter = await actorOf(claire);
    const [school] = await bot.app.services.reports.reportingSchools(reporter);
    const r = await bot.app.services.reports.submit(
      reporter,
      {
        pupil: { lastName, firstName: "Eva", className: "1re 3", schoolId: school!.id, birthYear: YEAR - age },
        signals: { signals: [{ code: "LATENESS", note: "Note privée" }] },
        steps: { stepsTaken: [], urgency: 2 },
      },
      `forged-${++n}`,
    );
    if (!r.ok) throw new Error(r.reason);
    return r.recorded.caseId;
  }

  beforeAll(async () => {
    bot = await startTestBot();
    // The coordinators act on the 16+ at once here (the bassin's setting: test/bot/gpds-process.test.ts).
    await bot.app.store.db.kysely.updateTable("District").set({ mldsAccess: "IMMEDIATE" }).execute();
    for (const p of [claire, karim, sophie, marc, thomas]) await bot.say(p, "aide");
  });
  afterAll(async () => bot?.stop());

  it("refuses every action on a case of another district, showing nothing of it", async () => {
    const caseId = await nordCase("Voisine");
    const sophieActor = await actorOf(sophie);
    expect((await bot.app.services.triage.act(sophieActor, caseId, await version(caseId), { verb: "takeCharge" })).ok).toBe(true);
    expect((await bot.app.services.triage.act(sophieActor, caseId, await version(caseId), { verb: "openPlan" })).ok).toBe(true);
    const before = await state(caseId);
    const v = before.version;
    const forged: [string, Record<string, unknown>][] = [
      ["case.details", { caseId }],
      ["case.takeCharge", { caseId, version: v }],
      ["case.assign", { caseId, version: v, assigneeId: (await prisma().member.findFirstOrThrow({ where: { aadObjectId: marc.aadObjectId } })).id }],
      ["case.requestInfo", { caseId, version: v, question: "Qui est-ce ?" }],
      ["case.dismiss", { caseId, version: v, reason: "Forcé" }],
      ["case.escalate", { caseId, version: v }],
      ["case.history", { caseId }],
      ["plan.view", { caseId }],
      ["plan.addAction", { caseId, version: v, form: "new", type__new: "TUTORING", description__new: "Forcé" }],
      ["plan.setReview", { caseId, version: v, objective: "Forcé", nextReviewAt: `${YEAR + 1}-01-01` }],
      ["plan.close", { caseId, version: v, outcome: "NO_SOLUTION", comment: "Forcé" }],
      ["privacy.export", { caseId }],
      ["privacy.erase", { caseId }],
    ];
    for (const [verb, data] of forged) {
      const card = await execute(bot, marc, personalOf(marc), verb, data);
      const json = JSON.stringify(card);
      expect(json, verb).not.toContain("Voisine");
      expect(json, verb).not.toContain("Note privée");
      expect(cardText(card), verb).toMatch(/Action refusée|réservées aux administrateurs/);
    }
    expect(await state(caseId)).toEqual(before);
  });

  it("refuses a verb that the card does not offer in the case's state", async () => {
    const caseId = await nordCase("Etat");
    const before = await state(caseId);
    // A new case has no plan yet: no "open plan" button, no plan to close, no plan action to move.
    const attempts: [Person, string, Record<string, unknown>, RegExp][] = [
      [sophie, "case.openPlan", { caseId, version: before.version }, /n'est plus possible/],
      [sophie, "plan.close", { caseId, version: before.version, outcome: "EMPLOYMENT" }, /n'est plus possible|pas possible/],
      [sophie, "plan.setActionStatus", { caseId, version: before.version, actionId: "00000000-0000-4000-8000-000000000000", status: "DONE" }, /./],
      [sophie, "case.answerInfo", { caseId, answer: "Je réponds sans question" }, /Action refusée/], // not the reporter
      [claire, "case.answerInfo", { caseId, answer: "Aucune question n'a été posée" }, /n'est plus possible/],
      [karim, "outbox.requeue", { outboxId: "00000000-0000-4000-8000-000000000000" }, /./],
    ];
    for (const [who, verb, data, answer] of attempts) {
      const card = await execute(bot, who, personalOf(who), verb, data);
      expect(cardText(card), verb).toMatch(answer);
    }
    expect(await state(caseId)).toEqual(before);

    // A card of an older version cannot be replayed over a newer state.
    const v = before.version;
    expect(cardText(await execute(bot, sophie, personalOf(sophie), "case.takeCharge", { caseId, version: v }))).toContain("pris en charge");
    const replay = await execute(bot, karim, personalOf(karim), "case.dismiss", { caseId, version: v, reason: "Rejoué" });
    expect(cardText(replay)).toContain("a changé entre-temps");
    expect((await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe("ACKNOWLEDGED");
  });

  it("refuses to refer a case to the MLDS a second time: the GPDS's decision is recorded once", async () => {
    const caseId = await nordCase("Majeure", 17);
    const first = await execute(bot, karim, personalOf(karim), "case.escalate", { caseId, version: (await state(caseId)).version });
    expect(cardText(first)).toContain("Orientation vers la MLDS enregistrée");
    const before = await state(caseId);
    const card = await execute(bot, karim, personalOf(karim), "case.escalate", { caseId, version: before.version });
    expect(cardText(card)).toMatch(/n'est plus possible/);
    expect(await state(caseId)).toEqual(before);
  });

  it("never lets a member change their own role, whatever the card or the message says", async () => {
    const caseId = await nordCase("Role");
    const before = await state(caseId);
    const teacher = await prisma().member.findFirstOrThrow({ where: { aadObjectId: thomas.aadObjectId } });
    const invalid: [string, Record<string, unknown>][] = [
      ["member.setRole", { memberId: teacher.id, role: "ADMIN" }],
      ["admin.promote", { role: "ADMIN" }],
      [
        "case.takeCharge",
        {
          caseId,
          version: before.version,
          role: "COORDINATOR",
          actor: { role: "ADMIN" },
          memberId: (await prisma().member.findFirstOrThrow({ where: { aadObjectId: sophie.aadObjectId } })).id,
        },
      ],
      ["case.details", { caseId, role: "REFERENT", schoolIds: ["*"], districtId: before.members[0]!.districtId }],
    ];
    for (const [verb, data] of invalid) {
      const card = await execute(bot, thomas, personalOf(thomas), verb, data);
      expect(cardText(card), verb).toMatch(/Cette carte n'est pas valide|Action refusée/);
    }
    // As a message (Action.Submit) or typed, too.
    await bot.submit(thomas, { action: "member.setRole", role: "ADMIN" });
    await bot.submit(thomas, { action: "report.start", role: "ADMIN", aadObjectId: person("Nathalie Roux").aadObjectId });
    await bot.say(thomas, "rôle ADMIN");
    // Another person's identity sent in the activity's channel data is not who is speaking.
    await bot.post({
      ...personalMessage(bot.connector.url, thomas, { text: `effacer élève D-${YEAR}-0001` }),
      channelData: { tenant: { id: DEMO_TENANT_ID }, aadObjectId: person("Nathalie Roux").aadObjectId, role: "ADMIN" },
    });
    const after = await state(caseId);
    expect(after).toEqual(before);
    expect(await prisma().member.findFirstOrThrow({ where: { aadObjectId: thomas.aadObjectId } })).toMatchObject({ role: "STAFF", active: true });
    expect(await prisma().caseEvent.count({ where: { type: { in: ["DETAILS_VIEWED", "ERASED", "EXPORTED"] }, caseId } })).toBe(0);
  });

  it("refuses malformed card data before any service is called", async () => {
    const caseId = await nordCase("Donnees");
    const before = await state(caseId);
    const malformed: Record<string, unknown>[] = [
      {},
      { caseId: "' OR 1=1 --" },
      { caseId: ["array"] },
      { caseId, version: "NaN" },
      { caseId, version: -1 },
      { caseId, version: before.version, question: "x".repeat(5000) },
      // Control characters are removed where the activity comes in: what is left must still be an id.
      { caseId: `${caseId}\u0000x` },
    ];
    for (const data of malformed) {
      for (const verb of ["case.takeCharge", "case.requestInfo", "case.details", "privacy.erase"]) {
        const card = await execute(bot, sophie, personalOf(sophie), verb, data);
        expect(cardText(card), `${verb} ${JSON.stringify(data).slice(0, 60)}`).toMatch(
          /Cette carte n'est pas valide|Écrivez une question|Action refusée|réservées aux administrateurs|a changé/,
        );
      }
    }
    expect(await state(caseId)).toEqual(before);
  });
});
