import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Activity, CloudAdapter, ConversationReference, TurnContext } from "botbuilder";
import type { Logger } from "../../logging.js";
import type { ClaimedSend, OutboxRecord, OutboxRepository, PaceUpdate } from "../../store/outbox.js";
import type { ConversationRepository, StoredConversation } from "../../store/conversations.js";
import type { RenderSpec } from "../../store/outgoing-message.js";
import { TEAMS_THREAD_LIMITS, nextSlots, paceMemoryMs, type SendLimit } from "./send-pace.js";

/** Renders a queued view for the conversation it goes to; null when there is nothing to send any more. */
export type OutboxRenderer = (spec: RenderSpec, conversation: StoredConversation) => Promise<Partial<Activity> | null>;

export type OutboxWorkerOptions = {
  adapter: CloudAdapter;
  botAppId: string;
  outbox: OutboxRepository;
  conversations: ConversationRepository;
  logger: Logger;
  /** Renders payloads that name a view rather than carry an activity. */
  render?: OutboxRenderer;
  workerId?: string;
  /** Time used for due dates and leases (tests inject one). A conversation's pace uses the
   *  database's clock, and waiting uses real time. */
  clock?: () => Date;
  pollMs?: number;
  /** How long a claim is held (default 60 s): renewed while its conversation is being delivered,
   *  and a stopped instance's claims are taken over after it. */
  leaseMs?: number;
  /** How long a send keeps being retried after its first failure before it is given up and marked
   *  FAILED (default 24 h). */
  giveUpAfterMs?: number;
  /** Delay before the next attempt, given the number of attempts made so far (1 after the first failure). */
  backoff?: (attempt: number) => number;
  /** Teams' limits on the sends to one conversation (default: TEAMS_THREAD_LIMITS). */
  limits?: readonly SendLimit[];
  /** Conversations delivered at once, each at its own pace (default 16). */
  concurrency?: number;
  /** Sends claimed per conversation at most (default 8), among those its pace lets start within
   *  the next `horizonMs` (default 2 s). */
  perConversation?: number;
  horizonMs?: number;
  /** An HTTP call to Teams taking longer is abandoned (default 90 s); the attempt is retried no
   *  sooner than it lasted. The lease is renewed meanwhile. */
  sendTimeoutMs?: number;
};

export type DrainResult = { claimed: number; sent: number; retried: number; failed: number };

const MAX_BACKOFF_MS = 5 * 60_000;
const MAX_RETRY_AFTER_MS = 60 * 60_000;
/** How often idle conversations' pace is forgotten. */
const PACE_CLEANUP_MS = 10 * 60_000;

/** 1 s, 2 s, 4 s… capped at 5 minutes, plus up to 10 % jitter so that instances do not retry in step. */
export function defaultBackoff(attempt: number): number {
  const base = Math.min(1000 * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);
  return Math.round(base * (1 + Math.random() * 0.1));
}

type Outcome = "sent" | "retried" | "failed" | "skipped";

/** One conversation's claimed sends being delivered by this instance. */
type Lane = { conversationId: string; waiting: Set<string>; done: Promise<void> };

/**
 * Delivers the outbox: claims due sends (with a lease, so that several instances share the work and
 * a crashed instance's claims are taken over), sends them proactively through the stored
 * conversation reference, and retries with backoff on throttling, server errors and network
 * failures, for hours, before giving up.
 *
 * Each conversation is delivered in a lane of its own: its sends go out in order, each no sooner
 * than the conversation's pace allows (decided by the claim, in the database, for every instance),
 * and a slow conversation holds up no other. When a lane ends, or something is queued (kick), or
 * every poll, free lanes take more conversations.
 */
export class OutboxWorker {
  readonly workerId: string;
  private readonly adapter: CloudAdapter;
  private readonly botAppId: string;
  private readonly outbox: OutboxRepository;
  private readonly conversations: ConversationRepository;
  private readonly logger: Logger;
  private readonly render: OutboxRenderer | undefined;
  private readonly clock: () => Date;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly giveUpAfterMs: number;
  private readonly backoff: (attempt: number) => number;
  private readonly limits: readonly SendLimit[];
  private readonly concurrency: number;
  private readonly perConversation: number;
  private readonly horizonMs: number;
  private readonly sendTimeoutMs: number;

