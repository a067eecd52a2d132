import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CloudAdapter } from "botbuilder";
import { createLogger } from "../../src/logging.js";
import { createAdapter } from "../../src/teams/platform/adapter.js";
import { OutboxWorker, type OutboxWorkerOptions } from "../../src/teams/outbox/outbox-worker.js";
import { OutboxRepository } from "../../src/store/outbox.js";
import { ConversationRepository } from "../../src/store/conversations.js";
import { openDatabase, type Database } from "../../src/store/index.js";
import { FakeConnector } from "../helpers/fake-connector.js";
import { POSTGRES_URL, openTestDatabase } from "../helpers/database.js";
import { busiest } from "../helpers/windows.js";

const logger = createLogger("silent");
const CHANNEL = "19:triage-d1@thread.tacv2";
const PERSONAL = "a:personal-referent-1";

describe("outbox on postgres", () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let connector: FakeConnector;
  let adapter: CloudAdapter;
  let outbox: OutboxRepository;
  let conversations: ConversationRepository;
  let caseId: string;
  // An injected clock: tests move time forward instead of sleeping.
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);
  const advance = (ms: number) => {
    offsetMs += ms;
  };

  const worker = (opts: Partial<OutboxWorkerOptions> = {}) =>
    new OutboxWorker({ adapter, botAppId: "", outbox, conversations, logger, clock, backoff: () => 0, ...opts });

  const storeConversation = (conversationId: string, serviceUrl = connector.url, referenceConversationId = conversationId, repo = conversations) =>
    repo.upsert({
      conversationId,
      kind: conversationId.startsWith("19:") ? "CHANNEL" : "PERSONAL",
      tenantId: "tenant-1",
      aadObjectId: conversationId.startsWith("19:") ? null : "aad-referent-1",
      teamId: conversationId.startsWith("19:") ? "team-1" : null,
      channelId: conversationId.startsWith("19:") ? conversationId : null,
      serviceUrl,
      reference: {
        conversation: { id: referenceConversationId },
        serviceUrl,
        bot: { id: "28:bot" },
        channelId: "msteams",
        user: { id: "29:user-1", aadObjectId: "aad-referent-1" },
        activityId: "1700000000000",
      },
    });

  const text = (t: string) => ({ activity: { type: "message", text: t } });

  beforeAll(async () => {
    db = await openTestDatabase("postgres");
    connector = await new FakeConnector().start();
    adapter = createAdapter({ bot: { appType: "MultiTenant" }, defaultLocale: "fr" }, logger);
    outbox = new OutboxRepository(db.kysely);
    conversations = new ConversationRepository(db.kysely);
    // A case for ChannelPost bookkeeping (its foreign key).
    const district = await db.prisma.district.create({ data: { code: "D1", name: "District 1" } });
    const school = await db.prisma.school.create({ data: { uai: "0000001A", name: "Lycée A", kind: "LYCEE_GT", districtId: district.id } });
    const pupil = await db.prisma.pupil.create({ data: { schoolId: school.id, lastName: "X", firstName: "Y", nameKey: "x y", birthYear: 2009 } });
    caseId = (await db.prisma.case.create({ data: { reference: "D-2026-0001", pupilId: pupil.id, schoolId: school.id, districtId: district.id, urgency: 2 } }))
      .id;
    // The channel reference was stored from a message in a thread: a post must still start a new thread.
    await storeConversation(CHANNEL, connector.url, `${CHANNEL};messageid=1700000000000`);
    await storeConversation(PERSONAL);
  });

  afterAll(async () => {
    await connector?.stop();
    await db?.drop();
  });

  beforeEach(async () => {
    await db.prisma.outboxMessage.deleteMany();
    await db.prisma.outboxPace.deleteMany();
    await db.prisma.channelPost.deleteMany();
    connector.clear();
    connector.respond = () => ({ status: 200 });
  });

  it("posts a card as a new channel thread, marks it SENT with its activity id and records the ChannelPost", async () => {
    const card = { type: "AdaptiveCard", version: "1.5", body: [{ type: "TextBlock", text: "D-2026-0001" }] };
    const { id } = await outbox.enqueue({
      conversationId: CHANNEL,
      kind: "post",
      caseId,
      payload: { activity: { type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", content: card }] } },
    });
    await outbox.enqueue({ conversationId: PERSONAL, kind: "post", caseId, payload: text("Nouveau signalement D-2026-0001") });
    expect(await outbox.pendingCount()).toBe(2);

    expect(await worker().drainOnce()).toEqual({ claimed: 2, sent: 2, retried: 0, failed: 0 });

    const post = connector.sent.find((a) => a.conversationId === CHANNEL)!;
    expect(post).toMatchObject({ method: "POST", path: `/v3/conversations/${CHANNEL}/activities` });
    expect(post.replyToId).toBeUndefined();
    expect(connector.cards()).toEqual([card]);
    expect(connector.sent.find((a) => a.conversationId === PERSONAL)?.body.text).toBe("Nouveau signalement D-2026-0001");

    const row = await outbox.get(id);
    expect(row).toMatchObject({ status: "SENT", attempts: 1, lockedBy: null, lastError: null });
    expect(row!.resultActivityId).toMatch(/^activity-\d+$/);
    expect(row!.sentAt).toBeInstanceOf(Date);
    const posts = await outbox.channelPostsOf(caseId);
    expect(posts.find((p) => p.conversationId === CHANNEL)?.activityId).toBe(row!.resultActivityId);
    expect(await outbox.pendingCount()).toBe(0);
  });

  it("updates the posted card in place (PUT), by explicit activity id or through the case's ChannelPost", async () => {
    const w = worker();
    const { id } = await outbox.enqueue({ conversationId: CHANNEL, kind: "post", caseId, payload: text("v1") });
    // Enqueued before the post is delivered: the worker resolves the posted activity when it sends.
    await outbox.enqueue({ conversationId: CHANNEL, kind: "update", caseId, payload: text("v2") });
    expect((await w.drainOnce()).sent).toBe(2);
    const postedId = (await outbox.get(id))!.resultActivityId!;
    await outbox.enqueue({ conversationId: CHANNEL, kind: "update", payload: { ...text("v3"), activityId: postedId } });
    expect((await w.drainOnce()).sent).toBe(1);

    expect(connector.sent.map((a) => [a.method, a.activityId, a.body.text])).toEqual([
      ["POST", undefined, "v1"],
      ["PUT", postedId, "v2"],
      ["PUT", postedId, "v3"],
    ]);
    expect(connector.sent[1]!.path).toBe(`/v3/conversations/${CHANNEL}/activities/${postedId}`);

    // An update with nothing posted to update fails at once.
    const orphan = await outbox.enqueue({ conversationId: PERSONAL, kind: "update", caseId, payload: text("v4") });
    expect((await w.drainOnce()).failed).toBe(1);
    expect(await outbox.get(orphan.id)).toMatchObject({ status: "FAILED", lastError: "no posted activity to update" });
  });

  it("honours Retry-After on 429, then delivers on the next drain after that time", async () => {
    let calls = 0;
    connector.respond = () => (++calls === 1 ? { status: 429, headers: { "Retry-After": "2" } } : { status: 200 });
    const w = worker();
    const { id } = await outbox.enqueue({ conversationId: PERSONAL, kind: "post", payload: text("throttled") });

    const before = clock().getTime();
    expect(await w.drainOnce()).toMatchObject({ sent: 0, retried: 1 });
    // Bounded by the clock before and after the drain, whatever the drain took on a busy machine.
    const after = clock().getTime();
    expect(connector.sent).toHaveLength(1); // no in-process retry: the outbox schedules it
    const row = (await outbox.get(id))!;
    expect(row).toMatchObject({ status: "PENDING", attempts: 1, lockedBy: null });
    expect(row.lastError).toContain("HTTP 429");
    expect(row.nextAttemptAt.getTime() - before).toBeGreaterThanOrEqual(1990);
    expect(row.nextAttemptAt.getTime() - after).toBeLessThanOrEqual(2000);

    advance(1000);
    expect((await w.drainOnce()).claimed).toBe(0);
    advance(1100);
    expect(await w.drainOnce()).toMatchObject({ sent: 1 });
    expect(connector.texts()).toEqual(["throttled", "throttled"]);
    expect(await outbox.get(id)).toMatchObject({ status: "SENT", attempts: 2, lastError: null });
  });

  it("Retry-After as an HTTP date on 503 and the default exponential backoff on 500", async () => {
    connector.respond = (a) =>
      a.body.text === "dated" ? { status: 503, headers: { "Retry-After": new Date(Date.now() + 10_000).toUTCString() } } : { status: 500 };
    const w = worker({ backoff: undefined });
    const dated = await outbox.enqueue({ conversationId: PERSONAL, kind: "post", payload: text("dated") });
    const plain = await outbox.enqueue({ conversationId: CHANNEL, kind: "post", payload: text("plain") });
    const before = clock().getTime();
    expect((await w.drainOnce()).retried).toBe(2);
    const drainMs = clock().getTime() - before;
    const datedDelay = (await outbox.get(dated.id))!.nextAttemptAt.getTime() - before;
    expect(datedDelay).toBeGreaterThan(8_500);
    expect(datedDelay).toBeLessThan(drainMs + 10_500);
    const plainDelay = (await outbox.get(plain.id))!.nextAttemptAt.getTime() - before;
    expect(plainDelay).toBeGreaterThanOrEqual(1000); // 1 s after the first failure, plus jitter
    expect(plainDelay).toBeLessThan(drainMs + 1300);
  });

  it("retries 500 until it succeeds (4th attempt), and gives a send up (FAILED) after failing for giveUpAfterMs, listed for admins", async () => {
    let calls = 0;
    connector.respond = (a) => (a.body.text === "flaky" ? (++calls <= 3 ? { status: 500 } : { status: 200 }) : { status: 500 });
    const w = worker({ giveUpAfterMs: 3_600_000 });
    const flaky = await outbox.enqueue({ conversationId: PERSONAL, kind: "post", payload: text("flaky") });
    const broken = await outbox.enqueue({ conversationId: CHANNEL, kind: "post", payload: text("broken") });

    const results = [];
    for (let i = 0; i < 4; i++) results.push(await w.drainOnce());
    expect(results.map((r) => [r.sent, r.retried, r.failed])).toEqual([
      [0, 2, 0],
      [0, 2, 0],
      [0, 2, 0],
      [1, 1, 0],
    ]);
    expect(await outbox.get(flaky.id)).toMatchObject({ status: "SENT", attempts: 4, failingSince: null });
    // Still failing 59 minutes after its first failure: retried; at one hour: given up.
    advance(59 * 60_000);
    expect(await w.drainOnce()).toMatchObject({ retried: 1, failed: 0 });
    advance(60_000);
    expect(await w.drainOnce()).toMatchObject({ retried: 0, failed: 1 });
    const failed = await outbox.get(broken.id);
    expect(failed).toMatchObject({ status: "FAILED", attempts: 6 });
    expect(failed!.lastError).toMatch(/HTTP 500.*gave up after 6 attempts over 60 min/);
    expect((await outbox.failed()).map((r) => r.id)).toEqual([broken.id]);
    expect(connector.texts().filter((t) => t === "broken")).toHaveLength(6);
    expect((await w.drainOnce()).claimed).toBe(0);

    // An admin can put it back in the queue.
    connector.respond = () => ({ status: 200 });
    expect(await outbox.requeue(broken.id, clock())).toBe(true);
    expect(await outbox.get(broken.id)).toMatchObject({ status: "PENDING", attempts: 0, failingSince: null });
    expect((await w.drainOnce()).sent).toBe(1);
  });

  it("retries when Teams is unreachable, and delivers once it answers", async () => {
    const down = await new FakeConnector().start();
    await down.stop();
    const conversationId = "a:personal-unreachable";
    await storeConversation(conversationId, down.url);
    const w = worker();
    const { id } = await outbox.enqueue({ conversationId, kind: "post", payload: text("hello") });

    expect(await w.drainOnce()).toMatchObject({ retried: 1 });
    const row = (await outbox.get(id))!;
    expect(row).toMatchObject({ status: "PENDING", attempts: 1 });
    expect(row.lastError).toMatch(/network error (ECONNREFUSED|ECONNRESET)/);

    await storeConversation(conversationId, connector.url);
    // A network failure is retried no sooner than the failed attempt took (a few ms, more on a busy
    // machine): time moves past the retry date the worker set.
    advance(Math.max(0, row.nextAttemptAt.getTime() - clock().getTime()) + 1);
    expect(await w.drainOnce()).toMatchObject({ sent: 1 });
    expect(connector.texts()).toEqual(["hello"]);
  });

  it("fails at once on 400, and when no conversation reference is stored", async () => {
    connector.respond = () => ({ status: 400, body: { error: { code: "BadArgument", message: "bad" } } });
    const w = worker();
    const bad = await outbox.enqueue({ conversationId: PERSONAL, kind: "post", payload: text("bad") });
    const nowhere = await outbox.enqueue({ conversationId: "a:unknown", kind: "post", payload: text("nowhere") });
    expect(await w.drainOnce()).toMatchObject({ sent: 0, retried: 0, failed: 2 });
    expect(connector.sent).toHaveLength(1);
    expect(await outbox.get(bad.id)).toMatchObject({ status: "FAILED", attempts: 1 });
    expect((await outbox.get(bad.id))!.lastError).toContain("HTTP 400");
    expect((await outbox.get(nowhere.id))!.lastError).toContain("no stored conversation reference");
    expect((await outbox.failed()).map((r) => r.id).sort()).toEqual([bad.id, nowhere.id].sort());
  });

  it("enqueue with a dedupeKey is idempotent, also inside the caller's transaction", async () => {
    const a = await outbox.enqueue({ conversationId: CHANNEL, kind: "post", caseId, payload: text("once"), dedupeKey: `triage:${caseId}` });
    const b = await db.kysely.transaction().execute(async (trx) => {
      const r = await outbox.enqueue({ conversationId: CHANNEL, kind: "post", caseId, payload: text("once"), dedupeKey: `triage:${caseId}` }, trx);
      await trx.insertInto("CaseEvent").values({ caseId, type: "ROUTED" }).execute(); // the transaction is still usable
      return r;
    });
    expect(a.created).toBe(true);
    expect(b).toEqual({ id: a.id, created: false });
    expect(await db.prisma.outboxMessage.count()).toBe(1);
    // A rolled-back transaction leaves no send behind.
    await expect(
      db.kysely.transaction().execute(async (trx) => {
        await outbox.enqueue({ conversationId: CHANNEL, kind: "post", payload: text("rolled back") }, trx);
        throw new Error("case not committed");
      }),
    ).rejects.toThrow("case not committed");
    expect(await db.prisma.outboxMessage.count()).toBe(1);
    expect((await worker().drainOnce()).sent).toBe(1);
    expect(connector.texts()).toEqual(["once"]);
  });

  it("after a restart, a new worker delivers what was pending, but not a claim whose lease has not expired", async () => {
    // The killed instance had claimed the channel send (5 s lease) and never finished it.
    const inFlight = await outbox.enqueue({ conversationId: CHANNEL, kind: "post", payload: text("claimed by the killed instance") });
    const claimed = await outbox.claimDue({ workerId: "killed-instance", conversations: 1, leaseMs: 5000, now: clock() });
    expect(claimed.map((r) => r.id)).toEqual([inFlight.id]);
    const first = await outbox.enqueue({ conversationId: PERSONAL, kind: "post", payload: text("pending 1") });
    await outbox.enqueue({ conversationId: PERSONAL, kind: "post", payload: text("pending 2") });

    // "Restart": another connection pool, repository and worker on the same schema.
    const db2: Database = await openDatabase({ kind: "postgres", url: POSTGRES_URL }, { schema: db.schema, migrate: false });
    try {
      const outbox2 = new OutboxRepository(db2.kysely);
      const w2 = new OutboxWorker({ adapter, botAppId: "", outbox: outbox2, conversations: new ConversationRepository(db2.kysely), logger, clock });
      expect(await w2.drainOnce()).toMatchObject({ claimed: 2, sent: 2 });
      expect(connector.texts()).toEqual(["pending 1", "pending 2"]);
      expect((await outbox2.get(first.id))!.status).toBe("SENT");

      advance(4000);
      expect((await w2.drainOnce()).claimed).toBe(0);
      expect((await outbox2.get(inFlight.id))!.status).toBe("PENDING");
      advance(1100); // lease expired
      expect(await w2.drainOnce()).toMatchObject({ claimed: 1, sent: 1 });
      expect(connector.texts().filter((t) => t === "claimed by the killed instance")).toHaveLength(1);
      // The killed instance, were it to come back, no longer holds the lease.
      expect(await outbox.markSent(inFlight.id, "killed-instance", "x")).toBe(false);
      expect(await outbox2.pendingCount()).toBe(0);
    } finally {
      await db2.close();
    }
  });

  it("claims no more than asked, the oldest first, and leaves the rest to the next claims", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await outbox.enqueue({ conversationId: `a:personal-${i}`, kind: "post", payload: text(`send ${i}`) })).id);
    const claims = [];
    for (let i = 0; i < 4; i++) claims.push((await outbox.claimDue({ workerId: "w", conversations: 2, leaseMs: 60_000, now: clock() })).map((r) => r.id));
    expect(claims).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4, 6), []]);
  });

  it("two workers on one database deliver 100 queued sends exactly once each, in order per conversation", async () => {
    const ids: string[] = [];
    for (let c = 0; c < 50; c++) {
      const conversationId = `a:personal-many-${c}`;
      ids.push(conversationId);
    }
    await db.prisma.conversationRef.createMany({
      data: ids.map((conversationId) => ({
        conversationId,
        kind: "PERSONAL" as const,
        serviceUrl: connector.url,
        reference: { conversation: { id: conversationId }, serviceUrl: connector.url, bot: { id: "28:bot" }, channelId: "msteams", user: { id: "29:u" } },
      })),
    });
    for (let c = 0; c < 50; c++) {
      await outbox.enqueue({ conversationId: ids[c]!, kind: "post", payload: text(`send-${c}-a`) });
      await outbox.enqueue({ conversationId: ids[c]!, kind: "post", payload: text(`send-${c}-b`) });
    }
    const db2: Database = await openDatabase({ kind: "postgres", url: POSTGRES_URL }, { schema: db.schema, migrate: false });
    try {
      const w1 = worker({ concurrency: 5, workerId: "w1" });
      const w2 = new OutboxWorker({
        adapter,
        botAppId: "",
        outbox: new OutboxRepository(db2.kysely),
        conversations: new ConversationRepository(db2.kysely),
        logger,
        clock,
        concurrency: 5,
        workerId: "w2",
      });
      const run = async (w: OutboxWorker) => {
        let sent = 0;
        for (;;) {
          const r = await w.drainOnce();
          sent += r.sent;
          if (r.claimed === 0) {
            if ((await outbox.pendingCount()) === 0) return sent;
            await sleep(10);
          }
        }
      };
      const [s1, s2] = await Promise.all([run(w1), run(w2)]);
      expect(s1 + s2).toBe(100);
      expect(s1).toBeGreaterThan(0);
      expect(s2).toBeGreaterThan(0);
      const texts = connector.texts();
      expect(texts).toHaveLength(100);
      expect(new Set(texts).size).toBe(100);
      for (let c = 0; c < 50; c++) expect(texts.indexOf(`send-${c}-a`)).toBeLessThan(texts.indexOf(`send-${c}-b`));
      expect(await db.prisma.outboxMessage.count({ where: { status: "SENT" } })).toBe(100);
    } finally {
      await db2.close();
    }
  });

  it("sends to one conversation within Teams' limits without dropping any, and does not slow other conversations", async () => {
    for (let i = 0; i < 20; i++) await outbox.enqueue({ conversationId: PERSONAL, kind: "post", payload: text(`burst-${i}`) });
    for (let i = 0; i < 5; i++) await outbox.enqueue({ conversationId: CHANNEL, kind: "post", payload: text(`other-${i}`) });
    const w = worker({ pollMs: 100 });
    w.start();
    await expect.poll(() => connector.sent.length, { timeout: 20_000 }).toBe(25);
    await w.stop();

    const burst = connector.sent.filter((s) => s.conversationId === PERSONAL);
    expect(burst.map((s) => s.body.text)).toEqual(Array.from({ length: 20 }, (_, i) => `burst-${i}`));
    const at = burst.map((s) => s.at);
    expect(busiest(at, 1000)).toBeLessThanOrEqual(7);
    expect(busiest(at, 2000)).toBeLessThanOrEqual(8);
    // The other conversation's sends all arrived before the burst's eighth, which had to wait.
    const other = connector.sent.filter((s) => s.conversationId === CHANNEL);
    expect(Math.max(...other.map((s) => connector.sent.indexOf(s)))).toBeLessThan(connector.sent.indexOf(burst[7]!));
  });

  it("start() polls, kick() delivers a fresh send without waiting for the poll, stop() waits for the batch", async () => {
    const w = worker({ pollMs: 60_000 });
    w.start();
    await sleep(50); // the first poll finds nothing
    await outbox.enqueue({ conversationId: PERSONAL, kind: "post", payload: text("kicked") });
    w.kick();
    const deadline = Date.now() + 5000;
    while (connector.texts().length === 0 && Date.now() < deadline) await sleep(10);
    await w.stop();
    expect(connector.texts()).toEqual(["kicked"]);
    expect(await outbox.pendingCount()).toBe(0);
  });
});

