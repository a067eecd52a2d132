import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardText, execute, person, startTestBot, type TestBot } from "../helpers/bot-harness.js";
import { Conversation } from "../helpers/conversation.js";

/** When a turn fails, the person is told what is true: in a report, the step they sent was not
 *  recorded (the dialog state is saved only at the end of a turn that succeeds), the earlier ones
 *  are; elsewhere, only that something went wrong. */

const claire = person("Claire Martin");
const sophie = person("Sophie Laurent");
const YEAR = new Date().getFullYear();

describe("what a person is told when a turn fails", () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot();
  });
  afterAll(async () => bot?.stop());

  it("in a report, says that this step was not saved, and the step can be sent again", async () => {
    const c = new Conversation(bot, claire);
    await c.say("signaler");
    const pupilCard = c.lastCard;
    const reports = bot.app.services.reports;
    const findOpenCase = reports.findOpenCase.bind(reports);
    reports.findOpenCase = async () => {
      throw new Error("simulated failure");
    };
    let failed;
    try {
      failed = await c.press("Suivant", { lastName: "Panne", firstName: "Léo", className: "2nde 4", birthDate: `01/01/${YEAR - 16}` });
    } finally {
      reports.findOpenCase = findOpenCase;
    }
    const told = failed.texts.join("\n");
    expect(told).toContain("cette étape de la fiche de repérage n'a pas été enregistrée");
    expect(told).not.toContain("Votre saisie est conservée");
    // The step is still the pupil's: sending the same card again goes on to the signals.
    const again = await c.press("Suivant", { lastName: "Panne", firstName: "Léo", className: "2nde 4", birthDate: `01/01/${YEAR - 16}` }, pupilCard);
    expect(again.texts.join("\n")).not.toMatch(/erreur/i);
    expect(cardText(c.lastCard)).toContain("Signaux observés");
  });

  it("when sending the report fails after it was recorded, says to send it again, which records it once", async () => {
    const c = new Conversation(bot, claire);
    await c.say("annuler"); // the report of the test above
    await c.say("signaler");
    await c.press("Suivant", { lastName: "Envoi", firstName: "Léo", className: "2nde 4", birthDate: `01/01/${YEAR - 16}` });
    await c.press("Suivant", { signal_LATENESS: "true" });
    await c.press("Suivant"); // no note
    await c.press("Voir le récapitulatif", { urgency: "2" });
    const summary = c.lastCard;
    const reports = bot.app.services.reports;
    const submit = reports.submit.bind(reports);
    reports.submit = async (...args: Parameters<typeof submit>) => {
      await submit(...args);
      throw new Error("simulated failure after the report was recorded");
    };
    let failed;
    try {
      failed = await c.press("Envoyer la fiche de repérage", {}, summary);
    } finally {
      reports.submit = submit;
    }
    expect(failed.texts.join("\n")).toContain("Appuyez à nouveau sur « Envoyer la fiche de repérage »");
    expect(failed.texts.join("\n")).not.toContain("n'a pas été enregistrée");
    const again = await c.press("Envoyer la fiche de repérage", {}, summary);
    expect(cardText(again.cards[0])).toMatch(/D-\d{4}-\d{4}/);
    expect(await bot.app.store.db.prisma.pupil.count({ where: { lastName: "Envoi" } })).toBe(1);
    expect(await bot.app.store.db.prisma.report.count({ where: { case: { pupil: { lastName: "Envoi" } } } })).toBe(1);
  });

  it("outside a report, does not claim that anything was kept", async () => {
    await bot.say(sophie, "aide");
    const queries = bot.app.services.queries;
    const toDo = queries.toDo.bind(queries);
    queries.toDo = async () => {
      throw new Error("simulated failure");
    };
    try {
      const r = await bot.say(sophie, "à traiter");
      expect(r.texts.join("\n")).toMatch(/erreur/);
      expect(r.texts.join("\n")).not.toMatch(/conservée|enregistrée/);
    } finally {
      queries.toDo = toDo;
    }
    const triage = bot.app.services.triage;
    const systemView = triage.systemView.bind(triage);
    triage.systemView = async () => {
      throw new Error("simulated failure");
    };
    try {
      const card = await execute(bot, sophie, { conversationId: `a:personal-${sophie.aadObjectId}`, type: "personal" }, "case.refresh", {
        caseId: "00000000-0000-4000-8000-000000000000",
      });
      expect(cardText(card)).toMatch(/erreur/);
      expect(cardText(card)).not.toMatch(/conservée/);
    } finally {
      triage.systemView = systemView;
    }
  });
});
