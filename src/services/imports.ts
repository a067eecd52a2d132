import { findHeaderRow, matchColumns, validateRows, type ContactCounts, type ImportField, type RowError } from "../domain/import-columns.js";
import { ageOn, concernsMlds } from "../domain/routing.js";
import { schoolYearOf } from "../domain/school-year.js";
import { can } from "../domain/permissions.js";
import type { Store, OutgoingMessage, ImportBatchRecord, ImportTarget, ImportedGroup, RenderSpec } from "../store/index.js";
import type { CrossSchoolScope, SamePersonCandidate } from "../store/imports.js";
import { fileHash, readCsv, type CsvDelimiter, type CsvEncoding } from "./import-file.js";
import type { Actor } from "./members.js";
import type { RoutingService } from "./routing.js";

/** Rentrée repérage campaign: lists of young people without a solution become cases, without
 *  retyping. A preview first (kept in the database until confirmed, cancelled or expired), then the
 *  import in chunks of one transaction each. The phone and e-mail of each young person are kept
 *  apart (PupilContact), for the bassin's MLDS coordinators only (the call campaign). */

/** Who imports: a coordinator for their district, an admin for any district (from Teams), or the
 *  académie's IT team with `npm run import` for a district they name. */
export type Importer = { kind: "member"; actor: Actor } | { kind: "system"; districtCode: string };

export const IMPORT_SETTINGS = {
  chunkSize: 500,
  maxRows: 20_000,
  /** A preview nobody confirms is dropped after a day (its rows hold names and birth dates). */
  previewTtlMs: 24 * 3600_000,
  /** An import that gave no news for this long is taken to have stopped with its instance. */
  staleMs: 2 * 60_000,
  /** Niveau de vigilance of an imported case (the triage sets the real one). */
  urgency: 2,
};

export type ImportPreview = {
  batchId: string;
  fileName: string;
  sourceLabel: string;
  districtName: string | null;
  encoding: CsvEncoding;
  delimiter: CsvDelimiter;
  /** Data rows read (empty lines aside). */
  totalRows: number;
  /** Rows that will open a new case. */
  ready: number;
  /** Of those, young people of 16 or over: the MLDS channel hears about them. */
  mlds: number;
  /** Rows that join an open case of the same young person. */
  attach: { line: number; reference: string }[];
  /** Rows whose open case an import of this campaign already created: nothing to add. */
  already: { line: number; reference: string }[];
  /** Of the rows that open a case, those an open case of another school may be the same young
   *  person as (same names and birth year, no birth date there): « Même élève ? » will be asked in
   *  `statut` of who sees both (the importer, when they do: only those are listed). */
  samePerson: { line: number; reference: string }[];
  errors: RowError[];
  /** Phone numbers and e-mail addresses of the valid rows, kept for the coordinators (counts only:
   *  the preview never shows one), and values that were no number or address (dropped). */
  contacts: ContactCounts;
  ignoredColumns: string[];
};

export type PreviewOutcome =
  | { ok: true; preview: ImportPreview }
  | { ok: false; reason: "FORBIDDEN" | "EMPTY" | "IN_PROGRESS" }
  | { ok: false; reason: "UNKNOWN_DISTRICT"; districtCode: string }
  | { ok: false; reason: "UNREADABLE"; line: number | null }
  | { ok: false; reason: "UNKNOWN_LAYOUT"; missing: ImportField[]; headers: string[] }
  | { ok: false; reason: "TOO_MANY_ROWS"; max: number; rows: number }
  | { ok: false; reason: "ALREADY_IMPORTED"; batch: ImportBatchRecord };

export type ImportDone = {
  batchId: string;
  fileName: string;
  total: number;
  created: number;
  attached: number;
  skipped: number;
  firstReference: string | null;
  lastReference: string | null;
};

