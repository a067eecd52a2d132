import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import type { Actor } from "../../src/services/index.js";
import { cardText, execute, installInTeam, person, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";
import { walk } from "../helpers/cards.js";

/** Channel case cards are user-specific (Universal Actions refresh): the card posted in the channel
 *  is read-only and names, in `refresh.userIds`, the people who may act on the case; Teams asks the
 *  bot for each one's view, and the bot answers with the buttons the permission table gives that
 *  person on that case, checked on the server. */

const claire = person("Claire Martin"); // teacher, Lycée Victor-Hugo (Nord), reports the case
const karim = person("Karim Benali"); // référent, Lycée Victor-Hugo
const sophie = person("Sophie Laurent"); // coordinator, Nord
const marc = person("Marc Petit"); // coordinator, Sud
const ines = person("Inès Moreau"); // référent, Collège Jean-Moulin (Nord)
const NORD = DEMO_CHANNELS[0];
const inNord = { conversationId: NORD.channelId, type: "channel" as const, teamId: NORD.teamId };
const YEAR = new Date().getFullYear();
const mri = (p: Person) => `29:${p.aadObjectId}`;

/** The verbs of the buttons a person sees (the refresh's own action is not a button). */
function buttons(card: any): string[] {
  const verbs: string[] = [];
  walk({ body: card.body, actions: card.actions }, (o) => {
    if (o.type === "Action.Execute" || o.type === "Action.ShowCard") verbs.push(o.verb ?? `show:${o.title}`);
  });
  return verbs;
}

describe("user-specific case cards in the coordinators' channel", () => {
  let bot: TestBot;
  let n = 0;
  const actorOf = async (p: Person) => (await bot.app.services.members.identify(DEMO_TENANT_ID, p.aadObjectId)) as Actor;

  async function report(lastName: string, age: number, urgency: 1 | 2 | 3 = 3): Promise<{ caseId: string; reference: string }> {
    const reporter = await actorOf(claire);
    const [school] = await bot.app.services.reports.reportingSchools(reporter);
    const r = await bot.app.services.reports.submit(
      reporter,
      {
        pupil: { lastName, firstName: "Théo", className: "2nde 5", schoolId: school!.id, birthYear: YEAR - age },
        signals: { signals: [{ code: "LATENESS", note: "Note sur la famille" }] },
        steps: { stepsTaken: [], urgency, observations: "Observation confidentielle" },
      },
      `refresh-${++n}`,
    );
    if (!r.ok) throw new Error(r.reason);
    return { caseId: r.recorded.caseId, reference: r.recorded.reference };
  }

  async function channelPost(): Promise<any> {
    const before = bot.connector.sent.length;
    await bot.app.outbox.drainOnce();
    const posts = bot.connector.sent
      .slice(before)
      .filter((a) => a.conversationId === NORD.channelId)
      .flatMap((a) => (a.body.attachments ?? []).map((x) => x.content));
    expect(posts).toHaveLength(1);
    return posts[0];
  }

  beforeAll(async () => {
    bot = await startTestBot();
    await installInTeam(bot, sophie);
    // Each person's personal chat with the bot gives their Teams user id.
    for (const p of [claire, karim, sophie, marc, ines]) await bot.say(p, "aide");
    await bot.app.outbox.drainOnce();
  });
  afterAll(async () => bot?.stop());

  it("posts a read-only card refreshed for the school's GPDS and the bassin's coordinators only", async () => {
    const { caseId, reference } = await report("Refresh", 17);
    const card = await channelPost();
    expect(cardText(card)).toContain(reference);
    expect(JSON.stringify(card)).not.toContain("Refresh");
    expect(card.refresh.action).toEqual({ type: "Action.Execute", verb: "case.refresh", data: { caseId } });
    expect([...card.refresh.userIds].sort()).toEqual([mri(karim), mri(sophie)].sort());
    // Nobody acts from the card as sent: one button asks for the person's own view.
    expect(buttons(card)).toEqual(["case.refresh"]);
  });

  it("answers a coordinator, a teacher and a référent of another school three different cards", async () => {
    const { caseId, reference } = await report("Trois", 17);
    await channelPost();

    const forSophie = await execute(bot, sophie, inNord, "case.refresh", { caseId });
    expect(cardText(forSophie)).toContain(reference);
    expect(buttons(forSophie)).toEqual(expect.arrayContaining(["case.takeCharge", "case.details", "case.assign", "case.requestInfo", "case.dismiss"]));
    expect(forSophie.refresh.userIds).toContain(mri(sophie));

    // The teacher who reported it sees the case as the channel does, without a button.
    const forClaire = await execute(bot, claire, inNord, "case.refresh", { caseId });
    expect(cardText(forClaire)).toContain(reference);
    expect(buttons(forClaire)).toEqual([]);

    // A référent of another school of the bassin may not see the case: the neutral refusal.
    const forInes = await execute(bot, ines, inNord, "case.refresh", { caseId });
    expect(cardText(forInes)).toContain("Action refusée");
    expect(JSON.stringify(forInes)).not.toContain(reference);

    const answers = [forSophie, forClaire, forInes].map((c) => JSON.stringify(c));
    expect(new Set(answers).size).toBe(3);
    for (const a of answers) for (const secret of ["Trois", "Note sur la famille", "Observation confidentielle"]) expect(a).not.toContain(secret);
  });

  it("gives a coordinator no triage button before the GPDS refers a case the bassin may not act on yet", async () => {
    // Vigilance 1, still at school: under the default setting the coordinators wait for the GPDS.
    const { caseId, reference } = await report("Attente", 17, 1);
    const card = await channelPost();
    const forSophie = await execute(bot, sophie, inNord, "case.refresh", { caseId });
    expect(cardText(forSophie)).toContain(reference);
    expect(buttons(forSophie)).toEqual(["case.details"]);
    // Still listed: she may open the details (in her personal chat).
    expect(card.refresh.userIds).toContain(mri(sophie));
    // The référent of the school triages it.
    const forKarim = await execute(bot, karim, inNord, "case.refresh", { caseId });
    expect(buttons(forKarim)).toEqual(expect.arrayContaining(["case.takeCharge", "case.details"]));
  });

  it("keeps a person's own view after they act, and opens the details in their personal chat, never in the channel", async () => {
    const { caseId } = await report("Agit", 17);
    await channelPost();
    const version = (await bot.app.store.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).version;
    const after = await execute(bot, sophie, inNord, "case.takeCharge", { caseId, version });
    expect(cardText(after)).toContain("Sophie Laurent");
    expect(after.refresh.userIds).toContain(mri(sophie));
    expect(buttons(after)).toEqual(expect.arrayContaining(["case.openPlan", "case.details"]));
    expect(buttons(after)).not.toContain("case.takeCharge");
    // The update of the post for everyone is the read-only card again.
    const before = bot.connector.sent.length;
    await bot.app.outbox.drainOnce();
    const updates = bot.connector.sent.slice(before).filter((a) => a.conversationId === NORD.channelId);
    for (const u of updates) for (const x of u.body.attachments ?? []) expect(buttons(x.content)).toEqual(["case.refresh"]);

    const details = await execute(bot, sophie, inNord, "case.details", { caseId });
    expect(cardText(details)).toContain("Détails envoyés dans votre conversation privée avec Repère");
    expect(JSON.stringify(details)).not.toContain("Agit");
    const sent = bot.connector.sent.length;
    await bot.app.outbox.drainOnce();
    const delivered = bot.connector.sent.slice(sent);
    expect(delivered.filter((a) => a.conversationId === NORD.channelId)).toEqual([]);
    expect(delivered.some((a) => a.conversationId === `a:personal-${sophie.aadObjectId}` && JSON.stringify(a.body).includes("Théo Agit"))).toBe(true);
  });

  it("refuses a triage button forged by the teacher on the channel card", async () => {
    const { caseId } = await report("Forge", 17);
    await channelPost();
    const version = (await bot.app.store.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).version;
    const card = await execute(bot, claire, inNord, "case.takeCharge", { caseId, version });
    expect(cardText(card)).not.toContain("Prise en charge");
    expect(buttons(card)).toEqual([]);
    expect((await bot.app.store.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).version).toBe(version);
  });
});
