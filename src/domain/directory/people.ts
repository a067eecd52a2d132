import { z } from "zod";
import { ROLE_ATTACHMENT, type Role } from "../roles.js";
import { roleOfFunction } from "./functions.js";
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
import { academyCodeOf, academyNameKey } from "./schools.js";
import { checkUai, departmentCode, looksLikeUai } from "./uai.js";

/**
 * A staff list as an académie's directory exports it: nom, prénom, e-mail or UPN, fonction, and a
 * rattachement (a UAI for the school roles, a bassin code for the bassin roles, a département code
 * for the DSDEN, nothing or the académie for its admins). Columns are matched loosely; the function
 * gives the role through the one table of functions.ts.
 *
 * One person, one line, one role. A person who works in several schools in the same role is
 * written either with several UAIs in the rattachement cell ("0690002C, 0690003D") or on several
 * lines with the same e-mail and a function of the same role: the lines are merged, each new line
 * adding its schools. Any other repetition of an e-mail is an error naming the first line: the
 * same person twice for the same place (DUPLICATE_PERSON), in two roles (CONFLICTING_ROLES: a
 * member has one role, e.g. a teacher who is also the school's référent is listed as référent),
 * or a bassin, département or académie role in two places (SEVERAL_PLACES).
 */

export const PERSON_FIELDS = ["lastName", "firstName", "email", "function", "attachment"] as const;
export type PersonField = (typeof PERSON_FIELDS)[number];

export const PERSON_COLUMNS: ColumnAliases<PersonField> = {
  lastName: ["nom", "nomusage", "nomfamille", "nompatronymique", "patronyme", "nomagent", "lastname", "surname", "familyname", "sn"],
  firstName: ["prenom", "prenoms", "prenomusuel", "prenomagent", "firstname", "givenname"],
  email: [
    "mail",
    "email",
    "courriel",
    "adressemail",
    "adresseemail",
    "adressecourriel",
    "adresseelectronique",
    "adressemessagerie",
    "mailacademique",
    "emailacademique",
    "courrielacademique",
    "upn",
    "userprincipalname",
    "identifiantconnexion",
    "login",
    "identifiant",
  ],
  function: [
    "fonction",
    "fonctions",
    "fonctionexercee",
    "libellefonction",
    "emploi",
    "libelleemploi",
    "poste",
    "metier",
    "qualite",
    "role",
    "jobtitle",
    "title",
    "function",
  ],
  attachment: [
    "rattachement",
    "affectation",
    "uairattachement",
    "uaiaffectation",
    "lieuexercice",
    "lieutravail",
    "perimetre",
    "structure",
    "codestructure",
    "uai",
    "codeuai",
    "rne",
    "etablissement",
    "uaietablissement",
    "bassin",
    "codebassin",
    "departement",
    "codedepartement",
    "scope",
  ],
};

export const PERSON_LIMITS = { nameMax: 100, emailMax: 254, functionMax: 200 } as const;

export const PERSON_ERROR_CODES = [
  "REQUIRED",
  "TOO_LONG",
  "INVALID_NAME",
  "INVALID_EMAIL",
  "UNKNOWN_FUNCTION",
  /** A school role whose rattachement is not a UAI. */
  "EXPECTED_SCHOOL",
  /** A bassin role (coordonnateur MLDS, IEN-IO) whose rattachement is a UAI. */
  "EXPECTED_BASSIN",
  /** A DSDEN role whose rattachement is not a département code. */
  "EXPECTED_DEPARTMENT",
  /** An académie role with a rattachement other than nothing or the académie. */
  "EXPECTED_ACADEMY",
  "INVALID_UAI",
  "UAI_CHECK_LETTER",
  /** Only when the caller gives the académie's schools, bassins or départements: */
  "UNKNOWN_SCHOOL",
  "UNKNOWN_BASSIN",
  "UNKNOWN_DEPARTMENT",
  "COLUMN_COUNT",
  /** The same e-mail again (otherLine: the person's first line). */
  "DUPLICATE_PERSON",
  "CONFLICTING_ROLES",
  "SEVERAL_PLACES",
] as const;
export type PersonErrorCode = (typeof PERSON_ERROR_CODES)[number];
export type PersonError = DirectoryError<PersonErrorCode, PersonField>;