export type ConfirmOutcome =
  | { ok: true; result: ImportDone }
  | { ok: false; reason: "NOT_FOUND" | "FORBIDDEN" | "IN_PROGRESS" | "CANCELLED" | "EXPIRED" }
  | { ok: false; reason: "ALREADY_IMPORTED"; batch: ImportBatchRecord };

export type CancelOutcome = { ok: true } | { ok: false; reason: "NOT_FOUND" | "FORBIDDEN" | "NOT_A_PREVIEW" };

type Scope = { districtId: string | null; importedById: string | null };

export class ImportService {
  constructor(
    private readonly store: Store,
    private readonly routing: RoutingService,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Coordinators (their district) and admins (any district) may import lists. */
  mayImport(actor: Actor | null): boolean {
    return actor !== null && ((actor.role === "COORDINATOR" && actor.districtId !== null) || actor.role === "ADMIN");
  }

  /** "campagne de repérage 2026" for the school year that starts at the rentrée 2026. */
  sourceLabel(): string {
    return `campagne de repérage ${schoolYearOf(this.clock()).start}`;
  }

  private async scopeOf(importer: Importer): Promise<Scope | { error: PreviewOutcome & { ok: false } }> {
    if (importer.kind === "system") {
      const district = await this.store.imports.districtByCode(importer.districtCode);
      return district
        ? { districtId: district.id, importedById: null }
        : { error: { ok: false, reason: "UNKNOWN_DISTRICT", districtCode: importer.districtCode } };
    }
    if (!this.mayImport(importer.actor)) return { error: { ok: false, reason: "FORBIDDEN" } };
    return { districtId: importer.actor.role === "ADMIN" ? null : importer.actor.districtId, importedById: importer.actor.memberId };
  }

  /** Reads and checks the file, finds the young people who already have an open case, and keeps
   *  the valid rows until the confirmation. Nothing is imported yet. */
  async preview(importer: Importer, file: { name: string; bytes: Uint8Array }): Promise<PreviewOutcome> {
    const scope = await this.scopeOf(importer);
    if ("error" in scope) return scope.error;
    const now = this.clock();
    await this.store.imports.expirePreviews(new Date(now.getTime() - IMPORT_SETTINGS.previewTtlMs));

    const hash = fileHash(file.bytes);
    const known = await this.store.imports.findByHash(hash);
    if (known?.status === "IMPORTED") return { ok: false, reason: "ALREADY_IMPORTED", batch: known };
    if (known?.status === "IMPORTING" && known.updatedAt.getTime() > Date.now() - IMPORT_SETTINGS.staleMs) return { ok: false, reason: "IN_PROGRESS" };

    const csv = readCsv(file.bytes);
    if (!csv.ok) return csv.reason === "EMPTY" ? { ok: false, reason: "EMPTY" } : { ok: false, reason: "UNREADABLE", line: csv.line };
    const headerIndex = findHeaderRow(csv.records.map((r) => r.fields));
    const header = csv.records[headerIndex]!;
    const mapping = matchColumns(header.fields);
    if (mapping.missing.length > 0)
      return { ok: false, reason: "UNKNOWN_LAYOUT", missing: mapping.missing, headers: header.fields.map((h) => h.trim()).filter(Boolean) };
    const data = csv.records.slice(headerIndex + 1).filter((r) => r.fields.some((f) => f.trim() !== ""));
    if (data.length > IMPORT_SETTINGS.maxRows) return { ok: false, reason: "TOO_MANY_ROWS", max: IMPORT_SETTINGS.maxRows, rows: data.length };

    const validated = validateRows(data, mapping, { today: now, headerLength: header.fields.length });
    const errors = [...validated.errors];
    const schools = new Map((await this.store.imports.schoolsByUai(validated.rows.map((r) => r.uai))).map((s) => [s.uai, s]));
    const targets: ImportTarget[] = [];
    for (const row of validated.rows) {
      const school = schools.get(row.uai);
      const column = mapping.headers.uai ?? "uai";
      if (!school) errors.push({ line: row.line, field: "uai", column, code: "UNKNOWN_SCHOOL", value: row.uai });
      else if (scope.districtId && school.districtId !== scope.districtId)
        errors.push({ line: row.line, field: "uai", column, code: "OUT_OF_DISTRICT", value: row.uai });
      else targets.push({ ...row, schoolId: school.id, districtId: school.districtId });
    }
    errors.sort((a, b) => a.line - b.line);

    const label = this.sourceLabel();
    const matches = await this.store.imports.matchRows(targets, label, crossScopeOf(scope.importedById, scope.districtId));
    const attach: ImportPreview["attach"] = [];
    const already: ImportPreview["already"] = [];
    const samePerson: ImportPreview["samePerson"] = [];
    let ready = 0;
    let mlds = 0;
    targets.forEach((row, i) => {
      const m = matches[i]!;
      if (m.kind === "attach") attach.push({ line: row.line, reference: m.reference });
      else if (m.kind === "already") already.push({ line: row.line, reference: m.reference });
      else {
        ready++;
        if (concernsMlds(ageOfRow(row, now), false)) mlds++;
        if (m.samePerson && willBeAsked(importer, row, m.samePerson, now)) samePerson.push({ line: row.line, reference: m.samePerson.reference });
      }
    });

    const batch = await this.store.imports.savePreview({
      fileHash: hash,
      fileName: file.name.slice(0, 200),
      districtId: scope.districtId,
      importedById: scope.importedById,
      rowCount: data.length,
      errorCount: errors.length,
      sourceLabel: label,
      rows: targets,
      now,
      staleBefore: new Date(Date.now() - IMPORT_SETTINGS.staleMs),
    });
    if (!batch) {
      const again = await this.store.imports.findByHash(hash);
      return again?.status === "IMPORTED" ? { ok: false, reason: "ALREADY_IMPORTED", batch: again } : { ok: false, reason: "IN_PROGRESS" };
    }
    return {
      ok: true,
      preview: {
        batchId: batch.id,
        fileName: batch.fileName,
        sourceLabel: label,
        districtName: scope.districtId ? await this.store.imports.districtName(scope.districtId) : null,
        encoding: csv.encoding,
        delimiter: csv.delimiter,
        totalRows: data.length,
        ready,
        mlds,
        attach,
        already,
        samePerson,
        errors,
        contacts: contactsOf(targets, validated.contacts),
        ignoredColumns: mapping.ignored,
      },
    };
  }

  private owns(importer: Importer, batch: ImportBatchRecord): boolean {
    if (importer.kind === "member") return batch.importedById === importer.actor.memberId && this.mayImport(importer.actor);
    return batch.importedById === null;
  }

  /** Imports the previewed rows, chunk by chunk (one transaction each), telling `onProgress` after
   *  each chunk. A second confirmation (double click, Teams retry) finds the import in progress or
   *  done; an import cut short resumes where it stopped when confirmed again. */
  async confirm(
    importer: Importer,
    batchId: string,
    opts: { onProgress?: (done: number, total: number) => void | Promise<void> } = {},
  ): Promise<ConfirmOutcome> {
    const batch = await this.store.imports.get(batchId);
    if (!batch) return { ok: false, reason: "NOT_FOUND" };
    if (importer.kind === "system") {
      const scope = await this.scopeOf(importer);
      if ("error" in scope || scope.districtId !== batch.districtId) return { ok: false, reason: "FORBIDDEN" };
    }
    if (!this.owns(importer, batch)) return { ok: false, reason: "FORBIDDEN" };
    const now = this.clock();
    switch (batch.status) {
      case "IMPORTED":
        return { ok: false, reason: "ALREADY_IMPORTED", batch };
      case "CANCELLED":
        return { ok: false, reason: "CANCELLED" };
      case "EXPIRED":
        return { ok: false, reason: "EXPIRED" };
      case "PREVIEW":
        if (batch.updatedAt.getTime() < now.getTime() - IMPORT_SETTINGS.previewTtlMs) {
          await this.store.imports.expirePreviews(new Date(now.getTime() - IMPORT_SETTINGS.previewTtlMs));
          return { ok: false, reason: "EXPIRED" };
        }
    }
    const claimed = await this.store.imports.claim(batchId, new Date(Date.now() - IMPORT_SETTINGS.staleMs));
    if (!claimed) {
      const current = await this.store.imports.get(batchId);
      return current?.status === "IMPORTED" ? { ok: false, reason: "ALREADY_IMPORTED", batch: current } : { ok: false, reason: "IN_PROGRESS" };
    }
    try {
      const rows = await this.store.imports.rowsOf(batchId);
      const label = claimed.sourceLabel ?? this.sourceLabel();
      const done: ImportDone = {
        batchId,
        fileName: claimed.fileName,
        total: rows.length,
        created: 0,
        attached: 0,
        skipped: 0,
        firstReference: null,
        lastReference: null,
      };
      for (let start = 0; start < rows.length; start += IMPORT_SETTINGS.chunkSize) {
        const chunk = rows.slice(start, start + IMPORT_SETTINGS.chunkSize);
        const r = await this.store.imports.importChunk(
          { id: batchId, sourceLabel: label, importedById: claimed.importedById, cross: crossScopeOf(claimed.importedById, claimed.districtId) },
          chunk,
          {
            year: now.getFullYear(),
            urgency: IMPORT_SETTINGS.urgency,
            now,
          },
        );
        done.created += r.created;
        done.attached += r.attached;
        done.skipped += r.skipped;
        done.firstReference ??= r.references[0] ?? null;
        done.lastReference = r.references.at(-1) ?? done.lastReference;
        await opts.onProgress?.(Math.min(start + chunk.length, rows.length), rows.length);
      }
      const summaries = await this.summariesOf(batchId, rows);
      const finished = await this.store.imports.finish(batchId, this.clock(), summaries);
      // Counted over every run of the batch (an import resumed after a stop included).
      return { ok: true, result: { ...done, created: finished.createdCount, attached: finished.attachedCount, skipped: finished.skippedCount } };
    } catch (err) {
      await this.store.imports.fail(batchId).catch(() => {});
      throw err;
    }
  }

  async cancel(importer: Importer, batchId: string): Promise<CancelOutcome> {
    const batch = await this.store.imports.get(batchId);
    if (!batch) return { ok: false, reason: "NOT_FOUND" };
    if (!this.owns(importer, batch)) return { ok: false, reason: "FORBIDDEN" };
    return (await this.store.imports.cancel(batchId)) ? { ok: true } : { ok: false, reason: "NOT_A_PREVIEW" };
  }

  /** Rows a confirmed batch has to import (for the "in progress" message). */
  waitingRows(batchId: string): Promise<number> {
    return this.store.imports.waitingRows(batchId);
  }

  /** Queues a message (progress of a long import, its end) to the conversation it was started from. */
  async notify(conversationId: string, activity: Record<string, unknown>, dedupeKey: string): Promise<void> {
    await this.store.outbox.enqueue({ conversationId, kind: "post", payload: { activity }, dedupeKey });
  }

  /** One summary per recipient of the routing: what a report would have sent case by case (16 and
   *  over to the district's MLDS channel and the school's référents, under 16 to the référents
   *  only), added up per conversation, with counts only. Built from what the database holds, so
   *  that an import resumed after a stop counts its first run too. */
  private async summariesOf(batchId: string, rows: ImportTarget[]): Promise<OutgoingMessage[]> {
    const groups = await this.store.imports.importedGroups(
      batchId,
      rows.map((r) => r.line),
    );
    const now = this.clock();
    const recipients = new Map<string, ImportedGroup[]>();
    // Routing depends only on the school and on whether the MLDS is concerned: asked once per pair.
    const routed = new Map<string, string[]>();
    for (const g of groups) {
      const mlds = concernsMlds(ageOn(g.birthYear, g.birthDate, now), g.escalatedToMlds);
      const key = `${g.schoolId}:${mlds}`;
      let conversationIds = routed.get(key);
      if (!conversationIds) {
        conversationIds = [
          ...new Set(
            await this.routing.recipientsFor({
              schoolId: g.schoolId,
              districtId: g.districtId,
              ageAtReport: ageOn(g.birthYear, g.birthDate, now),
              escalatedToMlds: g.escalatedToMlds,
            }),
          ),
        ];
        routed.set(key, conversationIds);
      }
      for (const id of conversationIds) {
        const list = recipients.get(id);
        if (list) list.push(g);
        else recipients.set(id, [g]);
      }
    }
    return [...recipients].map(([conversationId, gs]) => ({
      conversationId,
      kind: "post" as const,
      render: summaryOf(batchId, gs),
      dedupeKey: `import:${batchId}:summary:${conversationId}`,
    }));
  }
}

function summaryOf(batchId: string, groups: ImportedGroup[]): Extract<RenderSpec, { view: "importSummary" }> {
  const schools = new Map<string, { name: string; count: number }>();
  const districts = new Set<string>();
  let total = 0;
  let attached = 0;
  for (const g of groups) {
    total += g.count;
    if (g.attached) attached += g.count;
    districts.add(g.districtName);
    const school = schools.get(g.schoolId) ?? { name: g.schoolName, count: 0 };
    school.count += g.count;
    schools.set(g.schoolId, school);
  }
  return {
    view: "importSummary",
    batchId,
    districts: [...districts].sort((a, b) => a.localeCompare(b, "fr")),
    total,
    attached,
    schools: [...schools.values()].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name, "fr")),
  };
}

