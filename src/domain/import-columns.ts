import { z } from "zod";
import { REPORT_LIMITS } from "./report-draft.js";
import { ageOn } from "./routing.js";
import { parisCalendarDate } from "./school-year.js";
import { signalCodeSchema, type SignalCode } from "./signals.js";
import { nameKey, normalizeText, typoDistance } from "./text.js";
import { cleanText, safeText } from "./safe-text.js";
import { normalizeEmail, normalizePhone } from "./call-campaign.js";

/** Rentrée repérage campaign: the columns of a list of young people without a solution (SIEI/RIO
 *  exports, schools' own spreadsheets), matched loosely, and the rules every row must follow.
 *  Errors are codes; the Teams layer words them. Pure: the CSV text is decoded and split elsewhere. */

export const IMPORT_FIELDS = ["lastName", "firstName", "birthDate", "ine", "uai", "lastTraining", "exitDate", "motif", "phone", "email"] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export const REQUIRED_IMPORT_FIELDS = ["lastName", "firstName", "birthDate", "uai"] as const satisfies readonly ImportField[];

/** The contact columns: read, checked (a French phone number normalised to E.164, an e-mail address
 *  checked), and kept apart from the pupil's identity (PupilContact) for the bassin's MLDS
 *  coordinators who call the young people of a campaign list, and them only; erased at retention
 *  with the identity. A value that is no phone number or address is dropped, not kept as typed. */
export const CONTACT_FIELDS = ["phone", "email"] as const satisfies readonly ImportField[];

export const IMPORT_LIMITS = {
  nameMax: REPORT_LIMITS.nameMax,
  lastTrainingMax: 100,
  motifMax: 200,
  /** Ages (reached on the import day) a young person on such a list can have. */
  minAge: 11,
  maxAge: 29,
  /** The header may come after a few title lines ("Extraction SIEI du …"). */
  headerScanRows: 10,
} as const;

// Spellings seen in exports, written in the key form of headerKey() (accent-free, no spaces, no
// filler words). The first field listing a key wins.
const ALIASES: Readonly<Record<ImportField, readonly string[]>> = {
  lastName: ["nom", "noms", "nomfamille", "nomusage", "nompatronymique", "patronyme", "nomnaissance", "lastname", "surname", "familyname", "name"],
  firstName: ["prenom", "prenoms", "prenom1", "premierprenom", "prenomusuel", "firstname", "givenname", "forename"],
  birthDate: [
    "datenaissance",
    "naissance",
    "datenaiss",
    "dtnaissance",
    "datenais",
    "dnaissance",
    "ddn",
    "ne",
    "nele",
    "birthdate",
    "datebirth",
    "dob",
    "birthday",
  ],
  ine: ["ine", "nine", "noine", "numine", "numeroine", "codeine", "identifiantnational", "identifiantnationaleleve", "inebea", "inernie"],
  uai: [
    "uai",
    "codeuai",
    "numerouai",
    "nuai",
    "rne",
    "coderne",
    "uaietablissement",
    "etablissementuai",
    "dernieretablissement",
    "dernieretablissementuai",
    "uaidernieretablissement",
    "etablissementorigine",
    "uaiorigine",
    "etablissementorigineuai",
    "uaietablissementorigine",
    "etablissement",
    "dernieretablissementfrequente",
    "uaidernieretablissementfrequente",
    "school",
    "schooluai",
    "lastschool",
  ],
  lastTraining: [
    "derniereformation",
    "formation",
    "formationorigine",
    "derniereclasse",
    "classe",
    "niveau",
    "dernierniveau",
    "mef",
    "libellemef",
    "libelleformation",
    "formationsuivie",
    "derniereformationsuivie",
    "diplomeprepare",
    "dernierdiplomeprepare",
    "division",
    "lasttraining",
    "training",
    "course",
    "lastcourse",
  ],
  exitDate: ["datesortie", "sortie", "datesortieformation", "datefinformation", "datefin", "daterupture", "datedecrochage", "exitdate", "lefton", "dateleft"],
  motif: ["motif", "motifsortie", "motifs", "raison", "raisonsortie", "situation", "cause", "typesortie", "reason", "exitreason"],
  phone: [
    "telephone",
    "tel",
    "portable",
    "mobile",
    "telephoneportable",
    "telephonefamille",
    "telfamille",
    "telephoneresponsable",
    "telresponsable",
    "telephoneresponsablelegal",
    "telresponsablelegal",
    "telephonerepresentantlegal",
    "numerotelephone",
    "phone",
    "phonenumber",
  ],
  email: [
    "email",
    "mail",
    "courriel",
    "adressemail",
    "adresseemail",
    "adresseelectronique",
    "emailfamille",
    "mailfamille",
    "emailresponsable",
    "emailresponsablelegal",
    "adressecourriel",
  ],
};