  private started = false;
  private stopping = false;
  /** Set when stop() gave up waiting: lanes still running must not write any more. */
  private abandoned = false;
  private readonly stopSignal = new AbortController();
  private poller: NodeJS.Timeout | undefined;
  private readonly lanes = new Set<Lane>();
  private claiming: Promise<void> | undefined;
  private claimAgain = false;
  private lastPaceCleanup = 0;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(opts: OutboxWorkerOptions) {
    this.adapter = opts.adapter;
    this.botAppId = opts.botAppId;
    this.outbox = opts.outbox;
    this.conversations = opts.conversations;
    this.logger = opts.logger;
    this.render = opts.render;
    this.workerId = opts.workerId ?? `outbox-${randomUUID()}`;
    this.clock = opts.clock ?? (() => new Date());
    this.pollMs = opts.pollMs ?? 1000;
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.giveUpAfterMs = opts.giveUpAfterMs ?? 24 * 3_600_000;
    this.backoff = opts.backoff ?? defaultBackoff;
    this.limits = opts.limits ?? TEAMS_THREAD_LIMITS;
    this.concurrency = Math.max(1, opts.concurrency ?? 16);
    this.perConversation = Math.max(1, opts.perConversation ?? 8);
    this.horizonMs = opts.horizonMs ?? 2000;
    this.sendTimeoutMs = Math.max(1, opts.sendTimeoutMs ?? 90_000);
  }

