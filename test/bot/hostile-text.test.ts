import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/services/index.js";
import { DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { cardText, execute, person, personalMessage, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";
import { Conversation } from "../helpers/conversation.js";
import { DATABASE_KINDS } from "../helpers/database.js";

/** Control characters (U+0000 above all, which PostgreSQL refuses in text and jsonb) arrive in
 *  activities, card inputs and card actions. They are removed where they come in: the person's turn
 *  is answered, what they typed is kept without them, and the next person is served as usual. */

const claire = person("Claire Martin"); // teacher, Lycée Victor-Hugo
const karim = person("Karim Benali"); // référent, Lycée Victor-Hugo
const sophie = person("Sophie Laurent"); // coordinator, Nord
const YEAR = new Date().getFullYear();
const personalOf = (p: Person) => ({ conversationId: `a:personal-${p.aadObjectId}`, type: "personal" as const });

describe.each(DATABASE_KINDS)("control characters in what people send, on the %s database", (kind) => {
  let bot: TestBot;
  const prisma = () => bot.app.store.db.prisma;
  const actorOf = async (p: Person) => (await bot.app.services.members.identify(DEMO_TENANT_ID, p.aadObjectId)) as Actor;

  /** Another person's « aide » still gets the help card. */
  async function othersAreServed() {
    const help = await bot.say(karim, "aide");
    expect(help.texts.join("\n")).not.toMatch(/erreur/i);
    expect(cardText(help.cards[0])).toContain("Repère");
  }

  beforeAll(async () => {
    bot = await startTestBot({ database: kind });
  }, 120_000);
  afterAll(async () => bot?.stop());

  it("repeats a message holding an unclosed « $t( » as typed, at once, and serves the next person", async () => {
    // i18next's nesting pattern backtracked exponentially on it: the process stayed at full CPU.
    const typed = `$t(${"une absence ".repeat(4)}`;
    const r = await bot.say(claire, typed);
    expect(r.texts.join("\n")).toContain(`Je n'ai pas compris « ${typed.trim()} ».`);
    await othersAreServed();
  });

  it("answers a sender whose Teams name holds U+0000, and stores their conversation without it", async () => {
    const activity = personalMessage(bot.connector.url, { aadObjectId: claire.aadObjectId, displayName: "Cla\u0000ire \u0007Martin" }, { text: "ai\u0000de" });
    const before = bot.connector.sent.length;
    const res = await bot.post(activity);
    expect(res.status).toBe(200);
    const sent = bot.connector.sent.slice(before);
    expect(sent.map((a) => a.body.text ?? "").join("\n")).not.toMatch(/erreur/i);
    expect(sent.some((a) => (a.body.attachments ?? []).length > 0)).toBe(true);
    const stored = await prisma().conversationRef.findFirstOrThrow({ where: { aadObjectId: claire.aadObjectId } });
    expect(JSON.stringify(stored.reference)).toContain("Claire Martin");
    await othersAreServed();
  });

  it("records a report whose class was typed with U+0000, without the character", async () => {
    const c = new Conversation(bot, claire);
    await c.say("signaler");
    const step2 = await c.press("Suivant", { lastName: "Nul", firstName: "Zoé", className: "2nde\u00001", birthDate: `01/01/${YEAR - 16}` });
    expect(step2.texts.join("\n")).not.toMatch(/erreur/i);
    expect(cardText(c.lastCard)).toContain("Signaux observés");
    await c.press("Suivant", { signal_LATENESS: "true" });
    await c.press("Suivant", { note_LATENESS: "En re\u0000tard" });
    await c.press("Voir le récapitulatif", { urgency: "2", observations: "Ligne 1\u0000\nLigne 2" });
    const sent = await c.press("Envoyer la fiche de repérage");
    expect(cardText(sent.cards[0])).toMatch(/D-\d{4}-\d{4}/);
    const pupil = await prisma().pupil.findFirstOrThrow({
      where: { lastName: "Nul" },
      include: { cases: { include: { reports: { include: { signals: true } } } } },
    });
    expect(pupil.className).toBe("2nde1");
    const report = pupil.cases[0]!.reports[0]!;
    expect(report.signals[0]!.note).toBe("En retard");
    expect(report.observations).toBe("Ligne 1\nLigne 2");
    await othersAreServed();
  });

  it("sends a coordinator's question typed with U+0000, without the character", async () => {
    const reporter = await actorOf(claire);
    const [school] = await bot.app.services.reports.reportingSchools(reporter);
    const r = await bot.app.services.reports.submit(
      reporter,
      {
        pupil: { lastName: "Question", firstName: "Eva", className: "1re 3", schoolId: school!.id, birthYear: YEAR - 17 },
        signals: { signals: [{ code: "LATENESS" }] },
        // Vigilance 3: the bassin's default setting lets the coordinator act before the GPDS decides.
        steps: { stepsTaken: [], urgency: 3 },
      },
      `hostile-${kind}`,
    );
    if (!r.ok) throw new Error(r.reason);
    const caseId = r.recorded.caseId;
    await bot.say(sophie, "aide");
    const version = (await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).version;
    const card = await execute(bot, sophie, personalOf(sophie), "case.requestInfo", { caseId, version, question: "Absences\u0000?" });
    expect(cardText(card)).toContain("Question envoyée");
    const event = await prisma().caseEvent.findFirstOrThrow({ where: { caseId, type: "INFO_REQUESTED" } });
    expect((event.data as { question: string }).question).toBe("Absences?");
    await othersAreServed();
  });
});
