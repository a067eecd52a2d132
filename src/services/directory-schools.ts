import { createHash } from "node:crypto";
import {
  academyCodeOf,
  mergeBassins,
  parseBassins,
  parseSchoolDirectory,
  type IgnoreReason,
  type SchoolColumnNeed,
  type BassinField,
} from "../domain/directory/index.js";
import type { Store } from "../store/index.js";
import { DirectorySchoolRepository, type DirectoryBassin, type DirectoryRow, type KnownSchool, type OwnerlessSchool } from "../store/directory-schools.js";
import { readCsv } from "./import-file.js";
import type { Actor } from "./members.js";

/** The académie's schools and bassins from the ministry's directory (« Annuaire de l'éducation » or
 *  « Adresse et géolocalisation »), with an optional bassins file: a preview kept in DirectoryImport,
 *  then the import in one transaction. A file with errors imports nothing. */

/** The académie's admins from Teams, or its IT team with `npm run directory:schools`. */
export type DirectoryImporter = { kind: "member"; actor: Actor } | { kind: "system" };

export type DirectoryFile = { name: string; bytes: Uint8Array };

export type DirectoryFileError = {
  file: "schools" | "bassins";
  line: number;
  column: number;
  header: string;
  code: string;
  value?: string;
  otherLine?: number;
};

/** At most this many schools are listed by name in a preview (the counts are always whole). */
export const DIRECTORY_LIST_MAX = 200;

export type SchoolsPreview = {
  importId: string;
  fileName: string;
  bassinsFileName: string | null;
  academyCode: string;
  /** Data rows read in the directory file. */
  rows: number;
  /** Schools of the académie kept (EPLE, EREA), with or without a bassin. */
  kept: number;
  create: number;
  update: number;
  unchanged: number;
  /** Kept schools the directory says are closed (imported as closed; their cases stay). */
  closed: number;
  /** Bassins the import creates (by code). */
  newBassins: string[];
  ignored: Record<IgnoreReason, number>;
  ignoredNatures: { label: string; count: number }[];
  errors: DirectoryFileError[];
  /** Schools left out: no bassin in either file and none in Repère. */
  withoutBassin: { line: number; uai: string; name: string }[];
  /** Lines of the bassins file naming a school that is not among the kept ones. */
  bassinsNotInDirectory: number;
  /** Open schools that will have nobody to answer for them after the import (listed up to DIRECTORY_LIST_MAX). */
  ownerless: OwnerlessLine[];
  ownerlessCount: number;
};

export type OwnerlessLine = { uai: string; name: string; districtCode: string | null; noLead: boolean; noRoute: boolean };

export type SchoolsPreviewOutcome =
  | { ok: true; preview: SchoolsPreview }
  | { ok: false; reason: "FORBIDDEN" | "BAD_ACADEMY" }
  | { ok: false; reason: "EMPTY"; file: "schools" | "bassins" }
  | { ok: false; reason: "UNREADABLE"; file: "schools" | "bassins"; line: number | null }
  | { ok: false; reason: "MISSING_COLUMNS"; file: "schools"; missing: SchoolColumnNeed[] }
  | { ok: false; reason: "MISSING_COLUMNS"; file: "bassins"; missing: BassinField[] };

export type SchoolsImportDone = { created: number; updated: number; unchanged: number; closed: number; newBassins: number; ownerless: OwnerlessSchool[] };

export type SchoolsConfirmOutcome =
  { ok: true; result: SchoolsImportDone } | { ok: false; reason: "NOT_FOUND" | "FORBIDDEN" | "HAS_ERRORS" | "NOT_A_PREVIEW" | "ALREADY_APPLIED" | "CANCELLED" };

/** A bassins file sent alone (Teams) is kept this long for the directory file that follows it. */
export const KEPT_BASSINS_TTL_MS = 24 * 3600_000;

