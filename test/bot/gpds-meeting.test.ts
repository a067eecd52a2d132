import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { cardText, execute, installInTeam, invokeActivity, person, personalMessage, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";
import { Conversation } from "../helpers/conversation.js";
import { DATABASE_KINDS } from "../helpers/database.js";

// Issue 25, the GPDS meeting: two 15-year-olds and a 17-year-old reported by a teacher, on the
// agenda of the school's GPDS (posted in its group chat, initials only); the GPDS decides from the
// card « Poursuivre la vigilance », « Mesures internes » and « Orienter vers la MLDS »; the MLDS
// coordinator then finds the 17-year-old in « à traiter » and takes it in charge. Her list is
// checked at each step. The séance is closed from the card: summary with initials in the group
// chat, with names in the GPDS members' personal chats.

const claire = person("Claire Martin"); // teacher, Lycée Victor-Hugo (Bassin Nord)
const karim = person("Karim Benali"); // référent décrochage, Lycée Victor-Hugo
const sophie = person("Sophie Laurent"); // MLDS coordinator, Bassin Nord
const helene = {
  aadObjectId: "aad-meeting-head",
  displayName: "Hélène Proviseure",
  email: "helene@meeting.test",
  role: "HEAD",
  schools: ["0690001B"],
} as Person;

const NORD = DEMO_CHANNELS[0].channelId;
const inNord = { conversationId: NORD, type: "channel" as const, teamId: DEMO_CHANNELS[0].teamId };
const personalOf = (p: Person) => `a:personal-${p.aadObjectId}`;
const GROUP_CHAT = "19:gpds-meeting-victor-hugo@thread.v2";

/** The test clock: from Monday 4 January 2027, back from the Noël holidays; the GPDS meets on
 *  Tuesdays 12 and 26 January. */
let now = new Date("2027-01-04T09:00:00Z");

describe.each(DATABASE_KINDS)("a GPDS meeting from its agenda card (issue 25), on the %s database", (kind) => {
  let bot: TestBot;
  const db = () => bot.app.store.db.prisma;
  const caseOf = (lastName: string) => db().case.findFirstOrThrow({ where: { pupil: { lastName } }, include: { events: true, plan: true } });
  const toDo = async (who: Person) => {
    const r = await bot.say(who, "à traiter");
    return [...r.texts, ...r.cards.map(cardText)].join("\n");
  };
  const drain = async () => {
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
  };
  /** A message in the GPDS group chat; returns the bot's texts there. */
  const inGroupChat = async (who: Person, text: string) => {
    const activity = personalMessage(bot.connector.url, who, { text, conversationId: GROUP_CHAT });
    activity.conversation = { id: GROUP_CHAT, conversationType: "groupChat", isGroup: true, tenantId: DEMO_TENANT_ID };
    const before = bot.connector.sent.length;
    expect((await bot.post(activity)).status).toBeLessThan(300);
    return bot.connector.sent
      .slice(before)
      .map((a) => a.body.text)
      .filter((t): t is string => typeof t === "string");
  };
  /** Presses a button of the agenda card in the group chat, with the card's inputs. */
  const pressInGroupChat = async (who: Person, verb: string, data: Record<string, unknown>) => {
    const activity = invokeActivity(bot.connector.url, who, { conversationId: GROUP_CHAT, type: "personal" }, verb, data);
    activity.conversation = { id: GROUP_CHAT, conversationType: "groupChat", isGroup: true, tenantId: DEMO_TENANT_ID };
    const res = await bot.post(activity);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { value: unknown };
    return body.value;
  };

  /** Claire fills the fiche de repérage in her personal chat, as a transcript. */
  async function report(lastName: string, birthDate: string): Promise<void> {
    const c = new Conversation(bot, claire);
    expect(cardText((await c.say("signaler")).cards[0])).toContain("Date de naissance");
    await c.press("Suivant", { lastName, firstName: "Léa", className: "2nde 1", birthDate });
    await c.press("Suivant", { signal_LATENESS: "true" });
    await c.press("Suivant", {});
    await c.press("Voir le récapitulatif", { urgency: "2", outOfSchool: "false" });
    expect(cardText((await c.press("Envoyer la fiche de repérage")).cards.at(-1))).toContain("Fiche de repérage envoyée");
  }

  beforeAll(async () => {
    now = new Date("2027-01-04T09:00:00Z");
    bot = await startTestBot({ clock: () => now, database: kind });
    const k = bot.app.store.db.kysely;
    const school = await k.selectFrom("School").select("id").where("uai", "=", "0690001B").executeTakeFirstOrThrow();
    const id = randomUUID();
    await k
      .insertInto("Member")
      .values({ id, tenantId: DEMO_TENANT_ID, aadObjectId: helene.aadObjectId, displayName: helene.displayName, role: "HEAD", updatedAt: new Date() })
      .execute();
    await k.insertInto("MemberSchool").values({ memberId: id, schoolId: school.id }).execute();
    await installInTeam(bot, sophie);
    for (const p of [claire, karim, sophie, helene]) await bot.say(p, "aide");
    expect((await bot.say(karim, "gpds 12/01/2027 26/01/2027")).texts[0]).toContain("2 dates ajoutées");
    expect((await inGroupChat(karim, "gpds ici"))[0]).toContain("Cette conversation est désormais l'espace GPDS de Lycée Victor-Hugo");
  }, 60_000);
  afterAll(async () => bot?.stop());

  it("walks two 15-year-olds and a 17-year-old from their fiches through the agenda, the decisions and the MLDS", async () => {
    await report("Quinze", "10/10/2011");
    await report("Bernier", "11/11/2011");
    await report("Dixsept", "03/05/2009");
    const [watch, measures, mlds] = [await caseOf("Quinze"), await caseOf("Bernier"), await caseOf("Dixsept")];
    expect([watch.ageAtReport, measures.ageAtReport, mlds.ageAtReport]).toEqual([15, 15, 17]);
    // Reported: the 15-year-olds are the school's alone; the 17-year-old waits for the GPDS (vigilance 2).
    let list = await toDo(sophie);
    for (const c of [watch, measures, mlds]) expect(list).not.toContain(c.reference);
    await drain();

    // Friday 8 January, two school days before the meeting: the agenda in the GPDS group chat.
    now = new Date("2027-01-08T07:30:00Z");
    expect(await bot.app.services.gpds.runAgendas()).toBe(1);
    bot.connector.clear();
    await drain();
    const posts = bot.connector.sent.filter((a) => a.conversationId === GROUP_CHAT);
    expect(posts).toHaveLength(1);
    const agenda = posts[0]!.body.attachments![0]!.content;
    const agendaText = cardText(agenda);
    expect(agendaText).toContain("Ordre du jour du GPDS · Lycée Victor-Hugo");
    for (const c of [watch, measures, mlds]) expect(agendaText).toContain(c.reference);
    expect(JSON.stringify(agenda)).not.toMatch(/Quinze|Bernier|Dixsept|Léa/);
    expect(JSON.stringify(agenda)).toContain(`decision_${watch.id}`);
    // « Orienter vers la MLDS » is offered for the 17-year-old, not for a 15-year-old who will not be
    // 16 before 31 August.
    const choicesOf = (caseId: string): string[] => {
      const found: unknown[] = [];
      const walk = (x: unknown): void => {
        if (Array.isArray(x)) x.forEach(walk);
        else if (x && typeof x === "object") {
          if ((x as { id?: string }).id === `decision_${caseId}`) found.push(x);
          Object.values(x).forEach(walk);
        }
      };
      walk(agenda);
      return ((found[0] as { choices?: { value: string }[] })?.choices ?? []).map((c) => c.value);
    };
    expect(choicesOf(mlds.id)).toEqual(["SCHOOL_MEASURES", "REFER_TO_MLDS", "KEEP_WATCHING", "CLOSE_NO_SUPPORT", "POSTPONE"]);
    expect(choicesOf(watch.id)).toEqual(["SCHOOL_MEASURES", "KEEP_WATCHING", "CLOSE_NO_SUPPORT", "POSTPONE"]);
    expect(agendaText).toContain("Poursuivre la vigilance");
    expect(agendaText).toContain("Clore : pas d'accompagnement nécessaire");
    const meetingId = (await db().gpdsMeeting.findFirstOrThrow({ where: { date: new Date("2027-01-12T00:00:00Z") } })).id;
    list = await toDo(sophie);
    for (const c of [watch, measures, mlds]) expect(list).not.toContain(c.reference);

    // At the meeting on Tuesday 12: a teacher in the group chat cannot decide.
    now = new Date("2027-01-12T16:00:00Z");
    const refused = cardText(await pressInGroupChat(claire, "gpds.decide", { meetingId, [`decision_${watch.id}`]: "KEEP_WATCHING" }));
    expect(refused).toContain("Seuls le référent décrochage et le chef d'établissement enregistrent les décisions du GPDS");
    expect((await caseOf("Quinze")).events.some((e) => e.type === "GPDS_DECISION")).toBe(false);

    // The référent records three decisions and who attended.
    const helenesId = (await db().member.findFirstOrThrow({ where: { aadObjectId: helene.aadObjectId } })).id;
    const karimsId = (await db().member.findFirstOrThrow({ where: { aadObjectId: karim.aadObjectId } })).id;
    bot.connector.clear();
    const decided = await pressInGroupChat(karim, "gpds.decide", {
      meetingId,
      [`decision_${watch.id}`]: "KEEP_WATCHING",
      [`decision_${measures.id}`]: "SCHOOL_MEASURES",
      [`decision_${mlds.id}`]: "REFER_TO_MLDS",
      attendees: `${karimsId},${helenesId}`,
    });
    const decidedText = cardText(decided);
    expect(decidedText).toContain("3 décisions enregistrées.");
    expect(decidedText).toContain("Poursuivre la vigilance · prochain examen le mardi 26 janvier 2027");
    expect(decidedText).toContain("Mesures internes · prochain examen le mardi 26 janvier 2027");
    expect(decidedText).toContain("Orienter vers la MLDS");
    expect(JSON.stringify(decided)).not.toMatch(/Quinze|Bernier|Dixsept|Léa/);
    expect(JSON.stringify(decided)).not.toContain(`decision_${watch.id}`);

    // In the case histories; the review at the next GPDS; the plan open for the school's measures.
    const review = new Date("2027-01-25T23:00:00Z"); // Tuesday 26 January, Paris midnight
    expect(await caseOf("Quinze")).toMatchObject({ status: "ACKNOWLEDGED", nextReviewAt: review, escalatedToMlds: false });
    const withPlan = await caseOf("Bernier");
    expect(withPlan).toMatchObject({ status: "PLAN_ACTIVE", nextReviewAt: review });
    expect(withPlan.plan?.nextReviewAt).toEqual(review);
    const referred = await caseOf("Dixsept");
    expect(referred).toMatchObject({ escalatedToMlds: true, referredAt: now });
    expect(referred.events.find((e) => e.type === "GPDS_DECISION")).toMatchObject({ actorId: karimsId, data: { meetingId, decision: "REFER_TO_MLDS" } });
    const history = cardText(await execute(bot, karim, { conversationId: personalOf(karim), type: "personal" }, "case.history", { caseId: watch.id }));
    expect(history).toContain("Décision du GPDS : Poursuivre la vigilance");

    // The agenda card in the group chat is updated in place.
    await drain();
    const update = bot.connector.sent.find((a) => a.conversationId === GROUP_CHAT && a.method === "PUT");
    const agendaPost = await db().outboxMessage.findFirstOrThrow({ where: { dedupeKey: { startsWith: `gpds-agenda:${meetingId}:` } } });
    expect(agendaPost.resultActivityId).toBeTruthy();
    expect(update?.activityId).toBe(agendaPost.resultActivityId);
    const updated = cardText(update!.body.attachments![0]!.content);
    expect(updated).toContain("Poursuivre la vigilance · prochain examen le mardi 26 janvier 2027");
    expect(updated).not.toMatch(/Quinze|Dixsept/);

    // The coordinators: only the referred 17-year-old, now in « à traiter »; she takes it in charge.
    list = await toDo(sophie);
    expect(list).toContain(mlds.reference);
    expect(list).not.toContain(watch.reference);
    expect(list).not.toContain(measures.reference);
    const version = (await db().case.findUniqueOrThrow({ where: { id: mlds.id } })).version;
    const taken = cardText(await execute(bot, sophie, inNord, "case.takeCharge", { caseId: mlds.id, version }));
    expect(taken).toContain("Dossier pris en charge par Sophie Laurent.");
    list = await toDo(sophie);
    for (const c of [watch, measures]) expect(list).not.toContain(c.reference);

    // The chef d'établissement closes the séance: the summary goes out.
    bot.connector.clear();
    const closed = cardText(await pressInGroupChat(helene, "gpds.close", { meetingId, attendees: `${karimsId},${helenesId}` }));
    expect(closed).toContain("Séance close");
    await drain();
    const summaryIn = (conversationId: string) =>
      bot.connector.sent
        .filter((a) => a.conversationId === conversationId && a.method === "POST")
        .flatMap((a) => (a.body.attachments ?? []).map((x) => cardText(x.content)))
        .find((t) => t.includes("Compte rendu du GPDS"));
    const inSpace = summaryIn(GROUP_CHAT);
    expect(inSpace).toContain(`${mlds.reference}`);
    expect(inSpace).toContain("L. D. · Orienter vers la MLDS");
    expect(inSpace).toContain("Présents : Hélène Proviseure, Karim Benali");
    expect(inSpace).not.toMatch(/Quinze|Dixsept/);
    const forKarim = summaryIn(personalOf(karim));
    expect(forKarim).toContain("Léa Dixsept · Orienter vers la MLDS");
    expect(forKarim).toContain("Léa Quinze · Poursuivre la vigilance");
    expect(summaryIn(personalOf(helene))).toContain("Léa Bernier · Mesures internes");
    // From there, the Parcours de suivi opened for the school's measures.
    const planButton = bot.connector.sent
      .filter((a) => a.conversationId === personalOf(karim))
      .flatMap((a) => (a.body.attachments ?? []).map((x) => JSON.stringify(x.content)))
      .find((c) => c.includes("Compte rendu du GPDS"));
    expect(planButton).toContain(`"verb":"plan.view","data":{"caseId":"${measures.id}"}`);
    const plan = cardText(await execute(bot, karim, { conversationId: personalOf(karim), type: "personal" }, "plan.view", { caseId: measures.id }));
    expect(plan).toContain(measures.reference);
    // Not to the teacher, nor to the coordinator.
    expect(summaryIn(personalOf(claire))).toBeUndefined();
    expect(summaryIn(personalOf(sophie))).toBeUndefined();

    // Closed: no more decisions from the card.
    const late = cardText(await pressInGroupChat(karim, "gpds.decide", { meetingId }));
    expect(late).toContain("La séance est close");
  });

  it("answers in English", async () => {
    const meetingId = (await db().gpdsMeeting.findFirstOrThrow({ where: { date: new Date("2027-01-12T00:00:00Z") } })).id;
    const activity = invokeActivity(bot.connector.url, karim, { conversationId: personalOf(karim), type: "personal" }, "gpds.decide", { meetingId }, "en-GB");
    const res = await bot.post(activity);
    const text = cardText(((await res.json()) as { value: unknown }).value);
    expect(text).toContain("The meeting is closed: its decisions no longer change.");
    expect(text).toContain("Keep watching · next review on Tuesday, 26 January 2027");
  });
});
