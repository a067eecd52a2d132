import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "./kysely.js";

/**
 * The audit of the directory: the one writer of MemberEvent. Every change of a member (created from
 * a staff list or an enrolment, bound to their Teams identity, role or place changed, deactivated,
 * reactivated, cases handed over) writes its event here, inside the transaction of the change.
 */

export const MEMBER_EVENT_KINDS = ["CREATED", "BOUND", "ROLE_CHANGED", "PLACE_CHANGED", "DEACTIVATED", "REACTIVATED", "CASES_HANDED_OVER", "ENROLLED"] as const;
export type MemberEventKind = (typeof MEMBER_EVENT_KINDS)[number];

export type MemberEventInput = {
  memberId: string;
  /** The member who acted; null for the command line and the bot itself. */
  actorId: string | null;
  kind: MemberEventKind;
  /** What changed (staff data only, never about pupils). */
  detail?: Record<string, unknown> | null;
};

export type MemberEventRecord = { id: string; memberId: string; actorId: string | null; kind: MemberEventKind; detail: unknown; createdAt: Date };

/** Rows per INSERT: a staff list of 5,000 people is a handful of statements. */
const BATCH = 1000;

/** Writes the events with `db` (a transaction when the change has one). */
export async function writeMemberEvents(db: Db, events: readonly MemberEventInput[], at?: Date): Promise<void> {
  for (let i = 0; i < events.length; i += BATCH) {
    const rows = events.slice(i, i + BATCH).map((e) => ({
      id: randomUUID(),
      memberId: e.memberId,
      actorId: e.actorId,
      kind: e.kind,
      detail: e.detail == null ? null : JSON.stringify(e.detail),
      createdAt: at ?? sql<Date>`now()`,
    }));
    await db.insertInto("MemberEvent").values(rows).execute();
  }
}

export class MemberEventRepository {
  constructor(private readonly db: Db) {}

  /** A member's events, oldest first. */
  async of(memberId: string): Promise<MemberEventRecord[]> {
    const rows = await this.db
      .selectFrom("MemberEvent")
      .select(["id", "memberId", "actorId", "kind", "detail", "createdAt"])
      .where("memberId", "=", memberId)
      .orderBy("createdAt")
      .orderBy("id")
      .execute();
    return rows.map((r) => ({ ...r, kind: r.kind as MemberEventKind }));
  }
}