export type KeepBassinsOutcome =
  | { ok: true; schools: number; bassins: number }
  | { ok: false; reason: "FORBIDDEN" }
  | { ok: false; reason: "EMPTY"; file: "bassins" }
  | { ok: false; reason: "UNREADABLE"; file: "bassins"; line: number | null }
  | { ok: false; reason: "MISSING_COLUMNS"; file: "bassins"; missing: BassinField[] };

const sameSchool = (a: KnownSchool, b: DirectoryRow, districtId: string | null) =>
  a.name === b.name &&
  a.kind === b.kind &&
  a.city === b.city &&
  a.departmentCode === b.departmentCode &&
  (b.academyCode === null || a.academyCode === b.academyCode) &&
  a.state === b.state &&
  a.sector === b.sector &&
  a.districtId === districtId;

/** The most common value (the first met on a tie). */
function mostCommon(values: (string | null)[]): string | null {
  const counts = new Map<string, number>();
  let best: string | null = null;
  for (const v of values) {
    if (v === null) continue;
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    if (best === null || n > counts.get(best)!) best = v;
  }
  return best;
}

export class DirectorySchoolService {
  readonly repo: DirectorySchoolRepository;

  constructor(
    store: Store,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.repo = new DirectorySchoolRepository(store.db.kysely);
  }

  mayImport(importer: DirectoryImporter): boolean {
    return importer.kind === "system" || importer.actor.role === "ADMIN";
  }

  /** Reads both files and compares them with Repère. Nothing changes yet. */
  async preview(importer: DirectoryImporter, p: { academy: string; file: DirectoryFile; bassins?: DirectoryFile | null }): Promise<SchoolsPreviewOutcome> {
    if (!this.mayImport(importer)) return { ok: false, reason: "FORBIDDEN" };
    const academyCode = academyCodeOf(p.academy);
    if (academyCode === null) return { ok: false, reason: "BAD_ACADEMY" };

    const csv = readCsv(p.file.bytes);
    if (!csv.ok)
      return csv.reason === "EMPTY" ? { ok: false, reason: "EMPTY", file: "schools" } : { ok: false, reason: "UNREADABLE", file: "schools", line: csv.line };
    const directory = parseSchoolDirectory(csv.records, { academy: academyCode });
    if (directory.missing.length > 0) return { ok: false, reason: "MISSING_COLUMNS", file: "schools", missing: directory.missing };

    let bassinFile = null;
    if (p.bassins) {
      const bcsv = readCsv(p.bassins.bytes);
      if (!bcsv.ok)
        return bcsv.reason === "EMPTY"
          ? { ok: false, reason: "EMPTY", file: "bassins" }
          : { ok: false, reason: "UNREADABLE", file: "bassins", line: bcsv.line };
      bassinFile = parseBassins(bcsv.records);
      if (bassinFile.missing.length > 0) return { ok: false, reason: "MISSING_COLUMNS", file: "bassins", missing: bassinFile.missing };
    }
    const merged = mergeBassins(directory.schools, bassinFile);
    const errors: DirectoryFileError[] = [
      ...directory.errors.map((e) => ({ file: "schools" as const, ...strip(e) })),
      ...(bassinFile?.errors ?? []).map((e) => ({ file: "bassins" as const, ...strip(e) })),
    ];

    const known = new Map((await this.repo.schoolsByUai(merged.schools.map((s) => s.uai))).map((s) => [s.uai, s]));
    const bassinCodes = merged.bassins.map((b) => b.code);
    const knownDistricts = new Map((await this.repo.districtsByCode(bassinCodes)).map((d) => [d.code, d]));

    // A school without a bassin in the files keeps the one it has in Repère; a new one is left out.
    const rows: DirectoryRow[] = [];
    const withoutBassin: SchoolsPreview["withoutBassin"] = [];
    for (const s of merged.schools) {
      const current = known.get(s.uai);
      const districtCode = s.bassin?.code ?? current?.districtCode ?? null;
      if (districtCode === null) {
        withoutBassin.push({ line: s.line, uai: s.uai, name: s.name });
        continue;
      }
      rows.push({
        uai: s.uai,
        name: s.name,
        kind: s.kind,
        city: s.commune,
        departmentCode: s.departmentCode,
        academyCode: s.academyCode ?? academyCode,
        state: s.state,
        sector: s.sector,
        districtCode,
      });
    }

    const bassins: DirectoryBassin[] = merged.bassins
      .filter((b) => rows.some((r) => r.districtCode === b.code))
      .map((b) => ({ code: b.code, name: b.name, departmentCode: mostCommon(rows.filter((r) => r.districtCode === b.code).map((r) => r.departmentCode)) }));
    const newBassins = bassins.filter((b) => !knownDistricts.has(b.code)).map((b) => b.code);

    let create = 0;
    let update = 0;
    let unchanged = 0;
    for (const r of rows) {
      const current = known.get(r.uai);
      if (!current) create++;
      else if (sameSchool(current, r, knownDistricts.get(r.districtCode)?.id ?? null)) unchanged++;
      else update++;
    }

    const ownerless = await this.ownerlessAfter(rows, known, knownDistricts);
    const preview: Omit<SchoolsPreview, "importId"> = {
      fileName: p.file.name.slice(0, 200),
      bassinsFileName: p.bassins ? p.bassins.name.slice(0, 200) : null,
      academyCode,
      rows: directory.rows,
      kept: merged.schools.length,
      create,
      update,
      unchanged,
      closed: rows.filter((r) => r.state === "CLOSED").length,
      newBassins,
      ignored: directory.ignored,
      ignoredNatures: directory.ignoredNatures,
      errors,
      withoutBassin,
      bassinsNotInDirectory: merged.notInDirectory.length,
      ownerless: ownerless.slice(0, DIRECTORY_LIST_MAX),
      ownerlessCount: ownerless.length,
    };
    const hash = createHash("sha256")
      .update(p.file.bytes)
      .update("\0")
      .update(p.bassins?.bytes ?? new Uint8Array())
      .update(`\0${academyCode}`)
      .digest("hex");
    const saved = await this.repo.savePreview({
      fileHash: hash,
      fileName: preview.fileName,
      academyCode,
      importedById: importer.kind === "member" ? importer.actor.memberId : null,
      summary: preview,
      // A file with errors imports nothing: its rows are not kept.
      rows: errors.length > 0 ? { schools: [], bassins: [] } : { schools: rows, bassins },
      now: this.clock(),
    });
    return { ok: true, preview: { importId: saved.id, ...preview } };
  }