  /** Claims and delivers in the background: now, every pollMs, when a lane ends and on kick()
   *  (the timer does not keep the process alive). */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    this.poller = setInterval(() => this.pump(), this.pollMs);
    this.poller.unref();
    this.pump();
  }

  /**
   * Stops within `graceMs`: claims nothing more, hands back at once the claimed sends that have not
   * started (any instance may take them), and waits for the sends in flight. Those still in flight
   * when the grace period ends are abandoned: their leases expire and another instance sends them
   * again (Teams may then show them twice).
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    this.stopSignal.abort();
    await this.claiming?.catch(() => {});
    const all = Promise.all([...this.lanes].map((l) => l.done)).then(() => true);
    const finished = await Promise.race([all, sleep(graceMs, false, { ref: false })]);
    if (!finished) {
      const waiting = [...this.lanes].flatMap((l) => [...l.waiting]);
      await this.outbox.release(waiting, this.workerId).catch(() => 0);
      this.abandoned = true;
      this.logger.warn({ workerId: this.workerId, inFlight: this.lanes.size }, "outbox stopped with sends in flight; their leases will expire");
    }
    await this.tail.catch(() => {});
  }

  /** Claims soon (call after an enqueue rather than waiting for the next poll). */
  kick(): void {
    if (this.started) this.pump();
  }

  /** Claims once with every lane free and delivers what it claimed, for tests and tools that drive
   *  the outbox themselves. Drains of one worker run one after another. */
  drainOnce(): Promise<DrainResult> {
    const run = this.tail
      .catch(() => {})
      .then(async () => {
        const result: DrainResult = { claimed: 0, sent: 0, retried: 0, failed: 0 };
        const lanes = await this.claimInto(this.concurrency, result);
        await Promise.all(lanes.map((l) => l.done));
        return result;
      });
    this.tail = run;
    return run;
  }

  private pump(): void {
    if (!this.started || this.stopping) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = (async () => {
      try {
        do {
          this.claimAgain = false;
          const free = this.concurrency - this.lanes.size;
          if (free > 0) await this.claimInto(free, { claimed: 0, sent: 0, retried: 0, failed: 0 });
        } while (this.claimAgain && !this.stopping);
        await this.forgetIdlePaces();
      } catch (err) {
        this.logger.warn({ err: errorSummary(err), workerId: this.workerId }, "outbox claim failed");
      } finally {
        this.claiming = undefined;
      }
    })();
  }

  /** Claims for up to `free` conversations and starts a lane for each. */
  private async claimInto(free: number, result: DrainResult): Promise<Lane[]> {
    const rows = await this.outbox.claimDue({
      workerId: this.workerId,
      conversations: free,
      perConversation: this.perConversation,
      leaseMs: this.leaseMs,
      now: this.clock(),
      horizonMs: this.horizonMs,
      schedule: (starts, n, now) => nextSlots(starts, n, now, this.limits),
      memoryMs: paceMemoryMs(this.limits),
    });
    result.claimed += rows.length;
    const byConversation = new Map<string, ClaimedSend[]>();
    for (const row of rows) byConversation.set(row.conversationId, [...(byConversation.get(row.conversationId) ?? []), row]);
    const started: Lane[] = [];
    for (const [conversationId, sends] of byConversation) {
      const lane: Lane = { conversationId, waiting: new Set(sends.map((r) => r.id)), done: Promise.resolve() };
      lane.done = this.deliverConversation(lane, sends, result)
        .catch((err: unknown) => {
          // Most likely the database: the sends keep their leases and are taken again when they expire.
          this.logger.warn({ err: errorSummary(err), workerId: this.workerId, conversationId }, "outbox conversation interrupted");
        })
        .finally(() => {
          this.lanes.delete(lane);
          this.pump();
        });
      this.lanes.add(lane);
      started.push(lane);
    }
    return started;
  }

  private async forgetIdlePaces(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPaceCleanup < PACE_CLEANUP_MS) return;
    this.lastPaceCleanup = now;
    await this.outbox.forgetIdlePaces(paceMemoryMs(this.limits));
  }

  /** One conversation's claimed sends, in order, each no sooner than its pace allows. When one
   *  must wait for a retry, the later ones are handed back so that the conversation keeps its order. */
  private async deliverConversation(lane: Lane, sends: ClaimedSend[], result: DrainResult): Promise<void> {
    // The pace is counted in the database's time, from the claim on, and from the ends of the
    // sends (when Teams answered): a request arrives at Teams after it starts and before it is
    // answered, so a start a window after the end of the send `count` places back never makes
    // `count + 1` arrivals within the window, however long each request travels.
    const claimedAt = performance.now();
    const dbTime = () => (sends[0]?.pace.dbNow ?? 0) + (performance.now() - claimedAt);
    const ended = [...(sends[0]?.pace.sends ?? [])];
    const memoryMs = paceMemoryMs(this.limits);
    const attemptEnded = (): PaceUpdate => {
      const at = dbTime();
      ended.push(at);
      return { endedAt: at, nextStartAt: nextSlots(ended, 1, at, this.limits)[0]!, memoryMs };
    };
    let current: ClaimedSend | undefined;
    // Leases stay ahead of the sends while the lane works (slow Teams, pace waits): no other
    // instance takes over a send that is still on its way.
    const heartbeat = setInterval(
      () => {
        const ids = sends.filter((r) => lane.waiting.has(r.id) || r === current).map((r) => r.id);
        if (this.abandoned || ids.length === 0) return;
        this.outbox.renewLeases(ids, this.workerId, new Date(this.clock().getTime() + this.leaseMs)).catch(() => {});
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    heartbeat.unref();
    try {
      const stored = await this.conversations.get(lane.conversationId);
      for (const row of sends) {
        const wait = nextSlots(ended, 1, dbTime(), this.limits)[0]! - dbTime();
        if (wait > 0) await sleep(wait, undefined, { signal: this.stopSignal.signal }).catch(() => {});
        if (this.stopping) break;
        lane.waiting.delete(row.id);
        current = row;
        const outcome = await this.deliverOne(row, stored, attemptEnded);
        current = undefined;
        if (outcome !== "skipped") result[outcome]++;
        if (outcome === "retried") break;
      }
    } finally {
      clearInterval(heartbeat);
      if (lane.waiting.size > 0 && !this.abandoned) {
        const ids = [...lane.waiting];
        lane.waiting.clear();
        await this.outbox.release(ids, this.workerId);
      }
    }
  }

  /** One send. `attemptEnded` is called once a request to Teams was answered or failed: it gives the
   *  conversation's pace, recorded with the outcome. */
  private async deliverOne(row: OutboxRecord, stored: StoredConversation | null, attemptEnded: () => PaceUpdate): Promise<Outcome> {
    const log = {
      outboxId: row.id,
      kind: row.kind,
      conversationId: row.conversationId,
      caseId: row.caseId ?? undefined,
      attempt: row.attempts + 1,
      workerId: this.workerId,
    };
    if (!stored) {
      await this.outbox.markFailed(row.id, this.workerId, `no stored conversation reference for ${row.conversationId}`, { countAttempt: false });
      this.logger.error(log, "outbox send failed: no conversation reference");
      return "failed";
    }
    let targetId: string | undefined;
    if (row.kind === "update") {
      targetId = row.payload.activityId ?? (row.caseId ? (await this.outbox.channelPost(row.caseId, row.conversationId))?.activityId : undefined);
      if (!targetId) {
        await this.outbox.markFailed(row.id, this.workerId, "no posted activity to update", { countAttempt: false });
        this.logger.error(log, "outbox update failed: nothing posted to update");
        return "failed";
      }
    } else if (row.kind !== "post") {
      await this.outbox.markFailed(row.id, this.workerId, `unknown outbox kind ${String(row.kind)}`, { countAttempt: false });
      this.logger.error(log, "outbox send failed: unknown kind");
      return "failed";
    }

    let activityId: string | undefined;
    let pace: PaceUpdate | undefined;
    const attemptedAt = this.clock();
    const started = performance.now();
    try {
      const activity = await this.activityOf(row, stored);
      if (!activity) {
        // The case it showed is gone (erased): nothing to send.
        await this.outbox.markSent(row.id, this.workerId, targetId);
        return "sent";
      }
      try {
        activityId = await this.send(stored, row, targetId, activity);
      } finally {
        pace = attemptEnded();
      }
    } catch (err) {
      if (this.abandoned) return "skipped";
      return this.handleFailure(row, err, log, attemptedAt, performance.now() - started, pace);
    }
    if (this.abandoned) return "skipped";
    const marked = await this.markDelivered(row, activityId ?? targetId, pace);
    if (!marked) this.logger.warn(log, "outbox send delivered but its lease was lost (it may be sent twice)");
    // Only a posted case card is updated when the case changes; a notice to the reporter or a
    // reminder stays as it was written (otherwise the next update would turn it into a case card).
    const view = row.payload.render?.view;
    const showsTheCase = view === undefined || view === "caseCard" || view === "assigned";
    if (row.kind === "post" && row.caseId && activityId && showsTheCase) {
      try {
        await this.outbox.recordChannelPost(row.caseId, row.conversationId, activityId);
      } catch (err) {
        this.logger.warn({ ...log, err: errorSummary(err) }, "could not record the posted activity of a case");
      }
    }
    this.logger.debug({ ...log, activityId: activityId ?? targetId }, "outbox send delivered");
    return "sent";
  }

  /** Records a delivered send. Teams has it: should the database fail for a moment, trying again
   *  for a while (the lease is renewed meanwhile) spares sending it twice. */
  private async markDelivered(row: OutboxRecord, activityId: string | undefined, pace: PaceUpdate): Promise<boolean> {
    const deadline = performance.now() + this.leaseMs / 2;
    for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
      try {
        return await this.outbox.markSent(row.id, this.workerId, activityId, pace);
      } catch (err) {
        if (performance.now() + delay > deadline || this.abandoned) throw err;
        await sleep(delay);
      }
    }
  }

  private async handleFailure(
    row: OutboxRecord,
    err: unknown,
    log: Record<string, unknown>,
    attemptedAt: Date,
    tookMs: number,
    pace: PaceUpdate | undefined,
  ): Promise<Outcome> {
    const failure = classify(err);
    const attempts = row.attempts + 1;
    const description = failure.status ? `HTTP ${failure.status}` : `network error${failure.code ? ` ${failure.code}` : ""}`;
    const detail = `${description}${failure.message ? `: ${failure.message}` : ""}`;
    const fields = { ...log, status: failure.status, code: failure.code };
    const failingSince = row.failingSince ?? attemptedAt;
    const failingForMs = this.clock().getTime() - failingSince.getTime();
    if (!failure.retryable || failingForMs >= this.giveUpAfterMs) {
      const why = failure.retryable ? `${detail} (gave up after ${attempts} attempts over ${formatDuration(failingForMs)})` : detail;
      await this.outbox.markFailed(row.id, this.workerId, why, { pace });
      this.logger.error(fields, failure.retryable ? "outbox send failed after its last attempt" : "outbox send rejected");
      return "failed";
    }
    // Without an answer (a timeout, a connection lost), Teams may have received it: never again
    // sooner than this attempt lasted, or a Teams that answers late would get it again and again.
    const backoff = failure.retryAfterMs ?? Math.max(0, this.backoff(attempts));
    const delay = failure.status === undefined ? Math.max(backoff, Math.round(tookMs)) : backoff;
    const nextAttemptAt = new Date(this.clock().getTime() + delay);
    await this.outbox.markRetry(row.id, this.workerId, detail, nextAttemptAt, failingSince, pace);
    this.logger.warn({ ...fields, retryInMs: delay }, "outbox send will be retried");
    return "retried";
  }

  private async activityOf(row: OutboxRecord, stored: StoredConversation): Promise<Partial<Activity> | null> {
    if (row.payload.render) {
      if (!this.render) throw new Error("no renderer for a queued view");
      return this.render(row.payload.render, stored);
    }
    return (row.payload.activity as Partial<Activity> | undefined) ?? null;
  }

  /** One proactive send. Returns the new activity id for a post. */
  private async send(
    stored: StoredConversation,
    row: OutboxRecord,
    targetId: string | undefined,
    payloadActivity: Partial<Activity>,
  ): Promise<string | undefined> {
    const reference = proactiveReference(stored.reference);
    let failure: unknown;
    let ran = false;
    let activityId: string | undefined;
    await this.adapter.continueConversationAsync(this.botAppId, reference, async (ctx) => {
      // Never throw from here: the adapter's onTurnError would answer the conversation.
      try {
        ran = true;
        this.prepareConnector(ctx);
        // The continuation activity has a random id, which botbuilder would turn into a replyToId:
        // without it the post starts a new thread in a channel.
        (ctx.activity as Partial<Activity>).id = undefined;
        const activity = { ...payloadActivity } as Partial<Activity>;
        delete activity.id;
        delete activity.replyToId;
        if (row.kind === "post") {
          activityId = (await ctx.sendActivity(activity))?.id || undefined;
        } else {
          await ctx.updateActivity({ ...activity, id: targetId });
        }
      } catch (err) {
        failure = err;
      }
    });
    if (failure !== undefined) throw failure;
    if (!ran) throw new Error("the proactive turn did not run");
    return activityId;
  }

  /** The outbox retries durably, so the connector client must not retry in-process (it would
   *  sleep through Retry-After while holding the batch, and ignore the rate limit); and a call
   *  must not hang forever. The client is created per turn, so this only affects the outbox. */
  private prepareConnector(ctx: TurnContext): void {
    const client = ctx.turnState.get(this.adapter.ConnectorClientKey) as { client?: { pipeline?: PipelineLike } } | undefined;
    const pipeline = client?.client?.pipeline;
    if (!pipeline || typeof pipeline.removePolicy !== "function" || typeof pipeline.addPolicy !== "function") return;
    pipeline.removePolicy({ phase: "Retry" });
    const timeout = this.sendTimeoutMs;
    pipeline.addPolicy({
      name: "repereOutboxTimeout",
      sendRequest: (request, next) => {
        request.timeout = timeout;
        return next(request);
      },
    });
  }
}

