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
};

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

  /** Claims up to `limit` due PENDING sends for `leaseMs`, oldest first. A conversation's sends
   *  are delivered in order: a send is not claimed while an older send of the same conversation
   *  waits for a retry or is leased to someone. Claims are serialised per schema by a
   *  transaction-level advisory lock (they take milliseconds), so that two instances never take
   *  two sends of one conversation at once; FOR UPDATE SKIP LOCKED keeps them off rows that are
   *  being marked. */
  async claimDue(opts: { workerId: string; limit: number; leaseMs: number; now: Date }): Promise<OutboxRecord[]> {
    const { workerId, limit, leaseMs, now } = opts;
    if (limit <= 0) return [];
    const until = new Date(now.getTime() + leaseMs);
    const rows = await this.sql.transaction(async (tx) => {
      await tx.rows("outbox_claim_lock", `SELECT 1 FROM pg_advisory_xact_lock(hashtext(current_schema() || '.OutboxMessage.claim'))`, []);
      return tx.rows<RawOutboxRow>(
        "outbox_claim",
        // Picked rows are materialised first: as an IN (subquery), PostgreSQL may run the subquery
        // again for each row updated, and each run skips the rows just updated and takes the next
        // ones, past the LIMIT (measured on the review reminders' claim, which had the same form).
        `WITH picked AS MATERIALIZED (
            SELECT o."id" FROM "OutboxMessage" o
            WHERE o."status" = 'PENDING'
              AND o."nextAttemptAt" <= $3::timestamp(3)
              AND (o."lockedUntil" IS NULL OR o."lockedUntil" < $3::timestamp(3))
              AND NOT EXISTS (
                SELECT 1 FROM "OutboxMessage" p
                WHERE p."conversationId" = o."conversationId"
                  AND p."status" = 'PENDING'
                  AND (p."createdAt", p."id") < (o."createdAt", o."id")
                  AND (p."nextAttemptAt" > $3::timestamp(3) OR p."lockedUntil" >= $3::timestamp(3))
              )
            ORDER BY o."createdAt", o."id"
            LIMIT $4
            FOR UPDATE SKIP LOCKED)
         UPDATE "OutboxMessage" m SET "lockedBy" = $1, "lockedUntil" = $2::timestamp(3)
           FROM picked WHERE m."id" = picked."id"
          RETURNING m."id", m."conversationId", m."kind", m."payload", m."dedupeKey", m."status"::text AS "status", m."attempts", m."nextAttemptAt", m."lockedUntil",
                    m."lockedBy", m."lastError", m."resultActivityId", m."caseId", m."createdAt", m."sentAt"`,
        [workerId, until, now, limit],
      );
    });
    return rows.map(fromRaw).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
  }

  /** Extends a lease still held by `workerId`; false when it was lost (expired and taken over, or finished). */
  async renewLease(id: string, workerId: string, until: Date): Promise<boolean> {
    return this.held("outbox_renew", `"lockedUntil" = $3::timestamp(3)`, id, workerId, [until]);
  }

  async markSent(id: string, workerId: string, resultActivityId?: string): Promise<boolean> {
    return this.held(
      "outbox_sent",
      `"status" = 'SENT', "sentAt" = now() AT TIME ZONE 'UTC', "attempts" = "attempts" + 1, "resultActivityId" = $3, "lastError" = NULL, "lockedBy" = NULL, "lockedUntil" = NULL`,
      id,
      workerId,
      [resultActivityId ?? null],
    );
  }

  /** Counts a failed attempt and schedules the next one; releases the lease. */
  async markRetry(id: string, workerId: string, error: string, nextAttemptAt: Date): Promise<boolean> {
    return this.held(
      "outbox_retry",
      `"attempts" = "attempts" + 1, "lastError" = $3, "nextAttemptAt" = $4::timestamp(3), "lockedBy" = NULL, "lockedUntil" = NULL`,
      id,
      workerId,
      [truncate(error), nextAttemptAt],
    );
  }

  /** Gives up on a send (counting the attempt that failed); it stays listed by failed() for admins. */
  async markFailed(id: string, workerId: string, error: string, opts: { countAttempt?: boolean } = {}): Promise<boolean> {
    return this.held(
      "outbox_failed",
      `"status" = 'FAILED', "attempts" = "attempts" + $3::int, "lastError" = $4, "lockedBy" = NULL, "lockedUntil" = NULL`,
      id,
      workerId,
      [opts.countAttempt === false ? 0 : 1, truncate(error)],
    );
  }

  /** Hands a claimed send back without counting an attempt (e.g. an earlier send of the same
   *  conversation must be retried first). */
  async release(id: string, workerId: string): Promise<boolean> {
    return this.held("outbox_release", `"lockedBy" = NULL, "lockedUntil" = NULL`, id, workerId, []);
  }

  /** An UPDATE of a send that applies only while `workerId` still holds its lease. */
  private async held(name: string, set: string, id: string, workerId: string, values: unknown[]): Promise<boolean> {
    const n = await this.sql.rowCount(name, `UPDATE "OutboxMessage" SET ${set} WHERE "id" = $1 AND "lockedBy" = $2 AND "status" = 'PENDING'`, [id, workerId, ...values]);
    return n === 1;
  }

  /** Sends given up on, newest first (for admins). */
  async failed(limit = 50): Promise<OutboxRecord[]> {
    const rows = await this.prisma.outboxMessage.findMany({ where: { status: "FAILED" }, orderBy: [{ createdAt: "desc" }, { id: "asc" }], take: limit });
    return rows.map(fromModel);
  }

  /** Puts a failed send back in the queue, with a fresh attempt count (admin action). */
  async requeue(id: string, now = new Date()): Promise<boolean> {
    const r = await this.prisma.outboxMessage.updateMany({
      where: { id, status: "FAILED" },
      data: { status: "PENDING", attempts: 0, nextAttemptAt: now, lockedBy: null, lockedUntil: null },
    });
    return r.count === 1;
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
  };
}

function fromModel(r: Prisma.OutboxMessageGetPayload<object>): OutboxRecord {
  return { ...r, kind: r.kind as OutboxKind, payload: r.payload as unknown as OutboxPayload, status: r.status };
}