  /** Open schools that will lack an owner once these rows are imported. */
  private async ownerlessAfter(rows: DirectoryRow[], known: Map<string, KnownSchool>, districts: Map<string, { id: string }>): Promise<OwnerlessLine[]> {
    const [led, routed, fallback] = await Promise.all([
      this.repo.ledSchoolIds(rows.flatMap((r) => (known.has(r.uai) ? [known.get(r.uai)!.id] : []))),
      this.repo.routedDistrictIds(),
      this.repo.hasFallbackChannel(),
    ]);
    const out: OwnerlessLine[] = [];
    for (const r of rows) {
      if (r.state === "CLOSED") continue;
      const id = known.get(r.uai)?.id;
      const districtId = districts.get(r.districtCode)?.id;
      const noLead = id === undefined || !led.has(id);
      const noRoute = !fallback && (districtId === undefined || !routed.has(districtId));
      if (noLead || noRoute) out.push({ uai: r.uai, name: r.name, districtCode: r.districtCode, noLead, noRoute });
    }
    return out.sort((a, b) => (a.districtCode ?? "").localeCompare(b.districtCode ?? "") || a.name.localeCompare(b.name, "fr"));
  }

  private owns(importer: DirectoryImporter, importedById: string | null): boolean {
    if (!this.mayImport(importer)) return false;
    return importer.kind === "system" ? importedById === null : importedById === importer.actor.memberId;
  }

