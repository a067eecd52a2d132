import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { ROLE_ATTACHMENT } from "../domain/roles.js";
import { compareMembers, type CurrentMember, type MemberChanges } from "../domain/directory/member-changes.js";
import type { DirectoryPerson, PersonAttachment } from "../domain/directory/people.js";
import type { Db } from "./kysely.js";
import { writeMemberEvents, type MemberEventInput } from "./member-events.js";

/**
 * The staff list in the database: what the académie knows to check rattachements against, the
 * members as compareMembers reads them, the previews kept in DirectoryImport (kind PEOPLE) and the
 * application of a list in one transaction.
 */

export type KnownPlacesRecord = {
  /** School id by UAI. */
  schools: Map<string, string>;
  /** Bassins with their id. */
  bassins: { id: string; code: string; name: string }[];
  departmentCodes: Set<string>;
  /** Codes of the académie(s) the schools belong to ("10"). */
  academyCodes: string[];
};

export type PeopleImportRecord = {
  id: string;
  fileHash: string;
  fileName: string;
  importedById: string | null;
  status: "PREVIEW" | "APPLIED" | "CANCELLED";
  summary: unknown;
  createdAt: Date;
  appliedAt: Date | null;
};

export type AppliedPeople = { created: number; updated: number; reactivated: number; unchanged: number; missing: number };

/** Rows per INSERT (Member has 11 columns: well under PostgreSQL's 65,535 parameters). */
const BATCH = 1000;
const KIND = "PEOPLE";

export class DirectoryPeopleRepository {
  constructor(private readonly db: Db) {}

  async knownPlaces(db: Db = this.db): Promise<KnownPlacesRecord> {
    const [schools, bassins, schoolDepartments, bassinDepartments] = await Promise.all([
      db.selectFrom("School").select(["id", "uai", "departmentCode", "academyCode"]).execute(),
      db.selectFrom("District").select(["id", "code", "name"]).orderBy("code").execute(),
      db.selectFrom("School").select("departmentCode").distinct().where("departmentCode", "is not", null).execute(),
      db.selectFrom("District").select("departmentCode").distinct().where("departmentCode", "is not", null).execute(),
    ]);
    return {
      schools: new Map(schools.map((s) => [s.uai.toUpperCase(), s.id])),
      bassins,
      departmentCodes: new Set([...schoolDepartments, ...bassinDepartments].map((d) => d.departmentCode!)),
      academyCodes: [...new Set(schools.map((s) => s.academyCode).filter((c): c is string => c !== null))],
    };
  }

  /** Every member with an e-mail or active, as compareMembers reads them. */
  async currentMembers(db: Db = this.db): Promise<(CurrentMember & { displayName: string })[]> {
    const rows = await db
      .selectFrom("Member as m")
      .leftJoin("District as d", "d.id", "m.districtId")
      .select(["m.id", "m.displayName", "m.email", "m.role", "m.active", "d.code as districtCode", "m.departmentCode"])
      .select((eb) =>
        eb
          .selectFrom("MemberSchool as ms")
          .innerJoin("School as s", "s.id", "ms.schoolId")
          .select(sql<string[] | null>`array_agg(s."uai" ORDER BY s."uai")`.as("uais"))
          .whereRef("ms.memberId", "=", "m.id")
          .as("schoolUais"),
      )
      .execute();
    return rows.map((r) => ({
      id: r.id,
      displayName: r.displayName,
      email: r.email,
      role: r.role,
      active: r.active,
      schoolUais: r.schoolUais ?? [],
      districtCode: r.districtCode,
      departmentCode: r.departmentCode,
    }));
  }

