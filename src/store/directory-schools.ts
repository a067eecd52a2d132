import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { z } from "zod";
import type { Db } from "./kysely.js";

/** The académie's schools and bassins as the directory import writes them: what the preview
 *  compares the file with, the preview kept in DirectoryImport until confirmed, and the import
 *  itself in one transaction. Also the "owner" check: which open schools nobody can answer for. */

export type SchoolKindValue = "COLLEGE" | "LYCEE_GT" | "LYCEE_PRO" | "LYCEE_POLY" | "EREA" | "OTHER";
export type SchoolStateValue = "OPEN" | "OPENING" | "CLOSING" | "CLOSED";
export type SchoolSectorValue = "PUBLIC" | "PRIVATE_UNDER_CONTRACT";

export type KnownSchool = {
  id: string;
  uai: string;
  name: string;
  kind: SchoolKindValue;
  city: string | null;
  departmentCode: string | null;
  academyCode: string | null;
  state: SchoolStateValue;
  sector: SchoolSectorValue;
  districtId: string;
  districtCode: string;
};

export type KnownDistrict = { id: string; code: string; name: string; departmentCode: string | null };

/** A school as the import writes it: its bassin by code (created with the import when new). */
export const directoryRowSchema = z.object({
  uai: z.string(),
  name: z.string(),
  kind: z.enum(["COLLEGE", "LYCEE_GT", "LYCEE_PRO", "LYCEE_POLY", "EREA", "OTHER"]),
  city: z.string().nullable(),
  departmentCode: z.string().nullable(),
  academyCode: z.string().nullable(),
  state: z.enum(["OPEN", "OPENING", "CLOSING", "CLOSED"]),
  sector: z.enum(["PUBLIC", "PRIVATE_UNDER_CONTRACT"]),
  districtCode: z.string(),
});
export type DirectoryRow = z.infer<typeof directoryRowSchema>;

export const directoryBassinSchema = z.object({ code: z.string(), name: z.string().nullable(), departmentCode: z.string().nullable() });
export type DirectoryBassin = z.infer<typeof directoryBassinSchema>;

const storedRowsSchema = z.object({ schools: z.array(directoryRowSchema), bassins: z.array(directoryBassinSchema) });
export type DirectoryRows = z.infer<typeof storedRowsSchema>;

export type DirectoryImportStatus = "PREVIEW" | "APPLIED" | "CANCELLED";

export type DirectoryImportRecord = {
  id: string;
  kind: string;
  fileHash: string;
  fileName: string;
  academyCode: string | null;
  importedById: string | null;
  status: DirectoryImportStatus;
  summary: unknown;
  createdAt: Date;
  appliedAt: Date | null;
};

export type ApplyResult = { created: number; updated: number; districtsCreated: number };

/** What a school lacks to have an owner. */
export type OwnerGap = { lead: boolean; route: boolean };

export type OwnerlessSchool = {
  id: string;
  uai: string;
  name: string;
  city: string | null;
  districtCode: string;
  districtName: string;
  /** No active référent décrochage or chef d'établissement. */
  noLead: boolean;
  /** No active coordinator of the bassin, no channel for it and no fallback channel. */
  noRoute: boolean;
};

const IMPORT_COLUMNS = ["id", "kind", "fileHash", "fileName", "academyCode", "importedById", "status", "summary", "createdAt", "appliedAt"] as const;
/** A bassins file waiting for its directory file (sent alone in Teams). */
const BASSINS_KIND = "BASSINS";
const STATUSES: readonly DirectoryImportStatus[] = ["PREVIEW", "APPLIED", "CANCELLED"];
/** Schools per INSERT … ON CONFLICT statement (11 parameters each). */
const SCHOOLS_PER_STATEMENT = 500;

function importOf<T extends { status: string }>(row: T | undefined): (Omit<T, "status"> & { status: DirectoryImportStatus }) | null {
  if (!row) return null;
  const status = STATUSES.find((s) => s === row.status);
  return status ? { ...row, status } : null;
}

export class DirectorySchoolRepository {
  constructor(private readonly db: Db) {}

