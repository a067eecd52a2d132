import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Role } from "../domain/roles.js";
import type { Db } from "./kysely.js";
import type { MemberSummary } from "./members.js";
import { writeMemberEvents } from "./member-events.js";
import type { OutgoingMessage } from "./outgoing-message.js";
import { queueSends, sendOf } from "./sends.js";

/** Self-enrolment: requests to join (Enrolment), the schools to pick from, the approvers, and the
 *  approval that creates (or binds) the member, audited ENROLLED. */

export type EnrolmentStatus = "PENDING" | "APPROVED" | "REFUSED" | "WITHDRAWN";

export type EnrolmentRecord = {
  id: string;
  tenantId: string;
  aadObjectId: string;
  displayName: string;
  email: string | null;
  locale: string | null;
  function: string;
  role: Role;
  schoolId: string | null;
  schoolName: string | null;
  schoolUai: string | null;
  /** The school's bassin, or the bassin asked for. */
  districtId: string | null;
  /** The bassin asked for by a bassin role (a school's people show their school instead). */
  districtName: string | null;
  departmentCode: string | null;
  status: EnrolmentStatus;
  decidedById: string | null;
  decidedByName: string | null;
  decidedAt: Date | null;
  memberId: string | null;
  createdAt: Date;
};

export type SchoolChoice = { id: string; uai: string; name: string; city: string | null; districtId: string; departmentCode: string | null };

export type NewEnrolment = {
  tenantId: string;
  aadObjectId: string;
  displayName: string;
  email: string | null;
  locale: string | null;
  function: string;
  role: Role;
  schoolId: string | null;
  districtId: string | null;
  departmentCode: string | null;
};

const SUMMARY = ["m.id", "m.displayName", "m.aadObjectId", "m.role", "m.locale"] as const;

export class EnrolmentRepository {
  constructor(private readonly db: Db) {}

  /** The académie's open schools (a few thousand at most), to search among. */
  async openSchools(): Promise<SchoolChoice[]> {
    return this.db
      .selectFrom("School")
      .select(["id", "uai", "name", "city", "districtId", "departmentCode"])
      .where("state", "=", "OPEN")
      .orderBy("name")
      .orderBy("uai")
      .execute();
  }

  async school(id: string): Promise<(SchoolChoice & { state: string }) | null> {
    return (
      (await this.db
        .selectFrom("School")
        .select(["id", "uai", "name", "city", "districtId", "departmentCode", "state"])
        .where("id", "=", id)
        .executeTakeFirst()) ?? null
    );
  }

  async districtByCode(code: string): Promise<{ id: string; code: string; name: string } | null> {
    return (
      (await this.db
        .selectFrom("District")
        .select(["id", "code", "name"])
        .where(sql`upper("code")`, "=", code.toUpperCase())
        .executeTakeFirst()) ?? null
    );
  }

  /** Who decides: the school's active chefs d'établissement and référents, or the académie's
   *  admins (bassin, département and académie roles, or a school with neither). */
  async approvers(schoolId: string | null): Promise<MemberSummary[]> {
    if (schoolId !== null) {
      const school = await this.db
        .selectFrom("Member as m")
        .select(SUMMARY)
        .where("m.active", "=", true)
        .where("m.role", "in", ["HEAD", "REFERENT"])
        .where((eb) =>
          eb.exists(eb.selectFrom("MemberSchool as ms").select("ms.memberId").whereRef("ms.memberId", "=", "m.id").where("ms.schoolId", "=", schoolId)),
        )
        .orderBy("m.displayName")
        .execute();
      if (school.length > 0) return school;
    }
    return this.db.selectFrom("Member as m").select(SUMMARY).where("m.active", "=", true).where("m.role", "=", "ADMIN").orderBy("m.displayName").execute();
  }

  async pendingOf(tenantId: string, aadObjectId: string): Promise<EnrolmentRecord | null> {
    const row = await this.query(this.db)
      .where("e.tenantId", "=", tenantId)
      .where("e.aadObjectId", "=", aadObjectId)
      .where("e.status", "=", "PENDING")
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async get(id: string): Promise<EnrolmentRecord | null> {
    const row = await this.query(this.db).where("e.id", "=", id).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  /** Stores the request and queues its cards to the approvers, together. */
  async create(e: NewEnrolment, messages: (id: string) => OutgoingMessage[]): Promise<string> {
    const id = randomUUID();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("Enrolment")
        .values({ id, ...e })
        .execute();
      await queueSends(
        trx,
        messages(id).map((m) => sendOf(m)),
      );
    });
    return id;
  }

