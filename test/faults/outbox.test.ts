import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore, openDatabase, type Store } from "../../src/store/index.js";
import { DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { BOT } from "../helpers/bot-harness.js";
import { startBotProcess, type BotProcess } from "../helpers/bot-process.js";
import { FakeConnector } from "../helpers/fake-connector.js";
import { POSTGRES_URL, dropSchema, uniqueSchemaName } from "../helpers/database.js";
import { busiest } from "../helpers/windows.js";

// Two bot processes deliver one outbox, with a Teams that limits, answers late, and an instance
// that is stopped while it delivers.

describe("the outbox of two bot processes under a slow and limiting Teams", () => {
  const schema = uniqueSchemaName();
  const connector = new FakeConnector();
  const env = { DATABASE_URL: `${POSTGRES_URL}?schema=${schema}`, OUTBOX_LEASE_SECONDS: "3", SHUTDOWN_GRACE_SECONDS: "4" };
  let a: BotProcess;
  let b: BotProcess;
  let store: Store;
  let close: () => Promise<void>;

  const conversation = async (id: string) =>
    store.conversations.upsert({
      conversationId: id,
      kind: id.startsWith("19:") ? "CHANNEL" : "PERSONAL",
      tenantId: DEMO_TENANT_ID,
      aadObjectId: null,
      teamId: null,
      channelId: null,
      serviceUrl: connector.url,
      reference: { conversation: { id }, serviceUrl: connector.url, channelId: "msteams", bot: BOT, user: { id: "29:u" } },
    });
  const enqueue = (conversationId: string, text: string) =>
    store.outbox.enqueue({ conversationId, kind: "post", payload: { activity: { type: "message", text } } });
  const arrivals = (conversationId: string) => connector.sent.filter((s) => s.conversationId === conversationId);
  const pending = (conversationId: string) => store.db.prisma.outboxMessage.count({ where: { conversationId, status: "PENDING" } });

  beforeAll(async () => {
    await connector.start();
    a = await startBotProcess({ ...env, SEED_DEMO: "always" });
    b = await startBotProcess({ ...env, SEED_DEMO: "never" });
    const db = await openDatabase({ kind: "postgres", url: POSTGRES_URL }, { schema, migrate: false });
    store = createStore(db);
    close = () => db.close();
  });
  afterAll(async () => {
    for (const p of [a, b]) if (p && p.child.exitCode === null) p.child.kill("SIGTERM");
    await Promise.all([a?.exited, b?.exited]);
    await close?.();
    await connector.stop();
    await dropSchema(schema);
  });

  it("keeps a busy channel within Teams' limits across both instances, sends each once and in order, and holds up no chat", async () => {
    const channel = "19:busy@thread.tacv2";
    const chats = Array.from({ length: 5 }, (_, i) => `a:chat-${i}`);
    for (const id of [channel, ...chats]) await conversation(id);
    connector.delayMs = 40;
    const queuedAt = Date.now();
    for (let i = 0; i < 30; i++) await enqueue(channel, `busy-${i}`);
    for (const id of chats) for (let i = 0; i < 2; i++) await enqueue(id, `${id}-${i}`);
    await expect.poll(() => store.outbox.pendingCount(), { timeout: 60_000, interval: 250 }).toBe(0);
    const sent = arrivals(channel);
    expect(sent.map((s) => s.body.text)).toEqual(Array.from({ length: 30 }, (_, i) => `busy-${i}`));
    const at = sent.map((s) => s.at);
    expect(busiest(at, 1000)).toBeLessThanOrEqual(7);
    expect(busiest(at, 2000)).toBeLessThanOrEqual(8);
    for (const id of chats) expect(arrivals(id).map((s) => s.body.text)).toEqual([`${id}-0`, `${id}-1`]);
    const chatsDoneMs = Math.max(...chats.flatMap((id) => arrivals(id).map((s) => s.at))) - queuedAt;
    console.log(
      `30 sends to one channel in ${at.at(-1)! - at[0]!} ms (at most ${busiest(at, 1000)} in 1 s, ${busiest(at, 2000)} in 2 s); 10 chat notices all delivered ${chatsDoneMs} ms after queuing`,
    );
    connector.delayMs = 0;
  });

  it("SIGTERM: the instance exits 0 within its grace period and hands back the sends it had not started; none goes twice", async () => {
    const channel = "19:stopping@thread.tacv2";
    await conversation(channel);
    // Only A delivers: B is stopped first (idle, it exits at once).
    b.child.kill("SIGTERM");
    expect(await b.exited).toBe(0);
    connector.delayOf = (s) => (s.conversationId === channel ? 800 : 0);
    for (let i = 0; i < 20; i++) await enqueue(channel, `stop-${i}`);
    await expect.poll(() => arrivals(channel).length, { timeout: 30_000, interval: 50 }).toBeGreaterThanOrEqual(3);
    const signalled = Date.now();
    a.child.kill("SIGTERM");
    const code = await a.exited;
    const exitMs = Date.now() - signalled;
    expect(code).toBe(0);
    const left = await store.db.prisma.outboxMessage.findMany({ where: { conversationId: channel, status: "PENDING" } });
    expect(left.length).toBeGreaterThan(0);
    expect(left.filter((r) => r.lockedBy !== null)).toEqual([]); // any instance may take them now
    console.log(`SIGTERM while sending: exit code ${code} after ${exitMs} ms (grace 4 s), ${20 - left.length} of 20 sent, ${left.length} handed back`);

    b = await startBotProcess({ ...env, SEED_DEMO: "never" });
    await expect.poll(() => pending(channel), { timeout: 60_000, interval: 250 }).toBe(0);
    expect(arrivals(channel).map((s) => s.body.text)).toEqual(Array.from({ length: 20 }, (_, i) => `stop-${i}`));
    connector.delayOf = null;
    a = await startBotProcess({ ...env, SEED_DEMO: "never" });
  });

  it("a Teams answering later than the lease: each send arrives once", async () => {
    const channel = "19:slow@thread.tacv2";
    await conversation(channel);
    connector.delayOf = (s) => (s.conversationId === channel ? 5000 : 0);
    for (let i = 0; i < 3; i++) await enqueue(channel, `slow-${i}`);
    await expect.poll(() => pending(channel), { timeout: 60_000, interval: 250 }).toBe(0);
    await sleep(3500); // a lease's time: a takeover or a retry would have sent one again
    expect(arrivals(channel).map((s) => s.body.text)).toEqual(["slow-0", "slow-1", "slow-2"]);
    connector.delayOf = null;
  });
});