  async schoolsByUai(uais: string[]): Promise<KnownSchool[]> {
    if (uais.length === 0) return [];
    return this.db
      .selectFrom("School as s")
      .innerJoin("District as d", "d.id", "s.districtId")
      .select([
        "s.id",
        "s.uai",
        "s.name",
        "s.kind",
        "s.city",
        "s.departmentCode",
        "s.academyCode",
        "s.state",
        "s.sector",
        "s.districtId",
        "d.code as districtCode",
      ])
      .where("s.uai", "=", sql<string>`any(${[...new Set(uais)]}::text[])`)
      .execute();
  }

  async districtsByCode(codes: string[]): Promise<KnownDistrict[]> {
    if (codes.length === 0) return [];
    return this.db
      .selectFrom("District")
      .select(["id", "code", "name", "departmentCode"])
      .where("code", "=", sql<string>`any(${[...new Set(codes)]}::text[])`)
      .execute();
  }

  /** Districts that have a route for their cases: an active coordinator or a channel of their own. */
  async routedDistrictIds(): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom("District as d")
      .select("d.id")
      .where((eb) =>
        eb.or([
          eb.exists(
            eb.selectFrom("Member as m").select("m.id").whereRef("m.districtId", "=", "d.id").where("m.role", "=", "COORDINATOR").where("m.active", "=", true),
          ),
          eb.exists(eb.selectFrom("RoutingChannel as c").select("c.id").whereRef("c.districtId", "=", "d.id")),
        ]),
      )
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  /** Active members of a role (of a bassin when given) with how to reach them. */
  async activeMembers(role: "ADMIN" | "COORDINATOR", districtId?: string): Promise<{ id: string; aadObjectId: string | null }[]> {
    let q = this.db.selectFrom("Member").select(["id", "aadObjectId"]).where("role", "=", role).where("active", "=", true);
    if (districtId !== undefined) q = q.where("districtId", "=", districtId);
    return q.orderBy("displayName").orderBy("id").execute();
  }

  async hasFallbackChannel(): Promise<boolean> {
    return (await this.db.selectFrom("RoutingChannel").select("id").where("isFallback", "=", true).limit(1).executeTakeFirst()) !== undefined;
  }