const FILLER_WORDS = new Set([
  "de",
  "du",
  "des",
  "la",
  "le",
  "les",
  "l",
  "d",
  "a",
  "au",
  "aux",
  "en",
  "e",
  "eleve",
  "jeune",
  "apprenant",
  "the",
  "of",
  "jj",
  "mm",
  "aaaa",
  "aa",
  "yyyy",
  "dd",
]);

/** The comparable form of a column name: "Date de naissance (JJ/MM/AAAA)" -> "datenaissance",
 *  "N° INE" -> "nine", "Dernier établissement (UAI)" -> "dernieretablissementuai". */
export function headerKey(header: string): string {
  const words = normalizeText(header.replace(/^\uFEFF/, ""))
    .replace(/[^a-z0-9]+/g, " ")
    .trim()
    .split(" ")
    .filter((w) => w !== "" && !FILLER_WORDS.has(w));
  return words.join("");
}

// Each key with its field and its rank (its place in the field's list: the earlier, the more specific).
const KEY_TO_FIELD: ReadonlyMap<string, { field: ImportField; rank: number }> = (() => {
  const m = new Map<string, { field: ImportField; rank: number }>();
  for (const field of IMPORT_FIELDS) ALIASES[field].forEach((alias, rank) => m.has(alias) || m.set(alias, { field, rank }));
  return m;
})();

const TYPO_RANK = 1000;

function matchHeader(header: string): { field: ImportField; rank: number } | null {
  const key = headerKey(header);
  if (key === "") return null;
  const exact = KEY_TO_FIELD.get(key);
  if (exact) return exact;
  if (key.length < 6) return null;
  let best: { field: ImportField; distance: number } | null = null;
  for (const [alias, { field }] of KEY_TO_FIELD) {
    if (alias.length < 6) continue;
    const distance = typoDistance(key, alias);
    if (distance <= 1 && (!best || distance < best.distance)) best = { field, distance };
  }
  return best ? { field: best.field, rank: TYPO_RANK } : null;
}

/** The field a column name stands for, or null. Exact spellings first; then one slip of the keyboard
 *  on longer names ("prenon", "date naisance"). */
export function fieldOfHeader(header: string): ImportField | null {
  return matchHeader(header)?.field ?? null;
}

export type ColumnMapping = {
  /** Column index of each recognised field. When two columns name the same field, the more specific
   *  name wins ("UAI" over "Établissement"), then the first column. */
  columns: Partial<Record<ImportField, number>>;
  /** The original spelling of each recognised column, to name it in errors. */
  headers: Partial<Record<ImportField, string>>;
  /** Every phone or e-mail column, in file order. */
  contactColumns: number[];
  /** The phone columns, then the e-mail ones: the first valid value of a row is kept. */
  phoneColumns: number[];
  emailColumns: number[];
  /** Fields that the file lacks but every row needs. */
  missing: ImportField[];
  /** Columns that are not read at all (their content is never kept). */
  ignored: string[];
};

export function matchColumns(headers: readonly string[]): ColumnMapping {
  const chosen = new Map<ImportField, { index: number; rank: number }>();
  const contactColumns: number[] = [];
  const phoneColumns: number[] = [];
  const emailColumns: number[] = [];
  const unmatched = new Set<number>();
  headers.forEach((header, index) => {
    const match = matchHeader(header);
    if (!match) {
      if (header.trim() !== "") unmatched.add(index);
      return;
    }
    if ((CONTACT_FIELDS as readonly ImportField[]).includes(match.field)) {
      contactColumns.push(index);
      (match.field === "phone" ? phoneColumns : emailColumns).push(index);
      return;
    }
    const current = chosen.get(match.field);
    if (!current || match.rank < current.rank) {
      if (current) unmatched.add(current.index);
      chosen.set(match.field, { index, rank: match.rank });
    } else {
      unmatched.add(index);
    }
  });
  const columns: Partial<Record<ImportField, number>> = {};
  const names: Partial<Record<ImportField, string>> = {};
  for (const [field, { index }] of chosen) {
    columns[field] = index;
    names[field] = (headers[index] ?? "").trim();
  }
  return {
    columns,
    headers: names,
    contactColumns,
    phoneColumns,
    emailColumns,
    missing: REQUIRED_IMPORT_FIELDS.filter((f) => columns[f] === undefined),
    ignored: [...unmatched].sort((a, b) => a - b).map((i) => (headers[i] ?? "").trim()),
  };
}

