import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logging.js";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { BOT, cardText, execute, person, type Person, startTestBot, type TestBot, installInTeam } from "../helpers/bot-harness.js";
import { Conversation } from "../helpers/conversation.js";

/** Minimisation: a card posted in a channel is read by every member of the channel, so it shows
 *  the reference, the school, the class, initials and signal families, never a full name, a birth
 *  date or a note. And no log line ever holds a pupil's name or a note. Both are checked here for
 *  generated pupils taken through the whole lifecycle by the bot, with failures injected. */

const claire = person("Claire Martin"); // teacher, Lycée Victor-Hugo (Nord)
const sophie = person("Sophie Laurent"); // coordinator, Nord
const karim = person("Karim Benali"); // référent, Lycée Victor-Hugo
const NORD = DEMO_CHANNELS[0].channelId;
const inNord = { conversationId: NORD, type: "channel" as const, teamId: DEMO_CHANNELS[0].teamId };
const personalOf = (p: Person) => ({ conversationId: `a:personal-${p.aadObjectId}`, type: "personal" as const });
const YEAR = new Date().getFullYear();

/** Free text as people type it: letters with accents, digits, punctuation, apostrophes. */
const freeText = (prefix: string, max: number) =>
  fc
    .array(fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzéèàçùôîABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.;:!?'’()-«»"), {
      minLength: 6,
      maxLength: max - prefix.length,
    })
    .map((cs) => `${prefix}${cs.join("").replace(/\s+/g, " ").trim()}x`);
