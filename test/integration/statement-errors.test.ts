import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import type { Actor } from "../../src/services/index.js";
import { cardText, execute, installInTeam, person, startTestBot, type TestBot } from "../helpers/bot-harness.js";
import type { TestDatabaseKind } from "../helpers/database.js";

const claire = person("Claire Martin"); // teacher, Lycée Victor-Hugo
const karim = person("Karim Benali"); // référent, Lycée Victor-Hugo
const sophie = person("Sophie Laurent"); // coordinator, Bassin Nord
const inNord = { conversationId: DEMO_CHANNELS[0].channelId, type: "channel" as const, teamId: DEMO_CHANNELS[0].teamId };
const YEAR = new Date().getFullYear();

/**
 * A named statement that fails on the server after it was parsed (here: its bind message carries
 * one value too many) must cost only the turn that ran it. On the embedded database such a failure
 * once left PGlite's single session holding statements that the pool's next connection did not
 * know about: every later turn of every user failed with « prepared statement already exists ».
 */
describe.each<TestDatabaseKind>(["embedded", "postgres"])("a statement that fails on the server, on %s", (kind) => {
  let bot: TestBot;
  const armed = new Set<string>();
  /** Statements that fail every time, while set. */
  const broken = new Set<string>();
  const failed = new Set<string>();
  const seen = new Set<string>();
  const realQuery = pg.Client.prototype.query;

  beforeAll(async () => {
    vi.spyOn(pg.Client.prototype, "query").mockImplementation(function (this: pg.Client, config: unknown, ...rest: unknown[]) {
      const named = config && typeof config === "object" && typeof (config as { name?: unknown }).name === "string" ? (config as pg.QueryConfig) : null;
      if (named?.name) {
        seen.add(named.name);
        // A statement's name is its label, a dot and a hash of its text (store/kysely.ts).
        if (armed.delete(named.name) || broken.has(named.name.split(".")[0]!)) {
          failed.add(named.name);
          config = { ...named, values: [...(named.values ?? []), "one value too many"] };
        }
      }
      return (realQuery as (...args: unknown[]) => unknown).call(this, config, ...rest);
    } as typeof realQuery);
    bot = await startTestBot({ database: kind });
    await installInTeam(bot, sophie);
    for (const p of [claire, karim, sophie]) await bot.say(p, "aide");
    seen.clear();
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await bot?.stop();
  });

  const actorOf = async (p: typeof claire) => (await bot.app.services.members.identify(DEMO_TENANT_ID, p.aadObjectId)) as Actor;
  const generic = "Désolé, une erreur s'est produite";

  /** The everyday turns: a report started in chat, one recorded, taken in charge from the channel,
   *  asked about and listed (the outbox's own faults are tested in outbox tests). Each step says whether it went through. */
  function steps(round: number): Array<() => Promise<boolean>> {
    let caseId = "";
    let reference = "";
    const lastName = `Erreur${String.fromCharCode(65 + (round % 26))}${String.fromCharCode(65 + Math.floor(round / 26))}`;
    const noError = (r: { texts: string[]; cards: unknown[] }) => !r.texts.some((t) => t.startsWith(generic)) && r.cards.length + r.texts.length > 0;
    return [
      async () => noError(await bot.say(claire, "signaler")),
      async () => noError(await bot.say(claire, "annuler")),
      async () => {
        const actor = await actorOf(claire);
        const [school] = await bot.app.services.reports.reportingSchools(actor);
        const outcome = await bot.app.services.reports.submit(
          actor,
          {
            pupil: { lastName, firstName: "Léa", className: "1re 4", schoolId: school!.id, birthYear: YEAR - 17 },
            signals: { signals: [{ code: "LATENESS" }] },
            steps: { stepsTaken: [], urgency: 2 },
          },
          `stmt-errors-${kind}-${round}`,
        );
        if (!outcome.ok) return false;
        ({ caseId, reference } = outcome.recorded);
        return true;
      },
      async () => {
        const version = (await bot.app.store.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).version;
        const card = cardText(await execute(bot, sophie, inNord, "case.takeCharge", { caseId, version }));
        return card.includes(reference) && !card.includes(generic);
      },
      async () => noError(await bot.say(sophie, `statut ${reference}`)),
      async () => noError(await bot.say(claire, "mes signalements")),
      async () => noError(await bot.say(sophie, "à traiter")),
    ];
  }

  async function play(round: number, target?: string): Promise<void> {
    for (const [i, step] of steps(round).entries()) {
      let done = false;
      for (let attempt = 0; attempt < 3 && !done; attempt++) {
        if (target && !failed.has(target)) armed.add(target);
        done = await step().catch(() => false);
        armed.clear();
        // Whatever failed, another person's next turn is served, and /healthz says so.
        const help = await bot.say(karim, "aide");
        expect(help.cards.map(cardText).join("\n"), `Karim's « aide » after step ${i + 1} of round ${round}`).toContain("Aide de Repère");
        expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
      }
      expect(done, `step ${i + 1} of round ${round} went through on a later attempt`).toBe(true);
    }
  }

  it("costs only the turn that ran it, for every statement of the everyday turns", async () => {
    await play(0);
    const names = [...seen];
    expect(names.length).toBeGreaterThan(10);
    for (const [round, name] of names.entries()) await play(round + 1, name);
    // Each statement was made to fail once (those the rounds reached again).
    expect(names.filter((n) => !failed.has(n))).toEqual([]);
  }, 600_000);

  it("makes /healthz answer 503 while the statement every turn starts with fails, and 200 again after", async () => {
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    broken.add("turn_start_message");
    try {
      const turn = await bot.say(karim, "aide");
      expect(turn.texts.join("\n")).toContain(generic);
      const health = await fetch(`${bot.url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: "unhealthy" });
    } finally {
      broken.clear();
    }
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    expect(cardText((await bot.say(karim, "aide")).cards[0])).toContain("Aide de Repère");
  });
});
