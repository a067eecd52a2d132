import { normalizeText } from "../text.js";
import { BASSIN_COLUMNS } from "./bassins.js";
import { PERSON_COLUMNS } from "./people.js";
import { HEADER_SCAN_ROWS, matchColumns, numbered, type DirectoryInput } from "./records.js";
import { academyCodeOf, SCHOOL_COLUMNS } from "./schools.js";

/** Which directory file an admin sent to the bot: told by the words typed with it (« annuaire
 *  académie 10 », « personnels », « bassins »), else by its column titles. Pure. */

export type DirectoryFileKind = "schools" | "people" | "bassins";

export type DirectoryHint = { kind: DirectoryFileKind | null; academy: string | null };

const WORDS: readonly [RegExp, DirectoryFileKind][] = [
  [/\b(annuaire|etablissements?|schools?|directory)\b/, "schools"],
  [/\b(personnels?|staff|people|agents?)\b/, "people"],
  [/\bbassins?\b/, "bassins"],
];

/** The words of a message sent with a file: the file's kind and the académie code (« académie
 *  10 », « academie 010 », « academy 10 », or a number alone after « annuaire »). */
export function parseDirectoryHint(text: string): DirectoryHint {
  const s = normalizeText(text);
  const kinds = WORDS.filter(([re]) => re.test(s)).map(([, k]) => k);
  const number = /\b(?:academie|academy|acad)\s*(?:n[o°]?\s*)?(\d{1,3})\b/.exec(s) ?? (kinds[0] === "schools" ? /\b(\d{1,3})\b/.exec(s) : null);
  return { kind: kinds.length === 1 ? kinds[0]! : null, academy: number ? academyCodeOf(number[1]!) : null };
}

/** The kind of a file by its column titles (in the first few lines): a staff list has a first name
 *  and a function; the directory a nature, type, académie or sector next to its UAI and name; a
 *  bassins file a UAI and a bassin code and little else. Null when it is none of them. */
export function directoryFileKindOf(input: DirectoryInput): DirectoryFileKind | null {
  const records = numbered(input).slice(0, HEADER_SCAN_ROWS);
  for (const r of records) {
    const people = matchColumns(PERSON_COLUMNS, r.fields).index;
    if (people.firstName !== undefined && people.function !== undefined && (people.email !== undefined || people.lastName !== undefined)) return "people";
    const schools = matchColumns(SCHOOL_COLUMNS, r.fields).index;
    const described = ["natureCode", "natureLabel", "type", "academyCode", "academyName", "sector"].filter(
      (f) => schools[f as keyof typeof schools] !== undefined,
    ).length;
    if (schools.uai !== undefined && (schools.name !== undefined || schools.denomination !== undefined) && described >= 2) return "schools";
    const bassins = matchColumns(BASSIN_COLUMNS, r.fields).index;
    if (bassins.uai !== undefined && bassins.code !== undefined && r.fields.filter((f) => f.trim() !== "").length <= 4) return "bassins";
  }
  return null;
}

/** The académie of a directory file when all its rows name the same one (its code_academie
 *  column); null when there is no such column or several académies. */
export function singleAcademyOf(input: DirectoryInput): string | null {
  const records = numbered(input);
  for (let i = 0; i < Math.min(records.length, HEADER_SCAN_ROWS); i++) {
    const column = matchColumns(SCHOOL_COLUMNS, records[i]!.fields).index.academyCode;
    if (column === undefined) continue;
    const codes = new Set<string>();
    for (const r of records.slice(i + 1)) {
      const value = (r.fields[column] ?? "").trim();
      if (value === "") continue;
      const code = academyCodeOf(value);
      if (code === null) return null;
      codes.add(code);
      if (codes.size > 1) return null;
    }
    return codes.size === 1 ? [...codes][0]! : null;
  }
  return null;
}
