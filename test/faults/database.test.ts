import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore, openDatabase, type Store } from "../../src/store/index.js";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import type { Actor } from "../../src/services/index.js";
import { createServices } from "../../src/services/index.js";
import { cardText, invokeActivity, personalMessage, person } from "../helpers/bot-harness.js";
import { startBotProcess, type BotProcess } from "../helpers/bot-process.js";
import { FakeConnector } from "../helpers/fake-connector.js";
import { POSTGRES_URL, dropSchema, uniqueSchemaName } from "../helpers/database.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";

// Bot processes (src/main.ts) whose PostgreSQL connections break under them: through a proxy
// that stalls, resets or holds them, and pg_terminate_backend (what a failover does).

const claire = person("Claire Martin");
const karim = person("Karim Benali");
const sophie = person("Sophie Laurent");
const NORD = DEMO_CHANNELS[0].channelId;
const UNAVAILABLE = "Le service est momentanément indisponible. Réessayez dans une minute : rien de ce que vous avez saisi n'est perdu.";

async function post(bot: BotProcess, activity: Record<string, unknown>): Promise<Response> {
  return fetch(`${bot.url}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(activity) });
}

describe("a bot process whose database connections break", () => {
  const schema = uniqueSchemaName();
  const connector = new FakeConnector();
  let proxy: TcpProxy;
  let bot: BotProcess;
  let admin: pg.Client;
  let store: Store;
  let closeStore: () => Promise<void>;

  beforeAll(async () => {
    await connector.start();
    proxy = await new TcpProxy().start();
    bot = await startBotProcess({
      DATABASE_URL: `${proxy.url}/test?schema=${schema}`,
      SEED_DEMO: "always",
      OUTBOX_LEASE_SECONDS: "3",
      DATABASE_STATEMENT_TIMEOUT_SECONDS: "2",
      DATABASE_CONNECT_TIMEOUT_SECONDS: "2",
    });
    admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    const db = await openDatabase({ kind: "postgres", url: POSTGRES_URL }, { schema, migrate: false });
    store = createStore(db);
    closeStore = () => db.close();
  });
  afterAll(async () => {
    proxy.resume();
    if (bot && bot.child.exitCode === null) bot.child.kill("SIGTERM");
    await bot?.exited;
    await closeStore?.();
    await admin?.end();
    await proxy?.stop();
    await connector.stop();
    await dropSchema(schema);
  });

  const answered = async (who: typeof claire, text: string) => {
    const before = connector.sent.length;
    const res = await post(bot, personalMessage(connector.url, who, { text }));
    expect(res.status).toBeLessThan(300);
    return connector.sent.slice(before).map((s) => s.body.text ?? cardText(s.body.attachments?.[0]?.content));
  };

  it("survives answers dropped for 3 s then a reset, five times, while its outbox claims every second", async () => {
    for (let round = 1; round <= 5; round++) {
      proxy.stall();
      await sleep(3000);
      proxy.reset();
      proxy.resume();
      await sleep(300);
      expect(bot.child.exitCode, `exited in round ${round}:\n${bot.output()}`).toBe(null);
      expect((await answered(claire, "aide")).join("\n")).toContain("signaler");
    }
  });

  it("survives pg_terminate_backend of all its connections every second while two people use it", async () => {
    let terminated = 0;
    let stop = false;
    const failover = (async () => {
      while (!stop) {
        const ports = proxy.upstreamPorts();
        if (ports.length > 0)
          terminated += (await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE client_port = ANY($1::int[])", [ports])).rowCount ?? 0;
        await sleep(1000);
      }
    })();
    const answers: string[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const [a, b] = await Promise.all([answered(claire, i % 2 ? "annuler" : "signaler"), answered(karim, "à traiter")]);
        answers.push(...a, ...b);
        await sleep(300);
      }
    } finally {
      stop = true;
      await failover;
    }
    expect(bot.child.exitCode, bot.output()).toBe(null);
    expect(terminated).toBeGreaterThan(0);
    // Every turn was answered: with its answer, or with « indisponible » when its statement was cut.
    expect(answers.every((t) => t !== undefined && !t.includes("Désolé, une erreur"))).toBe(true);
    console.log(`${terminated} backends terminated; ${answers.filter((t) => t === UNAVAILABLE).length} of ${answers.length} answers said « indisponible »`);
    expect((await answered(claire, "aide")).join("\n")).toContain("signaler");
  });

  it("a card action whose instance was killed mid-action is applied once by the retry on another instance", async () => {
    const other = await startBotProcess({ DATABASE_URL: `${POSTGRES_URL}?schema=${schema}`, SEED_DEMO: "never" });
    try {
      const services = createServices(store, () => new Date());
      const reporter = (await services.members.identify(DEMO_TENANT_ID, claire.aadObjectId)) as Actor;
      const [school] = await services.reports.reportingSchools(reporter);
      const outcome = await services.reports.submit(
        reporter,
        {
          pupil: { lastName: "Tue", firstName: "Léa", className: "1re 4", schoolId: school!.id, birthYear: new Date().getFullYear() - 17 },
          signals: { signals: [{ code: "LATENESS" }] },
          // Vigilance 3: the bassin's default setting lets the coordinator act before the GPDS decides.
          steps: { stepsTaken: [], urgency: 3 },
        },
        "faults-kill-9",
      );
      if (!outcome.ok) throw new Error(outcome.reason);
      const caseId = outcome.recorded.caseId;
      const { version } = await store.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } });
      const activity = invokeActivity(connector.url, sophie, { conversationId: NORD, type: "channel", teamId: DEMO_CHANNELS[0].teamId }, "case.takeCharge", {
        caseId,
        version,
      });
      const held = proxy.holdWhen("case_apply");
      void post(bot, activity).catch(() => {});
      await held.seen;
      bot.child.kill("SIGKILL");
      await bot.exited;
      proxy.resetHeld();

      const retried = (await (await post(other, activity)).json()) as { value: unknown };
      expect(cardText(retried.value)).toContain("Dossier pris en charge par Sophie Laurent.");
      expect(await store.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).toMatchObject({ status: "ACKNOWLEDGED" });
      expect(await store.db.prisma.caseEvent.count({ where: { caseId, type: "TAKEN_IN_CHARGE" } })).toBe(1);
    } finally {
      other.child.kill("SIGTERM");
      await other.exited;
    }
  });
});
