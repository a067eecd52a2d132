import { sql, type ExpressionBuilder, type RawBuilder } from "kysely";
import type { Role } from "../domain/roles.js";
import type { TurnStartRepository } from "./turn-start.js";
import type { DB, Db } from "./kysely.js";
import { writeMemberEvents, type MemberEventInput } from "./member-events.js";

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

/** Someone a channel card of a case is refreshed for: enough to check their permissions on it. */
export type CardAudienceMember = {
  id: string;
  role: Role;
  districtId: string | null;
  departmentCode: string | null;
  schoolIds: string[];
  /** The Teams user id ("29:…") of their personal chat with the bot. */
  teamsUserId: string;
};

/** A member as the administration shows them. */
export type DirectoryMember = {
  id: string;
  displayName: string;
  email: string | null;
  role: Role;
  function: string | null;
  active: boolean;
  districtId: string | null;
  districtCode: string | null;
  departmentCode: string | null;
  aadObjectId: string | null;
  schoolIds: string[];
  /** Open cases they hold (to hand over before they leave). */
  openCases: number;
};

/** aadObjectId is null for a person loaded from the staff list who has not written to the bot yet:
 *  they can be assigned cases but not mentioned or messaged until then. */
export type MemberSummary = { id: string; displayName: string; aadObjectId: string | null; role: Role; locale: string | null };

const SUMMARY = ["m.id", "m.displayName", "m.aadObjectId", "m.role", "m.locale"] as const;

/** Whether the member `m` works in the school. */
function inSchool(eb: ExpressionBuilder<DB & { m: DB["Member"] }, "m">, schoolId: string) {
  return eb.exists(eb.selectFrom("MemberSchool as ms").select("ms.memberId").whereRef("ms.memberId", "=", "m.id").where("ms.schoolId", "=", schoolId));
}

/** Latin letters with accents, upper and lower case, and the letter each folds to. */
const ACCENTED = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖòóôõöÙÚÛÜùúûüÝŸýÿ’";
const FOLDED = "AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOoooooUUUUuuuuYYyy'";

/** A text column as normalizeText (domain/text.ts) writes what people type: lower case, no accents,
 *  œ and æ spelt out, the plain apostrophe (lower() alone leaves « È » under the C locale). */