  /** Imports a preview, in one transaction. A preview with errors is refused: nothing changes. */
  async confirm(importer: DirectoryImporter, importId: string): Promise<SchoolsConfirmOutcome> {
    const record = await this.repo.findImport(importId);
    if (!record || record.kind !== "SCHOOLS") return { ok: false, reason: "NOT_FOUND" };
    if (!this.owns(importer, record.importedById)) return { ok: false, reason: "FORBIDDEN" };
    if (record.status === "APPLIED") return { ok: false, reason: "ALREADY_APPLIED" };
    if (record.status === "CANCELLED") return { ok: false, reason: "CANCELLED" };
    const summary = record.summary as Omit<SchoolsPreview, "importId">;
    if (summary.errors.length > 0) {
      await this.repo.cancel(importId);
      return { ok: false, reason: "HAS_ERRORS" };
    }
    const rows = await this.repo.rowsOf(importId);
    if (!rows) return { ok: false, reason: "NOT_A_PREVIEW" };
    const applied = await this.repo.apply(importId, rows, { now: this.clock(), summary });
    if (!applied) {
      // Confirmed twice at once, or cancelled meanwhile: the other click won.
      const again = await this.repo.findImport(importId);
      return { ok: false, reason: again?.status === "CANCELLED" ? "CANCELLED" : "ALREADY_APPLIED" };
    }
    const ownerless = await this.repo.ownerless(record.academyCode);
    return {
      ok: true,
      result: {
        created: applied.created,
        updated: summary.update,
        unchanged: summary.unchanged,
        closed: summary.closed,
        newBassins: applied.districtsCreated,
        ownerless,
      },
    };
  }

  async cancel(importer: DirectoryImporter, importId: string): Promise<boolean> {
    const record = await this.repo.findImport(importId);
    if (!record || !this.owns(importer, record.importedById)) return false;
    return this.repo.cancel(importId);
  }

  /** A bassins file sent alone (in Teams): checked, then kept for this admin's next directory file. */
  async keepBassins(importer: { kind: "member"; actor: Actor }, file: DirectoryFile): Promise<KeepBassinsOutcome> {
    if (!this.mayImport(importer)) return { ok: false, reason: "FORBIDDEN" };
    const csv = readCsv(file.bytes);
    if (!csv.ok)
      return csv.reason === "EMPTY" ? { ok: false, reason: "EMPTY", file: "bassins" } : { ok: false, reason: "UNREADABLE", file: "bassins", line: csv.line };
    const parsed = parseBassins(csv.records);
    if (parsed.missing.length > 0) return { ok: false, reason: "MISSING_COLUMNS", file: "bassins", missing: parsed.missing };
    await this.repo.keepBassinsFile({
      importedById: importer.actor.memberId,
      fileHash: createHash("sha256").update(file.bytes).digest("hex"),
      fileName: file.name.slice(0, 200),
      bytes: file.bytes,
      now: this.clock(),
    });
    return { ok: true, schools: parsed.assignments.length, bassins: parsed.bassins.length };
  }

  /** The bassins file this admin sent alone within the last day, if any. */
  keptBassins(importer: { kind: "member"; actor: Actor }): Promise<{ id: string; name: string; bytes: Uint8Array } | null> {
    return this.repo.keptBassinsFile(importer.actor.memberId, new Date(this.clock().getTime() - KEPT_BASSINS_TTL_MS));
  }

  /** A kept bassins file went into a preview: it is not used again. */
  useKeptBassins(id: string): Promise<void> {
    return this.repo.useBassinsFile(id, this.clock());
  }

  /** Open schools nobody answers for (of the académie when given). */
  ownerless(academyCode?: string | null): Promise<OwnerlessSchool[]> {
    return this.repo.ownerless(academyCode ?? null);
  }
}

function strip(e: { line: number; column: number; header: string; code: string; value?: string; otherLine?: number }): Omit<DirectoryFileError, "file"> {
  return {
    line: e.line,
    column: e.column,
    header: e.header,
    code: e.code,
    ...(e.value !== undefined ? { value: e.value } : {}),
    ...(e.otherLine !== undefined ? { otherLine: e.otherLine } : {}),
  };
}