describe("outbox on embedded PGlite (the default database)", () => {
  it("claims, delivers and dedupes the same way", async () => {
    const db = await openTestDatabase("embedded");
    const connector = await new FakeConnector().start();
    try {
      const outbox = new OutboxRepository(db.kysely);
      const conversations = new ConversationRepository(db.kysely);
      const reference = { conversation: { id: "a:1" }, serviceUrl: connector.url, bot: { id: "28:bot" }, channelId: "msteams", user: { id: "29:u" } };
      await conversations.upsert({
        conversationId: "a:1",
        kind: "PERSONAL",
        tenantId: null,
        aadObjectId: null,
        teamId: null,
        channelId: null,
        serviceUrl: connector.url,
        reference,
      });
      const a = await outbox.enqueue({ conversationId: "a:1", kind: "post", payload: { activity: { text: "one" } }, dedupeKey: "k" });
      const b = await db.kysely
        .transaction()
        .execute((trx) => outbox.enqueue({ conversationId: "a:1", kind: "post", payload: { activity: { text: "one" } }, dedupeKey: "k" }, trx));
      expect(b).toEqual({ id: a.id, created: false });
      const adapter = createAdapter({ bot: { appType: "MultiTenant" }, defaultLocale: "fr" }, logger);
      const w = new OutboxWorker({ adapter, botAppId: "", outbox, conversations, logger });
      expect(await w.drainOnce()).toEqual({ claimed: 1, sent: 1, retried: 0, failed: 0 });
      expect(connector.texts()).toEqual(["one"]);
    } finally {
      await connector.stop();
      await db.drop();
    }
  });
});
