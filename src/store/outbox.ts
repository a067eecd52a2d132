import type { OutgoingMessage, RenderSpec } from "./outgoing-message.js";
import type { HotSql } from "./hot-sql.js";
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.js";
import { Prisma } from "../generated/prisma/client.js";

/** What to send: the activity (text or Adaptive Card attachment) and, for an "update", the id of
 *  the activity to replace. An "update" with a caseId and no activityId targets the card the
 *  outbox posted for that case in that conversation (see ChannelPost). */
/** Either a ready activity, or a view that the Teams layer renders at delivery time (services
 *  never build cards), and for an update the id of the activity to replace. */
export type OutboxPayload = { activity?: Record<string, unknown>; render?: RenderSpec; activityId?: string };

export type OutboxKind = "post" | "update";
export type OutboxStatus = "PENDING" | "SENT" | "FAILED";

export type NewOutboxMessage = {
  conversationId: string;
  kind: OutboxKind;
  payload: OutboxPayload;
  /** Enqueuing twice with the same key creates one row. */
  dedupeKey?: string;
  caseId?: string;
};

export type OutboxRecord = {
  id: string;
  conversationId: string;
  kind: OutboxKind;
  payload: OutboxPayload;
  dedupeKey: string | null;
  status: OutboxStatus;
  /** Delivery attempts made so far. */
  attempts: number;
  nextAttemptAt: Date;
  lockedUntil: Date | null;
  lockedBy: string | null;
  lastError: string | null;
  resultActivityId: string | null;
  caseId: string | null;
  createdAt: Date;
  sentAt: Date | null;
  /** The first failed attempt of the current run of failures (null when none failed). */
  failingSince: Date | null;
};

/** When an attempt to send ended (database time, ms), when its conversation may send next, and how
 *  long sends matter to its pace. */
export type PaceUpdate = { endedAt: number; nextStartAt: number; memoryMs: number };

/** A claimed send, with its conversation's pace: when its last sends ended, and the database's
 *  time at the claim (ms), from which the deliverer counts. */
export type ClaimedSend = OutboxRecord & { pace: { sends: number[]; dbNow: number } };

export type ChannelPostRecord = { caseId: string; conversationId: string; activityId: string; createdAt: Date };

/** A Prisma client or the client of an interactive transaction. */
type Db = PrismaClient | Prisma.TransactionClient;

// createdAt orders a conversation's sends (FIFO). Several enqueues in the same millisecond (one
// transaction often enqueues a channel post and several notifications) keep their order this way.
let lastCreatedAt = 0;
function nextCreatedAt(): Date {
  lastCreatedAt = Math.max(Date.now(), lastCreatedAt + 1);
  return new Date(lastCreatedAt);
}

/** An outbox row as text columns, for statements that insert sends with a case change. */
export function outboxRow(m: OutgoingMessage): { id: string; conversationId: string; kind: string; payload: string; dedupeKey: string | null; createdAt: string } {
  return {
    id: randomUUID(),
    conversationId: m.conversationId,
    kind: m.kind,
    payload: JSON.stringify({ render: m.render }),
    dedupeKey: m.dedupeKey ?? null,
    createdAt: nextCreatedAt().toISOString(),
  };
}

/** Rows of `outboxRow` as the six text arrays a statement unnests into OutboxMessage columns
 *  ("id", "conversationId", "kind", "payload", "dedupeKey", "createdAt"), in that order. */
export function outboxColumns(rows: ReturnType<typeof outboxRow>[]): (string | null)[][] {
  return [rows.map((o) => o.id), rows.map((o) => o.conversationId), rows.map((o) => o.kind), rows.map((o) => o.payload), rows.map((o) => o.dedupeKey), rows.map((o) => o.createdAt)];
}

/** Adds many sends with one statement (rows of `outboxRow`, each about a case); with a dedupeKey
 *  already queued, a row is left out. `db` may be a transaction. */
export async function insertOutboxRows(db: Db, rows: (ReturnType<typeof outboxRow> & { caseId: string | null })[]): Promise<void> {
  if (rows.length === 0) return;
  const [ids, conversationIds, kinds, payloads, dedupeKeys, createdAts] = outboxColumns(rows);
  await db.$executeRaw`
    INSERT INTO "OutboxMessage" ("id", "conversationId", "kind", "payload", "dedupeKey", "caseId", "createdAt", "nextAttemptAt")
    SELECT o."id", o."conversationId", o."kind", o."payload"::jsonb, o."dedupeKey", o."caseId", o."createdAt"::timestamp(3), o."createdAt"::timestamp(3)
      FROM unnest(${ids}::text[], ${conversationIds}::text[], ${kinds}::text[], ${payloads}::text[], ${dedupeKeys}::text[], ${createdAts}::text[], ${rows.map((r) => r.caseId)}::text[])
        AS o("id", "conversationId", "kind", "payload", "dedupeKey", "createdAt", "caseId")
    ON CONFLICT ("dedupeKey") DO NOTHING`;
}

