import { randomUUID } from "node:crypto";
import { sql, type Selectable, type UpdateObject } from "kysely";
import type { Timestamp } from "../generated/kysely/database.js";
import { z } from "zod";
import { runNamed, type DB, type Db } from "./kysely.js";
import type { RenderSpec } from "./outgoing-message.js";
import { sendsInsert, type NewSend, type OutboxPayload } from "./sends.js";

export type { OutboxPayload };

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

/** A payload as stored (written by sends.ts): an object; its render spec is the services' own. */
const payloadSchema = z.object({
  activity: z.record(z.string(), z.unknown()).optional(),
  render: z.custom<RenderSpec>((v) => v !== null && typeof v === "object" && typeof (v as { view?: unknown }).view === "string").optional(),
  activityId: z.string().optional(),
});

const OUTBOX_KINDS: readonly OutboxKind[] = ["post", "update"];

/** An outbox row as the deliverer reads it. */
function recordOf(r: Selectable<DB["OutboxMessage"]>): OutboxRecord {
  const kind = OUTBOX_KINDS.find((k) => k === r.kind);
  if (!kind) throw new Error(`outbox row ${r.id} has an unknown kind ${r.kind}`);
  return { ...r, kind, payload: payloadSchema.parse(r.payload) };
}

/** The outbox of pending Teams sends. Rows are claimed with a lease (lockedBy/lockedUntil) so
 *  that several bot instances on one database deliver each send once, and a crashed instance's
 *  claims are taken over when their lease expires. Every mark* call only applies while the caller
 *  still holds the lease, and answers whether it did. */
export class OutboxRepository {
  constructor(private readonly db: Db) {}