/** The contacts of the rows that will be imported (a row refused for its school keeps none). */
function contactsOf(targets: ImportTarget[], read: ContactCounts): ContactCounts {
  return {
    phones: targets.filter((r) => r.phone).length,
    emails: targets.filter((r) => r.email).length,
    invalidPhones: read.invalidPhones,
    invalidEmails: read.invalidEmails,
  };
}

/** Where an import looks for the same young person in other schools: the coordinator's bassin; the
 *  whole académie for an admin (no bassin) or the IT team's command line (no importer). The same at
 *  the preview and at the confirmation, which reads it from the batch. */
function crossScopeOf(importedById: string | null, districtId: string | null): CrossSchoolScope {
  return { districtId: importedById === null ? null : districtId };
}

/** Whether the importer will be asked « Même élève ? » for this row: they see both the open case of
 *  the other school and the case the row will open, in detail (the command line's operators read
 *  the whole list). No other reference is shown to them. */
function willBeAsked(importer: Importer, row: ImportTarget, other: SamePersonCandidate, now: Date): boolean {
  if (importer.kind === "system") return true;
  const created = {
    schoolId: row.schoolId,
    districtId: row.districtId,
    reporterIds: [],
    assigneeId: null,
    escalatedToMlds: false,
    pupilAge: ageOfRow(row, now),
    urgency: IMPORT_SETTINGS.urgency,
  };
  const existing = {
    schoolId: other.schoolId,
    districtId: other.districtId,
    reporterIds: [],
    assigneeId: other.assigneeId,
    escalatedToMlds: other.escalatedToMlds,
    pupilAge: other.ageAtReport,
    mldsAccess: other.mldsAccess,
    urgency: other.urgency,
    outOfSchool: other.outOfSchool,
  };
  return can(importer.actor, "VIEW_DETAILS", created) && can(importer.actor, "VIEW_DETAILS", existing);
}

const birthDateOf = (row: { birthDate: string }) => new Date(`${row.birthDate}T00:00:00Z`);
const ageOfRow = (row: { birthYear: number; birthDate: string }, now: Date) => ageOn(row.birthYear, birthDateOf(row), now);
