import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/services/index.js";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { EXECUTE_VERBS } from "../../src/teams/cards/card-verbs.js";
import { BOT, cardText, installInTeam, invokeActivity, person, personalMessage, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";
import { DATABASE_KINDS } from "../helpers/database.js";

/** Every card verb and every text field, with generated strings: control characters, bidirectional
 *  and zero-width marks, Markdown, template syntax, 10 KB. Whatever one person sends, the bot
 *  answers them without a generic error, and another person's « aide » still gets the help card,
 *  while /healthz tells the truth. */

const claire = person("Claire Martin"); // teacher: reports
const karim = person("Karim Benali"); // référent: the other person, who must still be served
const sophie = person("Sophie Laurent"); // coordinator: triage and plans
const marc = person("Marc Petit"); // coordinator of another district
const NORD = DEMO_CHANNELS[0];
const YEAR = new Date().getFullYear();
const GENERIC_ERROR = /une erreur s'est produite|something went wrong/i;

/** fast-check's report with the 10 KB strings cut, so that a failure stays readable. */
async function check(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    const e = err as Error;
    e.message = e.message.replace(/(.)\1{200,}/g, (m) => `${m.slice(0, 20)}…(${m.length} times)`);
    throw e;
  }
}

const char = (from: number, to: number) => fc.integer({ min: from, max: to }).map((c) => String.fromCharCode(c));
const pieces = fc.oneof(
  fc.string({ unit: fc.oneof(char(0, 0x1f), char(0x7f, 0x9f)), maxLength: 12 }),
  fc.constantFrom("\u0000", "2nde\u00001", "Absences\u0000?", "\u0000\u0001\u001b[31m"),
  fc.string({
    unit: fc.constantFrom(
      "\u200B",
      "\u200E",
      "\u200F",
      "\u202A",
      "\u202B",
      "\u202C",
      "\u202D",
      "\u202E",
      "\u2066",
      "\u2067",
      "\u2068",
      "\u2069",
      "\uFEFF",
      "\u00AD",
    ),
    maxLength: 8,
  }),
  fc.constantFrom("[x](https://e.x)", "**gras**", "_it_", "- puce\n1. liste", "<https://e.x>", "# titre", "`code`", "> cite"),
  fc.constantFrom("${$root.caseId}", "${labels.send}", "${if(true, 'a', 'b')}", "${", "}", "$when", "${json($root)}", "{{name}}", "$t(help.title)", "%s%n"),
  fc.constantFrom("Léa", "2nde 3", "D-2026-0001", "statut", "aide", "Dupont", "0690001B", `${YEAR}-10-01`, "TUTORING", "true", "1"),
  fc.string({ unit: "binary", maxLength: 30 }),
);
const hostile = fc.oneof(
  { weight: 9, arbitrary: fc.array(pieces, { minLength: 1, maxLength: 5 }).map((p) => p.join("")) },
  { weight: 1, arbitrary: pieces.map((p) => `${p}${"é".repeat(5_000)}`) }, // 10 KB of UTF-8
);