/** The row holding the column names: the first of the first few rows naming every required
 *  column; failing that, the one naming the most (so that the error lists what it lacks). */
export function findHeaderRow(records: readonly (readonly string[])[]): number {
  let best = { index: 0, score: -1 };
  for (let i = 0; i < Math.min(records.length, IMPORT_LIMITS.headerScanRows); i++) {
    const mapping = matchColumns(records[i] ?? []);
    const score = REQUIRED_IMPORT_FIELDS.length - mapping.missing.length;
    if (mapping.missing.length === 0) return i;
    if (score > best.score) best = { index: i, score };
  }
  return best.index;
}

// ---------------------------------------------------------------------------------------------
// Rows

export const ROW_ERROR_CODES = [
  "REQUIRED",
  "CONTROL_CHARACTER",
  "TOO_LONG",
  "INVALID_NAME",
  "INVALID_DATE",
  "IMPLAUSIBLE_BIRTH_DATE",
  "INVALID_EXIT_DATE",
  "INVALID_INE",
  "INVALID_UAI",
  "COLUMN_COUNT",
  "DUPLICATE_IN_FILE",
  /** Checked against the database by the service: */
  "UNKNOWN_SCHOOL",
  "OUT_OF_DISTRICT",
] as const;
export type RowErrorCode = (typeof ROW_ERROR_CODES)[number];

export type RowError = {
  /** Line of the file (1 = first line), as a spreadsheet shows it. */
  line: number;
  field: ImportField | null;
  /** The column as the file names it ("" for the row as a whole). */
  column: string;
  code: RowErrorCode;
  /** The faulty value, shortened (never a contact), or the line of the first occurrence for a duplicate. */
  value?: string;
};

/** A valid row, as it is kept between the preview and the confirmation. */
export type ImportRow = {
  line: number;
  lastName: string;
  firstName: string;
  nameKey: string;
  /** YYYY-MM-DD */
  birthDate: string;
  birthYear: number;
  ine: string | null;
  uai: string;
  lastTraining: string | null;
  /** YYYY-MM-DD */
  exitDate: string | null;
  motif: string | null;
  signal: SignalCode;
  /** E.164, or null (none, or not a phone number). */
  phone: string | null;
  /** Lower case, or null (none, or not an address). */
  email: string | null;
};

export type SourceRecord = { line: number; fields: readonly string[] };

export type ValidatedRows = {
  rows: ImportRow[];
  errors: RowError[];
  /** What the contact columns held: valid values kept (counted on the valid rows) and values that
   *  were no phone number or address (dropped). */
  contacts: ContactCounts;
};

export type ContactCounts = { phones: number; emails: number; invalidPhones: number; invalidEmails: number };

type CalendarDate = { year: number; month: number; day: number };

/** Dates as French administrative exports write them: 15/03/2009, 15-03-2009, 15.03.2009,
 *  2009-03-15, with or without a time after. Two-digit years are refused (ambiguous). */
