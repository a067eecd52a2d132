import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardText, execute, person, startTestBot, type TestBot } from "../helpers/bot-harness.js";
import { findAction } from "../helpers/cards.js";

/** Someone unknown asks to join from Teams; the school's référent approves with the card. */
describe("self-enrolment in Teams", () => {
  let bot: TestBot;
  const karim = person("Karim Benali");
  const lea = { aadObjectId: "00000000-0000-4000-8000-00000000e001", displayName: "Léa Candidate", email: "", role: "STAFF" as const };
  const personal = (p: { aadObjectId: string }) => ({ conversationId: `a:personal-${p.aadObjectId}`, type: "personal" as const });

  beforeAll(async () => {
    bot = await startTestBot();
    await bot.say(karim, "aide"); // Karim's personal chat is known: his card can reach him
  });
  afterAll(async () => bot?.stop());

  it("lets an unknown person find their school, give their function and ask; the référent approves; the person is told", async () => {
    const unknown = await bot.say(lea, "signaler");
    expect(findAction(unknown.cards[0], (a) => a.title === "Demander mon inscription")).toBeTruthy();

    const form = await bot.submit(lea, { action: "enrol.search", query: "victor hugo" });
    const text = cardText(form.cards[0]);
    expect(text).toContain("Lycée Victor-Hugo · Villefranche · 0690001B");
    const schoolId = form.cards[0].body.find((b: any) => b.id === "schoolId").choices[0].value;

    const wrong = await bot.submit(lea, { action: "enrol.request", query: "victor hugo", schoolId, function: "Jardinier" });
    expect(cardText(wrong.cards[0])).toContain("Repère ne connaît pas la fonction « Jardinier »");

    bot.connector.members.set(`29:${lea.aadObjectId}`, {
      id: `29:${lea.aadObjectId}`,
      userPrincipalName: "lea.candidate@demo.repere.fr",
      email: "lea.candidate@demo.repere.fr",
    });
    const sent = await bot.submit(lea, { action: "enrol.request", query: "victor hugo", schoolId, function: "Professeure de lettres" });
    expect(sent.texts).toEqual([
      "Votre demande d'inscription (Enseignant ou autre personnel, Lycée Victor-Hugo (0690001B)) est transmise à 1 personne(s) qui peuvent la valider. Repère vous écrira ici dès qu'elle sera traitée.",
    ]);
    // Still unknown until approved: nothing about pupils.
    expect(cardText((await bot.say(lea, "signaler")).cards[0])).toContain("Vous n'êtes pas encore inscrit(e) dans Repère");
    expect((await bot.say(lea, "inscription")).texts[0]).toContain("attend la validation de votre établissement");

    bot.connector.clear();
    await bot.app.outbox.drainOnce();
    const asked = bot.connector.sent.find((a) => a.conversationId === personal(karim).conversationId)!;
    const card = asked.body.attachments![0]!.content;
    expect(cardText(card)).toContain("Léa Candidate demande à rejoindre Repère");
    expect(cardText(card)).toContain("lea.candidate@demo.repere.fr");
    const approve = findAction(card, (a) => a.title === "Valider");
    const after = await execute(bot, karim, personal(karim), approve.verb, approve.data);
    expect(cardText(after)).toContain("Validée par Karim Benali");
    expect(findAction(after, (a) => a.title === "Valider")).toBeNull();

    bot.connector.clear();
    await bot.app.outbox.drainOnce();
    expect(bot.connector.texts()).toEqual([
      expect.stringContaining("Votre inscription dans Repère est validée par Karim Benali : Enseignant ou autre personnel, Lycée Victor-Hugo (0690001B)."),
    ]);
    const help = await bot.say(lea, "aide");
    expect(cardText(help.cards[0])).toContain("Aide de Repère");
    const member = await bot.app.store.db.kysely
      .selectFrom("Member")
      .select(["role", "email", "function"])
      .where("aadObjectId", "=", lea.aadObjectId)
      .executeTakeFirstOrThrow();
    expect(member).toEqual({ role: "STAFF", email: "lea.candidate@demo.repere.fr", function: "Professeure de lettres" });
  });

  it("lets a coordinator ask for their bassin without a school; the académie's admin approves", async () => {
    const nathalie = person("Nathalie Roux");
    await bot.say(nathalie, "aide");
    const noe = { aadObjectId: "00000000-0000-4000-8000-00000000e002", displayName: "Noé Coordinateur", email: "", role: "COORDINATOR" as const };

    // No school to search for: the function and the bassin are enough; a missing or unknown bassin is said.
    const missing = await bot.submit(noe, { action: "enrol.request", query: "", schoolId: "", function: "Coordonnateur MLDS", place: "" });
    expect(cardText(missing.cards[0])).toContain("La fonction « Coordonnateur MLDS » s'exerce dans un bassin : indiquez le code de votre bassin");
    const unknown = await bot.submit(noe, { action: "enrol.request", function: "Coordonnateur MLDS", place: "EST" });
    expect(cardText(unknown.cards[0])).toContain("Repère ne connaît pas ce bassin");
    const sent = await bot.submit(noe, { action: "enrol.request", function: "Coordonnateur MLDS", place: "nord" });
    expect(sent.texts[0]).toContain("(Coordonnateur MLDS, Bassin Nord) est transmise à 1 personne(s)");

    bot.connector.clear();
    await bot.app.outbox.drainOnce();
    const asked = bot.connector.sent.find((a) => a.conversationId === personal(nathalie).conversationId)!;
    const card = asked.body.attachments![0]!.content;
    expect(cardText(card)).toContain("Bassin Nord");
    const approve = findAction(card, (a) => a.title === "Valider");
    expect(cardText(await execute(bot, nathalie, personal(nathalie), approve.verb, approve.data))).toContain("Validée par Nathalie Roux");

    const member = await bot.app.store.db.kysely
      .selectFrom("Member as m")
      .innerJoin("District as d", "d.id", "m.districtId")
      .select(["m.role", "d.code"])
      .where("m.aadObjectId", "=", noe.aadObjectId)
      .executeTakeFirstOrThrow();
    expect(member).toEqual({ role: "COORDINATOR", code: "NORD" });
  });

  it("lets a DSDEN officer ask for their département, written as they like", async () => {
    const ana = { aadObjectId: "00000000-0000-4000-8000-00000000e003", displayName: "Ana Services", email: "", role: "DSDEN" as const };
    const bad = await bot.submit(ana, { action: "enrol.request", function: "IA-DASEN", place: "Rhône" });
    expect(cardText(bad.cards[0])).toContain("indiquez le code du département (ex. 069)");
    const sent = await bot.submit(ana, { action: "enrol.request", function: "IA-DASEN", place: "69" });
    expect(sent.texts[0]).toContain("Département 069");
  });
});
