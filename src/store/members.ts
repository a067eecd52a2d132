import { sql, type ExpressionBuilder } from "kysely";
import type { Role } from "../domain/roles.js";
import type { TurnStartRepository } from "./turn-start.js";
import type { DB, Db } from "./kysely.js";
import { writeMemberEvents } from "./member-events.js";

export type MemberRecord = {
  id: string;
  tenantId: string;
  aadObjectId: string;
  displayName: string;
  email: string | null;
  role: Role;
  locale: string | null;
  districtId: string | null;
  /** DSDEN members: their département ("069"). */
  departmentCode: string | null;
  schoolIds: string[];
  /** Whether any case is assigned to the member; read only where a turn starts. */
  holdsCases?: boolean;
};

/** aadObjectId is null for a person loaded from the staff list who has not written to the bot yet:
 *  they can be assigned cases but not mentioned or messaged until then. */
export type MemberSummary = { id: string; displayName: string; aadObjectId: string | null; role: Role; locale: string | null };

const SUMMARY = ["m.id", "m.displayName", "m.aadObjectId", "m.role", "m.locale"] as const;

/** Whether the member `m` works in the school. */
function inSchool(eb: ExpressionBuilder<DB & { m: DB["Member"] }, "m">, schoolId: string) {
  return eb.exists(eb.selectFrom("MemberSchool as ms").select("ms.memberId").whereRef("ms.memberId", "=", "m.id").where("ms.schoolId", "=", schoolId));
}

export class MemberRepository {
  constructor(
    private readonly db: Db,
    private readonly turnStart: TurnStartRepository,
  ) {}

  async byId(id: string): Promise<MemberSummary | null> {
    return (await this.db.selectFrom("Member as m").select(SUMMARY).where("m.id", "=", id).where("m.active", "=", true).executeTakeFirst()) ?? null;
  }

  /** The school's référents décrochage (GPDS); asked for every new report. */
  async referentsOf(schoolId: string): Promise<MemberSummary[]> {
    return this.db
      .selectFrom("Member as m")
      .select(SUMMARY)
      .where("m.active", "=", true)
      .where("m.role", "=", "REFERENT")
      .where((eb) => inSchool(eb, schoolId))
      .orderBy("m.displayName")
      .orderBy("m.id")
      .execute();
  }

  /** The MLDS coordinators of a district. */
  async coordinatorsOf(districtId: string): Promise<MemberSummary[]> {
    return this.db.selectFrom("Member as m").select(SUMMARY).where("m.role", "=", "COORDINATOR").where("m.active", "=", true).where("m.districtId", "=", districtId).orderBy("m.displayName").execute();
  }

  /** People a case can be assigned to, in one statement: the district's coordinators, then the
   *  school's référents (each by name), as coordinatorsOf + referentsOf would list them. Read by
   *  every triage action. */
  async assigneesOf(districtId: string, schoolId: string): Promise<MemberSummary[]> {
    return this.db
      .selectFrom("Member as m")
      .select(SUMMARY)
      .where("m.active", "=", true)
      .where((eb) => eb.or([eb.and([eb("m.role", "=", "COORDINATOR"), eb("m.districtId", "=", districtId)]), eb.and([eb("m.role", "=", "REFERENT"), inSchool(eb, schoolId)])]))
      .orderBy(sql`m."role" = 'REFERENT'`)
      .orderBy("m.displayName")
      .execute();
  }

  /**
   * First contact: binds the Teams identity to the active member listed with one of these e-mails
   * (lower-cased) who has none yet, with its BOUND event, in one transaction. A member already
   * bound keeps their identity; an identity that some member (even deactivated) already holds is
   * not bound twice. Returns the member bound, or null.
   */
  async bindByEmail(tenantId: string, aadObjectId: string, emails: readonly string[], now: Date): Promise<MemberRecord | null> {
    if (emails.length === 0) return null;
    const bound = await this.db.transaction().execute(async (trx) => {
      const taken = await trx.selectFrom("Member").select("id").where("tenantId", "=", tenantId).where("aadObjectId", "=", aadObjectId).executeTakeFirst();
      if (taken) return null;
      const row = await trx
        .updateTable("Member")
        .set({ tenantId, aadObjectId, boundAt: now, updatedAt: now })
        .where("id", "=", (eb) =>
          eb
            .selectFrom("Member")
            .select("id")
            .where("email", "=", sql<string>`any(${[...emails]}::text[])`)
            .where("active", "=", true)
            .where("aadObjectId", "is", null)
            .orderBy("createdAt")
            .limit(1),
        )
        .where("aadObjectId", "is", null)
        .returning(["id", "email"])
        .executeTakeFirst();
      if (!row) return null;
      await writeMemberEvents(trx, [{ memberId: row.id, actorId: null, kind: "BOUND", detail: { via: "FIRST_CONTACT", tenantId } }], now);
      return row.id;
    });
    return bound === null ? null : this.turnStart.member(tenantId, aadObjectId);
  }

  /** Who is talking (turns read it with their first statement: store/turn-start.ts). */
  findByAad(tenantId: string, aadObjectId: string): Promise<MemberRecord | null> {
    return this.turnStart.member(tenantId, aadObjectId);
  }
}