/** Adds a send; with a dedupeKey, enqueuing twice creates one row. `db` may be a transaction. */
export async function enqueueOutbox(db: Db, msg: NewOutboxMessage): Promise<{ id: string; created: boolean }> {
  const createdAt = nextCreatedAt();
  const payload = JSON.stringify(msg.payload);
  if (msg.dedupeKey === undefined) {
    const row = await db.outboxMessage.create({
      data: {
        conversationId: msg.conversationId,
        kind: msg.kind,
        payload: msg.payload as unknown as Prisma.InputJsonValue,
        caseId: msg.caseId ?? null,
        createdAt,
        nextAttemptAt: createdAt,
      },
      select: { id: true },
    });
    return { id: row.id, created: true };
  }
  // ON CONFLICT rather than catching a unique violation: inside a transaction the violation
  // would abort the caller's whole transaction.
  const inserted = await db.$queryRaw<{ id: string }[]>`
    INSERT INTO "OutboxMessage" ("id", "conversationId", "kind", "payload", "dedupeKey", "caseId", "createdAt", "nextAttemptAt")
    VALUES (${randomUUID()}, ${msg.conversationId}, ${msg.kind}, ${payload}::jsonb, ${msg.dedupeKey}, ${msg.caseId ?? null},
            ${createdAt}::timestamp(3), ${createdAt}::timestamp(3))
    ON CONFLICT ("dedupeKey") DO NOTHING
    RETURNING "id"`;
  if (inserted[0]) return { id: inserted[0].id, created: true };
  const existing = await db.outboxMessage.findUnique({ where: { dedupeKey: msg.dedupeKey }, select: { id: true } });
  if (!existing) throw new Error("outbox dedupe key conflict without a row");
  return { id: existing.id, created: false };
}

/** The outbox of pending Teams sends. Rows are claimed with a lease (lockedBy/lockedUntil) so
 *  that several bot instances on one database deliver each send once, and a crashed instance's
 *  claims are taken over when their lease expires. Every mark* call only applies while the caller
 *  still holds the lease, and answers whether it did. */