export type PersonAttachment =
  { kind: "SCHOOL"; uais: string[] } | { kind: "DISTRICT"; bassinCode: string } | { kind: "DEPARTMENT"; departmentCode: string } | { kind: "ACADEMY" };

export type DirectoryPerson = {
  /** Every line that describes this person, the first one first. */
  lines: number[];
  /** Lower-cased: the key that recognises the person at their first message (UPN or e-mail). */
  email: string;
  lastName: string;
  firstName: string;
  /** "Prénom Nom", as Teams shows people. */
  displayName: string;
  /** The function as the first line writes it. */
  function: string;
  role: Role;
  attachment: PersonAttachment;
};

export type PeopleFile = {
  headerLine: number | null;
  missing: PersonField[];
  columns: Partial<Record<PersonField, string>>;
  people: DirectoryPerson[];
  errors: PersonError[];
  rows: number;
};

/** What the académie already knows, to check rattachements against (each optional). */
export type KnownPlaces = {
  uais?: ReadonlySet<string>;
  /** Bassins by code; a rattachement may also give a bassin by its name ("Bassin Nord"). */
  bassins?: readonly { code: string; name?: string | null }[];
  departmentCodes?: ReadonlySet<string>;
};

const NAME = /^[\p{L}][\p{L}\p{M}' .-]*$/u;
const personName = z
  .string()
  .transform(collapse)
  .pipe(z.string().min(1, "REQUIRED").max(PERSON_LIMITS.nameMax, "TOO_LONG"))
  .refine((s) => NAME.test(s), "INVALID_NAME");
const emailSchema = z
  .string()
  .transform((s) =>
    s
      .trim()
      .replace(/^mailto:/i, "")
      .replace(/^<(.*)>$/, "$1")
      .trim()
      .toLowerCase(),
  )
  .pipe(z.string().min(1, "REQUIRED").max(PERSON_LIMITS.emailMax, "TOO_LONG").pipe(z.email("INVALID_EMAIL")));
const functionSchema = z
  .string()
  .transform(collapse)
  .pipe(z.string().min(1, "REQUIRED").max(PERSON_LIMITS.functionMax, "TOO_LONG"))
  .transform((s, ctx) => {
    const role = roleOfFunction(s);
    if (role === null) {
      ctx.addIssue({ code: "custom", message: "UNKNOWN_FUNCTION" });
      return z.NEVER;
    }
    return { text: s, role };
  });

const rowSchema = z.object({ lastName: personName, firstName: personName, email: emailSchema, function: functionSchema });
type RowField = keyof z.input<typeof rowSchema>;

export type Attached = { ok: true; attachment: PersonAttachment } | { ok: false; code: PersonErrorCode; value?: string };

/** Where a person of this role works, read from a rattachement as the staff list writes it (UAIs,
 *  a bassin code or name, a département code, or nothing for the académie): the staff list's
 *  column, and the administration card's field. */
export function parseAttachment(role: Role, text: string, known: KnownPlaces, academy: readonly string[] = []): Attached {
  return attach(role, text, known, academy);
}

function attach(role: Role, cellText: string, known: KnownPlaces, academy: readonly string[]): Attached {
  const text = collapse(cellText);
  switch (ROLE_ATTACHMENT[role]) {
    case "SCHOOL": {
      const tokens = text.split(/[\s,;|/+]+/).filter((t) => t !== "");
      if (tokens.length === 0) return { ok: false, code: "REQUIRED" };
      const uais: string[] = [];
      for (const token of tokens) {
        if (!looksLikeUai(token)) return { ok: false, code: "EXPECTED_SCHOOL", value: shown(token) };
        const checked = checkUai(token);
        if (!checked.ok) return { ok: false, code: checked.code, value: token };
        if (known.uais && !known.uais.has(checked.uai)) return { ok: false, code: "UNKNOWN_SCHOOL", value: checked.uai };
        if (!uais.includes(checked.uai)) uais.push(checked.uai);
      }
      return { ok: true, attachment: { kind: "SCHOOL", uais } };
    }
    case "DISTRICT": {
      if (text === "") return { ok: false, code: "REQUIRED" };
      if (looksLikeUai(text)) return { ok: false, code: "EXPECTED_BASSIN", value: shown(text) };
      const code = text.toUpperCase();
      if (!known.bassins) return { ok: true, attachment: { kind: "DISTRICT", bassinCode: code } };
      const bassin =
        known.bassins.find((b) => b.code.toUpperCase() === code) ?? known.bassins.find((b) => b.name != null && labelKey(b.name) === labelKey(text));
      return bassin ? { ok: true, attachment: { kind: "DISTRICT", bassinCode: bassin.code } } : { ok: false, code: "UNKNOWN_BASSIN", value: shown(text) };
    }
    case "DEPARTMENT": {
      if (text === "") return { ok: false, code: "REQUIRED" };
      const code = departmentCode(text);
      if (code === null) return { ok: false, code: "EXPECTED_DEPARTMENT", value: shown(text) };
      if (known.departmentCodes && !known.departmentCodes.has(code)) return { ok: false, code: "UNKNOWN_DEPARTMENT", value: code };
      return { ok: true, attachment: { kind: "DEPARTMENT", departmentCode: code } };
    }
    case "ACADEMY": {
      const key = labelKey(text);
      const theAcademy =
        key === "" ||
        key === "academie" ||
        key === "rectorat" ||
        academy.some((a) => (academyCodeOf(text) ?? "-") === (academyCodeOf(a) ?? "+")) ||
        academy.some((a) => academyNameKey(text) !== "" && academyNameKey(text) === academyNameKey(a));
      return theAcademy ? { ok: true, attachment: { kind: "ACADEMY" } } : { ok: false, code: "EXPECTED_ACADEMY", value: shown(text) };
    }
  }
}

function samePlace(a: PersonAttachment, b: PersonAttachment): boolean {
  return placeKey(a) === placeKey(b);
}

/** A rattachement in a comparable form: the same place gives the same key, whatever the order of
 *  the schools or the case of the codes. */
export function placeKey(a: PersonAttachment): string {
  switch (a.kind) {
    case "SCHOOL":
      return `SCHOOL:${a.uais
        .map((u) => u.toUpperCase())
        .sort()
        .join(",")}`;
    case "DISTRICT":
      return `DISTRICT:${a.bassinCode.toUpperCase()}`;
    case "DEPARTMENT":
      return `DEPARTMENT:${a.departmentCode}`;
    case "ACADEMY":
      return "ACADEMY";
  }
}

/**
 * Reads a staff list. Never throws: every problem is an error with its line and column, or a column
 * the file lacks. `academy` (its code, its name, or both: "10", "Lyon") lets an admin's rattachement
 * name the académie; `known` checks rattachements against the académie's schools, bassins and
 * départements.
 */
export function parsePeople(input: DirectoryInput, opts: { academy?: string | readonly string[]; known?: KnownPlaces } = {}): PeopleFile {
  const records = numbered(input);
  const known = opts.known ?? {};
  const academy: readonly string[] = opts.academy === undefined ? [] : typeof opts.academy === "string" ? [opts.academy] : opts.academy;
  const base: PeopleFile = { headerLine: null, missing: [], columns: {}, people: [], errors: [], rows: 0 };
  const header = findHeader(records, PERSON_COLUMNS, (m) => PERSON_FIELDS.filter((f) => m.index[f] === undefined));
  if (header === null) return { ...base, missing: [...PERSON_FIELDS] };
  const headerRecord = records[header.position]!;
  const { index, header: names } = header.match;
  if (header.missing.length > 0) return { ...base, headerLine: headerRecord.line, missing: header.missing as PersonField[], columns: names };

  const width = headerRecord.fields.length;
  const cell = (r: DirectoryRecord, f: PersonField) => r.fields[index[f]!] ?? "";
  const errors: PersonError[] = [];
  const error = (r: DirectoryRecord, f: PersonField, code: PersonErrorCode, extra: { value?: string; otherLine?: number } = {}) =>
    errors.push({ line: r.line, column: index[f]! + 1, header: names[f] ?? f, field: f, code, ...extra });
  const people: DirectoryPerson[] = [];
  const byEmail = new Map<string, DirectoryPerson>();
  let rows = 0;

  for (const r of records.slice(header.position + 1)) {
    if (isBlank(r)) continue;
    rows++;
    const overflow = overflowColumn(r, width);
    if (overflow !== null) {
      errors.push({ line: r.line, column: overflow, header: "", field: null, code: "COLUMN_COUNT", value: String(r.fields.length) });
      continue;
    }
    const parsed = rowSchema.safeParse({
      lastName: cell(r, "lastName"),
      firstName: cell(r, "firstName"),
      email: cell(r, "email"),
      function: cell(r, "function"),
    });
    if (!parsed.success) {
      const reported = new Set<RowField>();
      for (const issue of parsed.error.issues) {
        const f = issue.path[0] as RowField;
        if (reported.has(f)) continue;
        reported.add(f);
        const code = (PERSON_ERROR_CODES as readonly string[]).includes(issue.message)
          ? (issue.message as PersonErrorCode)
          : f === "email"
            ? "INVALID_EMAIL"
            : "REQUIRED";
        const raw = cell(r, f);
        // Never echo a whole e-mail address into an error that may be shown in a channel.
        const value = code === "REQUIRED" || raw.trim() === "" || f === "email" ? {} : { value: shown(raw) };
        error(r, f, raw.trim() === "" ? "REQUIRED" : code, raw.trim() === "" ? {} : value);
      }
      continue;
    }
    const { lastName, firstName, email, function: fn } = parsed.data;
    const attached = attach(fn.role, cell(r, "attachment"), known, academy);
    if (!attached.ok) {
      error(r, "attachment", attached.code, attached.value !== undefined ? { value: attached.value } : {});
      continue;
    }
    const attachment = attached.attachment;

    const earlier = byEmail.get(email);
    if (earlier) {
      const otherLine = earlier.lines[0]!;
      if (earlier.role !== fn.role) {
        error(r, "function", "CONFLICTING_ROLES", { value: shown(fn.text), otherLine });
      } else if (attachment.kind === "SCHOOL" && earlier.attachment.kind === "SCHOOL") {
        const added = attachment.uais.filter((u) => !(earlier.attachment as { uais: string[] }).uais.includes(u));
        if (added.length === 0) error(r, "email", "DUPLICATE_PERSON", { otherLine });
        else {
          earlier.attachment.uais.push(...added);
          earlier.lines.push(r.line);
        }
      } else if (samePlace(earlier.attachment, attachment)) {
        error(r, "email", "DUPLICATE_PERSON", { otherLine });
      } else {
        error(r, "attachment", "SEVERAL_PLACES", { value: shown(cell(r, "attachment")), otherLine });
      }
      continue;
    }
    const person: DirectoryPerson = {
      lines: [r.line],
      email,
      lastName,
      firstName,
      displayName: `${firstName} ${lastName}`,
      function: fn.text,
      role: fn.role,
      attachment,
    };
    byEmail.set(email, person);
    people.push(person);
  }
  return { ...base, headerLine: headerRecord.line, columns: names, people, errors, rows };
}