  /** Queues a send (sends.ts writes it); with a dedupeKey already queued, the send queued with it.
   *  Pass a transaction to commit the send with what it is about. */
  async enqueue(msg: NewOutboxMessage, trx: Db = this.db): Promise<{ id: string; created: boolean }> {
    const send: NewSend = { ...msg, dedupeKey: msg.dedupeKey ?? null, caseId: msg.caseId ?? null };
    const inserted = await sendsInsert(trx, [send]).returning("id").executeTakeFirst();
    if (inserted) return { id: inserted.id, created: true };
    const existing = await trx
      .selectFrom("OutboxMessage")
      .select("id")
      .where("dedupeKey", "=", msg.dedupeKey ?? null)
      .executeTakeFirst();
    if (!existing) throw new Error("outbox dedupe key conflict without a row");
    return { id: existing.id, created: false };
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
    return this.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.OutboxMessage.claim'))`.execute(trx);
      const { rows: clock } = await sql<{ dbNow: Date }>`SELECT now() AS "dbNow"`.execute(trx);
      const dbNow = clock[0]!.dbNow.getTime();
      const paceLimit = new Date(dbNow + horizonMs);
      const due = await trx
        .with(
          (wb) => wb("due").materialized(),
          (qc) =>
            qc
              .selectFrom("OutboxMessage as o")
              .select(["o.id", "o.conversationId", "o.createdAt"])
              .select((eb) =>
                eb.fn
                  .agg<number>("row_number")
                  .over((ob) => ob.partitionBy("o.conversationId").orderBy("o.createdAt").orderBy("o.id"))
                  .as("n"),
              )
              .where("o.status", "=", sql.lit("PENDING"))
              .where("o.nextAttemptAt", "<=", now)
              .where((eb) => eb.or([eb("o.lockedUntil", "is", null), eb("o.lockedUntil", "<", now)]))
              .where(({ not, exists, selectFrom }) =>
                not(
                  exists(
                    selectFrom("OutboxMessage as p")
                      .select("p.id")
                      .whereRef("p.conversationId", "=", "o.conversationId")
                      .where("p.status", "=", sql.lit("PENDING"))
                      .where(sql<boolean>`(p."createdAt", p."id") < (o."createdAt", o."id")`)
                      .where((eb) => eb.or([eb("p.nextAttemptAt", ">", now), eb("p.lockedUntil", ">=", now)])),
                  ),
                ),
              )
              .where(({ not, exists, selectFrom }) =>
                not(
                  exists(
                    selectFrom("OutboxPace as q")
                      .select("q.conversationId")
                      .whereRef("q.conversationId", "=", "o.conversationId")
                      .where("q.nextStartAt", ">", paceLimit),
                  ),
                ),
              ),
        )
        .with("firsts", (qc) =>
          qc
            .selectFrom("due")
            .select(["due.conversationId", (eb) => eb.fn.min("due.createdAt").as("first")])
            .groupBy("due.conversationId")
            .orderBy("first")
            .orderBy("due.conversationId")
            .limit(opts.conversations),
        )
        .selectFrom("due")
        .innerJoin("firsts", "firsts.conversationId", "due.conversationId")
        .leftJoin("OutboxPace as q", "q.conversationId", "due.conversationId")
        // An array of instants: Kysely's types keep its elements as the column type, pg gives Dates.
        .select(["due.id", "due.conversationId", (eb) => eb.ref("q.sends").$castTo<Date[] | null>().as("sends")])
        .where("due.n", "<=", perConversation)
        .orderBy("due.createdAt")
        .orderBy("due.id")
        .execute();
      const byConversation = new Map<string, { ids: string[]; sends: number[] }>();
      for (const r of due) {
        const entry = byConversation.get(r.conversationId);
        if (entry) entry.ids.push(r.id);
        else
          byConversation.set(r.conversationId, {
            ids: [r.id],
            sends: (r.sends ?? [])
              .map((d) => d.getTime())
              .filter((t) => t > dbNow - memoryMs)
              .sort((a, b) => a - b),
          });
      }
      const leases: { id: string; until: Date; pace: ClaimedSend["pace"] }[] = [];
      for (const { ids, sends } of byConversation.values()) {
        const slots = schedule(sends, ids.length, dbNow).filter((t) => t <= dbNow + horizonMs);
        const pace = { sends, dbNow };
        slots.forEach((t, i) => leases.push({ id: ids[i]!, until: new Date(now.getTime() + (t - dbNow) + leaseMs), pace }));
      }
      if (leases.length === 0) return [];
      const leased = sql<{
        id: string;
        until: Date;
      }>`(SELECT * FROM unnest(${leases.map((l) => l.id)}::text[], ${leases.map((l) => l.until.toISOString())}::timestamptz[]) AS c("id", "until"))`;
      const rows = await runNamed(
        trx,
        "outbox_claim",
        trx
          .updateTable("OutboxMessage as m")
          .from(leased.as("c"))
          .set((eb) => ({ lockedBy: workerId, lockedUntil: eb.ref("c.until") }))
          .whereRef("m.id", "=", "c.id")
          .where("m.status", "=", sql.lit("PENDING"))
          .returningAll("m"),
      );
      const paceOf = new Map(leases.map((l) => [l.id, l.pace]));
      return rows
        .map((r) => ({ ...recordOf(r), pace: paceOf.get(r.id)! }))
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
    });
  }

  /** Extends the leases `workerId` still holds among `ids`; answers the ids it still holds. */
  async renewLeases(ids: string[], workerId: string, until: Date): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .updateTable("OutboxMessage")
      .set({ lockedUntil: until })
      .where("id", "=", sql<string>`any(${ids}::text[])`)
      .where("lockedBy", "=", workerId)
      .where("status", "=", sql.lit("PENDING"))
      .returning("id")
      .execute();
    return rows.map((r) => r.id);
  }

  async markSent(id: string, workerId: string, resultActivityId?: string, pace?: PaceUpdate): Promise<boolean> {
    return this.held(
      {
        status: "SENT",
        sentAt: sql<Date>`now()`,
        attempts: sql<number>`"attempts" + 1`,
        resultActivityId: resultActivityId ?? null,
        lastError: null,
        failingSince: null,
        lockedBy: null,
        lockedUntil: null,
      },
      id,
      workerId,
      pace,
    );
  }

  /** Counts a failed attempt and schedules the next one; releases the lease. `failingSince` is
   *  kept from the first failure of the run. */
  async markRetry(id: string, workerId: string, error: string, nextAttemptAt: Date, failedAt: Date, pace?: PaceUpdate): Promise<boolean> {
    return this.held(
      {
        attempts: sql<number>`"attempts" + 1`,
        lastError: truncate(error),
        nextAttemptAt,
        failingSince: sql<Date>`COALESCE("failingSince", ${failedAt}::timestamptz)`,
        lockedBy: null,
        lockedUntil: null,
      },
      id,
      workerId,
      pace,
    );
  }

  /** Gives up on a send (counting the attempt that failed); it stays listed by failed() for admins. */
  async markFailed(id: string, workerId: string, error: string, opts: { countAttempt?: boolean; pace?: PaceUpdate } = {}): Promise<boolean> {
    return this.held(
      {
        status: "FAILED",
        attempts: sql<number>`"attempts" + ${opts.countAttempt === false ? 0 : 1}::int`,
        lastError: truncate(error),
        lockedBy: null,
        lockedUntil: null,
      },
      id,
      workerId,
      opts.pace,
    );
  }

  /** Hands claimed sends back without counting an attempt (an earlier send of the same
   *  conversation must be retried first, or the instance stops), so that any instance may take them now. */
  async release(ids: string[], workerId: string): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await this.db
      .updateTable("OutboxMessage")
      .set({ lockedBy: null, lockedUntil: null })
      .where("id", "=", sql<string>`any(${ids}::text[])`)
      .where("lockedBy", "=", workerId)
      .where("status", "=", sql.lit("PENDING"))
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /**
   * An UPDATE of a send that applies only while `workerId` still holds its lease. With `pace`, the
   * same statement records when the attempt ended in its conversation's pace: a conversation
   * becomes claimable again (its last lease gone) only with the pace of what was just sent.
   */
  private async held(set: OutboxChange, id: string, workerId: string, pace?: PaceUpdate): Promise<boolean> {
    const endedAt = pace ? new Date(pace.endedAt) : null;
    const nextStartAt = pace ? new Date(pace.nextStartAt) : null;
    const rows = await this.db
      .with("m", (qc) =>
        qc
          .updateTable("OutboxMessage")
          .set(set)
          .where("id", "=", id)
          .where("lockedBy", "=", workerId)
          .where("status", "=", sql.lit("PENDING"))
          .returning("conversationId"),
      )
      .with("pace", (qc) =>
        qc
          .insertInto("OutboxPace")
          .columns(["conversationId", "sends", "nextStartAt"])
          .expression((eb) =>
            eb
              .selectFrom("m")
              .select(["m.conversationId", sql<Date[]>`ARRAY[${endedAt}::timestamptz]`.as("sends"), sql<Date>`${nextStartAt}::timestamptz`.as("nextStartAt")])
              .where(sql<boolean>`${endedAt}::timestamptz IS NOT NULL`),
          )
          .onConflict((oc) =>
            oc.column("conversationId").doUpdateSet({
              sends: sql<Timestamp[]>`ARRAY(SELECT t FROM unnest("OutboxPace"."sends" || EXCLUDED."sends") t
                                        WHERE t > EXCLUDED."nextStartAt" - make_interval(secs => ${pace?.memoryMs ?? 0}::float8 / 1000) ORDER BY t)`,
              nextStartAt: sql<Date>`GREATEST("OutboxPace"."nextStartAt", EXCLUDED."nextStartAt")`,
            }),
          ),
      )
      .selectFrom("m")
      .select(sql<number>`count(*)::int`.as("n"))
      .executeTakeFirst();
    return rows?.n === 1;
  }

  /** Forgets the pace of conversations that sent nothing for `memoryMs` (database time). */
  async forgetIdlePaces(memoryMs: number): Promise<number> {
    const r = await this.db
      .deleteFrom("OutboxPace")
      .where("nextStartAt", "<", sql<Date>`now() - make_interval(secs => ${memoryMs}::float8 / 1000)`)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Sends given up on, newest first (for admins). */
  async failed(limit = 50): Promise<OutboxRecord[]> {
    const rows = await this.db
      .selectFrom("OutboxMessage")
      .selectAll()
      .where("status", "=", "FAILED")
      .orderBy("createdAt", "desc")
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.map(recordOf);
  }

  /** Puts a failed send back in the queue, with a fresh attempt count (admin action). */
  async requeue(id: string, now = new Date()): Promise<boolean> {
    return (await this.requeueFailed(now, id)) === 1;
  }

  /** Puts every failed send back in the queue (admin action, after an outage); answers how many.
   *  They keep their place: each goes out before the later sends of its conversation that wait. */
  async requeueAllFailed(now = new Date()): Promise<number> {
    return this.requeueFailed(now);
  }

  private async requeueFailed(now: Date, id?: string): Promise<number> {
    const r = await this.db
      .updateTable("OutboxMessage")
      .set({ status: "PENDING", attempts: 0, nextAttemptAt: now, failingSince: null, lastError: null, lockedBy: null, lockedUntil: null })
      .where("status", "=", "FAILED")
      .$if(id !== undefined, (q) => q.where("id", "=", id!))
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async pendingCount(): Promise<number> {
    const r = await this.db
      .selectFrom("OutboxMessage")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("status", "=", "PENDING")
      .executeTakeFirstOrThrow();
    return r.n;
  }

  async get(id: string): Promise<OutboxRecord | null> {
    const row = await this.db.selectFrom("OutboxMessage").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? recordOf(row) : null;
  }

  /** Remembers the activity posted for a case in a conversation, so later updates replace it. */
  async recordChannelPost(caseId: string, conversationId: string, activityId: string): Promise<void> {
    await this.db
      .insertInto("ChannelPost")
      .values({ id: randomUUID(), caseId, conversationId, activityId })
      .onConflict((oc) => oc.columns(["caseId", "conversationId"]).doUpdateSet((eb) => ({ activityId: eb.ref("excluded.activityId") })))
      .execute();
  }

  async channelPostsOf(caseId: string): Promise<ChannelPostRecord[]> {
    return this.db
      .selectFrom("ChannelPost")
      .select(["caseId", "conversationId", "activityId", "createdAt"])
      .where("caseId", "=", caseId)
      .orderBy("createdAt")
      .execute();
  }

  async channelPost(caseId: string, conversationId: string): Promise<ChannelPostRecord | null> {
    return (
      (await this.db
        .selectFrom("ChannelPost")
        .select(["caseId", "conversationId", "activityId", "createdAt"])
        .where("caseId", "=", caseId)
        .where("conversationId", "=", conversationId)
        .executeTakeFirst()) ?? null
    );
  }
}

/** What a mark changes on a send: values or expressions over its row. */
type OutboxChange = UpdateObject<DB, "OutboxMessage">;

function truncate(s: string, max = 1000): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
