import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Activity, CloudAdapter, ConversationReference, TurnContext } from "botbuilder";
import type { Logger } from "../logging.js";
import type { OutboxRecord, OutboxRepository } from "../store/outbox.js";
import type { ConversationRepository, StoredConversation } from "../store/conversations.js";
import type { RenderSpec } from "../store/outgoing-message.js";

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
  /** Time used for due dates and leases (tests inject one). Rate spacing always uses real time. */
  clock?: () => Date;
  pollMs?: number;
  /** How long a claim is held (default 60 s); a crashed instance's claims are taken over after it. */
  leaseMs?: number;
  /** Attempts before a send is marked FAILED (default 8). */
  maxAttempts?: number;
  /** Delay before the next attempt, given the number of attempts made so far (1 after the first failure). */
  backoff?: (attempt: number) => number;
  /** Sends started per conversation in any rolling second (default 7, Teams' limit). */
  perConversationPerSecond?: number;
  /** Sends claimed per drain (default 50). */
  batchSize?: number;
  /** Conversations delivered in parallel within a drain (default 16). */
  concurrency?: number;
  /** An HTTP call to Teams taking longer is abandoned and retried (default 30 s, at most leaseMs / 2). */
  sendTimeoutMs?: number;
};

export type DrainResult = { claimed: number; sent: number; retried: number; failed: number };

const MAX_BACKOFF_MS = 5 * 60_000;
const MAX_RETRY_AFTER_MS = 60 * 60_000;

/** 1 s, 2 s, 4 s… capped at 5 minutes, plus up to 10 % jitter so that instances do not retry in step. */
export function defaultBackoff(attempt: number): number {
  const base = Math.min(1000 * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);
  return Math.round(base * (1 + Math.random() * 0.1));
}

type Outcome = "sent" | "retried" | "failed" | "skipped";

