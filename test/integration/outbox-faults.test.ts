import { sql } from "kysely";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CloudAdapter } from "botbuilder";
import { createLogger } from "../../src/logging.js";
import { createAdapter } from "../../src/teams/platform/adapter.js";
import { OutboxWorker, type OutboxWorkerOptions } from "../../src/teams/outbox/outbox-worker.js";
import { OutboxRepository } from "../../src/store/outbox.js";
import { ConversationRepository } from "../../src/store/conversations.js";
import { openDatabase, type Database } from "../../src/store/index.js";
import { nextSlots, paceMemoryMs, TEAMS_THREAD_LIMITS } from "../../src/teams/outbox/send-pace.js";
import { FakeConnector } from "../helpers/fake-connector.js";
import { POSTGRES_URL, openTestDatabase } from "../helpers/database.js";
import { busiest } from "../helpers/windows.js";

// The outbox when Teams is slow, limits the bot, or is away, with two instances on one database.

const logger = createLogger("silent");
const CHANNEL = "19:faults@thread.tacv2";
const PERSONAL = "a:personal-faults";

describe("outbox faults, two instances on PostgreSQL", () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let db2: Database;
  let connector: FakeConnector;
  let adapter: CloudAdapter;
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);
  /** Sends marked delivered, by worker. */
  const sentBy = new Map<string, number>();
  class CountingOutbox extends OutboxRepository {
    override async markSent(...args: Parameters<OutboxRepository["markSent"]>): Promise<boolean> {
      const marked = await super.markSent(...args);
      const workerId = args[1];
      if (marked) sentBy.set(workerId, (sentBy.get(workerId) ?? 0) + 1);
      return marked;
    }
  }
  const repos = () => ({ outbox: new CountingOutbox(db.kysely), conversations: new ConversationRepository(db.kysely) });
  const repos2 = () => ({ outbox: new CountingOutbox(db2.kysely), conversations: new ConversationRepository(db2.kysely) });
  const workers: OutboxWorker[] = [];
  const worker = (instance: 1 | 2, opts: Partial<OutboxWorkerOptions> = {}) => {
    const w = new OutboxWorker({
      adapter,
      botAppId: "",
      logger,
      clock,
      pollMs: 50,
      workerId: `instance-${instance}-${workers.length}`,
      ...(instance === 1 ? repos() : repos2()),
      ...opts,
    });
    workers.push(w);
    return w;
  };
  const text = (t: string) => ({ activity: { type: "message", text: t } });
  const enqueue = (conversationId: string, t: string) => repos().outbox.enqueue({ conversationId, kind: "post", payload: text(t) });
  const texts = (conversationId: string) => connector.sent.filter((s) => s.conversationId === conversationId).map((s) => s.body.text);

  beforeAll(async () => {
    db = await openTestDatabase("postgres");
    db2 = await openDatabase({ kind: "postgres", url: POSTGRES_URL }, { schema: db.schema, migrate: false });
    connector = await new FakeConnector().start();
    adapter = createAdapter({ bot: { appType: "MultiTenant" }, defaultLocale: "fr" }, logger);
    for (const conversationId of [CHANNEL, PERSONAL]) {
      await repos().conversations.upsert({
        conversationId,
        kind: conversationId === CHANNEL ? "CHANNEL" : "PERSONAL",
        tenantId: "tenant-1",
        aadObjectId: null,
        teamId: null,
        channelId: null,
        serviceUrl: connector.url,
        reference: { conversation: { id: conversationId }, serviceUrl: connector.url, bot: { id: "28:bot" }, channelId: "msteams", user: { id: "29:u" } },
      });
    }
  });
  afterAll(async () => {
    await connector?.stop();
    await db2?.close();
    await db?.drop();
  });
  beforeEach(async () => {
    for (const w of workers.splice(0)) await w.stop(0);
    await db.prisma.outboxMessage.deleteMany();
    await db.prisma.outboxPace.deleteMany();
    connector.clear();
    sentBy.clear();
    connector.respond = () => ({ status: 200 });
    connector.delayMs = 0;
    connector.delayOf = null;
    connector.down = false;
    offsetMs = 0;
  });

  it("keeps one conversation within Teams' limits when another instance takes over its sends", async () => {
    for (let i = 0; i < 16; i++) await enqueue(CHANNEL, `paced-${i}`);
    connector.delayMs = 20;
    const first = worker(1);
    first.start();
    await expect.poll(() => connector.sent.length, { timeout: 10_000, interval: 10 }).toBeGreaterThanOrEqual(7);
    // The first instance stops (a rolling restart): the second takes the channel's next sends at once.
    await first.stop(5000);
    worker(2).start();
    await expect.poll(() => connector.sent.length, { timeout: 30_000, interval: 100 }).toBe(16);
    const at = connector.sent.map((s) => s.at);
    expect(busiest(at, 1000)).toBeLessThanOrEqual(7);
    expect(busiest(at, 2000)).toBeLessThanOrEqual(8);
    expect(texts(CHANNEL)).toEqual(Array.from({ length: 16 }, (_, i) => `paced-${i}`));
    expect([...sentBy.keys()]).toHaveLength(2);
  });

  it("the claim keeps to the pace another instance recorded: a conversation is not claimed before its next start", async () => {
    await enqueue(CHANNEL, "paced");
    await enqueue(PERSONAL, "free");
    const { dbNow } = await db.kysely.selectNoFrom(sql<Date>`now()`.as("dbNow")).executeTakeFirstOrThrow();
    // Another instance just made eight sends to the channel: the next may start 2.2 s after the first.
    const sends = Array.from({ length: 8 }, (_, i) => dbNow.getTime() - 100 + i);
    const memoryMs = paceMemoryMs(TEAMS_THREAD_LIMITS);
    await db.prisma.outboxPace.create({
      data: { conversationId: CHANNEL, sends: sends.map((t) => new Date(t)), nextStartAt: new Date(nextSlots(sends, 1, dbNow.getTime())[0]!) },
    });
    const schedule = (ended: number[], n: number, now: number) => nextSlots(ended, n, now);
    const now = await repos().outbox.claimDue({ workerId: "a", conversations: 5, leaseMs: 60_000, now: clock(), schedule, memoryMs });
    expect(now.map((r) => r.conversationId)).toEqual([PERSONAL]);
    const within = await repos().outbox.claimDue({ workerId: "a", conversations: 5, leaseMs: 60_000, now: clock(), horizonMs: 3000, schedule, memoryMs });
    expect(within.map((r) => r.conversationId)).toEqual([CHANNEL]);
    expect(within[0]!.pace.sends).toEqual(sends);
  });

  it("a slow conversation holds up no other: a notice queued meanwhile goes out at once", async () => {
    connector.delayOf = (a) => (a.conversationId === CHANNEL ? 1500 : 0);
    for (let i = 0; i < 3; i++) await enqueue(CHANNEL, `slow-${i}`);
    const w = worker(1);
    w.start();
    await expect.poll(() => texts(CHANNEL).length, { timeout: 10_000, interval: 20 }).toBe(1);
    await enqueue(PERSONAL, "notice");
    w.kick();
    await expect.poll(() => texts(CHANNEL).length, { timeout: 15_000, interval: 50 }).toBe(3);
    const order = connector.sent.map((s) => s.body.text);
    expect(order.indexOf("notice")).toBeGreaterThan(-1);
    expect(order.indexOf("notice")).toBeLessThan(order.indexOf("slow-1"));
  });

  it("a stopping instance hands back the sends it has not started, and another delivers them at once, each once", async () => {
    connector.delayMs = 200;
    for (let i = 0; i < 20; i++) await enqueue(PERSONAL, `stop-${i}`);
    const leaving = worker(1);
    leaving.start();
    await expect.poll(() => connector.sent.length, { timeout: 10_000, interval: 20 }).toBeGreaterThanOrEqual(2);
    await leaving.stop(5000);
    const byLeaving = connector.sent.length;
    expect(await db.prisma.outboxMessage.count({ where: { status: "PENDING", lockedBy: { not: null } } })).toBe(0);
    expect(byLeaving).toBeLessThan(20);
    worker(2).start();
    await expect.poll(() => connector.sent.length, { timeout: 30_000, interval: 100 }).toBe(20);
    expect(texts(PERSONAL)).toEqual(Array.from({ length: 20 }, (_, i) => `stop-${i}`));
  });

  it("a Teams that answers later than the lease: the send is not taken over nor retried, it arrives once", async () => {
    connector.delayMs = 2500;
    const { id } = await enqueue(CHANNEL, "slow reply");
    worker(1, { leaseMs: 1000 }).start();
    worker(2, { leaseMs: 1000 }).start();
    await expect.poll(async () => (await db.prisma.outboxMessage.findUniqueOrThrow({ where: { id } })).status, { timeout: 20_000, interval: 100 }).toBe("SENT");
    await sleep(1500); // time for a takeover or a retry, were there one
    expect(texts(CHANNEL)).toEqual(["slow reply"]);
    expect(await db.prisma.outboxMessage.findUniqueOrThrow({ where: { id } })).toMatchObject({ attempts: 1 });
  });

  it("a send whose answer never came is retried no sooner than the attempt lasted", async () => {
    connector.delayMs = 1500;
    const { id } = await enqueue(CHANNEL, "timed out");
    // A clock that stands still: the next attempt's date is the delay chosen.
    const frozen = new Date();
    const w = worker(1, { sendTimeoutMs: 500, backoff: () => 0, clock: () => frozen });
    expect(await w.drainOnce()).toMatchObject({ retried: 1 });
    const row = await db.prisma.outboxMessage.findUniqueOrThrow({ where: { id } });
    expect(row.nextAttemptAt.getTime() - frozen.getTime()).toBeGreaterThanOrEqual(500);
  });

  it("retries through a two-hour outage of Teams, keeps the conversation's order, and gives up after a day", async () => {
    // Teams is away: connections are cut before any answer.
    connector.down = true;
    await enqueue(CHANNEL, "first");
    await enqueue(CHANNEL, "second");
    const w = worker(1);
    for (let minutes = 0; minutes <= 120; minutes += 10) {
      await w.drainOnce();
      offsetMs += 10 * 60_000;
    }
    expect(await db.prisma.outboxMessage.count({ where: { status: "FAILED" } })).toBe(0);
    expect(await db.prisma.outboxMessage.findFirstOrThrow({ where: { status: "PENDING" }, orderBy: { createdAt: "asc" } })).toMatchObject({ attempts: 13 });
    expect(texts(CHANNEL)).toEqual([]); // nothing reached it, and the second waited behind the first
    connector.down = false;
    connector.clear();
    for (let i = 0; i < 3 && connector.sent.length < 2; i++) {
      await w.drainOnce();
      offsetMs += 5 * 60_000;
    }
    expect(texts(CHANNEL)).toEqual(["first", "second"]);

    // Down for more than a day: the send is given up, and the next one of the conversation goes.
    connector.respond = (a) => (a.body.text === "lost" ? { status: 503 } : { status: 200 });
    await enqueue(PERSONAL, "lost");
    await enqueue(PERSONAL, "after");
    for (let hours = 0; hours <= 25; hours++) {
      await w.drainOnce();
      offsetMs += 3_600_000;
    }
    await w.drainOnce();
    const lost = await db.prisma.outboxMessage.findFirstOrThrow({ where: { conversationId: PERSONAL, status: "FAILED" } });
    expect(lost.lastError).toMatch(/gave up after \d+ attempts over 2[45] h/);
    expect(texts(PERSONAL).at(-1)).toBe("after");
  });

  it("an admin puts every failed send back at once; each goes before the later sends of its conversation", async () => {
    connector.respond = () => ({ status: 403 });
    await enqueue(CHANNEL, "refused-1");
    await enqueue(PERSONAL, "refused-2");
    const w = worker(1);
    await w.drainOnce();
    expect(await db.prisma.outboxMessage.count({ where: { status: "FAILED" } })).toBe(2);
    connector.respond = () => ({ status: 200 });
    connector.clear();
    expect(await repos().outbox.requeueAllFailed(clock())).toBe(2);
    await enqueue(CHANNEL, "later");
    await w.drainOnce();
    await w.drainOnce();
    expect(texts(CHANNEL)).toEqual(["refused-1", "later"]);
    expect(texts(PERSONAL)).toEqual(["refused-2"]);
    expect(await repos().outbox.requeueAllFailed(clock())).toBe(0);
  });
});