  async withdraw(id: string): Promise<boolean> {
    const r = await this.db.updateTable("Enrolment").set({ status: "WITHDRAWN" }).where("id", "=", id).where("status", "=", "PENDING").executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Decides a pending request in one transaction (the request's row lock: two approvers at once,
   * the second finds it decided). Approval creates the member with the role and place asked for
   * and the Teams identity of the request, or binds a listed member of that e-mail who has none
   * yet; MemberEvent ENROLLED by the approver. Returns null when it was no longer pending.
   */
  async decide(
    id: string,
    decision: "APPROVED" | "REFUSED",
    deciderId: string,
    now: Date,
    messages: (memberId: string | null) => OutgoingMessage[],
  ): Promise<{ memberId: string | null } | null> {
    return this.db.transaction().execute(async (trx) => {
      const e = await trx.selectFrom("Enrolment").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
      if (!e || e.status !== "PENDING") return null;
      let memberId: string | null = null;
      if (decision === "APPROVED") {
        const holder = await trx
          .selectFrom("Member")
          .select(["id", "active"])
          .where("tenantId", "=", e.tenantId)
          .where("aadObjectId", "=", e.aadObjectId)
          .executeTakeFirst();
        const listed = holder
          ? null
          : e.email
            ? await trx.selectFrom("Member").select(["id", "aadObjectId"]).where("email", "=", e.email).executeTakeFirst()
            : null;
        const place = {
          role: e.role,
          function: e.function,
          districtId: e.schoolId ? null : e.districtId,
          departmentCode: e.schoolId ? null : e.departmentCode,
        };
        if (holder) {
          // Known again (deactivated before): back with the role asked for.
          memberId = holder.id;
          await trx
            .updateTable("Member")
            .set({ ...place, active: true, updatedAt: now })
            .where("id", "=", holder.id)
            .execute();
        } else if (listed && listed.aadObjectId === null) {
          memberId = listed.id;
          await trx
            .updateTable("Member")
            .set({ ...place, tenantId: e.tenantId, aadObjectId: e.aadObjectId, boundAt: now, active: true, updatedAt: now })
            .where("id", "=", listed.id)
            .execute();
        } else {
          memberId = randomUUID();
          await trx
            .insertInto("Member")
            .values({
              id: memberId,
              tenantId: e.tenantId,
              aadObjectId: e.aadObjectId,
              displayName: e.displayName,
              // An address that another member holds stays with them.
              email: listed ? null : e.email,
              locale: e.locale,
              boundAt: now,
              createdAt: now,
              updatedAt: now,
              ...place,
            })
            .execute();
        }
        await trx.deleteFrom("MemberSchool").where("memberId", "=", memberId).execute();
        if (e.schoolId) await trx.insertInto("MemberSchool").values({ memberId, schoolId: e.schoolId }).execute();
        await writeMemberEvents(
          trx,
          [
            {
              memberId,
              actorId: deciderId,
              kind: "ENROLLED",
              detail: { enrolmentId: id, role: e.role, function: e.function, schoolId: e.schoolId, districtId: e.districtId, departmentCode: e.departmentCode },
            },
          ],
          now,
        );
      }
      await trx.updateTable("Enrolment").set({ status: decision, decidedById: deciderId, decidedAt: now, memberId }).where("id", "=", id).execute();
      await queueSends(
        trx,
        messages(memberId).map((m) => sendOf(m)),
      );
      return { memberId };
    });
  }

  private query(db: Db) {
    return db
      .selectFrom("Enrolment as e")
      .leftJoin("School as s", "s.id", "e.schoolId")
      .leftJoin("Member as d", "d.id", "e.decidedById")
      .leftJoin("District as b", "b.id", "e.districtId")
      .select([
        "e.id",
        "e.tenantId",
        "e.aadObjectId",
        "e.displayName",
        "e.email",
        "e.locale",
        "e.function",
        "e.role",
        "e.schoolId",
        "s.name as schoolName",
        "s.uai as schoolUai",
        sql<string | null>`coalesce(e."districtId", s."districtId")`.as("districtId"),
        "b.name as districtName",
        sql<string | null>`coalesce(e."departmentCode", s."departmentCode")`.as("departmentCode"),
        "e.status",
        "e.decidedById",
        "d.displayName as decidedByName",
        "e.decidedAt",
        "e.memberId",
        "e.createdAt",
      ]);
  }
}

function toRecord(r: Omit<EnrolmentRecord, "status"> & { status: string }): EnrolmentRecord {
  return { ...r, status: r.status as EnrolmentStatus };
}
