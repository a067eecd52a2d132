import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore, openDatabase, type Store } from "../../src/store/index.js";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { BOT, cardText, invokeActivity, personalMessage, person } from "../helpers/bot-harness.js";
import { startBotProcess, type BotProcess } from "../helpers/bot-process.js";
import { findSubmit, inputValues } from "../helpers/conversation.js";
import { FakeConnector } from "../helpers/fake-connector.js";
import { POSTGRES_URL, dropSchema, uniqueSchemaName } from "../helpers/database.js";

// Two bot processes behind a load balancer on one PostgreSQL: any instance continues any
// conversation, and the outbox delivers each send once, even when an instance is killed.

const claire = person("Claire Martin");
const sophie = person("Sophie Laurent");
const NORD = DEMO_CHANNELS[0].channelId;

describe("two bot instances on one database", () => {
  const schema = uniqueSchemaName();
  const connector = new FakeConnector();
  let a: BotProcess;
  let b: BotProcess;
  let store: Store;
  let close: () => Promise<void>;

  beforeAll(async () => {
    await connector.start();
    const env = { DATABASE_URL: `${POSTGRES_URL}?schema=${schema}`, SEED_DEMO: "always", OUTBOX_LEASE_SECONDS: "3" };
    a = await startBotProcess(env);
    b = await startBotProcess(env);
    const db = await openDatabase({ kind: "postgres", url: POSTGRES_URL }, { schema, migrate: false });
    store = createStore(db);
    close = () => db.close();
  }, 120_000);
  afterAll(async () => {
    for (const p of [a, b]) if (p && p.child.exitCode === null) p.child.kill("SIGTERM");
    await Promise.all([a?.exited, b?.exited]);
    await close?.();
    await connector.stop();
    await dropSchema(schema);
  });

  const post = async (instance: BotProcess, activity: Record<string, unknown>) => {
    const res = await fetch(`${instance.url}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(activity),
    });
    expect(res.status).toBeLessThan(300);
    return res;
  };
  const lastCard = () => connector.cards().at(-1);
  const press = (title: string, fill: Record<string, string>) => {
    const card = lastCard();
    return { ...inputValues(card), ...fill, ...findSubmit(card, title).data };
  };

  it("completes one report whose turns alternate between the instances, then triages it from the other one", async () => {
    // The coordinators' channel and the people's chats are known (as after the bot's installation).
    await post(a, {
      type: "conversationUpdate",
      id: "inst",
      serviceUrl: connector.url,
      channelId: "msteams",
      from: { id: "29:x", aadObjectId: sophie.aadObjectId },
      recipient: BOT,
      conversation: { id: NORD, conversationType: "channel", isGroup: true, tenantId: DEMO_TENANT_ID },
      channelData: { tenant: { id: DEMO_TENANT_ID }, team: { id: NORD }, channel: { id: NORD } },
      membersAdded: [{ id: BOT.id }],
    });
    await post(b, personalMessage(connector.url, sophie, { text: "aide" }));

    await post(a, personalMessage(connector.url, claire, { text: "signaler" }));
    await post(
      b,
      personalMessage(connector.url, claire, {
        value: press("Suivant", { lastName: "Alterne", firstName: "Eva", className: "2nde 2", birthDate: `15/03/${new Date().getFullYear() - 17}` }),
      }),
    );
    expect(cardText(lastCard())).toContain("Signaux observés");
    await post(a, personalMessage(connector.url, claire, { value: press("Suivant", { signal_WITHDRAWAL: "true" }) }));
    expect(cardText(lastCard())).toContain("Précisions sur les signaux cochés");
    await post(b, personalMessage(connector.url, claire, { value: press("Suivant", { note_WITHDRAWAL: "Seul à la récréation" }) }));
    // Vigilance 3: under the bassin's default setting the coordinator may act before the GPDS decides.
    await post(a, personalMessage(connector.url, claire, { value: press("Voir le récapitulatif", { urgency: "3" }) }));
    const summary = press("Envoyer la fiche de repérage", {});
    await Promise.all([
      post(a, personalMessage(connector.url, claire, { value: summary })),
      post(b, personalMessage(connector.url, claire, { value: summary })),
    ]);
    const cases = await store.db.prisma.case.findMany({ where: { pupil: { lastName: "Alterne" } }, include: { reports: true } });
    expect(cases).toHaveLength(1);
    expect(cases[0]!.reports).toHaveLength(1);

    // The channel card is posted by whichever worker claims it; the other instance handles the click.
    const caseId = cases[0]!.id;
    await expect.poll(async () => await store.db.prisma.channelPost.count({ where: { caseId, conversationId: NORD } }), { timeout: 15_000 }).toBe(1);
    const res = await post(
      b,
      invokeActivity(connector.url, sophie, { conversationId: NORD, type: "channel", teamId: NORD }, "case.takeCharge", { caseId, version: cases[0]!.version }),
    );
    expect(cardText(((await res.json()) as { value: unknown }).value)).toContain("Dossier pris en charge par Sophie Laurent.");
    const posted = await store.db.prisma.channelPost.findFirstOrThrow({ where: { caseId, conversationId: NORD } });
    await expect.poll(() => connector.sent.some((s) => s.method === "PUT" && s.activityId === posted.activityId), { timeout: 15_000 }).toBe(true);
  }, 60_000);

  it("delivers 500 queued sends once each across both workers; after a kill -9 mid-batch none is lost", async () => {
    const conversations = Array.from({ length: 50 }, (_, i) => `a:load-${i}`);
    for (const id of conversations) {
      await store.conversations.upsert({
        conversationId: id,
        kind: "PERSONAL",
        tenantId: DEMO_TENANT_ID,
        aadObjectId: null,
        teamId: null,
        channelId: null,
        serviceUrl: connector.url,
        reference: { conversation: { id }, serviceUrl: connector.url, channelId: "msteams", bot: BOT, user: { id: "29:u" } },
      });
    }
    const delivered = () => {
      const counts = new Map<string, number>();
      for (const t of connector.texts().filter((x) => x.startsWith("load-"))) counts.set(t, (counts.get(t) ?? 0) + 1);
      return counts;
    };
    // Both instances alive: exactly once each.
    connector.clear();
    for (let i = 0; i < 500; i++) {
      await store.outbox.enqueue({ conversationId: conversations[i % 50]!, kind: "post", payload: { activity: { type: "message", text: `load-${i}` } } });
    }
    await expect.poll(() => store.outbox.pendingCount(), { timeout: 60_000, interval: 500 }).toBe(0);
    expect(delivered().size).toBe(500);
    expect([...delivered().values()].every((n) => n === 1)).toBe(true);

    connector.clear();
    connector.delayMs = 30; // sends stay in flight long enough for the kill to catch some
    for (let i = 0; i < 500; i++) {
      await store.outbox.enqueue({ conversationId: conversations[i % 50]!, kind: "post", payload: { activity: { type: "message", text: `load-${i}` } } });
    }
    await new Promise((r) => setTimeout(r, 400));
    a.child.kill("SIGKILL");
    await a.exited;
    await expect.poll(() => store.outbox.pendingCount(), { timeout: 60_000, interval: 500 }).toBe(0);

    const counts = delivered();
    expect(counts.size).toBe(500); // none lost
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    // A duplicate is possible only for a send that the killed instance had in flight: one per
    // conversation it was delivering (a conversation's sends go one at a time), and it delivers
    // 16 conversations at once.
    expect(duplicates).toBeLessThanOrEqual(16);
    expect(await store.db.prisma.outboxMessage.count({ where: { status: "FAILED" } })).toBe(0);
    console.log(`500 sends: ${duplicates} delivered twice after the kill`);
    connector.delayMs = 0;
  }, 90_000);
});
