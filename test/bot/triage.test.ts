import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import type { Actor } from "../../src/services/index.js";
import { cardText, execute, invokeActivity, person, startTestBot, type Person, type TestBot, installInTeam } from "../helpers/bot-harness.js";
import { Conversation, inputValues } from "../helpers/conversation.js";
import { findAction } from "../helpers/cards.js";

const claire = person("Claire Martin"); // teacher, Lycée Victor-Hugo (Bassin Nord)
const karim = person("Karim Benali"); // référent, Lycée Victor-Hugo
const sophie = person("Sophie Laurent"); // coordinator, Bassin Nord
const marc = person("Marc Petit"); // coordinator, Bassin Sud
const NORD = DEMO_CHANNELS[0].channelId;
const YEAR = new Date().getFullYear();
const inNord = { conversationId: NORD, type: "channel" as const, teamId: DEMO_CHANNELS[0].teamId };
const personalOf = (p: Person) => ({ conversationId: `a:personal-${p.aadObjectId}`, type: "personal" as const });

describe("routing a new case and triage from its card", () => {
  let bot: TestBot;
  let counter = 0;
  const prisma = () => bot.app.store.db.prisma;
  const actorOf = async (p: Person) => (await bot.app.services.members.identify(DEMO_TENANT_ID, p.aadObjectId)) as Actor;

  async function report(lastName: string, birthYear: number, birthDate?: string): Promise<{ caseId: string; reference: string }> {
    const claireActor = await actorOf(claire);
    const [school] = await bot.app.services.reports.reportingSchools(claireActor);
    const outcome = await bot.app.services.reports.submit(
      claireActor,
      {
        pupil: { lastName, firstName: "Léa", className: "1re 4", schoolId: school!.id, birthYear, ...(birthDate ? { birthDate } : {}) },
        signals: { signals: [{ code: "LATENESS", note: "Arrive en retard tous les matins" }, { code: "NO_PLAN" }] },
        steps: { stepsTaken: ["FAMILY_CONTACTED"], urgency: 2, observations: "Dit vouloir arrêter" },
      },
      `key-${++counter}-${lastName}`,
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    return { caseId: outcome.recorded.caseId, reference: outcome.recorded.reference };
  }
  const outboxOf = (caseId: string) => prisma().outboxMessage.findMany({ where: { caseId }, orderBy: { createdAt: "asc" } });
  const version = async (caseId: string) => (await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).version;

  beforeAll(async () => {
    bot = await startTestBot();
    // These tests are about triage from the cards: the coordinators of the bassins act on the 16+ at
    // once (the bassin's setting and the GPDS's referral: test/bot/gpds-process.test.ts).
    await bot.app.store.db.kysely.updateTable("District").set({ mldsAccess: "IMMEDIATE" }).execute();
    // The bot is installed in the coordinators' team and knows the people's personal chats.
    await installInTeam(bot, sophie);
    for (const p of [claire, karim, sophie, marc]) await bot.say(p, "aide");
  });
  afterAll(async () => bot?.stop());

  it("routes a case of a pupil of 16 or over to the district's channel and to the school's référent", async () => {
    const { caseId } = await report("Routage", YEAR - 17);
    const sends = await outboxOf(caseId);
    expect(sends.map((s) => s.conversationId).sort()).toEqual([NORD, `a:personal-${karim.aadObjectId}`].sort());
    expect(sends.every((s) => s.kind === "post" && s.status === "PENDING")).toBe(true);
  });

  it("keeps a pupil under 16 with the school's référent, away from the MLDS channel", async () => {
    const { caseId } = await report("Jeune", YEAR - 14);
    const sends = await outboxOf(caseId);
    expect(sends.map((s) => s.conversationId)).toEqual([`a:personal-${karim.aadObjectId}`]);
  });

  it("lets a coordinator take the case in charge from the channel card, which updates in place", async () => {
    const { caseId, reference } = await report("Prise", YEAR - 17);
    const card = await execute(bot, sophie, inNord, "case.takeCharge", { caseId, version: await version(caseId) });
    const text = cardText(card);
    expect(text).toContain(reference);
    expect(text).toContain("Pris en charge");
    expect(text).toContain("Dossier pris en charge par Sophie Laurent.");
    expect(JSON.stringify(card)).not.toContain("Prise"); // no full name in a channel
    const c = await prisma().case.findUniqueOrThrow({ where: { id: caseId }, include: { events: true } });
    expect(c.status).toBe("ACKNOWLEDGED");
    expect(c.events.map((e) => e.type)).toContain("TAKEN_IN_CHARGE");
    const sends = await outboxOf(caseId);
    expect(sends.find((s) => s.conversationId === `a:personal-${claire.aadObjectId}`)?.payload).toMatchObject({
      render: { view: "reporterNotice", notice: "TAKEN_IN_CHARGE" },
    });
  });

  it("applies an invoke that Teams delivers twice (same activity id) only once", async () => {
    const { caseId } = await report("Rejeu", YEAR - 17);
    const activity = invokeActivity(bot.connector.url, sophie, inNord, "case.requestInfo", {
      caseId,
      version: await version(caseId),
      question: "Des absences ?",
    });
    const first = (await (await bot.post(activity)).json()) as { value: unknown };
    const again = (await (await bot.post(activity)).json()) as { value: unknown };
    expect(cardText(first.value)).toContain("Question envoyée à l'auteur de la fiche.");
    expect(cardText(again.value)).toContain("Informations demandées"); // the current state, nothing applied
    expect(cardText(again.value)).not.toContain("changé entre-temps");
    expect(await prisma().caseEvent.count({ where: { caseId, type: "INFO_REQUESTED" } })).toBe(1);
  });

  it("refuses a coordinator of another district, changing nothing", async () => {
    const { caseId } = await report("Refus", YEAR - 17);
    const v = await version(caseId);
    const card = await execute(bot, marc, personalOf(marc), "case.takeCharge", { caseId, version: v });
    expect(cardText(card)).toContain("Action refusée");
    expect(JSON.stringify(card)).not.toContain("Refus");
    const c = await prisma().case.findUniqueOrThrow({ where: { id: caseId } });
    expect(c).toMatchObject({ status: "NEW", version: v, assigneeId: null });
  });

  it("tells the second of two people acting at once that the case changed, and shows its state", async () => {
    const { caseId } = await report("Concurrence", YEAR - 17);
    const v = await version(caseId);
    const first = await execute(bot, sophie, inNord, "case.takeCharge", { caseId, version: v });
    const second = await execute(bot, karim, personalOf(karim), "case.takeCharge", { caseId, version: v });
    expect(cardText(first)).toContain("Dossier pris en charge par Sophie Laurent.");
    expect(cardText(second)).toContain("Ce dossier a changé entre-temps");
    expect(cardText(second)).toContain("Sophie Laurent"); // the current state
    const c = await prisma().case.findUniqueOrThrow({ where: { id: caseId }, include: { events: true } });
    expect(c.events.filter((e) => e.type === "TAKEN_IN_CHARGE")).toHaveLength(1);
  });

  it("assigns to a coordinator of the district, and refuses anyone else", async () => {
    const { caseId } = await report("Assigne", YEAR - 17);
    const coordinator = await prisma().member.findFirstOrThrow({ where: { aadObjectId: sophie.aadObjectId } });
    const outsider = await prisma().member.findFirstOrThrow({ where: { aadObjectId: marc.aadObjectId } });
    const refused = await execute(bot, karim, personalOf(karim), "case.assign", { caseId, version: await version(caseId), assigneeId: outsider.id });
    expect(cardText(refused)).toContain("Choisissez une personne dans la liste.");
    const card = await execute(bot, karim, personalOf(karim), "case.assign", { caseId, version: await version(caseId), assigneeId: coordinator.id });
    expect(cardText(card)).toContain("Dossier assigné à Sophie Laurent.");
    expect((await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).assigneeId).toBe(coordinator.id);
    // The card that replaces the clicked one still offers the same people to assign it to.
    const choices = (node: unknown): string[] => {
      if (Array.isArray(node)) return node.flatMap(choices);
      if (!node || typeof node !== "object") return [];
      const o = node as { type?: unknown; id?: unknown; choices?: { value: string }[] };
      if (o.type === "Input.ChoiceSet" && o.id === "assigneeId") return (o.choices ?? []).map((c) => c.value);
      return Object.values(node).flatMap(choices);
    };
    const referent = await prisma().member.findFirstOrThrow({ where: { aadObjectId: karim.aadObjectId } });
    expect(choices(card).sort()).toEqual([coordinator.id, referent.id].sort());
  });

  it("asks the reporter for information; the answer is added and the card shows it was received", async () => {
    const { caseId } = await report("Question", YEAR - 17);
    const asked = await execute(bot, sophie, inNord, "case.requestInfo", { caseId, version: await version(caseId), question: "Depuis quand les retards ?" });
    expect(cardText(asked)).toContain("Informations demandées");
    expect(
      (await outboxOf(caseId)).some((s) => (s.payload as any).render?.notice === "INFO_REQUEST" && s.conversationId === `a:personal-${claire.aadObjectId}`),
    ).toBe(true);

    const intruder = await execute(bot, karim, personalOf(karim), "case.answerInfo", { caseId, answer: "Je ne suis pas le signalant" });
    expect(cardText(intruder)).toContain("Action refusée");
    const thanks = await execute(bot, claire, personalOf(claire), "case.answerInfo", { caseId, answer: "Depuis la rentrée de novembre." });
    expect(cardText(thanks)).toContain("Réponse envoyée");
    const c = await prisma().case.findUniqueOrThrow({ where: { id: caseId }, include: { events: true } });
    expect(c.status).toBe("ACKNOWLEDGED");
    expect(c.events.find((e) => e.type === "INFO_ANSWERED")?.data).toMatchObject({ answer: "Depuis la rentrée de novembre." });
    const refreshed = await execute(bot, sophie, inNord, "case.refresh", { caseId });
    expect(cardText(refreshed)).toContain("Réponse reçue");
  });

  it("shows the question asked and the answer given in the details and the history, to those who may see details, never on the channel card", async () => {
    const nathalie = person("Nathalie Roux"); // académie admin: history, no details
    const { caseId } = await report("Echange", YEAR - 17);
    await execute(bot, sophie, inNord, "case.requestInfo", { caseId, version: await version(caseId), question: "Depuis quand les retards ?" });
    const before = cardText(await execute(bot, sophie, personalOf(sophie), "case.details", { caseId }));
    expect(before).toContain("Demande d'informations");
    expect(before).toContain("Depuis quand les retards ?");
    expect(before).toContain("Pas encore de réponse");
    await execute(bot, claire, personalOf(claire), "case.answerInfo", { caseId, answer: "Depuis la rentrée de novembre." });

    const details = cardText(await execute(bot, sophie, personalOf(sophie), "case.details", { caseId }));
    expect(details).toMatch(/Question de Sophie Laurent, le .*\nDepuis quand les retards \?/);
    expect(details).toMatch(/Réponse de Claire Martin, le .*\nDepuis la rentrée de novembre\./);
    const history = cardText(await execute(bot, sophie, personalOf(sophie), "case.history", { caseId }));
    expect(history).toContain("Informations demandées (Sophie Laurent)\n« Depuis quand les retards ? »");
    expect(history).toContain("Réponse de l'auteur de la fiche (Claire Martin)\n« Depuis la rentrée de novembre. »");

    const channelCard = JSON.stringify(await execute(bot, sophie, inNord, "case.refresh", { caseId }));
    expect(channelCard).not.toContain("Depuis");
    const adminHistory = JSON.stringify(await execute(bot, nathalie, personalOf(nathalie), "case.history", { caseId }));
    expect(adminHistory).toContain("Réponse de l'auteur de la fiche");
    expect(adminHistory).not.toContain("Depuis");
  });

  it("gives the reporter's too long answer back with a clear message, instead of losing it", async () => {
    const { caseId } = await report("Longue", YEAR - 17);
    await execute(bot, sophie, inNord, "case.requestInfo", { caseId, version: await version(caseId), question: "Que s'est-il passé lundi ?" });
    const long = "Il est arrivé à 10 h. ".repeat(30).trim();
    const card = await execute(bot, claire, personalOf(claire), "case.answerInfo", { caseId, answer: long });
    const text = cardText(card);
    expect(text).toContain("Que s'est-il passé lundi ?");
    expect(text).toContain(`500 caractères au plus : ce texte en compte ${long.length}. Raccourcissez-le.`);
    expect(inputValues(card).answer).toBe(long);
    expect(await prisma().caseEvent.count({ where: { caseId, type: "INFO_ANSWERED" } })).toBe(0);
  });

  it("closes without follow-up only with a reason", async () => {
    const { caseId } = await report("Classement", YEAR - 17);
    const noReason = await execute(bot, sophie, inNord, "case.dismiss", { caseId, version: await version(caseId), reason: "  " });
    expect(cardText(noReason)).toContain("Le motif est obligatoire");
    const done = await execute(bot, sophie, inNord, "case.dismiss", { caseId, version: await version(caseId), reason: "Situation réglée avec la famille" });
    expect(cardText(done)).toContain("Dossier clos : pas d'accompagnement nécessaire.");
    expect((await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe("CLOSED");
  });

  it("lets the référent refer to the MLDS a 15-year-old turning 16 this school year, who then reaches the district's channel", async () => {
    const { caseId } = await report("Escalade", YEAR - 16, `${YEAR - 16}-12-31`);
    const hidden = await execute(bot, sophie, personalOf(sophie), "case.details", { caseId });
    expect(cardText(hidden)).toContain("Action refusée");
    const card = await execute(bot, karim, personalOf(karim), "case.escalate", { caseId, version: await version(caseId) });
    expect(cardText(card)).toContain("Orientation vers la MLDS enregistrée (décision du GPDS).");
    expect((await outboxOf(caseId)).map((s) => s.conversationId)).toContain(NORD);
    const details = await execute(bot, sophie, personalOf(sophie), "case.details", { caseId });
    expect(cardText(details)).toContain("Léa Escalade");
  });

  it("shows the details only to authorised people, and records who looked", async () => {
    const { caseId } = await report("Detail", YEAR - 17);
    // In personal chat; clicked in a channel they are sent there too (test/bot/channel-scope.test.ts).
    const card = await execute(bot, sophie, personalOf(sophie), "case.details", { caseId });
    const text = cardText(card);
    expect(text).toContain("Léa Detail");
    expect(text).toContain("Arrive en retard tous les matins");
    expect(text).toContain("Dit vouloir arrêter");
    const events = await prisma().caseEvent.findMany({ where: { caseId, type: "DETAILS_VIEWED" } });
    expect(events).toHaveLength(1);
    const refused = await execute(bot, marc, personalOf(marc), "case.details", { caseId });
    expect(cardText(refused)).not.toContain("Detail");
  });

  it("posts the card as a new thread in the channel without the pupil's name, then updates it in place", async () => {
    while ((await bot.app.outbox.drainOnce()).claimed > 0); // what earlier tests queued
    const { caseId, reference } = await report("Minimisation", YEAR - 17);
    bot.connector.clear();
    await bot.app.outbox.drainOnce();
    const channelPost = bot.connector.sent.find((a) => a.conversationId === NORD)!;
    expect(channelPost.method).toBe("POST");
    expect(channelPost.path).toBe(`/v3/conversations/${NORD}/activities`); // a new thread, not a reply
    const channelJson = JSON.stringify(channelPost.body);
    expect(channelJson).toContain(reference);
    expect(channelJson).toContain("L. M."); // initials
    for (const secret of ["Minimisation", String(YEAR - 17), "Arrive en retard", "Dit vouloir arrêter"]) expect(channelJson).not.toContain(secret);
    const toKarim = bot.connector.sent.find((a) => a.conversationId === `a:personal-${karim.aadObjectId}`)!;
    expect(JSON.stringify(toKarim.body)).toContain("Léa Minimisation"); // the référent, in private
    const posted = await prisma().channelPost.findFirstOrThrow({ where: { caseId, conversationId: NORD } });

    await execute(bot, sophie, inNord, "case.takeCharge", { caseId, version: await version(caseId) });
    bot.connector.clear();
    await bot.app.outbox.drainOnce();
    const update = bot.connector.sent.find((a) => a.method === "PUT" && a.conversationId === NORD)!;
    expect(update.activityId).toBe(posted.activityId);
    expect(cardText(update.body.attachments![0]!.content)).toContain("Pris en charge");
    expect(JSON.stringify(update.body)).not.toContain("Minimisation");
    const notice = bot.connector.sent.find((a) => a.conversationId === `a:personal-${claire.aadObjectId}`)!;
    expect(notice.body.text).toBe(`Votre fiche de repérage ${reference} a été prise en charge par Sophie Laurent. Merci.`);
    expect((await prisma().outboxMessage.findMany({ where: { caseId } })).every((m) => m.status === "SENT")).toBe(true);

    // The teacher's notice stays a notice: the next change updates the case cards only.
    await execute(bot, sophie, inNord, "case.openPlan", { caseId, version: await version(caseId) });
    bot.connector.clear();
    await bot.app.outbox.drainOnce();
    expect(
      bot.connector.sent
        .filter((a) => a.method === "PUT")
        .map((a) => a.conversationId)
        .sort(),
    ).toEqual([`a:personal-${karim.aadObjectId}`, NORD].sort());
    expect(bot.connector.sent.some((a) => a.conversationId === `a:personal-${claire.aadObjectId}`)).toBe(false);

    // Working on the plan from the channel card leaves the posted cards alone (the status did not
    // change), so the coordinator's plan card is not replaced under their eyes.
    const added = await execute(bot, sophie, inNord, "plan.addAction", {
      caseId,
      version: await version(caseId),
      form: "new",
      type__new: "PUPIL_FAMILY_INTERVIEW",
      description__new: "Entretien",
    });
    expect(cardText(added)).toContain("Action ajoutée.");
    bot.connector.clear();
    await bot.app.outbox.drainOnce();
    expect(bot.connector.sent).toEqual([]);
  });

  it("a second report that joins the open case updates its cards, tells who follows it, and tells the reporter what happened", async () => {
    while ((await bot.app.outbox.drainOnce()).claimed > 0); // what earlier tests queued
    const pupil = { lastName: "Rejoint", firstName: "Léa", className: "1re 4", birthDate: `01/01/${YEAR - 17}` };
    /** Claire reports the pupil through the dialog; returns the confirmation card's text. */
    const claireReports = async (signal: string, urgency: string, attach: boolean): Promise<string> => {
      const c = new Conversation(bot, claire);
      await c.say("signaler");
      await c.press("Suivant", pupil);
      if (attach) await c.press(cardText(c.lastCard).match(/Ajouter au dossier D-\d{4}-\d{4}/)![0]);
      await c.press("Suivant", { [`signal_${signal}`]: "true" });
      await c.press("Suivant");
      await c.press("Voir le récapitulatif", { urgency });
      await c.press("Envoyer la fiche de repérage");
      return cardText(c.lastCard);
    };
    const takeChargeVersion = (card: unknown): number =>
      Number(JSON.stringify(card).match(/"verb":"case.takeCharge","style":"positive","data":\{"caseId":"[^"]+","version":"?(\d+)/)![1]);

    const first = await claireReports("LATENESS", "2", false);
    const reference = /D-\d{4}-\d{4}/.exec(first)![0];
    const caseId = (await prisma().case.findUniqueOrThrow({ where: { reference } })).id;
    await bot.app.outbox.drainOnce();
    const posted = bot.connector.sent.filter((a) => a.conversationId === NORD).at(-1)!;
    expect(cardText(posted.body.attachments![0]!.content)).toMatch(/Signaux\nAssiduité\nVigilance\nVigilance 2/);

    // A second report of the same pupil, with another family of signals and a higher concern.
    bot.connector.clear();
    const second = await claireReports("WORK_NOT_DONE", "3", true);
    expect(second).toContain(
      `Votre fiche de repérage a été ajoutée au dossier ${reference}, qui n'est pas encore pris en charge : la personne qui le prendra en charge verra vos signaux avec les précédents.`,
    );
    expect(second).not.toContain("est prévenu"); // nobody was told anything new
    await bot.app.outbox.drainOnce();
    const update = bot.connector.sent.find((a) => a.method === "PUT" && a.conversationId === NORD);
    expect(update, "the channel card is updated in place").toBeDefined();
    const updated = update!.body.attachments![0]!.content;
    expect(cardText(updated)).toMatch(/Signaux\nAssiduité, Investissement\nVigilance\nVigilance 3/);
    expect(JSON.stringify(updated)).not.toContain("Rejoint");
    expect(bot.connector.sent.some((a) => a.method === "PUT" && a.conversationId === `a:personal-${karim.aadObjectId}`)).toBe(true);

    // The coordinator acts on the card as it now stands (her own view of it, which Teams asks for
    // when the shared card changes): not refused as « changed meanwhile ».
    expect(updated.refresh.userIds).toContain(`29:${sophie.aadObjectId}`);
    const hers = await execute(bot, sophie, inNord, "case.refresh", updated.refresh.action.data);
    const taken = await execute(bot, sophie, inNord, "case.takeCharge", { caseId, version: takeChargeVersion(hers) });
    expect(cardText(taken)).toContain("Dossier pris en charge par Sophie Laurent.");

    // A third report, now that Sophie follows the case: she is told in her personal chat.
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    bot.connector.clear();
    const third = await claireReports("INCIDENTS", "3", true);
    expect(third).toContain(`Votre fiche de repérage a été ajoutée au dossier ${reference}, suivi par Sophie Laurent, qui en est informé(e).`);
    await bot.app.outbox.drainOnce();
    const toSophie = bot.connector.sent.filter((a) => a.conversationId === `a:personal-${sophie.aadObjectId}` && a.method === "POST");
    expect(toSophie.map((a) => a.body.text)).toEqual([
      `Nouvelle fiche de repérage de Claire Martin ajoutée au dossier ${reference}, que vous suivez : Comportement, vigilance 3.`,
    ]);
    const channelUpdate = bot.connector.sent.find((a) => a.method === "PUT" && a.conversationId === NORD)!;
    expect(cardText(channelUpdate.body.attachments![0]!.content)).toContain("Assiduité, Investissement, Comportement");
    const events = await prisma().caseEvent.findMany({ where: { caseId, type: "REPORT_ADDED" } });
    expect(events).toHaveLength(2);
  });

  it("refuses forged invokes: unknown verb, malformed case id, a teacher triaging", async () => {
    const { caseId } = await report("Forge", YEAR - 17);
    const v = await version(caseId);
    expect(cardText(await execute(bot, sophie, inNord, "case.deleteEverything", { caseId, version: v }))).toContain("Cette carte n'est pas valide");
    expect(cardText(await execute(bot, sophie, inNord, "case.takeCharge", { caseId: "../../etc", version: v }))).toContain("Cette carte n'est pas valide");
    expect(cardText(await execute(bot, claire, personalOf(claire), "case.takeCharge", { caseId, version: v }))).toContain("Action refusée");
    expect((await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).version).toBe(v);
  });

  it("offers « Rouvrir le dossier » on a closed case's card to its référent only, and reopens it from there", async () => {
    const { caseId } = await report("Rouvrir", YEAR - 14);
    const dismissed = await execute(bot, karim, personalOf(karim), "case.dismiss", { caseId, version: await version(caseId), reason: "Situation réglée" });
    expect(cardText(dismissed)).toContain("Rouvrir le dossier");
    expect(findAction(dismissed, (a) => a.verb === "case.reopen")).toBeTruthy();
    // The teacher who reported it sees her status card, never a way to reopen it.
    const teacherView = await execute(bot, claire, personalOf(claire), "case.reopen", { caseId, version: await version(caseId), reason: "Je voudrais" });
    expect(cardText(teacherView)).toContain("Action refusée");
    const empty = await execute(bot, karim, personalOf(karim), "case.reopen", { caseId, version: await version(caseId), reason: "" });
    expect(cardText(empty)).toContain("Le motif est obligatoire");
    const reopened = await execute(bot, karim, personalOf(karim), "case.reopen", { caseId, version: await version(caseId), reason: "Les absences reprennent" });
    expect(cardText(reopened)).toContain("Dossier rouvert");
    expect(findAction(reopened, (a) => a.verb === "case.reopen")).toBeNull();
    expect((await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe("ACKNOWLEDGED");
  });
});