/** Delivers the outbox: claims due sends (with a lease, so several instances share the work and a
 *  crashed instance's claims are taken over), sends them proactively through the stored
 *  conversation reference, and retries with backoff on throttling, server errors and network
 *  failures. A conversation's sends go out in order and no faster than Teams allows. */
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
  private readonly maxAttempts: number;
  private readonly backoff: (attempt: number) => number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly sendTimeoutMs: number;
  private readonly limiter: ConversationRateLimiter;

  private started = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private kicked = false;
  private tail: Promise<unknown> = Promise.resolve();
  private loop: Promise<void> | undefined;

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
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 8);
    this.backoff = opts.backoff ?? defaultBackoff;
    this.batchSize = opts.batchSize ?? 50;
    this.concurrency = Math.max(1, opts.concurrency ?? 16);
    this.leaseMs = opts.leaseMs ?? 60_000;
    // The lease must outlive a send that times out, or another instance could send it meanwhile.
    this.sendTimeoutMs = Math.max(1, Math.min(opts.sendTimeoutMs ?? 30_000, Math.floor(this.leaseMs / 2)));
    this.limiter = new ConversationRateLimiter(opts.perConversationPerSecond ?? 7);
  }

  /** Polls every pollMs (the timer does not keep the process alive). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(0);
  }

  /** Stops polling and waits for the batch in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.loop?.catch(() => {});
    await this.tail.catch(() => {});
  }

  /** Runs a drain soon (call after an enqueue rather than waiting for the next poll). */
  kick(): void {
    if (!this.started || this.stopped) return;
    if (this.ticking) {
      this.kicked = true;
      return;
    }
    this.schedule(0);
  }

  /** Claims one batch of due sends and delivers it. Drains of one worker run one after another. */
  drainOnce(): Promise<DrainResult> {
    const run = this.tail.catch(() => {}).then(() => this.drain());
    this.tail = run;
    return run;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.loop = this.tick();
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.ticking = true;
    try {
      for (;;) {
        this.kicked = false;
        const r = await this.drainOnce();
        // A full batch means more may be due at once; a kick means something was just enqueued.
        if (this.stopped || (r.claimed < this.batchSize && !this.kicked)) break;
      }
    } catch (err) {
      this.logger.warn({ err: errorSummary(err), workerId: this.workerId }, "outbox drain failed");
    } finally {
      this.ticking = false;
      this.schedule(this.kicked ? 0 : this.pollMs);
    }
  }

  private async drain(): Promise<DrainResult> {
    const result: DrainResult = { claimed: 0, sent: 0, retried: 0, failed: 0 };
    const rows = await this.outbox.claimDue({ workerId: this.workerId, limit: this.batchSize, leaseMs: this.leaseMs, now: this.clock() });
    result.claimed = rows.length;
    if (rows.length === 0) return result;
    const leases = new Map(rows.map((r) => [r.id, r.lockedUntil?.getTime() ?? 0]));
    const byConversation = new Map<string, OutboxRecord[]>();
    for (const row of rows) {
      const list = byConversation.get(row.conversationId);
      if (list) list.push(row);
      else byConversation.set(row.conversationId, [row]);
    }
    const groups = [...byConversation.values()];
    let next = 0;
    const lane = async () => {
      for (let g = groups[next++]; g; g = groups[next++]) {
        try {
          await this.deliverConversation(g, leases, result);
        } catch (err) {
          // Most likely the database: the rows keep their lease and are taken again when it expires.
          this.logger.warn({ err: errorSummary(err), workerId: this.workerId, conversationId: g[0]?.conversationId }, "outbox conversation batch interrupted");
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, groups.length) }, lane));
    return result;
  }

  /** One conversation's claimed sends, in order. When one must wait for a retry, the later ones
   *  are handed back so that the conversation keeps its order. */
  private async deliverConversation(rows: OutboxRecord[], leases: Map<string, number>, result: DrainResult): Promise<void> {
    const first = rows[0];
    if (!first) return;
    const stored = await this.conversations.get(first.conversationId);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const outcome = await this.deliverOne(row, stored, leases);
      if (outcome !== "skipped") result[outcome]++;
      if (outcome === "retried") {
        for (const later of rows.slice(i + 1)) await this.outbox.release(later.id, this.workerId);
        return;
      }
    }
  }

  private async deliverOne(row: OutboxRecord, stored: StoredConversation | null, leases: Map<string, number>): Promise<Outcome> {
    const log = { outboxId: row.id, kind: row.kind, conversationId: row.conversationId, caseId: row.caseId ?? undefined, attempt: row.attempts + 1, workerId: this.workerId };
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

    await this.limiter.acquire(row.conversationId);
    // Rate spacing may have taken a while: make sure the lease still covers the send.
    const now = this.clock().getTime();
    const until = leases.get(row.id) ?? 0;
    if (until - now < this.leaseMs / 2) {
      const renewed = new Date(now + this.leaseMs);
      if (!(await this.outbox.renewLease(row.id, this.workerId, renewed))) {
        this.logger.warn(log, "outbox lease lost before sending; another instance has it");
        return "skipped";
      }
      leases.set(row.id, renewed.getTime());
    }

    let activityId: string | undefined;
    try {
      const activity = await this.activityOf(row, stored);
      if (!activity) {
        // The case it showed is gone (erased): nothing to send.
        await this.outbox.markSent(row.id, this.workerId, targetId);
        return "sent";
      }
      activityId = await this.send(stored, row, targetId, activity);
    } catch (err) {
      return this.handleFailure(row, err, log);
    }
    const marked = await this.outbox.markSent(row.id, this.workerId, activityId ?? targetId);
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

  private async handleFailure(row: OutboxRecord, err: unknown, log: Record<string, unknown>): Promise<Outcome> {
    const failure = classify(err);
    const attempts = row.attempts + 1;
    const description = failure.status ? `HTTP ${failure.status}` : `network error${failure.code ? ` ${failure.code}` : ""}`;
    const detail = `${description}${failure.message ? `: ${failure.message}` : ""}`;
    const fields = { ...log, status: failure.status, code: failure.code };
    if (!failure.retryable || attempts >= this.maxAttempts) {
      const why = failure.retryable ? `${detail} (gave up after ${attempts} attempts)` : detail;
      await this.outbox.markFailed(row.id, this.workerId, why);
      this.logger.error(fields, failure.retryable ? "outbox send failed after its last attempt" : "outbox send rejected");
      return "failed";
    }
    const delay = failure.retryAfterMs ?? Math.max(0, this.backoff(attempts));
    const nextAttemptAt = new Date(this.clock().getTime() + delay);
    await this.outbox.markRetry(row.id, this.workerId, detail, nextAttemptAt);
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
  private async send(stored: StoredConversation, row: OutboxRecord, targetId: string | undefined, payloadActivity: Partial<Activity>): Promise<string | undefined> {
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
  addPolicy(policy: { name: string; sendRequest(request: PipelineRequestLike, next: (request: PipelineRequestLike) => Promise<unknown>): Promise<unknown> }): void;
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

/** At most `limit` starts per key in any rolling window (in this process); callers wait their turn. */
export class ConversationRateLimiter {
  private readonly starts = new Map<string, number[]>();

  /** The window has a small margin over one second: Teams counts arrivals, and a request can
   *  arrive faster than the one started before it. */
  constructor(
    private readonly limit: number,
    private readonly windowMs = 1100,
  ) {}

  async acquire(key: string): Promise<void> {
    if (this.limit <= 0) return;
    for (;;) {
      const now = performance.now();
      const recent = (this.starts.get(key) ?? []).filter((t) => now - t < this.windowMs);
      if (recent.length < this.limit) {
        recent.push(now);
        this.starts.set(key, recent);
        this.prune(now);
        return;
      }
      this.starts.set(key, recent);
      await sleep(Math.max(1, Math.ceil(recent[0]! + this.windowMs - now)));
    }
  }

  private prune(now: number): void {
    if (this.starts.size < 1000) return;
    for (const [key, list] of this.starts) if (list.every((t) => now - t >= this.windowMs)) this.starts.delete(key);
  }
}