// Claims, marks and channel posts run for every send (a triage action queues two or three): they go
// straight to the pool (hot-sql.ts); the admins' listings stay on Prisma.
export class OutboxRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: HotSql,
  ) {}

  /** Adds a send. Pass the transaction client to commit it together with the case it is about. */
  enqueue(msg: NewOutboxMessage, tx?: Prisma.TransactionClient): Promise<{ id: string; created: boolean }> {
    return enqueueOutbox(tx ?? this.prisma, msg);
  }

  /**
   * Claims due PENDING sends for this worker, for at most `conversations` conversations and
   * `perConversation` sends each, oldest first.
   *
   * - A conversation's sends go out in order: a send is not claimed while an older send of the
   *   same conversation waits for a retry or is leased to someone (so one instance at a time
   *   delivers a conversation).
   * - Its pace is shared by every instance through OutboxPace (see recordPace): `schedule`
   *   (Teams' limits, from the Teams layer) turns the conversation's last sends into the next
   *   start times, and only the sends that may start within `horizonMs` are claimed. Each claimed
   *   send comes back with those last sends and the database's time, so that its deliverer keeps
   *   the pace in the database's time whatever its own clock says.
   * - Each claimed send is leased until its planned start plus `leaseMs`.
   *
   * Claims are serialised per schema by a transaction-level advisory lock (they take
   * milliseconds), so that two instances never take sends of one conversation at once.
   */
  async claimDue(opts: {
    workerId: string;
    conversations: number;
    /** Default: every due send of each conversation. */
    perConversation?: number;
    leaseMs: number;
    now: Date;
    /** Default 0: only sends that may start now. */
    horizonMs?: number;
    /** The next `n` start times (ms) after the conversation's last `sends` (ends, ms), from `now`
     *  (database time, ms). Default: no pace, all now. */
    schedule?: (sends: number[], n: number, now: number) => number[];
    /** How far back sends matter to `schedule` (default: none kept). */
    memoryMs?: number;
  }): Promise<ClaimedSend[]> {
    const { workerId, now, leaseMs, horizonMs = 0, memoryMs = 0 } = opts;
    const schedule = opts.schedule ?? ((_sends: number[], n: number, at: number) => Array.from({ length: n }, () => at));
    const perConversation = opts.perConversation ?? 1000;
    if (opts.conversations <= 0 || perConversation <= 0) return [];
    return this.sql.transaction(async (tx) => {
      await tx.rows("outbox_claim_lock", `SELECT 1 FROM pg_advisory_xact_lock(hashtext(current_schema() || '.OutboxMessage.claim'))`, []);
      const [clock] = await tx.rows<{ dbNow: Date }>("outbox_claim_clock", `SELECT now() AT TIME ZONE 'UTC' AS "dbNow"`, []);
      const dbNow = clock!.dbNow.getTime();
      const due = await tx.rows<{ id: string; conversationId: string; sends: Date[] | null }>(
        "outbox_claim_due",
        `WITH due AS MATERIALIZED (
           SELECT o."id", o."conversationId", o."createdAt",
                  row_number() OVER (PARTITION BY o."conversationId" ORDER BY o."createdAt", o."id") AS "n"
             FROM "OutboxMessage" o
            WHERE o."status" = 'PENDING'
              AND o."nextAttemptAt" <= $1::timestamp(3)
              AND (o."lockedUntil" IS NULL OR o."lockedUntil" < $1::timestamp(3))
              AND NOT EXISTS (
                SELECT 1 FROM "OutboxMessage" p
                 WHERE p."conversationId" = o."conversationId"
                   AND p."status" = 'PENDING'
                   AND (p."createdAt", p."id") < (o."createdAt", o."id")
                   AND (p."nextAttemptAt" > $1::timestamp(3) OR p."lockedUntil" >= $1::timestamp(3)))
              AND NOT EXISTS (SELECT 1 FROM "OutboxPace" q WHERE q."conversationId" = o."conversationId" AND q."nextStartAt" > $2::timestamp(3))),
         firsts AS (
           SELECT "conversationId", min("createdAt") AS "first" FROM due GROUP BY "conversationId" ORDER BY 2, 1 LIMIT $3)
         SELECT due."id", due."conversationId", q."sends" FROM due JOIN firsts USING ("conversationId")
           LEFT JOIN "OutboxPace" q ON q."conversationId" = due."conversationId"
          WHERE due."n" <= $4 ORDER BY due."createdAt", due."id"`,
        [now, new Date(dbNow + horizonMs), opts.conversations, perConversation],
      );
      const byConversation = new Map<string, { ids: string[]; sends: number[] }>();
      for (const r of due) {
        const entry = byConversation.get(r.conversationId);
        if (entry) entry.ids.push(r.id);
        else byConversation.set(r.conversationId, { ids: [r.id], sends: (r.sends ?? []).map((d) => toDate(d).getTime()).filter((t) => t > dbNow - memoryMs).sort((a, b) => a - b) });
      }
      const leases: { id: string; until: Date; pace: ClaimedSend["pace"] }[] = [];
      for (const { ids, sends } of byConversation.values()) {
        const slots = schedule(sends, ids.length, dbNow).filter((t) => t <= dbNow + horizonMs);
        const pace = { sends, dbNow };
        slots.forEach((t, i) => leases.push({ id: ids[i]!, until: new Date(now.getTime() + (t - dbNow) + leaseMs), pace }));
      }
      if (leases.length === 0) return [];
      const rows = await tx.rows<RawOutboxRow>(
        "outbox_claim",
        `UPDATE "OutboxMessage" m SET "lockedBy" = $1, "lockedUntil" = c."until"
           FROM unnest($2::text[], $3::timestamp(3)[]) AS c("id", "until")
          WHERE m."id" = c."id" AND m."status" = 'PENDING'
          RETURNING ${RETURNED_COLUMNS}`,
        [workerId, leases.map((l) => l.id), leases.map((l) => l.until.toISOString())],
      );
      const paceOf = new Map(leases.map((l) => [l.id, l.pace]));
      return rows
        .map((r) => ({ ...fromRaw(r), pace: paceOf.get(r.id)! }))
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
    });
  }

  /** Extends the leases `workerId` still holds among `ids`; answers the ids it still holds. */
  async renewLeases(ids: string[], workerId: string, until: Date): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.sql.rows<{ id: string }>(
      "outbox_renew",
      `UPDATE "OutboxMessage" SET "lockedUntil" = $3::timestamp(3) WHERE "id" = ANY($1::text[]) AND "lockedBy" = $2 AND "status" = 'PENDING' RETURNING "id"`,
      [ids, workerId, until],
    );
    return rows.map((r) => r.id);
  }

  async markSent(id: string, workerId: string, resultActivityId?: string, pace?: PaceUpdate): Promise<boolean> {
    return this.held(
      "outbox_sent",
      `"status" = 'SENT', "sentAt" = now() AT TIME ZONE 'UTC', "attempts" = "attempts" + 1, "resultActivityId" = $3, "lastError" = NULL, "failingSince" = NULL, "lockedBy" = NULL, "lockedUntil" = NULL`,
      id,
      workerId,
      [resultActivityId ?? null],
      pace,
    );
  }

  /** Counts a failed attempt and schedules the next one; releases the lease. `failingSince` is
   *  kept from the first failure of the run. */
  async markRetry(id: string, workerId: string, error: string, nextAttemptAt: Date, failedAt: Date, pace?: PaceUpdate): Promise<boolean> {
    return this.held(
      "outbox_retry",
      `"attempts" = "attempts" + 1, "lastError" = $3, "nextAttemptAt" = $4::timestamp(3), "failingSince" = COALESCE("failingSince", $5::timestamp(3)), "lockedBy" = NULL, "lockedUntil" = NULL`,
      id,
      workerId,
      [truncate(error), nextAttemptAt, failedAt],
      pace,
    );
  }

  /** Gives up on a send (counting the attempt that failed); it stays listed by failed() for admins. */
  async markFailed(id: string, workerId: string, error: string, opts: { countAttempt?: boolean; pace?: PaceUpdate } = {}): Promise<boolean> {
    return this.held(
      "outbox_failed",
      `"status" = 'FAILED', "attempts" = "attempts" + $3::int, "lastError" = $4, "lockedBy" = NULL, "lockedUntil" = NULL`,
      id,
      workerId,
      [opts.countAttempt === false ? 0 : 1, truncate(error)],
      opts.pace,
    );
  }

  /** Hands claimed sends back without counting an attempt (an earlier send of the same
   *  conversation must be retried first, or the instance stops), so that any instance may take them now. */
  async release(ids: string[], workerId: string): Promise<number> {
    if (ids.length === 0) return 0;
    return this.sql.rowCount(
      "outbox_release",
      `UPDATE "OutboxMessage" SET "lockedBy" = NULL, "lockedUntil" = NULL WHERE "id" = ANY($1::text[]) AND "lockedBy" = $2 AND "status" = 'PENDING'`,
      [ids, workerId],
    );
  }

  /**
   * An UPDATE of a send that applies only while `workerId` still holds its lease. With `pace`, the
   * same statement records when the attempt ended in its conversation's pace: a conversation
   * becomes claimable again (its last lease gone) only with the pace of what was just sent.
   */
  private async held(name: string, set: string, id: string, workerId: string, values: unknown[], pace?: PaceUpdate): Promise<boolean> {
    const p = values.length + 3;
    const rows = await this.sql.rows<{ n: number }>(
      name,
      `WITH m AS (
         UPDATE "OutboxMessage" SET ${set} WHERE "id" = $1 AND "lockedBy" = $2 AND "status" = 'PENDING' RETURNING "conversationId"),
       pace AS (
         INSERT INTO "OutboxPace" ("conversationId", "sends", "nextStartAt")
         SELECT m."conversationId", ARRAY[$${p}::timestamp(3)], $${p + 1}::timestamp(3) FROM m WHERE $${p}::timestamp(3) IS NOT NULL
         ON CONFLICT ("conversationId") DO UPDATE SET
           "sends" = ARRAY(SELECT t FROM unnest("OutboxPace"."sends" || EXCLUDED."sends") t
                            WHERE t > EXCLUDED."nextStartAt" - make_interval(secs => $${p + 2}::float8 / 1000) ORDER BY t),
           "nextStartAt" = GREATEST("OutboxPace"."nextStartAt", EXCLUDED."nextStartAt"))
       SELECT count(*)::int AS "n" FROM m`,
      [id, workerId, ...values, pace ? new Date(pace.endedAt) : null, pace ? new Date(pace.nextStartAt) : null, pace?.memoryMs ?? 0],
    );
    return rows[0]?.n === 1;
  }

  /** Forgets the pace of conversations that sent nothing for `memoryMs` (database time). */
  async forgetIdlePaces(memoryMs: number): Promise<number> {
    return this.sql.rowCount(
      "outbox_pace_forget",
      `DELETE FROM "OutboxPace" WHERE "nextStartAt" < (now() AT TIME ZONE 'UTC') - make_interval(secs => $1::float8 / 1000)`,
      [memoryMs],
    );
  }

  /** Sends given up on, newest first (for admins). */
  async failed(limit = 50): Promise<OutboxRecord[]> {
    const rows = await this.prisma.outboxMessage.findMany({ where: { status: "FAILED" }, orderBy: [{ createdAt: "desc" }, { id: "asc" }], take: limit });
    return rows.map(fromModel);
  }

  /** Puts a failed send back in the queue, with a fresh attempt count (admin action). */
  async requeue(id: string, now = new Date()): Promise<boolean> {
    return (await this.requeueWhere({ id, status: "FAILED" }, now)) === 1;
  }

  /** Puts every failed send back in the queue (admin action, after an outage); answers how many.
   *  They keep their place: each goes out before the later sends of its conversation that wait. */
  async requeueAllFailed(now = new Date()): Promise<number> {
    return this.requeueWhere({ status: "FAILED" }, now);
  }

  private async requeueWhere(where: Prisma.OutboxMessageWhereInput, now: Date): Promise<number> {
    const r = await this.prisma.outboxMessage.updateMany({
      where,
      data: { status: "PENDING", attempts: 0, nextAttemptAt: now, failingSince: null, lastError: null, lockedBy: null, lockedUntil: null },
    });
    return r.count;
  }

  async pendingCount(): Promise<number> {
    return this.prisma.outboxMessage.count({ where: { status: "PENDING" } });
  }

  async get(id: string): Promise<OutboxRecord | null> {
    const row = await this.prisma.outboxMessage.findUnique({ where: { id } });
    return row ? fromModel(row) : null;
  }

  /** Remembers the activity posted for a case in a conversation, so later updates replace it. */
  async recordChannelPost(caseId: string, conversationId: string, activityId: string): Promise<void> {
    await this.sql.rowCount(
      "channel_post_record",
      `INSERT INTO "ChannelPost" ("id", "caseId", "conversationId", "activityId", "createdAt") VALUES ($1, $2, $3, $4, now() AT TIME ZONE 'UTC')
       ON CONFLICT ("caseId", "conversationId") DO UPDATE SET "activityId" = EXCLUDED."activityId"`,
      [randomUUID(), caseId, conversationId, activityId],
    );
  }

  async channelPostsOf(caseId: string): Promise<ChannelPostRecord[]> {
    return this.prisma.channelPost.findMany({
      where: { caseId },
      orderBy: { createdAt: "asc" },
      select: { caseId: true, conversationId: true, activityId: true, createdAt: true },
    });
  }

  async channelPost(caseId: string, conversationId: string): Promise<ChannelPostRecord | null> {
    const rows = await this.sql.rows<ChannelPostRecord>(
      "channel_post_get",
      `SELECT "caseId", "conversationId", "activityId", "createdAt" FROM "ChannelPost" WHERE "caseId" = $1 AND "conversationId" = $2`,
      [caseId, conversationId],
    );
    return rows[0] ?? null;
  }
}