function folded(column: RawBuilder<unknown>): RawBuilder<string> {
  const letters = sql`translate(${column}, ${ACCENTED}, ${FOLDED})`;
  return sql<string>`lower(replace(replace(replace(replace(${letters}, 'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE'))`;
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

  /** The chefs d'établissement (and adjoints) of a school, who chair its GPDS. */
  async headsOf(schoolId: string): Promise<MemberSummary[]> {
    return this.db
      .selectFrom("Member as m")
      .select(SUMMARY)
      .where("m.active", "=", true)
      .where("m.role", "=", "HEAD")
      .where((eb) => inSchool(eb, schoolId))
      .orderBy("m.displayName")
      .orderBy("m.id")
      .execute();
  }

  /** The MLDS coordinators of a district. */
  async coordinatorsOf(districtId: string): Promise<MemberSummary[]> {
    return this.db
      .selectFrom("Member as m")
      .select(SUMMARY)
      .where("m.role", "=", "COORDINATOR")
      .where("m.active", "=", true)
      .where("m.districtId", "=", districtId)
      .orderBy("m.displayName")
      .execute();
  }

  /** The IEN-IO of a district (they validate PAFI). */
  async ienIoOf(districtId: string): Promise<MemberSummary[]> {
    return this.db
      .selectFrom("Member as m")
      .select(SUMMARY)
      .where("m.role", "=", "IEN_IO")
      .where("m.active", "=", true)
      .where("m.districtId", "=", districtId)
      .orderBy("m.displayName")
      .execute();
  }

  /**
   * The people a channel card of a case may be refreshed for (Universal Actions `userIds`): the
   * school's GPDS (référents, chefs d'établissement, CPE, psy-EN, social workers, nurses) and the
   * bassin's coordinators, each with the Teams user id ("29:…") their personal chat with the bot
   * gave. People who never wrote to the bot have none and are left out. `schoolIds` is the case's
   * school for the school roles (their membership there), empty for coordinators.
   */
  async cardAudienceOf(districtId: string, schoolId: string): Promise<CardAudienceMember[]> {
    const rows = await this.db
      .selectFrom("Member as m")
      .innerJoin("ConversationRef as c", (j) => j.onRef("c.aadObjectId", "=", "m.aadObjectId").on("c.kind", "=", "PERSONAL"))
      .select(["m.id", "m.role", "m.districtId", "m.departmentCode", sql<string | null>`c."reference"->'user'->>'id'`.as("teamsUserId")])
      .where("m.active", "=", true)
      .where((eb) =>
        eb.or([
          eb.and([eb("m.role", "=", "COORDINATOR"), eb("m.districtId", "=", districtId)]),
          eb.and([eb("m.role", "in", ["REFERENT", "HEAD", "CPE", "PSYEN", "SOCIAL_WORKER", "NURSE"]), inSchool(eb, schoolId)]),
        ]),
      )
      .orderBy(sql`m."role" IN ('REFERENT', 'COORDINATOR')`, "desc")
      .orderBy("m.displayName")
      .orderBy("m.id")
      .execute();
    const seen = new Set<string>();
    return rows.flatMap((r) => {
      if (!r.teamsUserId || seen.has(r.id)) return [];
      seen.add(r.id);
      return [{ ...r, teamsUserId: r.teamsUserId, schoolIds: r.role === "COORDINATOR" ? [] : [schoolId] }];
    });
  }

  /** People a case can be assigned to, in one statement: the district's coordinators, then the
   *  school's référents (each by name), as coordinatorsOf + referentsOf would list them. Read by
   *  every triage action. */
  async assigneesOf(districtId: string, schoolId: string): Promise<MemberSummary[]> {
    return this.db
      .selectFrom("Member as m")
      .select(SUMMARY)
      .where("m.active", "=", true)
      .where((eb) =>
        eb.or([
          eb.and([eb("m.role", "=", "COORDINATOR"), eb("m.districtId", "=", districtId)]),
          eb.and([eb("m.role", "=", "REFERENT"), inSchool(eb, schoolId)]),
        ]),
      )
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

  /** A member as the administration shows them: place, schools and how many open cases they hold. */
  private directoryRows() {
    return this.db
      .selectFrom("Member as m")
      .leftJoin("District as d", "d.id", "m.districtId")
      .select([
        "m.id",
        "m.displayName",
        "m.email",
        "m.role",
        "m.function",
        "m.active",
        "m.districtId",
        "d.code as districtCode",
        "m.departmentCode",
        "m.aadObjectId",
      ])
      .select((eb) => [
        eb.fn
          .coalesce(
            eb
              .selectFrom("MemberSchool as ms")
              .select(sql<string[]>`array_agg(ms."schoolId" ORDER BY ms."schoolId")`.as("ids"))
              .whereRef("ms.memberId", "=", "m.id"),
            sql<string[]>`'{}'::text[]`,
          )
          .as("schoolIds"),
        eb
          .selectFrom("Case as c")
          .select(sql<number>`count(*)::int`.as("n"))
          .whereRef("c.assigneeId", "=", "m.id")
          .where("c.status", "!=", "CLOSED")
          .as("openCases"),
      ]);
  }

  /** People of the directory for administration: by name or e-mail (every word, accents aside, as
   *  `key` gives them), limited to `schoolIds` when given (a chef d'établissement's schools). */
  async directory(filter: { words: readonly string[]; schoolIds?: readonly string[]; limit: number }): Promise<DirectoryMember[]> {
    let q = this.directoryRows();
    if (filter.schoolIds) {
      const ids = [...filter.schoolIds];
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom("MemberSchool as ms")
            .select("ms.memberId")
            .whereRef("ms.memberId", "=", "m.id")
            .where("ms.schoolId", "=", sql<string>`any(${ids}::text[])`),
        ),
      );
    }
    // Accent- and case-blind on both sides (« lefevre » finds « Lefèvre »): the words come
    // normalised (domain/text normalizeText), the columns are folded the same way in SQL.
    for (const w of filter.words) {
      const like = `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) => eb.or([eb(folded(sql`m."displayName"`), "like", like), eb(folded(sql`coalesce(m."email", '')`), "like", like)]));
    }
    const rows = await q.orderBy("m.displayName").orderBy("m.id").limit(filter.limit).execute();
    return rows.map((r) => ({ ...r, openCases: r.openCases ?? 0 }));
  }

  async directoryMember(id: string): Promise<DirectoryMember | null> {
    const row = await this.directoryRows().where("m.id", "=", id).executeTakeFirst();
    return row ? { ...row, openCases: row.openCases ?? 0 } : null;
  }

  /** A new role and place for a member, with its ROLE_CHANGED / PLACE_CHANGED events, in one
   *  transaction. */
  async changeMembership(
    id: string,
    to: { role: Role; schoolIds: readonly string[]; districtId: string | null; departmentCode: string | null },
    events: readonly MemberEventInput[],
    now: Date,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("Member")
        .set({ role: to.role, districtId: to.districtId, departmentCode: to.departmentCode, updatedAt: now })
        .where("id", "=", id)
        .execute();
      await trx.deleteFrom("MemberSchool").where("memberId", "=", id).execute();
      if (to.schoolIds.length > 0)
        await trx
          .insertInto("MemberSchool")
          .values(to.schoolIds.map((schoolId) => ({ memberId: id, schoolId })))
          .execute();
      await writeMemberEvents(trx, events, now);
    });
  }

  /** Deactivates a member who holds no open case (checked in the same statement): false otherwise. */
  async deactivate(id: string, actorId: string | null, now: Date): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable("Member")
        .set({ active: false, updatedAt: now })
        .where("id", "=", id)
        .where("active", "=", true)
        .where((eb) =>
          eb.not(eb.exists(eb.selectFrom("Case as c").select("c.id").whereRef("c.assigneeId", "=", "Member.id").where("c.status", "!=", "CLOSED"))),
        )
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await writeMemberEvents(trx, [{ memberId: id, actorId, kind: "DEACTIVATED" }], now);
      return true;
    });
  }

  /** Ids of the open cases a member holds, oldest first. */
  async openCaseIdsOf(id: string): Promise<string[]> {
    return (
      await this.db.selectFrom("Case").select("id").where("assigneeId", "=", id).where("status", "!=", "CLOSED").orderBy("createdAt").orderBy("id").execute()
    ).map((r) => r.id);
  }

  async recordEvents(events: readonly MemberEventInput[], now: Date): Promise<void> {
    await writeMemberEvents(this.db, events, now);
  }

  /** Who is talking (turns read it with their first statement: store/turn-start.ts). */
  findByAad(tenantId: string, aadObjectId: string): Promise<MemberRecord | null> {
    return this.turnStart.member(tenantId, aadObjectId);
  }
}