type PipelineRequestLike = { timeout: number };
type PipelineLike = {
  removePolicy(opts: { name?: string; phase?: string }): unknown;
  addPolicy(policy: {
    name: string;
    sendRequest(request: PipelineRequestLike, next: (request: PipelineRequestLike) => Promise<unknown>): Promise<unknown>;
  }): void;
};

/** The stored reference, for a proactive send: no activity to reply to, and the channel itself
 *  (a Teams channel conversation id may carry ";messageid=…" of the thread it was stored from). */
function proactiveReference(stored: Record<string, unknown>): Partial<ConversationReference> {
  const reference = { ...stored } as Partial<ConversationReference> & Record<string, unknown>;
  delete reference.activityId;
  const conversation = reference.conversation;
  if (conversation && typeof conversation.id === "string") {
    reference.conversation = { ...conversation, id: conversation.id.replace(/;messageid=\d+$/, "") };
  }
  return reference;
}

type Failure = { status?: number; code?: string; message?: string; retryable: boolean; retryAfterMs?: number };

/** Reads what botbuilder's connector client throws: a RestError (@azure/core-rest-pipeline) with
 *  `statusCode` and `response.headers.get()` for an HTTP error, `code` (ECONNREFUSED…) and no status
 *  for a network failure. */
export function classify(err: unknown): Failure {
  const e = (err ?? {}) as { statusCode?: unknown; code?: unknown; message?: unknown; response?: { status?: unknown; headers?: unknown } };
  const statusRaw = typeof e.statusCode === "number" ? e.statusCode : typeof e.response?.status === "number" ? e.response.status : undefined;
  const status = statusRaw && statusRaw >= 100 ? statusRaw : undefined;
  const code = typeof e.code === "string" ? e.code : undefined;
  const message = typeof e.message === "string" ? e.message.slice(0, 300) : undefined;
  if (status === undefined) return { code, message, retryable: true };
  const retryable = status === 408 || status === 429 || status >= 500;
  const retryAfterMs = retryable ? parseRetryAfter(header(e.response?.headers, "retry-after")) : undefined;
  return { status, code, message, retryable, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

function header(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== "object") return undefined;
  const h = headers as { get?: unknown } & Record<string, unknown>;
  if (typeof h.get === "function") {
    const v = (h.get as (n: string) => unknown).call(headers, name);
    return typeof v === "string" ? v : undefined;
  }
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === name && typeof v === "string") return v;
  return undefined;
}

/** Retry-After: delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = at - nowMs;
  }
  return Math.min(Math.max(0, Math.round(ms)), MAX_RETRY_AFTER_MS);
}

function errorSummary(err: unknown): { name?: string; code?: string; status?: number } {
  const e = (err ?? {}) as { name?: unknown; code?: unknown; statusCode?: unknown };
  return {
    name: typeof e.name === "string" ? e.name : undefined,
    code: typeof e.code === "string" ? e.code : undefined,
    status: typeof e.statusCode === "number" ? e.statusCode : undefined,
  };
}

function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 60)} h`;
}
