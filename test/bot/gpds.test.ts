import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agendaSendFrom } from "../../src/domain/gpds.js";
import { addDays, parisDay, schoolCalendar, schoolDayOnOrAfter } from "../../src/domain/school-days.js";
import type { Actor } from "../../src/services/index.js";
import { DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { cardText, person, personalMessage, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";

const karim = person("Karim Benali");
const claire = person("Claire Martin");
const GROUP_CHAT = "19:gpds-victor-hugo@thread.v2";
const calendar = schoolCalendar();
// The first meeting: a school day at least three weeks from today, so that it is never in the past.
const FIRST = schoolDayOnOrAfter(addDays(parisDay(new Date()), 21), calendar);
const typed = (day: string) => `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
const FR_DAY = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", weekday: "long", day: "numeric", month: "long", year: "numeric" });

describe("the school's GPDS in Teams: its dates, its space and the agenda posted there", () => {
  let bot: TestBot;
  let offsetMs = 0;

  /** A message in the GPDS group chat, as Teams sends it; returns what the bot answered there. */
  const inGroupChat = async (who: Person, text: string) => {
    const activity = personalMessage(bot.connector.url, who, { text, conversationId: GROUP_CHAT });
    activity.conversation = { id: GROUP_CHAT, conversationType: "groupChat", isGroup: true, tenantId: DEMO_TENANT_ID };
    const before = bot.connector.sent.length;
    const res = await bot.post(activity);
    expect(res.status).toBeLessThan(300);
    return bot.connector.sent
      .slice(before)
      .map((a) => a.body.text)
      .filter((t): t is string => typeof t === "string");
  };

  beforeAll(async () => {
    bot = await startTestBot({ clock: () => new Date(Date.now() + offsetMs) });
  });
  afterAll(async () => bot?.stop());

  it("tells the référent there is no date yet and how the agenda will reach him", async () => {
    const { texts } = await bot.say(karim, "gpds");
    expect(texts[0]).toContain("**GPDS · Lycée Victor-Hugo**");
    expect(texts[0]).toContain("Prochaines réunions : aucune date prévue");
    expect(texts[0]).toContain("écrivez-y « gpds ici »");
    const help = await bot.say(karim, "aide");
    expect(cardText(help.cards[0])).toContain("« gpds » : les prochaines réunions du GPDS");
  });

  it("sets meetings every two weeks and shows the next dates, in French and in English", async () => {
    const { texts } = await bot.say(karim, `gpds tous les 2 semaines à partir du ${typed(FIRST)}`);
    expect(texts[0]).toMatch(/^Réunions du GPDS toutes les 2 semaines : \d+ dates? jusqu'à la fin de l'année scolaire/);
    expect(texts[0]).toContain(`Prochaines réunions : ${FR_DAY.format(new Date(`${FIRST}T12:00:00Z`))}`);
    const english = await bot.say(karim, "gpds", { locale: "en-US" });
    expect(english.texts[0]).toContain("Next meetings: ");
    expect(english.texts[0]).toContain("No GPDS space is registered");
  });

  it("refuses dates from a teacher, and a day without school", async () => {
    expect((await bot.say(claire, `gpds ${typed(FIRST)}`)).texts).toEqual([
      "Seuls le référent décrochage et le chef d'établissement fixent les dates du GPDS.",
    ]);
    const sunday = (() => {
      let d = FIRST;
      while (new Date(`${d}T12:00:00Z`).getUTCDay() !== 0) d = addDays(d, 1);
      return d;
    })();
    const { texts } = await bot.say(karim, `gpds ${typed(sunday)}`);
    expect(texts[0]).toContain("pas de classe ce jour-là");
    expect((await bot.say(karim, "gpds 31/02/2027")).texts[0]).toContain("Je ne reconnais pas cette date");
  });

  it("registers the GPDS group chat, and posts the agenda there two school days before the meeting, initials only", async () => {
    expect(await inGroupChat(claire, "gpds ici")).toEqual(["Seuls le référent décrochage et le chef d'établissement fixent les dates du GPDS."]);
    const [registered] = await inGroupChat(karim, "gpds ici");
    expect(registered).toContain("Cette conversation est désormais l'espace GPDS de Lycée Victor-Hugo");
    expect(registered).toContain("conversation de groupe GPDS");

    const reporter = (await bot.app.services.members.identify(DEMO_TENANT_ID, claire.aadObjectId)) as Actor;
    const [school] = await bot.app.services.reports.reportingSchools(reporter);
    const outcome = await bot.app.services.reports.submit(
      reporter,
      {
        pupil: { lastName: "Durand", firstName: "Léa", className: "2nde 3", schoolId: school!.id, birthYear: new Date().getFullYear() - 15 },
        signals: { signals: [{ code: "UNJUSTIFIED_ABSENCES" }] },
        steps: { stepsTaken: [], urgency: 2 },
      },
      "gpds-agenda",
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    while ((await bot.app.outbox.drainOnce()).claimed > 0);

    const sendFrom = agendaSendFrom(FIRST, calendar).getTime();
    offsetMs = sendFrom - 60_000 - Date.now();
    expect(await bot.app.services.gpds.runAgendas()).toBe(0);
    offsetMs = sendFrom + 60_000 - Date.now();
    try {
      expect(await bot.app.services.gpds.runAgendas()).toBe(1);
      expect(await bot.app.services.gpds.runAgendas()).toBe(0);
      bot.connector.clear();
      while ((await bot.app.outbox.drainOnce()).claimed > 0);
      const posts = bot.connector.sent.filter((a) => a.conversationId === GROUP_CHAT);
      expect(posts).toHaveLength(1);
      const card = posts[0]!.body.attachments![0]!.content;
      const text = cardText(card);
      expect(text).toContain("Ordre du jour du GPDS · Lycée Victor-Hugo");
      expect(text).toContain(`Réunion du ${FR_DAY.format(new Date(`${FIRST}T12:00:00Z`))}`);
      expect(text).toContain("Nouvelles fiches de repérage à examiner");
      expect(text).toContain(outcome.recorded.reference);
      expect(text).toContain("L. D.");
      expect(JSON.stringify(card)).not.toMatch(/Durand|Léa/);
    } finally {
      offsetMs = 0;
    }
  });

  it("posts at once the agenda of a date set so close that it is already due, rather than at the job's next run", async () => {
    // The next school day: its agenda was due from two school days before, so already now.
    const next = schoolDayOnOrAfter(addDays(parisDay(new Date()), 1), calendar);
    expect(agendaSendFrom(next, calendar).getTime()).toBeLessThanOrEqual(Date.now());
    bot.connector.clear();
    const [answer] = await inGroupChat(karim, `gpds ${typed(next)}`);
    expect(answer).toContain("1 date ajoutée.");
    expect(answer).toContain("L'ordre du jour de cette réunion est déjà dû : il part maintenant.");
    // Queued by the command itself: the job has nothing left to send.
    expect(await bot.app.services.gpds.runAgendas()).toBe(0);
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    const agendas = bot.connector.sent
      .filter((a) => a.conversationId === GROUP_CHAT && a.body.attachments?.length)
      .map((a) => cardText(a.body.attachments![0]!.content));
    expect(agendas).toHaveLength(1);
    expect(agendas[0]).toContain(`Réunion du ${FR_DAY.format(new Date(`${next}T12:00:00Z`))}`);
    expect(agendas[0]).toContain("L. D.");

    // A date further off waits for its time, as before.
    bot.connector.clear();
    const later = schoolDayOnOrAfter(addDays(FIRST, 1), calendar);
    const [laterAnswer] = await inGroupChat(karim, `gpds ${typed(later)}`);
    expect(laterAnswer).toContain("1 date ajoutée.");
    expect(laterAnswer).not.toContain("il part maintenant");
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    expect(bot.connector.sent.filter((a) => a.conversationId === GROUP_CHAT && a.body.attachments?.length)).toHaveLength(0);
  });
});