  /** Schools (of these ids) with an active référent décrochage or chef d'établissement. */
  async ledSchoolIds(schoolIds: string[]): Promise<Set<string>> {
    if (schoolIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom("MemberSchool as ms")
      .innerJoin("Member as m", "m.id", "ms.memberId")
      .select("ms.schoolId")
      .distinct()
      .where("ms.schoolId", "=", sql<string>`any(${schoolIds}::text[])`)
      .where("m.active", "=", true)
      .where("m.role", "in", ["REFERENT", "HEAD"])
      .execute();
    return new Set(rows.map((r) => r.schoolId));
  }

  /** Open schools (of the académie when given) that nobody answers for, by bassin then name. */
  async ownerless(academyCode?: string | null): Promise<OwnerlessSchool[]> {
    const fallback = await this.hasFallbackChannel();
    let q = this.db
      .selectFrom("School as s")
      .innerJoin("District as d", "d.id", "s.districtId")
      .select((eb) => [
        "s.id",
        "s.uai",
        "s.name",
        "s.city",
        "d.code as districtCode",
        "d.name as districtName",
        eb
          .not(
            eb.exists(
              eb
                .selectFrom("MemberSchool as ms")
                .innerJoin("Member as m", "m.id", "ms.memberId")
                .select("m.id")
                .whereRef("ms.schoolId", "=", "s.id")
                .where("m.active", "=", true)
                .where("m.role", "in", ["REFERENT", "HEAD"]),
            ),
          )
          .as("noLead"),
        eb
          .not(
            eb.or([
              eb.exists(
                eb
                  .selectFrom("Member as m")
                  .select("m.id")
                  .whereRef("m.districtId", "=", "d.id")
                  .where("m.role", "=", "COORDINATOR")
                  .where("m.active", "=", true),
              ),
              eb.exists(eb.selectFrom("RoutingChannel as c").select("c.id").whereRef("c.districtId", "=", "d.id")),
            ]),
          )
          .as("noRoute"),
      ])
      .where("s.state", "!=", "CLOSED");
    if (academyCode) q = q.where((eb) => eb.or([eb("s.academyCode", "=", academyCode), eb("s.academyCode", "is", null)]));
    const rows = await q.execute();
    // Sorted here: the database's collation may not be French.
    return rows
      .map((r) => ({ ...r, noLead: Boolean(r.noLead), noRoute: Boolean(r.noRoute) && !fallback }))
      .filter((r) => r.noLead || r.noRoute)
      .sort((a, b) => a.districtCode.localeCompare(b.districtCode, "fr") || a.name.localeCompare(b.name, "fr") || a.uai.localeCompare(b.uai));
  }

  async findImport(id: string): Promise<DirectoryImportRecord | null> {
    return importOf(await this.db.selectFrom("DirectoryImport").select(IMPORT_COLUMNS).where("id", "=", id).executeTakeFirst());
  }

  /** Keeps a preview with the rows to import; an earlier preview of the same file is cancelled. */
  async savePreview(p: {
    fileHash: string;
    fileName: string;
    academyCode: string;
    importedById: string | null;
    summary: unknown;
    rows: DirectoryRows;
    now: Date;
  }): Promise<DirectoryImportRecord> {
    return this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("DirectoryImport")
        .set({ status: "CANCELLED", rows: null })
        .where("kind", "=", "SCHOOLS")
        .where("fileHash", "=", p.fileHash)
        .where("status", "=", "PREVIEW")
        .execute();
      const row = await trx
        .insertInto("DirectoryImport")
        .values({
          id: randomUUID(),
          kind: "SCHOOLS",
          fileHash: p.fileHash,
          fileName: p.fileName,
          academyCode: p.academyCode,
          importedById: p.importedById,
          status: "PREVIEW",
          summary: JSON.stringify(p.summary),
          rows: JSON.stringify(p.rows),
          createdAt: p.now,
        })
        .returning(IMPORT_COLUMNS)
        .executeTakeFirstOrThrow();
      return importOf(row)!;
    });
  }

  async rowsOf(id: string): Promise<DirectoryRows | null> {
    const row = await this.db.selectFrom("DirectoryImport").select("rows").where("id", "=", id).executeTakeFirst();
    if (!row || row.rows === null) return null;
    const parsed = storedRowsSchema.safeParse(typeof row.rows === "string" ? JSON.parse(row.rows) : row.rows);
    return parsed.success ? parsed.data : null;
  }

  async cancel(id: string): Promise<boolean> {
    const r = await this.db
      .updateTable("DirectoryImport")
      .set({ status: "CANCELLED", rows: null })
      .where("id", "=", id)
      .where("status", "=", "PREVIEW")
      .executeTakeFirst();
    return r.numUpdatedRows === 1n;
  }

  /** A bassins file an admin sent alone in Teams, kept (kind BASSINS) for their next directory file;
   *  an earlier one of theirs is dropped. */
  async keepBassinsFile(p: { importedById: string; fileHash: string; fileName: string; bytes: Uint8Array; now: Date }): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("DirectoryImport")
        .set({ status: "CANCELLED", rows: null })
        .where("kind", "=", BASSINS_KIND)
        .where("importedById", "=", p.importedById)
        .where("status", "=", "PREVIEW")
        .execute();
      await trx
        .insertInto("DirectoryImport")
        .values({
          id: randomUUID(),
          kind: BASSINS_KIND,
          fileHash: p.fileHash,
          fileName: p.fileName,
          academyCode: null,
          importedById: p.importedById,
          status: "PREVIEW",
          summary: null,
          rows: JSON.stringify({ base64: Buffer.from(p.bytes).toString("base64") }),
          createdAt: p.now,
        })
        .execute();
    });
  }

  /** The bassins file this admin sent alone since `since`, if any. */
  async keptBassinsFile(importedById: string, since: Date): Promise<{ id: string; name: string; bytes: Uint8Array } | null> {
    const row = await this.db
      .selectFrom("DirectoryImport")
      .select(["id", "fileName", "rows"])
      .where("kind", "=", BASSINS_KIND)
      .where("importedById", "=", importedById)
      .where("status", "=", "PREVIEW")
      .where("createdAt", ">=", since)
      .orderBy("createdAt", "desc")
      .executeTakeFirst();
    if (!row || row.rows === null) return null;
    const parsed = z.object({ base64: z.string() }).safeParse(typeof row.rows === "string" ? JSON.parse(row.rows) : row.rows);
    return parsed.success ? { id: row.id, name: row.fileName, bytes: new Uint8Array(Buffer.from(parsed.data.base64, "base64")) } : null;
  }

  /** The kept bassins file has been used with a directory file: it is dropped. */
  async useBassinsFile(id: string, now: Date): Promise<void> {
    await this.db.updateTable("DirectoryImport").set({ status: "APPLIED", rows: null, appliedAt: now }).where("id", "=", id).execute();
  }

  /**
   * Writes the previewed bassins and schools in one transaction: bassins upserted by code (a name
   * the file gives replaces the stored one; the département is the most common of its schools),
   * schools upserted by UAI. Nothing is deleted: a school the directory calls closed stays, closed,
   * with its cases. The preview becomes APPLIED (its rows dropped) in the same transaction; null when
   * it was no longer a preview (applied or cancelled meanwhile).
   */
  async apply(id: string, rows: DirectoryRows, p: { now: Date; summary: unknown }): Promise<ApplyResult | null> {
    return this.db.transaction().execute(async (trx) => {
      const claimed = await trx
        .updateTable("DirectoryImport")
        .set({ status: "APPLIED", rows: null, appliedAt: p.now, summary: JSON.stringify(p.summary) })
        .where("id", "=", id)
        .where("status", "=", "PREVIEW")
        .executeTakeFirst();
      if (claimed.numUpdatedRows !== 1n) return null;

      const codes = [...new Set(rows.schools.map((s) => s.districtCode))];
      const before = await trx
        .selectFrom("District")
        .select(["id", "code"])
        .where("code", "=", sql<string>`any(${codes}::text[])`)
        .execute();
      let districtsCreated = 0;
      const bassins = rows.bassins.filter((b) => codes.includes(b.code));
      if (bassins.length > 0) {
        const known = new Set(before.map((d) => d.code));
        districtsCreated = bassins.filter((b) => !known.has(b.code)).length;
        await trx
          .insertInto("District")
          .values(bassins.map((b) => ({ id: randomUUID(), code: b.code, name: b.name ?? b.code, departmentCode: b.departmentCode, createdAt: p.now })))
          .onConflict((oc) =>
            oc.column("code").doUpdateSet((eb) => ({
              // A file that gives no name keeps the stored one.
              name: sql<string>`CASE WHEN ${eb.ref("excluded.name")} = ${eb.ref("excluded.code")} THEN "District"."name" ELSE ${eb.ref("excluded.name")} END`,
              departmentCode: sql<string | null>`COALESCE(${eb.ref("excluded.departmentCode")}, "District"."departmentCode")`,
            })),
          )
          .execute();
      }
      const districts = new Map(
        (
          await trx
            .selectFrom("District")
            .select(["id", "code"])
            .where("code", "=", sql<string>`any(${codes}::text[])`)
            .execute()
        ).map((d) => [d.code, d.id]),
      );

      const existing = new Set(
        (
          await trx
            .selectFrom("School")
            .select("uai")
            .where("uai", "=", sql<string>`any(${rows.schools.map((s) => s.uai)}::text[])`)
            .execute()
        ).map((s) => s.uai),
      );
      for (let i = 0; i < rows.schools.length; i += SCHOOLS_PER_STATEMENT) {
        const chunk = rows.schools.slice(i, i + SCHOOLS_PER_STATEMENT);
        await trx
          .insertInto("School")
          .values(
            chunk.map((s) => ({
              id: randomUUID(),
              uai: s.uai,
              name: s.name,
              kind: s.kind,
              city: s.city,
              departmentCode: s.departmentCode,
              academyCode: s.academyCode,
              state: s.state,
              sector: s.sector,
              directoryAt: p.now,
              districtId: districts.get(s.districtCode)!,
              createdAt: p.now,
            })),
          )
          .onConflict((oc) =>
            oc.column("uai").doUpdateSet((eb) => ({
              name: eb.ref("excluded.name"),
              kind: eb.ref("excluded.kind"),
              city: eb.ref("excluded.city"),
              departmentCode: eb.ref("excluded.departmentCode"),
              academyCode: sql<string | null>`COALESCE(${eb.ref("excluded.academyCode")}, "School"."academyCode")`,
              state: eb.ref("excluded.state"),
              sector: eb.ref("excluded.sector"),
              directoryAt: eb.ref("excluded.directoryAt"),
              districtId: eb.ref("excluded.districtId"),
            })),
          )
          .execute();
      }
      const created = rows.schools.filter((s) => !existing.has(s.uai)).length;
      return { created, updated: rows.schools.length - created, districtsCreated };
    });
  }
}
