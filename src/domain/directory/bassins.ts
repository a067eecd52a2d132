import { z } from "zod";
import {
  collapse,
  findHeader,
  isBlank,
  labelKey,
  numbered,
  overflowColumn,
  shown,
  type ColumnAliases,
  type DirectoryError,
  type DirectoryInput,
  type DirectoryRecord,
} from "./records.js";
import type { DirectorySchool } from "./schools.js";
import { checkUai, looksLikeUai } from "./uai.js";

/**
 * Bassins are the académie's own: a second file `UAI;code bassin;nom du bassin`, one line per
 * school, with or without a header line (headers matched loosely). It takes precedence over the
 * bassin columns of the national directory (code_bassin_formation), which the académie may not keep
 * up to date the way it cuts its bassins for the MLDS.
 */

export const BASSIN_FIELDS = ["uai", "code", "name"] as const;
export type BassinField = (typeof BASSIN_FIELDS)[number];

export const BASSIN_COLUMNS: ColumnAliases<BassinField> = {
  uai: ["uai", "codeuai", "numerouai", "identifiantetablissement", "uaietablissement", "rne", "coderne", "etablissement"],
  code: ["codebassin", "codebassinformation", "bassincode", "bassin", "codezone", "code"],
  name: ["nombassin", "libellebassin", "libellebassinformation", "bassinnom", "bassinlibelle", "nom", "libelle", "intitule", "name"],
};

export const BASSIN_LIMITS = { codeMax: 40, nameMax: 100 } as const;

export const BASSIN_ERROR_CODES = [
  "REQUIRED",
  "TOO_LONG",
  "INVALID_UAI",
  "UAI_CHECK_LETTER",
  "COLUMN_COUNT",
  /** The same school in two bassins (otherLine: the first). */
  "DUPLICATE_UAI",
  /** One bassin code with two names (otherLine: the line of the first name). */
  "CONFLICTING_BASSIN_NAME",
] as const;
export type BassinErrorCode = (typeof BASSIN_ERROR_CODES)[number];
export type BassinError = DirectoryError<BassinErrorCode, BassinField>;

export type BassinAssignment = { line: number; uai: string; code: string };
export type Bassin = { code: string; name: string | null };

export type BassinFile = {
  /** The line of the column names; null when the file has none (or is empty). */
  headerLine: number | null;
  missing: BassinField[];
  columns: Partial<Record<BassinField, string>>;
  assignments: BassinAssignment[];
  /** Each bassin once, in the order of the file, with the first name it is given. */
  bassins: Bassin[];
  errors: BassinError[];
  /** Lines that repeat an earlier line for the same school and bassin. */
  repeatedLines: number;
  rows: number;
};

const rowSchema = z.object({
  uai: z.string().transform((s, ctx) => {
    if (s.trim() === "") {
      ctx.addIssue({ code: "custom", message: "REQUIRED" });
      return z.NEVER;
    }
    const checked = checkUai(s);
    if (!checked.ok) {
      ctx.addIssue({ code: "custom", message: checked.code });
      return z.NEVER;
    }
    return checked.uai;
  }),
  code: z
    .string()
    .transform((s) => collapse(s).toUpperCase())
    .pipe(z.string().min(1, "REQUIRED").max(BASSIN_LIMITS.codeMax, "TOO_LONG")),
  name: z.string().transform(collapse).pipe(z.string().max(BASSIN_LIMITS.nameMax, "TOO_LONG")),
});

/** Without a header line the columns are, in order, the UAI, the bassin's code and its name. */
const POSITIONAL = { index: { uai: 0, code: 1, name: 2 }, header: {} } as const;