  /** Open cases held by each of these members (to say who must hand over before leaving). */
  async openCasesHeld(memberIds: readonly string[]): Promise<Map<string, number>> {
    if (memberIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom("Case")
      .select(["assigneeId", sql<number>`count(*)::int`.as("n")])
      .where("assigneeId", "=", sql<string>`any(${[...memberIds]}::text[])`)
      .where("status", "!=", "CLOSED")
      .groupBy("assigneeId")
      .execute();
    return new Map(rows.map((r) => [r.assigneeId!, r.n]));
  }

  async savePreview(p: {
    fileHash: string;
    fileName: string;
    importedById: string | null;
    summary: unknown;
    people: readonly DirectoryPerson[];
  }): Promise<string> {
    const id = randomUUID();
    await this.db
      .insertInto("DirectoryImport")
      .values({
        id,
        kind: KIND,
        fileHash: p.fileHash,
        fileName: p.fileName,
        importedById: p.importedById,
        status: "PREVIEW",
        summary: JSON.stringify(p.summary),
        rows: JSON.stringify(p.people),
      })
      .execute();
    return id;
  }

  async get(id: string): Promise<PeopleImportRecord | null> {
    const row = await this.db
      .selectFrom("DirectoryImport")
      .select(["id", "fileHash", "fileName", "importedById", "status", "summary", "createdAt", "appliedAt"])
      .where("id", "=", id)
      .where("kind", "=", KIND)
      .executeTakeFirst();
    return row ? { ...row, status: row.status as PeopleImportRecord["status"] } : null;
  }

  async cancel(id: string): Promise<boolean> {
    const r = await this.db
      .updateTable("DirectoryImport")
      .set({ status: "CANCELLED", rows: null })
      .where("id", "=", id)
      .where("kind", "=", KIND)
      .where("status", "=", "PREVIEW")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Drops previews nobody confirmed (their rows name people) older than `before`. */
  async expirePreviews(before: Date): Promise<void> {
    await this.db
      .updateTable("DirectoryImport")
      .set({ status: "CANCELLED", rows: null })
      .where("kind", "=", KIND)
      .where("status", "=", "PREVIEW")
      .where("createdAt", "<", before)
      .execute();
  }

  /**
   * Applies a previewed list in one transaction: the preview is claimed (a second confirmation finds
   * it applied), the members are read again and compared with the list, then created, updated or
   * reactivated, each with its MemberEvent. Members missing from the list are left as they are.
   * `parse` checks the rows kept with the preview (they come back from a JSON column). Returns null
   * when the preview is no longer waiting.
   */
  async apply(
    id: string,
    actorId: string | null,
    now: Date,
    parse: (rows: unknown) => DirectoryPerson[],
    summarise: (changes: MemberChanges) => unknown,
  ): Promise<AppliedPeople | null> {
    return this.db.transaction().execute(async (trx) => {
      // The preview's row lock: a second confirmation waits here, then finds it applied.
      const held = await trx
        .selectFrom("DirectoryImport")
        .select(["status", "rows"])
        .where("id", "=", id)
        .where("kind", "=", KIND)
        .forUpdate()
        .executeTakeFirst();
      if (held?.status !== "PREVIEW") return null;
      const people = parse(held.rows);
      const places = await this.knownPlaces(trx);
      const members = await this.currentMembers(trx);
      const changes = compareMembers(people, members);
      const placeOf = (a: PersonAttachment) => placeColumns(a, places);
      const events: MemberEventInput[] = [];

      const created = changes.toCreate.map((p) => ({ id: randomUUID(), person: p, place: placeOf(p.attachment) }));
      for (let i = 0; i < created.length; i += BATCH) {
        await trx
          .insertInto("Member")
          .values(
            created.slice(i, i + BATCH).map(({ id: memberId, person, place }) => ({
              id: memberId,
              tenantId: null,
              aadObjectId: null,
              displayName: person.displayName,
              email: person.email,
              role: person.role,
              function: person.function,
              districtId: place.districtId,
              departmentCode: place.departmentCode,
              createdAt: now,
              updatedAt: now,
            })),
          )
          .execute();
      }
      await insertSchools(
        trx,
        created.flatMap(({ id: memberId, place }) => place.schoolIds.map((schoolId) => ({ memberId, schoolId }))),
      );
      for (const { id: memberId, person } of created) {
        events.push({
          memberId,
          actorId,
          kind: "CREATED",
          detail: { role: person.role, function: person.function, place: describe(person.attachment), source: "STAFF_LIST", importId: id },
        });
      }

      const current = new Map(members.map((m) => [m.id, m]));
      let reactivated = 0;
      for (const u of changes.toUpdate) {
        const before = current.get(u.memberId);
        const place = placeOf(u.person.attachment);
        await trx
          .updateTable("Member")
          .set({
            role: u.person.role,
            function: u.person.function,
            districtId: place.districtId,
            departmentCode: place.departmentCode,
            active: true,
            updatedAt: now,
          })
          .where("id", "=", u.memberId)
          .execute();
        if (u.changes.includes("PLACE") || u.changes.includes("ROLE")) {
          await trx.deleteFrom("MemberSchool").where("memberId", "=", u.memberId).execute();
          await insertSchools(
            trx,
            place.schoolIds.map((schoolId) => ({ memberId: u.memberId, schoolId })),
          );
        }
        const detail = { importId: id };
        if (u.changes.includes("ROLE"))
          events.push({ memberId: u.memberId, actorId, kind: "ROLE_CHANGED", detail: { ...detail, from: before?.role ?? null, to: u.person.role } });
        if (u.changes.includes("PLACE"))
          events.push({
            memberId: u.memberId,
            actorId,
            kind: "PLACE_CHANGED",
            detail: { ...detail, from: before ? placeText(before) : null, to: describe(u.person.attachment) },
          });
        if (u.changes.includes("REACTIVATE")) {
          reactivated++;
          events.push({ memberId: u.memberId, actorId, kind: "REACTIVATED", detail });
        }
      }
      await writeMemberEvents(trx, events, now);
      await trx
        .updateTable("DirectoryImport")
        .set({ status: "APPLIED", appliedAt: now, rows: null, summary: JSON.stringify(summarise(changes)) })
        .where("id", "=", id)
        .execute();
      return { created: created.length, updated: changes.toUpdate.length, reactivated, unchanged: changes.unchanged.length, missing: changes.missing.length };
    });
  }
}

type PlaceColumns = { schoolIds: string[]; districtId: string | null; departmentCode: string | null };

/** Where a rattachement puts a member: MemberSchool rows, a bassin, a département. A place the
 *  académie no longer knows (removed between preview and confirmation) is left empty. */
function placeColumns(a: PersonAttachment, places: KnownPlacesRecord): PlaceColumns {
  switch (a.kind) {
    case "SCHOOL":
      return {
        schoolIds: a.uais.map((u) => places.schools.get(u.toUpperCase())).filter((s): s is string => s !== undefined),
        districtId: null,
        departmentCode: null,
      };
    case "DISTRICT":
      return { schoolIds: [], districtId: places.bassins.find((b) => b.code.toUpperCase() === a.bassinCode.toUpperCase())?.id ?? null, departmentCode: null };
    case "DEPARTMENT":
      return { schoolIds: [], districtId: null, departmentCode: a.departmentCode };
    case "ACADEMY":
      return { schoolIds: [], districtId: null, departmentCode: null };
  }
}

/** A rattachement in the words of the audit ("0690001B,0690002C", "NORD", "069", "ACADEMY"). */
function describe(a: PersonAttachment): string {
  switch (a.kind) {
    case "SCHOOL":
      return a.uais.join(",");
    case "DISTRICT":
      return a.bassinCode;
    case "DEPARTMENT":
      return a.departmentCode;
    case "ACADEMY":
      return "ACADEMY";
  }
}

function placeText(m: CurrentMember): string {
  switch (ROLE_ATTACHMENT[m.role]) {
    case "SCHOOL":
      return m.schoolUais.join(",");
    case "DISTRICT":
      return m.districtCode ?? "";
    case "DEPARTMENT":
      return m.departmentCode ?? "";
    case "ACADEMY":
      return "ACADEMY";
  }
}

async function insertSchools(db: Db, rows: { memberId: string; schoolId: string }[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 5 * BATCH) {
    await db
      .insertInto("MemberSchool")
      .values(rows.slice(i, i + 5 * BATCH))
      .onConflict((oc) => oc.columns(["memberId", "schoolId"]).doNothing())
      .execute();
  }
}
