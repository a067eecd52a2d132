import { sql, type Expression, type QueryCreator } from "kysely";
import type { DB, Db } from "./kysely.js";

/** An entry of a case's history (append-only: a correction is a new event). */
export type NewCaseEvent = {
  caseId: string;
  actorId: string | null;
  type: string;
  data?: Record<string, unknown>;
  /** By default, the database's now(). */ at?: Date;
};

/**
 * The one place where case events are written: an INSERT … SELECT over the events as arrays (one
 * statement text whatever their number), in the order given (ids follow it). `caseOf` ties them
 * to the case that the surrounding statement writes (a CTE such as `upd`: no row there, no event)
 * instead of each event's caseId. Use it as a statement (recordCaseEvents) or as a CTE.
 */
export function caseEventsInsert<D extends DB>(
  qc: QueryCreator<D>,
  events: readonly (Omit<NewCaseEvent, "caseId"> & { caseId?: string })[],
  caseOf?: { from: string; id: Expression<string> },
) {
  const source = sql`unnest(${events.map((e) => e.caseId ?? null)}::text[], ${events.map((e) => e.actorId)}::text[], ${events.map((e) => e.type)}::text[],
      ${events.map((e) => JSON.stringify(e.data ?? {}))}::text[], ${events.map((e) => e.at?.toISOString() ?? null)}::text[]) WITH ORDINALITY AS e("caseId", "actorId", "type", "data", "at", "n")`;
  return qc
    .insertInto("CaseEvent")
    .columns(["caseId", "actorId", "type", "data", "at"])
    .expression(
      sql`SELECT ${caseOf ? caseOf.id : sql`e."caseId"`}, e."actorId", e."type", e."data"::jsonb, COALESCE(e."at"::timestamptz, now())
            FROM ${caseOf ? sql`${sql.table(caseOf.from)}, ` : sql``}${source} ORDER BY e."n"`,
    );
}

/** Adds events to cases' histories. */
export async function recordCaseEvents(db: Db, events: readonly NewCaseEvent[]): Promise<void> {
  if (events.length === 0) return;
  await caseEventsInsert(db, events).execute();
}
