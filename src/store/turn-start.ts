import { sql, type ExpressionBuilder } from "kysely";
import type { MemberRecord } from "./members.js";
import type { StoreItem } from "./bot-state-storage.js";
import { prepared, type DB, type Db } from "./kysely.js";

/** What a message turn needs before anything else: who is talking (an active member, or null)
 *  and the conversation's stored dialog state (null when there is none). */
export type MessageTurnStart = { member: MemberRecord | null; state: StoreItem | null };

/** What an Action.Execute invoke needs first: who is clicking, and whether this activity id is
 *  new (Teams retries an unanswered invoke with the same id). */
export type InvokeTurnStart = { member: MemberRecord | null; firstDelivery: boolean };

const MEMBER_COLUMNS = [
  "m.id",
  "m.tenantId",
  "m.aadObjectId",
  "m.displayName",
  "m.email",
  "m.role",
  "m.locale",
  "m.districtId",
  "m.departmentCode",
  "m.active",
] as const;

/** The member's schools, ordered. */
function schoolIdsOf(eb: ExpressionBuilder<DB & { m: DB["Member"] }, "m">) {
  return eb
    .selectFrom("MemberSchool as ms")
    .select(sql<string[] | null>`array_agg(ms."schoolId" ORDER BY ms."schoolId")`.as("ids"))
    .whereRef("ms.memberId", "=", "m.id")
    .as("schoolIds");
}

/** A row with no member in it yet: a LEFT JOIN from it always gives one row. */
const ONE = sql<{ one: number }>`(SELECT 1 AS "one")`.as("one");

/** Who is talking, with their stored dialog state, in one statement. Whether the member holds any
 *  case rides along (an index probe): the chat queries of a member who holds none are simpler
 *  statements (domain/case-queries visibilityOf). Not EXISTS: where a few coordinators hold
 *  thousands of cases each, the planner expects a match within the first rows of a sequential
 *  scan, and for everyone else it read the whole table (28 ms at 100,000 cases, npm run bench);
 *  ordered by the index's second column, only the index is worth reading. */
const messageStart = prepared("turn_start_message", (db, tenantId: string | null, aadObjectId: string | null, stateKey: string) =>
  db
    .selectFrom(ONE)
    .leftJoin("Member as m", (join) => join.on("m.tenantId", "=", tenantId).on("m.aadObjectId", "=", aadObjectId))
    .leftJoin("BotState as s", (join) => join.on("s.key", "=", stateKey))
    .select(MEMBER_COLUMNS)
    .select((eb) => [
      schoolIdsOf(eb),
      sql<boolean>`(${eb.selectFrom("Case as hc").select(sql.lit(1).as("held")).whereRef("hc.assigneeId", "=", "m.id").orderBy("hc.status").limit(1)}) IS NOT NULL`.as(
        "holdsCases",
      ),
      "s.data as stateData",
      "s.eTag as stateETag",
    ]),
);

/** Who is clicking, and whether this activity was already handled. */
const invokeStart = prepared("turn_start_invoke", (db, tenantId: string | null, aadObjectId: string | null, activityKey: string | null) =>
  db
    .selectFrom(ONE)
    .leftJoin("Member as m", (join) => join.on("m.tenantId", "=", tenantId).on("m.aadObjectId", "=", aadObjectId))
    .select(MEMBER_COLUMNS)
    .select((eb) => [
      schoolIdsOf(eb),
      eb.exists(eb.selectFrom("ProcessedActivity as pa").select("pa.activityId").where("pa.activityId", "=", activityKey)).as("handled"),
    ]),
);

/** Each turn starts with one statement instead of two or three (`npm run bench`: every round trip
 *  and every statement's fixed cost shows at concurrency 1). */
export class TurnStartRepository {
  constructor(private readonly db: Db) {}

  async message(tenantId: string | null, aadObjectId: string | null, stateKey: string): Promise<MessageTurnStart> {
    const [row] = await messageStart(this.db, tenantId, aadObjectId, stateKey);
    const member = row ? toMember(row) : null;
    const data = row?.stateData;
    return {
      member: member && row ? { ...member, holdsCases: row.holdsCases === true } : null,
      state: data !== null && typeof data === "object" && row?.stateETag ? { ...data, eTag: row.stateETag } : null,
    };
  }

  /** Who is talking, when nothing else is needed with it. */
  async member(tenantId: string, aadObjectId: string): Promise<MemberRecord | null> {
    const row = await this.db
      .selectFrom("Member as m")
      .select(MEMBER_COLUMNS)
      .select((eb) => schoolIdsOf(eb))
      .where("m.tenantId", "=", tenantId)
      .where("m.aadObjectId", "=", aadObjectId)
      .executeTakeFirst();
    return row ? toMember(row) : null;
  }

  /** `firstDelivery` is false when the activity id was marked handled (see
   *  ProcessedActivityRepository.markHandled): the mark is read here and written once the action
   *  is done, so that a retry of an action that never finished (its instance died) applies it. */
  async invoke(tenantId: string | null, aadObjectId: string | null, activityKey: string | null): Promise<InvokeTurnStart> {
    const [row] = await invokeStart(this.db, tenantId, aadObjectId, activityKey);
    return { member: row ? toMember(row) : null, firstDelivery: !row?.handled };
  }
}

type MemberColumns = {
  id: string | null;
  tenantId: string | null;
  aadObjectId: string | null;
  displayName: string | null;
  email: string | null;
  role: MemberRecord["role"] | null;
  locale: string | null;
  districtId: string | null;
  departmentCode: string | null;
  active: boolean | null;
  schoolIds: string[] | null;
};

/** The member of a row (null when the join found nobody, or an inactive member). */
function toMember(m: MemberColumns): MemberRecord | null {
  if (m.id === null || !m.active || m.tenantId === null || m.aadObjectId === null || m.displayName === null || m.role === null) return null;
  return {
    id: m.id,
    tenantId: m.tenantId,
    aadObjectId: m.aadObjectId,
    displayName: m.displayName,
    email: m.email,
    role: m.role,
    locale: m.locale,
    districtId: m.districtId,
    departmentCode: m.departmentCode,
    schoolIds: m.schoolIds ?? [],
  };
}
