import { z } from "zod";
import { compareMembers, type MemberChange, type MemberChanges } from "../domain/directory/member-changes.js";
import { parsePeople, PERSON_LIMITS, type DirectoryPerson, type PersonError, type PersonField } from "../domain/directory/people.js";
import { scopeOf } from "../domain/permissions.js";
import { roleSchema, type Role } from "../domain/roles.js";
import type { Store } from "../store/index.js";
import type { AppliedPeople } from "../store/directory-people.js";
import { fileHash, readCsv, type CsvDelimiter, type CsvEncoding } from "./import-file.js";
import type { Actor } from "./members.js";

/**
 * The académie's staff list (nom, prénom, e-mail or UPN, fonction, rattachement) becomes members:
 * a preview first (kept in DirectoryImport until confirmed), then the changes in one transaction.
 * A file with errors changes nothing; the same list again changes nothing; people missing from a
 * new list are listed for deactivation, never deleted (their cases are handed over first).
 */

/** Who imports: an admin of the académie (Teams) or its IT team (`npm run directory:people`). */
export type PeopleImporter = { kind: "member"; actor: Actor } | { kind: "system" };

export const PEOPLE_IMPORT_SETTINGS = {
  maxRows: 50_000,
  /** A preview nobody confirms is dropped after a day (its rows name people). */
  previewTtlMs: 24 * 3600_000,
};

export type PeopleUpdate = { line: number; displayName: string; email: string; role: Role; changes: MemberChange[] };
export type PeopleLeaving = { displayName: string; email: string; role: Role; openCases: number };

export type PeoplePreview = {
  /** Null when nothing can be applied: the file has errors, or it changes nothing. */
  importId: string | null;
  fileName: string;
  encoding: CsvEncoding;
  delimiter: CsvDelimiter;
  /** Data lines read (blank lines aside). */
  rows: number;
  /** People in the list (several lines of one person count once). */
  people: number;
  byRole: Partial<Record<Role, number>>;
  toCreate: number;
  toUpdate: PeopleUpdate[];
  unchanged: number;
  /** Active members the list does not name: proposed for deactivation, not deactivated. */
  toDeactivate: PeopleLeaving[];
  /** Active members without an e-mail (enrolled from Teams): no list can name them. */
  withoutEmail: number;
  errors: PersonError[];
};

export type PeoplePreviewOutcome =
  | { ok: true; preview: PeoplePreview }
  | { ok: false; reason: "FORBIDDEN" | "EMPTY" }
  | { ok: false; reason: "UNREADABLE"; line: number | null }
  | { ok: false; reason: "UNKNOWN_LAYOUT"; missing: PersonField[] }
  | { ok: false; reason: "TOO_MANY_ROWS"; max: number; rows: number };

export type PeopleDone = AppliedPeople & { importId: string; fileName: string };

export type PeopleConfirmOutcome =
  { ok: true; result: PeopleDone } | { ok: false; reason: "NOT_FOUND" | "FORBIDDEN" | "ALREADY_APPLIED" | "CANCELLED" | "EXPIRED" };

/** The rows kept with a preview, checked again when they come back from the database. */
const attachmentSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("SCHOOL"), uais: z.array(z.string().max(8)).min(1) }),
  z.object({ kind: z.literal("DISTRICT"), bassinCode: z.string().min(1).max(100) }),
  z.object({ kind: z.literal("DEPARTMENT"), departmentCode: z.string().min(1).max(3) }),
  z.object({ kind: z.literal("ACADEMY") }),
]);
const personSchema = z.object({
  lines: z.array(z.number().int()),
  email: z.string().min(1).max(PERSON_LIMITS.emailMax),
  lastName: z.string().max(PERSON_LIMITS.nameMax),
  firstName: z.string().max(PERSON_LIMITS.nameMax),
  displayName: z.string().max(2 * PERSON_LIMITS.nameMax + 1),
  function: z.string().max(PERSON_LIMITS.functionMax),
  role: roleSchema,
  attachment: attachmentSchema,
});
const rowsSchema = z.array(personSchema);

export class DirectoryPeopleService {
  constructor(
    private readonly store: Store,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Only the académie's admins load staff lists (chefs d'établissement manage their school's
   *  people one by one). */
  mayImport(importer: PeopleImporter): boolean {
    return importer.kind === "system" || scopeOf(importer.actor.role, "MANAGE_MEMBERS") === "ACADEMY";
  }