describe.each(DATABASE_KINDS)("hostile strings everywhere, on the %s database", (kind) => {
  let bot: TestBot;
  const cases: string[] = [];
  const prisma = () => bot.app.store.db.prisma;
  const actorOf = async (p: Person) => (await bot.app.services.members.identify(DEMO_TENANT_ID, p.aadObjectId)) as Actor;
  const versionOf = async (caseId: string) => (await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).version;

  let reported = 0;
  async function newCase(age: number): Promise<string> {
    const reporter = await actorOf(claire);
    const [school] = await bot.app.services.reports.reportingSchools(reporter);
    const r = await bot.app.services.reports.submit(
      reporter,
      {
        pupil: {
          lastName: `Fuzz${String.fromCharCode(65 + (reported % 26))}`,
          firstName: "Noa",
          className: "1re 1",
          schoolId: school!.id,
          birthYear: YEAR - age,
        },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 2 },
      },
      `fuzz-${kind}-${++reported}`,
    );
    if (!r.ok) throw new Error(r.reason);
    return r.recorded.caseId;
  }

  /** Another person is served, and /healthz says what is true. */
  async function othersServedAndHealthTruthful(context: string) {
    const help = await bot.say(karim, "aide");
    const served = help.cards.some((c) => cardText(c).includes("Aide de Repère")) && !help.texts.some((t) => GENERIC_ERROR.test(t));
    const health = await fetch(`${bot.url}/healthz`);
    const body = (await health.json()) as { status: string };
    expect({ served, health: health.status, status: body.status }, context).toEqual({ served: true, health: 200, status: "ok" });
  }

  beforeAll(async () => {
    bot = await startTestBot({ database: kind });
    await installInTeam(bot, sophie);
    for (const p of [claire, karim, sophie, marc]) await bot.say(p, "aide");
    for (const age of [17, 14, 17, 17]) cases.push(await newCase(age));
    const so = await actorOf(sophie);
    await bot.app.services.triage.act(so, cases[2]!, await versionOf(cases[2]!), { verb: "takeCharge" });
    await bot.app.services.triage.act(so, cases[2]!, await versionOf(cases[2]!), { verb: "openPlan" });
    await bot.app.services.triage.act(so, cases[3]!, await versionOf(cases[3]!), { verb: "requestInfo", question: "Depuis quand ?" });
    await bot.app.outbox.drainOnce();
  }, 120_000);
  afterAll(async () => bot?.stop());

  it("takes every card verb with every text field hostile", async () => {
    const where = fc.constantFrom(
      { conversationId: `a:personal-${sophie.aadObjectId}`, type: "personal" as const, who: sophie },
      { conversationId: `a:personal-${claire.aadObjectId}`, type: "personal" as const, who: claire },
      { conversationId: NORD.channelId, type: "channel" as const, teamId: NORD.teamId, who: sophie },
      { conversationId: NORD.channelId, type: "channel" as const, teamId: NORD.teamId, who: marc },
    );
    await check(() =>
      fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...EXECUTE_VERBS),
          fc.integer({ min: 0, max: 3 }),
          fc.array(hostile, { minLength: 32, maxLength: 32 }),
          where,
          async (verb, c, texts, at) => {
            // A new case in each state where texts are taken: new (question, reason), waiting for
            // the reporter's answer; an under-16 one; the one with a plan (descriptions, objective).
            if (c === 0) cases[0] = await newCase(17);
            if (c === 3) {
              cases[3] = await newCase(17);
              await bot.app.services.triage.act(await actorOf(sophie), cases[3]!, await versionOf(cases[3]!), {
                verb: "requestInfo",
                question: "Depuis quand ?",
              });
            }
            const caseId = cases[c]!;
            const planAction = await prisma().planAction.findFirst({ where: { plan: { caseId } } });
            const next = (() => {
              let i = 0;
              return () => texts[i++ % texts.length]!;
            })();
            const data: Record<string, unknown> = {
              caseId,
              version: await versionOf(caseId),
              form: "new",
              from: next(),
              batchId: next(),
              outboxId: next(),
              actionId: planAction?.id ?? next(),
              editActionId: next(),
            };
            for (const field of ["question", "reason", "answer", "assigneeId", "status", "objective", "comment", "outcome", "type", "nextReviewAt"])
              data[field] = next();
            for (const field of ["type", "description", "startDate", "endDate", "partner", "company"]) {
              data[`${field}__new`] = field === "type" ? "TUTORING" : next();
              data[`${field}__edit`] = next();
            }
            const { who, ...conversation } = at;
            const res = await bot.post(
              invokeActivity(bot.connector.url, { aadObjectId: who.aadObjectId, displayName: next().slice(0, 200) }, conversation, verb, data),
            );
            expect(res.status, verb).toBe(200);
            const body = (await res.json()) as { type: string; value: unknown };
            expect(body.type, verb).toBe("application/vnd.microsoft.card.adaptive");
            expect(cardText(body.value), `${verb} ${JSON.stringify(data).slice(0, 300)}`).not.toMatch(GENERIC_ERROR);
          },
        ),
        { numRuns: 120 },
      ),
    );
    await bot.app.outbox.drainOnce();
    await othersServedAndHealthTruthful("after card actions");
  }, 240_000);

  it("takes hostile text in every input of the report, in messages and in the sender's name", async () => {
    await check(() =>
      fc.assert(
        fc.asyncProperty(hostile, hostile, async (text, other) => {
          const start = await bot.say(claire, "signaler");
          const draftId = JSON.stringify(start.cards).match(/"draftId":"([^"]+)"/)?.[1] ?? text;
          const schoolId = JSON.stringify(start.cards).match(/"value":"([0-9a-f-]{36})"/)?.[1] ?? text;
          const replies = [
            await bot.submit(claire, { action: "report.pupil", draftId, lastName: text, firstName: other, className: text, birthYear: text, schoolId: text }),
            await bot.submit(claire, {
              action: "report.pupil",
              draftId,
              lastName: "Hostile",
              firstName: "Zoé",
              className: "2nde 1",
              birthYear: String(YEAR - 16),
              schoolId,
            }),
            await bot.submit(claire, {
              action: "report.signals",
              draftId,
              signal_LATENESS: "true",
              note_LATENESS: text,
              absenceHalfDays: text,
              [`note_${other}`]: other,
            }),
            await bot.submit(claire, { action: "report.signals", draftId, signal_LATENESS: "true", note_LATENESS: text.slice(0, 150) }),
            await bot.submit(claire, { action: "report.notes", draftId, note_LATENESS: text, [`note_${other}`]: other }),
            await bot.submit(claire, { action: "report.notes", draftId, note_LATENESS: text.slice(0, 150) }),
            await bot.submit(claire, { action: "report.steps", draftId, stepsTaken: text, urgency: "2", observations: text }),
            await bot.submit(claire, { action: "report.steps", draftId, stepsTaken: "", urgency: "2", observations: text.slice(0, 400) }),
            await bot.submit(claire, { action: "report.edit", draftId, step: text }),
            await bot.say(claire, "annuler"),
            await bot.say(sophie, text),
            await bot.say(sophie, `statut ${text}`),
            await bot.say(sophie, `historique ${text}`),
            await bot.say(sophie, `stats ${text}`),
          ];
          // Teams names are short (the request guard refuses over 512 characters).
          const mention = personalMessage(
            bot.connector.url,
            { aadObjectId: sophie.aadObjectId, displayName: other.slice(0, 200) },
            { text: `<at>${BOT.name}</at> ${text}` },
          );
          mention.conversation = { id: NORD.channelId, conversationType: "channel", isGroup: true, tenantId: DEMO_TENANT_ID };
          mention.channelData = { tenant: { id: DEMO_TENANT_ID }, team: { id: NORD.teamId }, channel: { id: NORD.channelId } };
          mention.entities = [{ type: "mention", text: `<at>${BOT.name}</at>`, mentioned: { id: BOT.id, name: BOT.name } }];
          expect((await bot.post(mention)).status).toBe(200);
          expect(
            (await bot.post(personalMessage(bot.connector.url, { aadObjectId: marc.aadObjectId, displayName: text.slice(0, 200) }, { text: other }))).status,
          ).toBe(200);
          for (const r of replies) expect(r.texts.join("\n"), JSON.stringify(text).slice(0, 80)).not.toMatch(GENERIC_ERROR);
        }),
        { numRuns: 25 },
      ),
    );
    await othersServedAndHealthTruthful("after reports and messages");
  }, 240_000);
});