export function parseCalendarDate(text: string): CalendarDate | null {
  const s = text.trim().replace(/[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/, "");
  let m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(s);
  let year: number, month: number, day: number;
  if (m) {
    [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  } else if ((m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s))) {
    [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  } else {
    return null;
  }
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return null;
  return { year, month, day };
}

const iso = (d: CalendarDate) => `${String(d.year).padStart(4, "0")}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;
const collapse = (s: string) => s.replace(/\s+/g, " ").trim();
const NAME = /^[\p{L}][\p{L}\p{M}' .-]*$/u;

/** The weak signal that the list's motif stands for; a young person on the list with no usable
 *  motif has, by definition, no plan. */
export function signalForMotif(motif: string | null): SignalCode {
  const m = normalizeText(motif ?? "").replace(/[^a-z0-9]+/g, " ");
  if (/\bnon affecte|\bsans affectation|\bpas d affectation|\battente d affectation|\bnot assigned/.test(m)) return "NOT_ASSIGNED";
  if (/\borientation subie|\bnon choisi|\breorientation|\berreur d orientation|\bmal oriente/.test(m)) return "ORIENTATION_SUBIE";
  if (/\bechec|\bajourne|\bnon admis|\brecale|\bexam failed/.test(m)) return "EXAM_FAILED";
  if (/\bexclu|\bconseil de discipline/.test(m)) return "INCIDENTS";
  if (/\babsenteisme|\babsences?\b|\bne se presente|\bjamais venu|\bperle/.test(m)) return "UNJUSTIFIED_ABSENCES";
  return "NO_PLAN";
}

// A control character in a cell (U+0000 above all) is a row error: the cell is not what the
// person meant, and the database would refuse it.
const trimmed = safeText({ controls: "refuse" }).transform(collapse);
const required = (max: number) => trimmed.pipe(z.string().min(1, "REQUIRED").max(max, "TOO_LONG"));
const optional = (max: number) => trimmed.transform((s) => (s === "" ? null : s)).pipe(z.string().max(max, "TOO_LONG").nullable());
const personName = required(IMPORT_LIMITS.nameMax).refine((s) => NAME.test(s), "INVALID_NAME");

function rowSchema(today: Date) {
  const now = parisCalendarDate(today);
  const todayIso = iso(now);
  return z
    .object({
      lastName: personName,
      firstName: personName,
      birthDate: required(40).transform((s, ctx) => {
        const d = parseCalendarDate(s);
        if (!d) {
          ctx.addIssue({ code: "custom", message: "INVALID_DATE" });
          return z.NEVER;
        }
        const age = ageOn(d.year, new Date(Date.UTC(d.year, d.month - 1, d.day)), today);
        if (age < IMPORT_LIMITS.minAge || age > IMPORT_LIMITS.maxAge) {
          ctx.addIssue({ code: "custom", message: "IMPLAUSIBLE_BIRTH_DATE" });
          return z.NEVER;
        }
        return d;
      }),
      ine: optional(40).transform((s, ctx) => {
        if (s === null) return null;
        const ine = s.replace(/[\s.-]/g, "").toUpperCase();
        if (!/^[0-9]{9}[0-9A-Z]{2}$/.test(ine) || !/[A-Z]$/.test(ine)) {
          ctx.addIssue({ code: "custom", message: "INVALID_INE" });
          return z.NEVER;
        }
        return ine;
      }),
      uai: required(40).transform((s, ctx) => {
        const uai = s.replace(/\s/g, "").toUpperCase();
        if (!/^[0-9]{7}[A-Z]$/.test(uai)) {
          ctx.addIssue({ code: "custom", message: "INVALID_UAI" });
          return z.NEVER;
        }
        return uai;
      }),
      lastTraining: optional(IMPORT_LIMITS.lastTrainingMax),
      exitDate: optional(40).transform((s, ctx) => {
        if (s === null) return null;
        const d = parseCalendarDate(s);
        if (!d || iso(d) > todayIso) {
          ctx.addIssue({ code: "custom", message: "INVALID_EXIT_DATE" });
          return z.NEVER;
        }
        return d;
      }),
      motif: optional(IMPORT_LIMITS.motifMax),
    })
    .superRefine((row, ctx) => {
      if (row.exitDate && iso(row.exitDate) <= iso(row.birthDate)) ctx.addIssue({ code: "custom", path: ["exitDate"], message: "INVALID_EXIT_DATE" });
    });
}

const VALIDATED_FIELDS = ["lastName", "firstName", "birthDate", "ine", "uai", "lastTraining", "exitDate", "motif"] as const;

function shown(value: string): string {
  const v = collapse(cleanText(value));
  return v.length > 40 ? `${v.slice(0, 39)}…` : v;
}

/** Validates every row with the same zod schema, reports each problem with its line and column,
 *  and flags a young person listed twice in the file (same INE, or same school, names and birth year). */
export function validateRows(records: readonly SourceRecord[], mapping: ColumnMapping, opts: { today: Date; headerLength: number }): ValidatedRows {
  const schema = rowSchema(opts.today);
  const rows: ImportRow[] = [];
  const errors: RowError[] = [];
  const contacts: ContactCounts = { phones: 0, emails: 0, invalidPhones: 0, invalidEmails: 0 };
  const seenIne = new Map<string, number>();
  const seenKey = new Map<string, number>();
  const cell = (record: SourceRecord, field: ImportField) => {
    const i = mapping.columns[field];
    return i === undefined ? "" : (record.fields[i] ?? "");
  };

  for (const record of records) {
    if (record.fields.every((f) => f.trim() === "")) continue;
    // More filled cells than columns: a separator inside an unquoted value shifted the row.
    if (record.fields.length > opts.headerLength && record.fields.slice(opts.headerLength).some((f) => f.trim() !== "")) {
      errors.push({ line: record.line, field: null, column: "", code: "COLUMN_COUNT", value: String(record.fields.length) });
      continue;
    }
    const input = Object.fromEntries(VALIDATED_FIELDS.map((f) => [f, cell(record, f)]));
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      const perField = new Map<ImportField, RowErrorCode>();
      for (const issue of parsed.error.issues) {
        const field = issue.path[0] as ImportField;
        if (!perField.has(field))
          perField.set(field, (ROW_ERROR_CODES as readonly string[]).includes(issue.message) ? (issue.message as RowErrorCode) : "REQUIRED");
      }
      for (const field of VALIDATED_FIELDS) {
        const code = perField.get(field);
        if (!code) continue;
        const raw = cell(record, field);
        errors.push({
          line: record.line,
          field,
          column: mapping.headers[field] ?? field,
          code,
          ...(code !== "REQUIRED" && raw.trim() ? { value: shown(raw) } : {}),
        });
      }
      continue;
    }
    const r = parsed.data;
    const key = nameKey(r.lastName, r.firstName);
    const dedupeKey = `${r.uai}|${key}|${r.birthDate.year}`;
    const first = (r.ine ? seenIne.get(r.ine) : undefined) ?? seenKey.get(dedupeKey);
    if (first !== undefined) {
      const field: ImportField = r.ine && seenIne.has(r.ine) ? "ine" : "lastName";
      errors.push({ line: record.line, field, column: mapping.headers[field] ?? field, code: "DUPLICATE_IN_FILE", value: String(first) });
      continue;
    }
    if (r.ine) seenIne.set(r.ine, record.line);
    seenKey.set(dedupeKey, record.line);
    const phone = firstContact(record, mapping.phoneColumns, normalizePhone);
    const email = firstContact(record, mapping.emailColumns, normalizeEmail);
    if (phone.value) contacts.phones++;
    else if (phone.invalid) contacts.invalidPhones++;
    if (email.value) contacts.emails++;
    else if (email.invalid) contacts.invalidEmails++;
    rows.push({
      line: record.line,
      lastName: r.lastName,
      firstName: r.firstName,
      nameKey: key,
      birthDate: iso(r.birthDate),
      birthYear: r.birthDate.year,
      ine: r.ine,
      uai: r.uai,
      lastTraining: r.lastTraining,
      exitDate: r.exitDate ? iso(r.exitDate) : null,
      motif: r.motif,
      signal: signalForMotif(r.motif),
      phone: phone.value,
      email: email.value,
    });
  }
  return { rows, errors, contacts };
}

/** The first valid value of a row's contact columns; `invalid` when some cell held something else. */
function firstContact(record: SourceRecord, columns: number[], normalize: (raw: string) => string | null): { value: string | null; invalid: boolean } {
  let invalid = false;
  for (const i of columns) {
    const raw = cleanText(record.fields[i] ?? "").trim();
    if (raw === "") continue;
    const value = normalize(raw);
    if (value) return { value, invalid: false };
    invalid = true;
  }
  return { value: null, invalid };
}

/** A stored row read back from the database is checked again before use. */
export const importRowSchema: z.ZodType<ImportRow> = z.object({
  line: z.number().int().positive(),
  lastName: z.string().min(1),
  firstName: z.string().min(1),
  nameKey: z.string().min(1),
  birthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  birthYear: z.number().int(),
  ine: z.string().nullable(),
  uai: z.string(),
  lastTraining: z.string().nullable(),
  exitDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .nullable(),
  motif: z.string().nullable(),
  signal: signalCodeSchema,
  // Rows of a preview saved before contacts were kept have none.
  phone: z
    .string()
    .regex(/^\+[1-9]\d{8,14}$/)
    .nullable()
    .default(null),
  email: z.string().max(254).nullable().default(null),
}) as z.ZodType<ImportRow>;
