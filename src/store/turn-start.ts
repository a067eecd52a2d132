import type { HotSql } from "./hot-sql.js";
import type { MemberRecord } from "./members.js";
import type { StoreItem } from "./bot-state-storage.js";

/** What a message turn needs before anything else: who is talking (an active member, or null)
 *  and the conversation's stored dialog state (null when there is none). */
export type MessageTurnStart = { member: MemberRecord | null; state: StoreItem | null };

/** What an Action.Execute invoke needs first: who is clicking, and whether this activity id is
 *  new (Teams retries an unanswered invoke with the same id). */
export type InvokeTurnStart = { member: MemberRecord | null; firstDelivery: boolean };

type MemberColumns = {
  id: string | null;
  tenantId: string;
  aadObjectId: string;
  displayName: string;
  email: string | null;
  role: MemberRecord["role"];
  locale: string | null;
  districtId: string | null;
  active: boolean;
  schoolIds: string[] | null;
};

const MEMBER_COLUMNS = `m."id", m."tenantId", m."aadObjectId", m."displayName", m."email", m."role"::text AS "role", m."locale", m."districtId", m."active",
  (SELECT array_agg(ms."schoolId" ORDER BY ms."schoolId") FROM "MemberSchool" ms WHERE ms."memberId" = m."id") AS "schoolIds"`;

/** Each turn starts with one statement instead of two or three (`npm run bench`: every round trip
 *  and every statement's fixed cost shows at concurrency 1). */
export class TurnStartRepository {
  constructor(private readonly sql: HotSql) {}

  async message(tenantId: string | null, aadObjectId: string | null, stateKey: string): Promise<MessageTurnStart> {
    // Whether the member holds any case rides along (an index probe): the chat queries of a member
    // who holds none are simpler statements (domain/case-queries visibilityOf). Not EXISTS: where a
    // few coordinators hold thousands of cases each, the planner expects a match within the first
    // rows of a sequential scan, and for everyone else it read the whole table (28 ms at 100,000
    // cases, npm run bench); ordered by the index's second column, only the index is worth reading.
    const rows = await this.sql.rows<MemberColumns & { holdsCases: boolean; stateData: object | null; stateETag: string | null }>(
      "turn_start_message",
      `SELECT ${MEMBER_COLUMNS},
              (SELECT 1 FROM "Case" hc WHERE hc."assigneeId" = m."id" ORDER BY hc."status" LIMIT 1) IS NOT NULL AS "holdsCases",
              s."data" AS "stateData", s."eTag" AS "stateETag"
         FROM (SELECT 1) one
         LEFT JOIN "Member" m ON m."tenantId" = $1 AND m."aadObjectId" = $2
         LEFT JOIN "BotState" s ON s."key" = $3`,
      [tenantId, aadObjectId, stateKey],
    );
    const row = rows[0];
    const member = row ? toMember(row) : null;
    return {
      member: member && row ? { ...member, holdsCases: row.holdsCases === true } : null,
      state: row?.stateData && row.stateETag !== null ? { ...row.stateData, eTag: row.stateETag } : null,
    };
  }

  /** Who is talking, when nothing else is needed with it. */
  async member(tenantId: string, aadObjectId: string): Promise<MemberRecord | null> {
    const rows = await this.sql.rows<MemberColumns>(
      "member_by_aad",
      `SELECT ${MEMBER_COLUMNS} FROM "Member" m WHERE m."tenantId" = $1 AND m."aadObjectId" = $2`,
      [tenantId, aadObjectId],
    );
    return rows[0] ? toMember(rows[0]) : null;
  }

  /** `firstDelivery` is false when the activity id was marked handled (see
   *  ProcessedActivityRepository.markHandled): the mark is read here and written once the action
   *  is done, so that a retry of an action that never finished (its instance died) applies it. */
  async invoke(tenantId: string | null, aadObjectId: string | null, activityKey: string | null): Promise<InvokeTurnStart> {
    const rows = await this.sql.rows<MemberColumns & { handled: boolean }>(
      "turn_start_invoke_read",
      `SELECT ${MEMBER_COLUMNS}, EXISTS (SELECT 1 FROM "ProcessedActivity" WHERE "activityId" = $3::text) AS "handled"
         FROM (SELECT 1) one
         LEFT JOIN "Member" m ON m."tenantId" = $1 AND m."aadObjectId" = $2`,
      [tenantId, aadObjectId, activityKey],
    );
    const row = rows[0];
    return { member: row ? toMember(row) : null, firstDelivery: !row?.handled };
  }
}

function toMember(m: MemberColumns): MemberRecord | null {
  if (m.id === null || !m.active) return null;
  return {
    id: m.id,
    tenantId: m.tenantId,
    aadObjectId: m.aadObjectId,
    displayName: m.displayName,
    email: m.email,
    role: m.role,
    locale: m.locale,
    districtId: m.districtId,
    schoolIds: m.schoolIds ?? [],
  };
}
