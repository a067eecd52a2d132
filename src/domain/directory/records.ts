import { headerKey } from "../import-columns.js";
import { normalizeText, typoDistance } from "../text.js";

/** What the directory parsers share: numbered records, loose column matching in the house style of
 *  the campaign import (import-columns.ts), and errors as codes with a line and a column. Pure: the
 *  file is decoded and split into records elsewhere (services/import-file.ts readCsv). */

/** One record of a CSV file with the line it starts on (1 = the first line of the file). */
export type DirectoryRecord = { line: number; fields: readonly string[] };

/** Records as readCsv gives them, or plain rows (then row i is line i + 1). */
export type DirectoryInput = readonly DirectoryRecord[] | readonly (readonly string[])[];

export function numbered(input: DirectoryInput): DirectoryRecord[] {
  return input.map((r, i) => (Array.isArray(r) ? { line: i + 1, fields: r as readonly string[] } : (r as DirectoryRecord)));
}

/**
 * A problem in one cell (or one row), as the Teams layer and the command line will word it.
 * `column` counts from 1 as a spreadsheet does (A = 1); `header` is the column as the file names it
 * ("" when the file has no header line). Duplicates name the first line in `otherLine`.
 */
export type DirectoryError<Code extends string, Field extends string> = {
  line: number;
  column: number;
  header: string;
  field: Field | null;
  code: Code;
  /** The faulty value, shortened to 40 characters (never for a REQUIRED cell). */
  value?: string;
  otherLine?: number;
};

/** Each field with the spellings of its column, in the key form of headerKey() (accent-free, no
 *  spaces or underscores, no filler words): "Identifiant_de_l_etablissement" -> "identifiantetablissement".
 *  The earlier a spelling in its list, the more specific: it wins when two columns name one field. */
export type ColumnAliases<F extends string> = Readonly<Record<F, readonly string[]>>;

export type ColumnMatch<F extends string> = {
  /** Column index (from 0) of each recognised field. */
  index: Partial<Record<F, number>>;
  /** The original spelling of each recognised column, to name it in errors. */
  header: Partial<Record<F, string>>;
};

const TYPO_RANK = 1000;

function aliasTable<F extends string>(aliases: ColumnAliases<F>): Map<string, { field: F; rank: number }> {
  const m = new Map<string, { field: F; rank: number }>();
  for (const field of Object.keys(aliases) as F[]) aliases[field].forEach((alias, rank) => m.has(alias) || m.set(alias, { field, rank }));
  return m;
}

const tables = new WeakMap<object, Map<string, { field: string; rank: number }>>();

function matchHeader<F extends string>(aliases: ColumnAliases<F>, header: string): { field: F; rank: number } | null {
  let table = tables.get(aliases) as Map<string, { field: F; rank: number }> | undefined;
  if (!table) {
    table = aliasTable(aliases);
    tables.set(aliases, table);
  }
  const key = headerKey(header);
  if (key === "") return null;
  const exact = table.get(key);
  if (exact) return exact;
  // "Rattachement (UAI, bassin ou département)": the words in brackets explain the column.
  const bare = headerKey(header.replace(/\([^)]*\)|\[[^\]]*\]/g, " "));
  const plain = bare !== key && bare !== "" ? table.get(bare) : undefined;
  if (plain) return plain;
  // One slip of the keyboard on a longer name ("prenon", "courriell"); never on short ones, where
  // one letter makes another word.
  if (key.length < 8) return null;
  let best: { field: F; distance: number } | null = null;
  for (const [alias, { field }] of table) {
    if (alias.length < 8) continue;
    const distance = typoDistance(key, alias);
    if (distance <= 1 && (!best || distance < best.distance)) best = { field, distance };
  }
  return best ? { field: best.field, rank: TYPO_RANK } : null;
}

export function matchColumns<F extends string>(aliases: ColumnAliases<F>, headers: readonly string[]): ColumnMatch<F> {
  const chosen = new Map<F, { index: number; rank: number }>();
  headers.forEach((header, index) => {
    const match = matchHeader(aliases, header);
    if (!match) return;
    const current = chosen.get(match.field);
    if (!current || match.rank < current.rank) chosen.set(match.field, { index, rank: match.rank });
  });
  const index: Partial<Record<F, number>> = {};
  const names: Partial<Record<F, string>> = {};
  for (const [field, c] of chosen) {
    index[field] = c.index;
    names[field] = (headers[c.index] ?? "").trim();
  }
  return { index, header: names };
}

/** The header may come after a few title lines. */
export const HEADER_SCAN_ROWS = 10;

/** The row holding the column names: the first of the first few rows that lacks nothing; failing
 *  that, the one that lacks least (so that the answer lists what it lacks). */
export function findHeader<F extends string>(
  records: readonly DirectoryRecord[],
  aliases: ColumnAliases<F>,
  missingOf: (match: ColumnMatch<F>) => readonly string[],
): { position: number; match: ColumnMatch<F>; missing: string[] } | null {
  let best: { position: number; match: ColumnMatch<F>; missing: string[] } | null = null;
  for (let i = 0; i < Math.min(records.length, HEADER_SCAN_ROWS); i++) {
    const match = matchColumns(aliases, records[i]!.fields);
    const missing = [...missingOf(match)];
    if (missing.length === 0) return { position: i, match, missing };
    const found = Object.keys(match.index).length;
    if (!best || found > Object.keys(best.match.index).length) best = { position: i, match, missing };
  }
  return best;
}

export function isBlank(record: DirectoryRecord): boolean {
  return record.fields.every((f) => f.trim() === "");
}

/** More filled cells than the header has columns: a separator inside an unquoted value shifted the row. */
export function overflowColumn(record: DirectoryRecord, width: number): number | null {
  for (let i = width; i < record.fields.length; i++) if ((record.fields[i] ?? "").trim() !== "") return i + 1;
  return null;
}

export const collapse = (s: string): string => s.replace(/\s+/g, " ").trim();

export function shown(value: string): string {
  const v = collapse(value);
  return v.length > 40 ? `${v.slice(0, 39)}…` : v;
}

/** The comparable form of a short label or code: "À ouvrir" -> "aouvrir", "Privé" -> "prive". */
export function labelKey(text: string): string {
  return normalizeText(text).replace(/[^a-z0-9]+/g, "");
}