export function parseBassins(input: DirectoryInput): BassinFile {
  const records = numbered(input);
  const base: BassinFile = { headerLine: null, missing: [], columns: {}, assignments: [], bassins: [], errors: [], repeatedLines: 0, rows: 0 };
  const first = records.findIndex((r) => !isBlank(r));
  if (first === -1) return { ...base, missing: ["uai", "code"] };

  let start: number;
  let match: { index: Partial<Record<BassinField, number>>; header: Partial<Record<BassinField, string>> };
  let width: number | null;
  if (looksLikeUai(records[first]!.fields[0] ?? "")) {
    start = first;
    match = POSITIONAL;
    width = null;
  } else {
    const header = findHeader(records, BASSIN_COLUMNS, (m) => (["uai", "code"] as const).filter((f) => m.index[f] === undefined));
    const headerRecord = records[header!.position]!;
    if (header!.missing.length > 0) return { ...base, headerLine: headerRecord.line, missing: header!.missing as BassinField[], columns: header!.match.header };
    start = header!.position + 1;
    match = header!.match;
    width = headerRecord.fields.length;
  }

  const { index, header: names } = match;
  const cell = (r: DirectoryRecord, f: BassinField) => {
    const i = index[f];
    return i === undefined ? "" : (r.fields[i] ?? "");
  };
  const errors: BassinError[] = [];
  const error = (r: DirectoryRecord, f: BassinField, code: BassinErrorCode, extra: { value?: string; otherLine?: number } = {}) =>
    errors.push({ line: r.line, column: (index[f] ?? 0) + 1, header: names[f] ?? "", field: f, code, ...extra });
  const assignments: BassinAssignment[] = [];
  const bassins = new Map<string, Bassin & { nameLine: number | null }>();
  const byUai = new Map<string, BassinAssignment>();
  let repeatedLines = 0;
  let rows = 0;

  for (const r of records.slice(start)) {
    if (isBlank(r)) continue;
    rows++;
    const overflow = overflowColumn(r, width ?? 3);
    if (overflow !== null) {
      errors.push({ line: r.line, column: overflow, header: "", field: null, code: "COLUMN_COUNT", value: String(r.fields.length) });
      continue;
    }
    const parsed = rowSchema.safeParse({ uai: cell(r, "uai"), code: cell(r, "code"), name: cell(r, "name") });
    if (!parsed.success) {
      const reported = new Set<BassinField>();
      for (const issue of parsed.error.issues) {
        const f = issue.path[0] as BassinField;
        if (reported.has(f)) continue;
        reported.add(f);
        const code = (BASSIN_ERROR_CODES as readonly string[]).includes(issue.message) ? (issue.message as BassinErrorCode) : "REQUIRED";
        error(r, f, code, code !== "REQUIRED" && cell(r, f).trim() !== "" ? { value: shown(cell(r, f)) } : {});
      }
      continue;
    }
    const { uai, code, name } = parsed.data;
    const known = bassins.get(code);
    if (name !== "" && known?.name != null && labelKey(known.name) !== labelKey(name)) {
      error(r, "name", "CONFLICTING_BASSIN_NAME", { value: shown(name), ...(known.nameLine !== null ? { otherLine: known.nameLine } : {}) });
      continue;
    }
    const earlier = byUai.get(uai);
    if (earlier) {
      if (earlier.code === code) repeatedLines++;
      else error(r, "uai", "DUPLICATE_UAI", { value: uai, otherLine: earlier.line });
      continue;
    }
    if (!known) bassins.set(code, { code, name: name === "" ? null : name, nameLine: name === "" ? null : r.line });
    else if (known.name === null && name !== "") Object.assign(known, { name, nameLine: r.line });
    const assignment = { line: r.line, uai, code };
    byUai.set(uai, assignment);
    assignments.push(assignment);
  }
  return {
    ...base,
    headerLine: width === null ? null : records[start - 1]!.line,
    columns: names,
    assignments,
    bassins: [...bassins.values()].map(({ code, name }) => ({ code, name })),
    errors,
    repeatedLines,
    rows,
  };
}

export type MergedDirectory = {
  /** The schools with their bassin: from the bassins file when it names them, else from the directory. */
  schools: DirectorySchool[];
  /** Every bassin a school is in, once, with its name (the bassins file's first, then the directory's). */
  bassins: Bassin[];
  /** Schools left without a bassin, for the preview: their cases reach no MLDS coordinator. */
  withoutBassin: { line: number; uai: string; name: string }[];
  /** Lines of the bassins file whose school is not among the imported ones (another académie,
   *  left out, or a typo the check letter did not catch). */
  notInDirectory: BassinAssignment[];
  /** Schools whose directory bassin the bassins file replaced. */
  replaced: { uai: string; from: string; to: string }[];
};

export function mergeBassins(schools: readonly DirectorySchool[], file: Pick<BassinFile, "assignments" | "bassins"> | null): MergedDirectory {
  const assigned = new Map((file?.assignments ?? []).map((a) => [a.uai, a]));
  const fileNames = new Map((file?.bassins ?? []).map((b) => [b.code, b.name]));
  const replaced: MergedDirectory["replaced"] = [];
  const placed = schools.map((s): DirectorySchool => {
    const a = assigned.get(s.uai);
    if (!a) return s;
    if (s.bassin && s.bassin.code !== a.code) replaced.push({ uai: s.uai, from: s.bassin.code, to: a.code });
    return { ...s, bassin: { code: a.code, name: s.bassin?.code === a.code ? s.bassin.name : null } };
  });
  // A bassin's name: the bassins file's, else the first the directory gives.
  const names = new Map<string, string | null>();
  for (const s of placed) {
    if (s.bassin) names.set(s.bassin.code, fileNames.get(s.bassin.code) ?? names.get(s.bassin.code) ?? s.bassin.name);
  }
  const merged = placed.map((s) => (s.bassin ? { ...s, bassin: { code: s.bassin.code, name: names.get(s.bassin.code) ?? null } } : s));
  const uais = new Set(schools.map((s) => s.uai));
  return {
    schools: merged,
    bassins: [...names].map(([code, name]) => ({ code, name })),
    withoutBassin: merged.filter((s) => s.bassin === null).map((s) => ({ line: s.line, uai: s.uai, name: s.name })),
    notInDirectory: (file?.assignments ?? []).filter((a) => !uais.has(a.uai)),
    replaced,
  };
}
