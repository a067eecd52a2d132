import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import type { Actor } from "../../src/services/index.js";
import { cardText, execute, installInTeam, person, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";

/** What a card action answers in a channel, which every member reads (and a screen share shows):
 *  a case's card only for a case routed to that channel and to someone who may see the case; a
 *  neutral refusal otherwise. Details and history never go into the channel post: they are sent
 *  to the person's personal chat with the bot. */

const claire = person("Claire Martin"); // teacher, Lycée Victor-Hugo (Nord)
const karim = person("Karim Benali"); // référent, Lycée Victor-Hugo
const sophie = person("Sophie Laurent"); // coordinator, Nord
const marc = person("Marc Petit"); // coordinator, Sud
const thomas = person("Thomas Girard"); // teacher, two other Nord schools
const ines = person("Inès Moreau"); // référent, Collège Jean-Moulin (Nord); never wrote to the bot
const NORD = DEMO_CHANNELS[0];
const inNord = { conversationId: NORD.channelId, type: "channel" as const, teamId: NORD.teamId };
/** A team that has nothing to do with the cases (the bot is installed there too). */
const OTHER = { teamId: "19:other-team@thread.tacv2", channelId: "19:other-team@thread.tacv2" };
const inOther = { conversationId: OTHER.channelId, type: "channel" as const, teamId: OTHER.teamId };
const YEAR = new Date().getFullYear();
const personalOf = (p: Person) => `a:personal-${p.aadObjectId}`;

describe("card actions in channels", () => {
  let bot: TestBot;
  let n = 0;
  const prisma = () => bot.app.store.db.prisma;
  const actorOf = async (p: Person) => (await bot.app.services.members.identify(DEMO_TENANT_ID, p.aadObjectId)) as Actor;
  const version = async (caseId: string) => (await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).version;
  const memberIds = async () => (await prisma().member.findMany({ select: { id: true } })).map((m) => m.id);

  async function report(lastName: string, age: number): Promise<{ caseId: string; reference: string }> {
    const reporter = await actorOf(claire);
    const [school] = await bot.app.services.reports.reportingSchools(reporter);
    const r = await bot.app.services.reports.submit(
      reporter,
      {
        pupil: { lastName, firstName: "Théo", className: "2nde 5", schoolId: school!.id, birthYear: YEAR - age },
        signals: { signals: [{ code: "LATENESS", note: "Note sur la famille" }] },
        steps: { stepsTaken: [], urgency: 3, observations: "Observation confidentielle" },
      },
      `scope-${++n}`,
    );
    if (!r.ok) throw new Error(r.reason);
    return { caseId: r.recorded.caseId, reference: r.recorded.reference };
  }

  /** Delivers the outbox: returns the cards each conversation received. */
  async function deliver(): Promise<Map<string, any[]>> {
    const before = bot.connector.sent.length;
    await bot.app.outbox.drainOnce();
    const out = new Map<string, any[]>();
    for (const a of bot.connector.sent.slice(before)) {
      for (const x of a.body.attachments ?? [])
        if (x.contentType === "application/vnd.microsoft.card.adaptive") out.set(a.conversationId, [...(out.get(a.conversationId) ?? []), x.content]);
    }
    return out;
  }

  beforeAll(async () => {
    bot = await startTestBot();
    await installInTeam(bot, sophie);
    await installInTeam(bot, marc, OTHER);
    for (const p of [claire, karim, sophie, marc, thomas]) await bot.say(p, "aide");
    await deliver();
  });
  afterAll(async () => bot?.stop());

  it("refuses every action on an under-16 case of Nord, kept by its school, to outsiders posting from an unrelated team", async () => {
    const { caseId, reference } = await report("Henault", 14);
    await deliver();
    const v = await version(caseId);
    const ids = await memberIds();
    for (const who of [marc, thomas, sophie]) {
      for (const [verb, data] of [
        ["case.refresh", { caseId }],
        ["case.details", { caseId }],
        ["case.history", { caseId }],
        ["case.takeCharge", { caseId, version: v }],
        ["plan.view", { caseId }],
      ] as const) {
        const card = await execute(bot, who, inOther, verb, data);
        const json = JSON.stringify(card);
        expect(cardText(card), `${who.displayName} ${verb}`).toContain("Action refusée");
        for (const leak of [reference, "Victor-Hugo", "2nde 5", "T. H.", "Assiduité", "Henault", ...ids])
          expect(json, `${who.displayName} ${verb} shows ${leak}`).not.toContain(leak);
      }
    }
    expect(await version(caseId)).toBe(v);
    expect(await prisma().caseEvent.count({ where: { caseId, type: { in: ["DETAILS_VIEWED", "HISTORY_VIEWED"] } } })).toBe(0);
  });

  it("refuses a Nord case in a channel it was not routed to, even to a coordinator who may see it", async () => {
    const { caseId, reference } = await report("Ailleurs", 17);
    await deliver();
    const card = await execute(bot, sophie, inOther, "case.refresh", { caseId });
    expect(cardText(card)).toContain("Action refusée");
    expect(JSON.stringify(card)).not.toContain(reference);
  });

  it("answers in the channel the case was routed to: the case card, assignable people only for who may assign", async () => {
    const { caseId, reference } = await report("Routee", 17);
    await deliver();
    const ids = await memberIds();
    const forSophie = await execute(bot, sophie, inNord, "case.refresh", { caseId });
    expect(cardText(forSophie)).toContain(reference);
    expect(ids.some((id) => JSON.stringify(forSophie).includes(id))).toBe(true);
    // The teacher who reported it sees its card, without the staff's ids.
    const forClaire = await execute(bot, claire, inNord, "case.refresh", { caseId });
    expect(cardText(forClaire)).toContain(reference);
    for (const id of ids) expect(JSON.stringify(forClaire)).not.toContain(id);
    // A member of the channel who may not see the case gets the neutral refusal.
    const forThomas = await execute(bot, thomas, inNord, "case.refresh", { caseId });
    expect(cardText(forThomas)).toContain("Action refusée");
    expect(JSON.stringify(forThomas)).not.toContain(reference);
  });

  it("sends the details clicked in the channel to the person's personal chat, and keeps the channel card in the post", async () => {
    const { caseId, reference } = await report("Confidentiel", 17);
    await deliver();
    const card = await execute(bot, sophie, inNord, "case.details", { caseId });
    const json = JSON.stringify(card);
    expect(cardText(card)).toContain("Détails envoyés dans votre conversation privée avec Repère");
    expect(cardText(card)).toContain(reference);
    for (const secret of ["Confidentiel", String(YEAR - 17), "Note sur la famille", "Observation confidentielle"]) expect(json).not.toContain(secret);
    const delivered = await deliver();
    const details = (delivered.get(personalOf(sophie)) ?? []).map(cardText).join("\n");
    expect(details).toContain("Théo Confidentiel");
    expect(details).toContain("Note sur la famille");
    expect(details).toContain("Observation confidentielle");
    expect(delivered.get(NORD.channelId) ?? []).toEqual([]);
    expect(await prisma().caseEvent.count({ where: { caseId, type: "DETAILS_VIEWED" } })).toBe(1);
  });

  it("sends the history clicked in the channel to the person's personal chat", async () => {
    const { caseId, reference } = await report("Chrono", 17);
    await deliver();
    const card = await execute(bot, sophie, inNord, "case.history", { caseId });
    expect(cardText(card)).toContain("Historique envoyé dans votre conversation privée avec Repère");
    expect(cardText(card)).toContain(reference);
    const delivered = await deliver();
    expect((delivered.get(personalOf(sophie)) ?? []).map(cardText).join("\n")).toContain(`Historique · ${reference}`);
    expect(await prisma().caseEvent.count({ where: { caseId, type: "HISTORY_VIEWED" } })).toBe(1);
  });

  it("tells someone without a personal chat with the bot to open one, and shows nothing more in the channel", async () => {
    const { caseId } = await report("SansChat", 17);
    await deliver();
    // Inès (référent of another school) cannot see this case: she is refused, like any outsider.
    expect(cardText(await execute(bot, ines, inNord, "case.details", { caseId }))).toContain("Action refusée");
    // Karim is the référent of the school: his personal chat is forgotten for the test.
    await prisma().conversationRef.deleteMany({ where: { aadObjectId: karim.aadObjectId } });
    try {
      const card = await execute(bot, karim, inNord, "case.details", { caseId });
      expect(cardText(card)).toContain("ouvrez d'abord votre conversation privée avec Repère");
      expect(JSON.stringify(card)).not.toContain("SansChat");
      expect(await prisma().caseEvent.count({ where: { caseId, type: "DETAILS_VIEWED" } })).toBe(0);
    } finally {
      await bot.say(karim, "aide");
    }
  });

  it("shows a plan in the channel with counts and statuses only; its texts in personal chat", async () => {
    const { caseId, reference } = await report("Plan", 17);
    await deliver();
    // Referred to the MLDS (the GPDS's decision): the plan offers the MLDS modules.
    await bot.app.store.db.prisma.case.update({ where: { id: caseId }, data: { escalatedToMlds: true } });
    const so = await actorOf(sophie);
    await bot.app.services.triage.act(so, caseId, await version(caseId), { verb: "takeCharge" });
    await bot.app.services.triage.act(so, caseId, await version(caseId), { verb: "openPlan" });
    // An MLDS module needs the young person's agreement on record.
    await bot.app.services.families.record(so, caseId, await version(caseId), { youngPersonAgreedAt: new Date().toISOString().slice(0, 10) });
    const add = await bot.app.services.plans.act(so, caseId, await version(caseId), {
      verb: "addAction",
      input: {
        type: "INTERNSHIP",
        description: "Entretien avec Théo et sa mère au CIO",
        startDate: `${YEAR}-10-01`,
        endDate: `${YEAR}-10-15`,
        company: "Boulangerie Martin",
      },
    });
    if (!add.ok) throw new Error(add.reason);
    const review = await bot.app.services.plans.act(so, caseId, await version(caseId), {
      verb: "setReview",
      objective: "Retour en formation de Théo",
      nextReviewAt: `${YEAR + 1}-01-10`,
    });
    if (!review.ok) throw new Error(review.reason);

    const inChannel = await execute(bot, sophie, inNord, "plan.view", { caseId });
    const shown = JSON.stringify(inChannel);
    expect(cardText(inChannel)).toContain(reference);
    expect(cardText(inChannel)).toContain("Mesures et actions (1)");
    for (const text of ["Entretien avec Théo", "Boulangerie Martin", "Retour en formation de Théo"]) expect(shown).not.toContain(text);

    // The history asked for from the plan card goes to personal chat; the post keeps the plan.
    const history = await execute(bot, sophie, inNord, "case.history", { caseId, from: "plan" });
    expect(cardText(history)).toContain("Historique envoyé dans votre conversation privée avec Repère");
    expect(cardText(history)).toContain(`Parcours de suivi MLDS · ${reference}`);
    expect(JSON.stringify(history)).not.toContain("Retour en formation de Théo");
    // A review recorded from the channel card (no objective there) keeps the objective.
    const reviewed = await execute(bot, sophie, inNord, "plan.setReview", { caseId, version: await version(caseId), nextReviewAt: `${YEAR + 1}-02-10` });
    expect(JSON.stringify(reviewed)).not.toContain("Retour en formation de Théo");
    expect((await prisma().plan.findUniqueOrThrow({ where: { caseId } })).objective).toBe("Retour en formation de Théo");

    const inPersonal = cardText(await execute(bot, sophie, { conversationId: personalOf(sophie), type: "personal" }, "plan.view", { caseId }));
    for (const text of ["Entretien avec Théo", "Boulangerie Martin", "Retour en formation de Théo"]) expect(inPersonal).toContain(text);
  });
});