const word = (prefix: string) =>
  fc.array(fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzéèëïç"), { minLength: 4, maxLength: 10 }).map((cs) => `${prefix}${cs.join("")}`);

const pupilArb = fc.record({
  lastName: word("Zq"),
  firstName: word("Yv"),
  note: freeText("Nt", 150),
  observations: freeText("Ob", 300),
  question: freeText("Qu", 200),
  answer: freeText("An", 200),
  description: freeText("De", 150),
  company: freeText("Co", 60),
  ending: freeText("En", 200),
  dismiss: fc.boolean(),
  age: fc.integer({ min: 16, max: 19 }),
});

/** Every string of a JSON value (texts, facts, action data), to look for a secret in each. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

describe("minimisation in channels and in logs", () => {
  let bot: TestBot;
  const logs: string[] = [];
  const secrets: string[] = [];
  const prisma = () => bot.app.store.db.prisma;
  const version = async (caseId: string) => (await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).version;
  const drain = async () => {
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
  };
  const channelTurn = async (text: string) => {
    await bot.post({
      type: "message",
      id: `chan-${Date.now()}-${Math.random()}`,
      text: `<at>Repère</at> ${text}`,
      entities: [{ type: "mention", mentioned: BOT, text: "<at>Repère</at>" }],
      serviceUrl: bot.connector.url,
      channelId: "msteams",
      from: { id: `29:${sophie.aadObjectId}`, aadObjectId: sophie.aadObjectId, name: sophie.displayName },
      recipient: BOT,
      conversation: { id: NORD, conversationType: "channel", isGroup: true, tenantId: DEMO_TENANT_ID },
      channelData: { tenant: { id: DEMO_TENANT_ID }, team: { id: NORD }, channel: { id: NORD } },
      locale: "fr-FR",
    });
  };

  beforeAll(async () => {
    bot = await startTestBot({ logger: createLogger("trace", { write: (line: string) => void logs.push(line) }) });
    // The coordinators act on the 16+ at once here (the bassin's setting: test/bot/gpds-process.test.ts).
    await bot.app.store.db.kysely.updateTable("District").set({ mldsAccess: "IMMEDIATE" }).execute();
    await installInTeam(bot, sophie);
    for (const p of [claire, sophie, karim]) await bot.say(p, "aide");
  });
  afterAll(async () => bot?.stop());

  it("never shows a full name, a birth date or a note in a channel, at any step of a generated case", async () => {
    const pupils = fc.sample(pupilArb, { numRuns: 6, seed: 20260828 });
    for (const p of pupils) {
      // The teacher reports through the dialog, as in Teams.
      const c = new Conversation(bot, claire);
      await c.say("signaler");
      await c.press("Suivant", { lastName: p.lastName, firstName: p.firstName, className: "1re 4", birthDate: `01/01/${YEAR - p.age}` });
      await c.press("Suivant", { signal_LATENESS: "true", signal_NO_PLAN: "true" });
      await c.press("Suivant", { note_LATENESS: p.note });
      await c.press("Voir le récapitulatif", { stepsTaken: "FAMILY_CONTACTED", urgency: "2", observations: p.observations });
      const sent = await c.press("Envoyer la fiche de repérage");
      const reference = /D-\d{4}-\d{4,}/.exec(sent.cards.map(cardText).join("\n"))?.[0];
      expect(reference, `no reference for ${p.lastName}`).toBeDefined();
      const created = await prisma().case.findUniqueOrThrow({ where: { reference }, include: { pupil: true, reports: { include: { signals: true } } } });
      const caseId = created.id;
      // A birth date known from an import, to check that it never shows either.
      await prisma().pupil.update({ where: { id: created.pupilId }, data: { birthDate: new Date(`${YEAR - p.age}-03-14T00:00:00Z`), ine: "123456789AB" } });
      secrets.push(
        created.pupil.lastName,
        `${created.pupil.firstName} ${created.pupil.lastName}`,
        ...created.reports.flatMap((r) => [r.observations ?? "", ...r.signals.map((s) => s.note ?? "")]).filter(Boolean),
      );
      await drain();

      // Triage from the channel card, a question to the reporter, a plan, then the end.
      await execute(bot, sophie, inNord, "case.takeCharge", { caseId, version: await version(caseId) });
      await drain();
      await execute(bot, sophie, inNord, "case.requestInfo", { caseId, version: await version(caseId), question: p.question });
      await drain();
      await execute(bot, claire, personalOf(claire), "case.answerInfo", { caseId, answer: p.answer });
      await drain();
      await channelTurn(`statut ${reference}`);
      if (p.dismiss) {
        await execute(bot, sophie, inNord, "case.dismiss", { caseId, version: await version(caseId), reason: p.ending });
      } else {
        await execute(bot, sophie, inNord, "case.openPlan", { caseId, version: await version(caseId) });
        await drain();
        await execute(bot, sophie, inNord, "plan.addAction", {
          caseId,
          version: await version(caseId),
          form: "new",
          type__new: "MINI_STAGE",
          description__new: p.description,
          company__new: p.company,
          startDate__new: `${YEAR + 1}-02-02`,
          endDate__new: `${YEAR + 1}-02-13`,
        });
        await drain();
        await execute(bot, sophie, inNord, "plan.setReview", {
          caseId,
          version: await version(caseId),
          objective: p.description.replace(/^De/, "Ob"),
          nextReviewAt: `${YEAR + 1}-03-01`,
        });
        await drain();
        await execute(bot, sophie, inNord, "plan.close", { caseId, version: await version(caseId), outcome: "APPRENTICESHIP", comment: p.ending });
      }
      await drain();
      const stored = await prisma().caseEvent.findMany({ where: { caseId } });
      expect(stored.map((e) => e.type)).toContain(p.dismiss ? "DISMISSED" : "CLOSED");
      secrets.push(p.question.trim(), p.answer.trim(), p.ending.trim());
      if (!p.dismiss) secrets.push(p.description.trim(), p.company.trim(), p.description.replace(/^De/, "Ob").trim());
    }
    await channelTurn("à traiter");
    await channelTurn("en retard");

    const toChannel = bot.connector.sent.filter((a) => a.conversationId.startsWith(NORD));
    expect(toChannel.length).toBeGreaterThan(pupils.length * 4); // posts, updates in place, answers
    expect(toChannel.some((a) => a.method === "PUT")).toBe(true);
    const birthDates = pupils.map((p) => [`${YEAR - p.age}-03-14`, `14 mars ${YEAR - p.age}`, `14/03/${YEAR - p.age}`]).flat();
    for (const activity of toChannel) {
      const texts = strings(activity.body);
      for (const secret of [...secrets, ...birthDates, "123456789AB"]) {
        expect(
          texts.filter((s) => s.includes(secret)),
          `"${secret}" in a channel (${activity.method} ${activity.path})`,
        ).toEqual([]);
      }
    }
    // Only the case card view is ever queued for a channel.
    const queued = await prisma().outboxMessage.findMany({ where: { conversationId: NORD } });
    expect(new Set(queued.map((q) => (q.payload as { render?: { view?: string } }).render?.view))).toEqual(new Set(["caseCard"]));
    // The names do reach the people responsible, in private: the référent's personal copy has them.
    const toKarim = bot.connector.sent.filter((a) => a.conversationId === `a:personal-${karim.aadObjectId}`);
    expect(JSON.stringify(toKarim.map((a) => a.body))).toContain(secrets[1]!);
  });

  it("never writes a pupil's name or a note to the logs, even when a turn, a card action or a send fails", async () => {
    expect(secrets.length).toBeGreaterThan(10);
    const [lastName, fullName, note] = secrets as [string, string, string];
    const caseId = (await prisma().case.findFirstOrThrow({ where: { pupil: { lastName } } })).id;
    // Failures whose messages quote a row, as database errors do.
    const prismaLike = () =>
      Object.assign(new Error(`Invalid \`prisma.pupil.findMany()\` invocation:\n{ where: { lastName: "${lastName}", note: "${note}" } }`), {
        code: "P2002",
        meta: { target: ["nameKey"], detail: `Key ("nameKey")=(${fullName}) already exists.` },
        cause: new Error(`duplicate key value violates unique constraint "Pupil_nameKey" (${fullName})`),
      });
    const triage = bot.app.services.triage;
    const details = triage.details.bind(triage);
    triage.details = async () => {
      throw prismaLike();
    };
    const reports = bot.app.services.reports;
    const schools = reports.reportingSchools.bind(reports);
    reports.reportingSchools = async () => {
      throw prismaLike();
    };
    try {
      const card = await execute(bot, sophie, personalOf(sophie), "case.details", { caseId });
      expect(cardText(card)).toContain("Désolé, une erreur s'est produite.");
      const r = await bot.say(claire, "signaler");
      expect(r.texts.join(" ")).toContain("Désolé, une erreur s'est produite.");
    } finally {
      triage.details = details;
      reports.reportingSchools = schools;
    }
    // Teams refusing a send, with an error that echoes the card it was given.
    bot.connector.respond = (a) => ({
      status: 400,
      body: { error: { code: "BadArgument", message: `Invalid card: ${JSON.stringify(a.body).slice(0, 2000)}` } },
    });
    try {
      await execute(bot, sophie, inNord, "case.refresh", { caseId });
      await bot.app.store.outbox.enqueue({
        conversationId: `a:personal-${karim.aadObjectId}`,
        kind: "post",
        payload: { render: { view: "caseCard", caseId } },
        caseId,
      });
      await drain();
    } finally {
      bot.connector.respond = () => ({ status: 200 });
    }

    const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.msg === "card action failed")).toBe(true);
    expect(lines.some((l) => l.msg === "turn failed")).toBe(true);
    expect(lines.some((l) => typeof l.msg === "string" && l.msg.startsWith("outbox send"))).toBe(true);
    const failed = lines.find((l) => l.msg === "card action failed")!;
    expect(failed.err).toMatchObject({ code: "P2002", message: "Invalid `prisma.pupil.findMany()` invocation:" });
    const all = logs.join("\n");
    for (const secret of secrets) expect(all, `"${secret}" in the logs`).not.toContain(secret);
    expect(all).not.toContain(lastName.toLowerCase());
  });
});