const RETURNED_COLUMNS = `m."id", m."conversationId", m."kind", m."payload", m."dedupeKey", m."status"::text AS "status", m."attempts", m."nextAttemptAt", m."lockedUntil",
  m."lockedBy", m."lastError", m."resultActivityId", m."caseId", m."createdAt", m."sentAt", m."failingSince"`;

type RawOutboxRow = Omit<OutboxRecord, "payload" | "kind"> & { kind: string; payload: unknown };

function truncate(s: string, max = 1000): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function toDate(v: unknown): Date {
  return v instanceof Date ? v : new Date(typeof v === "string" && !/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? `${v}Z` : (v as string));
}

function toDateOrNull(v: unknown): Date | null {
  return v === null || v === undefined ? null : toDate(v);
}

function toPayload(v: unknown): OutboxPayload {
  const p = (typeof v === "string" ? JSON.parse(v) : v) as OutboxPayload;
  return p;
}

function fromRaw(r: RawOutboxRow): OutboxRecord {
  return {
    id: r.id,
    conversationId: r.conversationId,
    kind: r.kind as OutboxKind,
    payload: toPayload(r.payload),
    dedupeKey: r.dedupeKey,
    status: r.status,
    attempts: Number(r.attempts),
    nextAttemptAt: toDate(r.nextAttemptAt),
    lockedUntil: toDateOrNull(r.lockedUntil),
    lockedBy: r.lockedBy,
    lastError: r.lastError,
    resultActivityId: r.resultActivityId,
    caseId: r.caseId,
    createdAt: toDate(r.createdAt),
    sentAt: toDateOrNull(r.sentAt),
    failingSince: toDateOrNull(r.failingSince),
  };
}

function fromModel(r: Prisma.OutboxMessageGetPayload<object>): OutboxRecord {
  return { ...r, kind: r.kind as OutboxKind, payload: r.payload as unknown as OutboxPayload, status: r.status };
}
