import { randomUUID } from "node:crypto";
import { sql, type Expression, type QueryCreator } from "kysely";
import type { DB, Db } from "./kysely.js";
import type { OutgoingMessage, RenderSpec } from "./outgoing-message.js";

/** Either a ready activity, or a view that the Teams layer renders at delivery time (services
 *  never build cards), and for an update the id of the activity to replace. An "update" with a
 *  caseId and no activityId targets the card the outbox posted for that case in that conversation
 *  (see ChannelPost). */
export type OutboxPayload = { activity?: Record<string, unknown>; render?: RenderSpec; activityId?: string };

/** A Teams send to queue. With a dedupeKey already queued, it is left out (a retried request does
 *  not post twice). */
export type NewSend = {
  conversationId: string;
  kind: "post" | "update";
  payload: OutboxPayload;
  dedupeKey?: string | null;
  caseId?: string | null;
};

/** The send of a message decided by a service, about a case. */
export function sendOf(m: OutgoingMessage, caseId: string | null = null): NewSend {
  const payload: OutboxPayload = m.activityId ? { render: m.render, activityId: m.activityId } : { render: m.render };
  return { conversationId: m.conversationId, kind: m.kind, payload, dedupeKey: m.dedupeKey ?? null, caseId };
}

// createdAt orders a conversation's sends (FIFO). Several sends queued in the same millisecond (one
// transaction often queues a channel post and several notifications) keep their order this way.
let lastCreatedAt = 0;
function nextCreatedAt(): Date {
  lastCreatedAt = Math.max(Date.now(), lastCreatedAt + 1);
  return new Date(lastCreatedAt);
}

/**
 * The one place where sends enter the outbox: an INSERT … SELECT over the sends as arrays (one
 * statement text whatever their number). `caseOf` ties them to a case that the surrounding
 * statement writes (a CTE such as `upd`: no row there, no send), instead of each send's caseId.
 * Use it as a statement (queueSends) or as a CTE of a statement that changes a case.
 */
export function sendsInsert<D extends DB>(qc: QueryCreator<D>, sends: readonly NewSend[], caseOf?: { from: string; id: Expression<string> }) {
  const rows = sends.map((s) => ({ ...s, id: randomUUID(), createdAt: nextCreatedAt().toISOString() }));
  const source = sql`unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.conversationId)}::text[], ${rows.map((r) => r.kind)}::text[],
      ${rows.map((r) => JSON.stringify(r.payload))}::text[], ${rows.map((r) => r.dedupeKey ?? null)}::text[], ${rows.map((r) => r.caseId ?? null)}::text[],
      ${rows.map((r) => r.createdAt)}::text[]) AS o("id", "conversationId", "kind", "payload", "dedupeKey", "caseId", "createdAt")`;
  return qc
    .insertInto("OutboxMessage")
    .columns(["id", "conversationId", "kind", "payload", "dedupeKey", "caseId", "createdAt", "nextAttemptAt"])
    .expression(
      sql`SELECT o."id", o."conversationId", o."kind", o."payload"::jsonb, o."dedupeKey", ${caseOf ? caseOf.id : sql`o."caseId"`},
                 o."createdAt"::timestamptz, o."createdAt"::timestamptz
            FROM ${caseOf ? sql`${sql.table(caseOf.from)}, ` : sql``}${source}`,
    )
    .onConflict((oc) => oc.column("dedupeKey").doNothing());
}

/** Queues sends; returns how many were new (the others' dedupeKey was already queued). */
export async function queueSends(db: Db, sends: readonly NewSend[]): Promise<number> {
  if (sends.length === 0) return 0;
  const result = await sendsInsert(db, sends).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}