  /** Reads and checks the list against the académie's schools, bassins and départements, and
   *  compares it with the members. Nothing changes yet. */
  async preview(importer: PeopleImporter, file: { name: string; bytes: Uint8Array }): Promise<PeoplePreviewOutcome> {
    if (!this.mayImport(importer)) return { ok: false, reason: "FORBIDDEN" };
    const now = this.clock();
    await this.store.directoryPeople.expirePreviews(new Date(now.getTime() - PEOPLE_IMPORT_SETTINGS.previewTtlMs));
    const csv = readCsv(file.bytes);
    if (!csv.ok) return csv.reason === "EMPTY" ? { ok: false, reason: "EMPTY" } : { ok: false, reason: "UNREADABLE", line: csv.line };
    if (csv.records.length - 1 > PEOPLE_IMPORT_SETTINGS.maxRows)
      return { ok: false, reason: "TOO_MANY_ROWS", max: PEOPLE_IMPORT_SETTINGS.maxRows, rows: csv.records.length - 1 };

    const places = await this.store.directoryPeople.knownPlaces();
    const parsed = parsePeople(csv.records, {
      academy: places.academyCodes,
      known: { uais: new Set(places.schools.keys()), bassins: places.bassins, departmentCodes: places.departmentCodes },
    });
    if (parsed.missing.length > 0) return { ok: false, reason: "UNKNOWN_LAYOUT", missing: parsed.missing };
    if (parsed.rows === 0) return { ok: false, reason: "EMPTY" };

    const members = await this.store.directoryPeople.currentMembers();
    const changes = compareMembers(parsed.people, members);
    const names = new Map(members.map((m) => [m.id, m.displayName]));
    const held = await this.store.directoryPeople.openCasesHeld(changes.missing.map((m) => m.id));
    const byRole: Partial<Record<Role, number>> = {};
    for (const p of parsed.people) byRole[p.role] = (byRole[p.role] ?? 0) + 1;

    const preview: PeoplePreview = {
      importId: null,
      fileName: file.name.slice(0, 200),
      encoding: csv.encoding,
      delimiter: csv.delimiter,
      rows: parsed.rows,
      people: parsed.people.length,
      byRole,
      toCreate: changes.toCreate.length,
      toUpdate: changes.toUpdate.map((u) => ({
        line: u.person.lines[0]!,
        displayName: u.person.displayName,
        email: u.person.email,
        role: u.person.role,
        changes: u.changes,
      })),
      unchanged: changes.unchanged.length,
      toDeactivate: changes.missing
        .map((m) => ({ displayName: names.get(m.id) ?? "", email: m.email ?? "", role: m.role, openCases: held.get(m.id) ?? 0 }))
        .sort((a, b) => a.displayName.localeCompare(b.displayName, "fr")),
      withoutEmail: changes.withoutEmail.length,
      errors: parsed.errors,
    };
    // A bad file changes nothing, and a list that changes nothing has nothing to confirm.
    if (parsed.errors.length === 0 && applicable(preview) > 0) {
      preview.importId = await this.store.directoryPeople.savePreview({
        fileHash: fileHash(file.bytes),
        fileName: preview.fileName,
        importedById: importer.kind === "member" ? importer.actor.memberId : null,
        summary: summaryOf(preview),
        people: parsed.people,
      });
    }
    return { ok: true, preview };
  }

  /** Applies a preview in one transaction. A second confirmation finds it applied. */
  async confirm(importer: PeopleImporter, importId: string): Promise<PeopleConfirmOutcome> {
    if (!this.mayImport(importer)) return { ok: false, reason: "FORBIDDEN" };
    const record = await this.store.directoryPeople.get(importId);
    if (!record) return { ok: false, reason: "NOT_FOUND" };
    if (record.importedById !== (importer.kind === "member" ? importer.actor.memberId : null)) return { ok: false, reason: "FORBIDDEN" };
    if (record.status === "APPLIED") return { ok: false, reason: "ALREADY_APPLIED" };
    if (record.status === "CANCELLED") return { ok: false, reason: "CANCELLED" };
    const now = this.clock();
    if (record.createdAt.getTime() < now.getTime() - PEOPLE_IMPORT_SETTINGS.previewTtlMs) {
      await this.store.directoryPeople.cancel(importId);
      return { ok: false, reason: "EXPIRED" };
    }
    const actorId = importer.kind === "member" ? importer.actor.memberId : null;
    const applied = await this.store.directoryPeople.apply(
      importId,
      actorId,
      now,
      (rows) => rowsSchema.parse(rows) as DirectoryPerson[],
      (changes) => appliedSummary(changes),
    );
    if (!applied) {
      const again = await this.store.directoryPeople.get(importId);
      return { ok: false, reason: again?.status === "CANCELLED" ? "CANCELLED" : "ALREADY_APPLIED" };
    }
    return { ok: true, result: { ...applied, importId, fileName: record.fileName } };
  }

  async cancel(importer: PeopleImporter, importId: string): Promise<boolean> {
    const record = await this.store.directoryPeople.get(importId);
    if (!record || !this.mayImport(importer) || record.importedById !== (importer.kind === "member" ? importer.actor.memberId : null)) return false;
    return this.store.directoryPeople.cancel(importId);
  }
}

/** What a confirmation would change. */
export function applicable(p: PeoplePreview): number {
  return p.toCreate + p.toUpdate.length;
}

/** What the preview showed, kept with the import (counts only: the rows name people). */
function summaryOf(p: PeoplePreview) {
  return {
    rows: p.rows,
    people: p.people,
    byRole: p.byRole,
    toCreate: p.toCreate,
    toUpdate: p.toUpdate.length,
    unchanged: p.unchanged,
    toDeactivate: p.toDeactivate.length,
  };
}

function appliedSummary(c: MemberChanges) {
  const changes: Partial<Record<MemberChange, number>> = {};
  for (const u of c.toUpdate) for (const k of u.changes) changes[k] = (changes[k] ?? 0) + 1;
  return { created: c.toCreate.length, updated: c.toUpdate.length, changes, unchanged: c.unchanged.length, toDeactivate: c.missing.length };
}
