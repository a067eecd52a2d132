import { z } from "zod";
import { headerKey } from "../import-columns.js";
import { normalizeText } from "../text.js";
import {
  collapse,
  findHeader,
  isBlank,
  labelKey,
  numbered,
  overflowColumn,
  shown,
  type ColumnAliases,
  type ColumnMatch,
  type DirectoryError,
  type DirectoryInput,
  type DirectoryRecord,
} from "./records.js";
import { checkUai, departmentCode, departmentOfUai } from "./uai.js";

/**
 * The national school directory as the ministry publishes it in open data, read for one académie:
 * - « Annuaire de l'éducation » (fr-en-annuaire-education): Identifiant_de_l_etablissement,
 *   Nom_etablissement, Type_etablissement, Statut_public_prive, Code_postal, Code_commune,
 *   Nom_commune, Code_departement ("069", "02A"), Code_academie ("10"), Libelle_academie ("Lyon"),
 *   Type_contrat_prive, etat ("OUVERT"), code_nature ("340"), libelle_nature ("COLLEGE"),
 *   Code_type_contrat_prive ("99"), code_bassin_formation, libelle_bassin_formation…
 * - « Adresse et géolocalisation des établissements d'enseignement du premier et second degrés »
 *   (fr-en-adresse-et-geolocalisation-etablissements-premier-et-second-degre): numero_uai,
 *   appellation_officielle, denomination_principale, patronyme_uai, secteur_public_prive_libe,
 *   nature_uai, nature_uai_libe, etat_etablissement (1 to 4), etat_etablissement_libe,
 *   code_departement, code_academie, libelle_academie, libelle_commune,
 *   secteur_prive_code_type_contrat, secteur_prive_libelle_type_contrat…
 *   and the same file downloaded with its labels as headers ("Numéro d'UAI", "Libellé nature"…).
 * Columns are matched loosely (case, accents, spaces, underscores, filler words). Kept: the
 * académie's EPLE and EREA (collèges, lycées d'enseignement général et technologique, lycées
 * professionnels, lycées polyvalents, EREA), public or private under contract; every other row is
 * counted by the reason it was left out, for the preview.
 */

/** The same values as the Prisma enum SchoolKind. */
export const SCHOOL_KINDS = ["COLLEGE", "LYCEE_GT", "LYCEE_PRO", "LYCEE_POLY", "EREA", "OTHER"] as const;
export type SchoolKind = (typeof SCHOOL_KINDS)[number];

/** The directory's states: ouvert (1), à fermer (2), à ouvrir (3), fermé (4). */
export const SCHOOL_STATES = ["OPEN", "CLOSING", "OPENING", "CLOSED"] as const;
export type SchoolState = (typeof SCHOOL_STATES)[number];

/** Open to reports: open, or open until its closing date. A school still to open is not yet (the
 *  next import, once the directory says it is open, opens it). */
export function isOpenState(state: SchoolState): boolean {
  return state === "OPEN" || state === "CLOSING";
}

export const SCHOOL_SECTORS = ["PUBLIC", "PRIVATE_UNDER_CONTRACT"] as const;
export type SchoolSector = (typeof SCHOOL_SECTORS)[number];

export const SCHOOL_FIELDS = [
  "uai",
  "name",
  "denomination",
  "patronym",
  "natureCode",
  "natureLabel",
  "type",
  "commune",
  "departmentCode",
  "academyCode",
  "academyName",
  "state",
  "sector",
  "contractCode",
  "contractLabel",
  "bassinCode",
  "bassinName",
] as const;
export type SchoolField = (typeof SCHOOL_FIELDS)[number];

// Spellings in the key form of headerKey(); the earlier, the more specific.
export const SCHOOL_COLUMNS: ColumnAliases<SchoolField> = {
  uai: ["identifiantetablissement", "numerouai", "uai", "codeuai", "uaietablissement", "numerouaietablissement", "rne", "coderne", "identifiant"],
  name: ["nometablissement", "appellationofficielle", "libelleetablissement", "denominationetablissement", "nom", "name"],
  denomination: ["denominationprincipale", "denominationprincipaleuai"],
  patronym: ["patronymeuai", "patronyme", "denominationcomplementaireoupatronyme"],
  natureCode: ["codenature", "natureuai", "codenatureuai", "codenatureetablissement"],
  natureLabel: ["libellenature", "natureuailibe", "libellenatureuai", "natureetablissement", "libellenatureetablissement", "nature"],
  type: ["typeetablissement", "type"],
  commune: ["nomcommune", "libellecommune", "commune", "communelibe", "ville", "localiteacheminementuai", "localiteacheminement"],
  departmentCode: ["codedepartement", "departementcode", "codeinseedepartementoucollectivite", "departementinsee3", "codedept"],
  academyCode: ["codeacademie", "academiecode", "codeacad"],
  academyName: ["libelleacademie", "academie", "academielibe", "nomacademie"],
  state: ["etat", "etatetablissement", "etatetablissementlibe", "libelleetatetablissement", "etatuai"],
  sector: ["statutpublicprive", "secteurpublicprivelibe", "secteurpublicprive", "secteur", "statut", "publicprive"],
  contractCode: ["codetypecontratprive", "secteurprivecodetypecontrat", "contratetablissement", "codecontrat"],
  contractLabel: ["typecontratprive", "secteurprivelibelletypecontrat", "contratetablissementlibe", "typecontrat", "libellecontrat", "contrat"],
  bassinCode: ["codebassinformation", "codebassin", "bassincode", "bassin"],
  bassinName: ["libellebassinformation", "libellebassin", "nombassin", "bassinlibelle"],
};

/** What the file must have: a column for each, or the rows cannot be read. The académie column
 *  needed is the one the académie was given by (a code or a name). */
export const SCHOOL_COLUMN_NEEDS = ["uai", "name", "nature", "academyCode", "academyName", "sector"] as const;
export type SchoolColumnNeed = (typeof SCHOOL_COLUMN_NEEDS)[number];

export const SCHOOL_ERROR_CODES = [
  "REQUIRED",
  "TOO_LONG",
  "INVALID_UAI",
  "UAI_CHECK_LETTER",
  "INVALID_DEPARTMENT",
  "INVALID_STATE",
  "INVALID_SECTOR",
  "COLUMN_COUNT",
  /** The same UAI on two lines that say different things (otherLine: the first). */
  "DUPLICATE_UAI",
] as const;
export type SchoolErrorCode = (typeof SCHOOL_ERROR_CODES)[number];
export type SchoolError = DirectoryError<SchoolErrorCode, SchoolField>;

export const IGNORE_REASONS = [
  "OTHER_ACADEMY",
  /** Écoles maternelles and élémentaires. */
  "FIRST_DEGREE",
  /** SEGPA, SEP, SGT: sections with their own UAI inside a collège or lycée already listed. */
  "SECTION",
  /** CIO, services, médico-social, lycées agricoles (EPLEFPA), MFR…: not an EPLE or EREA of the académie. */
  "OTHER_NATURE",
  "PRIVATE_WITHOUT_CONTRACT",
  /** Private, and the file does not say under which contract. */
  "PRIVATE_CONTRACT_UNKNOWN",
  /** A second line for a school, saying the same as the first. */
  "REPEATED_LINE",
] as const;
export type IgnoreReason = (typeof IGNORE_REASONS)[number];

export type DirectorySchool = {
  line: number;
  uai: string;
  name: string;
  kind: SchoolKind;
  commune: string | null;
  /** Three characters as the ministry writes them ("069", "02A"); from the UAI when the file has none. */
  departmentCode: string;
  /** Two digits ("10"), or null when the file has no académie code column. */
  academyCode: string | null;
  state: SchoolState;
  open: boolean;
  sector: SchoolSector;
  /** The bassin the directory gives (code_bassin_formation), if any. */
  bassin: { code: string; name: string | null } | null;
};

export type SchoolDirectory = {
  /** The line of the column names, or null for an empty file. */
  headerLine: number | null;
  /** Columns the file lacks: nothing is read then. */
  missing: SchoolColumnNeed[];
  /** The recognised columns, as the file names them. */
  columns: Partial<Record<SchoolField, string>>;
  schools: DirectorySchool[];
  errors: SchoolError[];
  ignored: Record<IgnoreReason, number>;
  /** The natures left out (first degree, sections, others), most frequent first: what the preview
   *  shows so that an admin sees nothing of theirs was dropped. */
  ignoredNatures: { label: string; count: number }[];
  /** Data rows read (blank lines aside). */
  rows: number;
};

export const SCHOOL_LIMITS = { nameMax: 200, communeMax: 100, bassinCodeMax: 40, bassinNameMax: 100 } as const;

// ---------------------------------------------------------------------------------------------
// Natures, sectors, contracts and states, as the two exports write them

/** code_nature / nature_uai of the EPLE and EREA kept, confirmed against the published libellés:
 *  340 COLLEGE, 346 COLLEGE EXPERIMENTAL, 350 COLLEGE CLIMATIQUE, 300 LYCEE ENSEIGNT GENERAL ET
 *  TECHNOLOGIQUE, 301 LYCEE D ENSEIGNEMENT TECHNOLOGIQUE, 302 LYCEE D ENSEIGNEMENT GENERAL,
 *  310 LYCEE CLIMATIQUE, 315 LYCEE EXPERIMENTAL, 306 LYCEE POLYVALENT, 320 LYCEE PROFESSIONNEL,
 *  370 ETAB REGIONAL/LYCEE ENSEIGNEMENT ADAPTE. Left out on purpose: 307 LYCEE ENS GENERAL TECHNO
 *  PROF AGRICOLE and 380 MAISON FAMILIALE RURALE (ministry of agriculture), 352 COLLEGE SPECIALISE
 *  and 312 ECOLE SECONDAIRE SPECIALISEE (médico-social). */
export const KEPT_NATURES: Readonly<Record<string, SchoolKind>> = {
  "340": "COLLEGE",
  "346": "COLLEGE",
  "350": "COLLEGE",
  "300": "LYCEE_GT",
  "301": "LYCEE_GT",
  "302": "LYCEE_GT",
  "310": "LYCEE_GT",
  "315": "LYCEE_GT",
  "306": "LYCEE_POLY",
  "320": "LYCEE_PRO",
  "370": "EREA",
};

/** 334 SECTION D ENSEIGNEMENT PROFESSIONNEL, 335 SECTION ENSEIGT GENERAL ET TECHNOLOGIQUE,
 *  390 SECTION ENSEIGT GEN. ET PROF. ADAPTE (SEGPA). */
const SECTION_NATURES = new Set(["334", "335", "390"]);

const KEPT_NATURE_LABELS: Readonly<Record<string, SchoolKind>> = {
  college: "COLLEGE",
  collegeexperimental: "COLLEGE",
  collegeclimatique: "COLLEGE",
  lyceeenseigntgeneralettechnologique: "LYCEE_GT",
  lyceeenseignementgeneralettechnologique: "LYCEE_GT",
  lyceegeneralettechnologique: "LYCEE_GT",
  lyceedenseignementgeneralettechnologique: "LYCEE_GT",
  lyceegeneral: "LYCEE_GT",
  lyceetechnologique: "LYCEE_GT",
  lyceedenseignementgeneral: "LYCEE_GT",
  lyceedenseignementtechnologique: "LYCEE_GT",
  lyceeclimatique: "LYCEE_GT",
  lyceeexperimental: "LYCEE_GT",
  lyceepolyvalent: "LYCEE_POLY",
  lyceeprofessionnel: "LYCEE_PRO",
  etabregionallyceeenseignementadapte: "EREA",
  etablissementregionaldenseignementadapte: "EREA",
  erea: "EREA",
};

type Nature = { kind: SchoolKind } | { ignore: "FIRST_DEGREE" | "SECTION" | "OTHER_NATURE"; label: string };

function natureFromCode(code: string, label: string): Nature {
  const c = code.trim().replace(/^0+(?=\d{3}$)/, "");
  const kind = KEPT_NATURES[c];
  if (kind) return { kind };
  const shownLabel = collapse(label) || c;
  if (/^1\d\d$/.test(c)) return { ignore: "FIRST_DEGREE", label: shownLabel };
  if (SECTION_NATURES.has(c)) return { ignore: "SECTION", label: shownLabel };
  return { ignore: "OTHER_NATURE", label: shownLabel };
}

function natureFromLabel(label: string): Nature {
  const key = labelKey(label);
  const kind = KEPT_NATURE_LABELS[key];
  if (kind) return { kind };
  if (key.startsWith("ecole")) return { ignore: "FIRST_DEGREE", label: collapse(label) };
  if (key.startsWith("section")) return { ignore: "SECTION", label: collapse(label) };
  return { ignore: "OTHER_NATURE", label: collapse(label) };
}

/** Type_etablissement ("Collège", "Lycée", "EREA", "Ecole"…) says less: a lycée's kind then comes
 *  from its name. Only used when the file has neither the nature's code nor its libellé. */
function natureFromType(type: string, name: string): Nature {
  const key = labelKey(type);
  if (key === "college") return { kind: "COLLEGE" };
  if (key === "erea") return { kind: "EREA" };
  if (key.startsWith("ecole")) return { ignore: "FIRST_DEGREE", label: collapse(type) };
  if (key === "lycee") {
    const n = ` ${labelWords(name)} `;
    if (n.includes(" polyvalent ")) return { kind: "LYCEE_POLY" };
    if (n.includes(" professionnel ") || n.includes(" lp ")) return { kind: "LYCEE_PRO" };
    return { kind: "LYCEE_GT" };
  }
  return { ignore: "OTHER_NATURE", label: collapse(type) };
}

const labelWords = (s: string) =>
  normalizeText(s)
    .replace(/[^a-z0-9]+/g, " ")
    .trim();

function sectorOf(text: string): "PUBLIC" | "PRIVATE" | null {
  const key = labelKey(text);
  if (key === "pu" || key.startsWith("public")) return "PUBLIC";
  if (key === "pr" || key.startsWith("prive")) return "PRIVATE";
  return null;
}

type Contract = "UNDER_CONTRACT" | "WITHOUT_CONTRACT" | null;

/** Code_type_contrat_prive / secteur_prive_code_type_contrat: 10 hors contrat, 20-21 contrat
 *  simple, 30-31 contrat d'association, 40-41 both, 50 reconnu par l'État (no contract), 60 sous
 *  contrat (agricultural), 99 sans objet, !! inconnu. */
function contractFromCode(code: string): Contract {
  const c = code.trim();
  if (c === "10" || c === "50") return "WITHOUT_CONTRACT";
  if (["20", "21", "30", "31", "40", "41", "60"].includes(c)) return "UNDER_CONTRACT";
  return null;
}

function contractFromLabel(label: string): Contract {
  const key = labelKey(label);
  if (key.includes("horscontrat") || key.includes("reconnu")) return "WITHOUT_CONTRACT";
  if (key.includes("contrat")) return "UNDER_CONTRACT";
  return null;
}

const STATES: Readonly<Record<string, SchoolState>> = {
  "1": "OPEN",
  ouvert: "OPEN",
  ouverte: "OPEN",
  "2": "CLOSING",
  afermer: "CLOSING",
  "3": "OPENING",
  aouvrir: "OPENING",
  "4": "CLOSED",
  ferme: "CLOSED",
  fermee: "CLOSED",
};

export function schoolStateOf(text: string): SchoolState | null {
  return STATES[labelKey(text)] ?? null;
}

/** The académie a file is read for: a code ("10", "010") or a name ("Lyon", "académie de Lyon"). */
export type AcademyFilter = { code: string } | { nameKey: string };

export function academyFilter(academy: string): AcademyFilter {
  const code = academyCodeOf(academy);
  return code !== null ? { code } : { nameKey: academyNameKey(academy) };
}

export function academyCodeOf(text: string): string | null {
  const s = text.trim();
  return /^[0-9]{1,3}$/.test(s) ? String(Number(s)).padStart(2, "0") : null;
}

/** "Académie de Lyon", "LYON", "lyon" -> "lyon"; "Aix-Marseille" -> "aixmarseille". */
export function academyNameKey(text: string): string {
  return headerKey(text).replace(/^academie/, "");
}

// ---------------------------------------------------------------------------------------------
// The file

function missingColumns(match: ColumnMatch<SchoolField>, filter: AcademyFilter): SchoolColumnNeed[] {
  const has = (f: SchoolField) => match.index[f] !== undefined;
  const missing: SchoolColumnNeed[] = [];
  if (!has("uai")) missing.push("uai");
  if (!has("name") && !has("denomination")) missing.push("name");
  if (!has("natureCode") && !has("natureLabel") && !has("type")) missing.push("nature");
  if ("code" in filter ? !has("academyCode") : !has("academyName")) missing.push("code" in filter ? "academyCode" : "academyName");
  if (!has("sector")) missing.push("sector");
  return missing;
}

const text = z.string().transform(collapse);
const cellSchema = z.object({
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
  name: text.pipe(z.string().min(1, "REQUIRED").max(SCHOOL_LIMITS.nameMax, "TOO_LONG")),
  commune: text.pipe(z.string().max(SCHOOL_LIMITS.communeMax, "TOO_LONG")).transform((s) => (s === "" ? null : s)),
  departmentCode: z.string().transform((s, ctx) => {
    if (s.trim() === "") return null;
    const code = departmentCode(s);
    if (code === null) {
      ctx.addIssue({ code: "custom", message: "INVALID_DEPARTMENT" });
      return z.NEVER;
    }
    return code;
  }),
  state: z.string().transform((s, ctx) => {
    if (s.trim() === "") return "OPEN" as SchoolState;
    const state = schoolStateOf(s);
    if (state === null) {
      ctx.addIssue({ code: "custom", message: "INVALID_STATE" });
      return z.NEVER;
    }
    return state;
  }),
  bassinCode: text.pipe(z.string().max(SCHOOL_LIMITS.bassinCodeMax, "TOO_LONG")).transform((s) => s.toUpperCase()),
  bassinName: text.pipe(z.string().max(SCHOOL_LIMITS.bassinNameMax, "TOO_LONG")),
});
type CellField = keyof z.input<typeof cellSchema>;

function emptyIgnored(): Record<IgnoreReason, number> {
  return Object.fromEntries(IGNORE_REASONS.map((r) => [r, 0])) as Record<IgnoreReason, number>;
}

/**
 * Reads the rows of a directory export for one académie. Never throws: every problem is an error
 * with its line and column, or a column the file lacks. Rows of other académies are not checked
 * beyond their académie (a national file has thousands; their faults are not this académie's).
 */
export function parseSchoolDirectory(input: DirectoryInput, opts: { academy: string }): SchoolDirectory {
  const records = numbered(input);
  const filter = academyFilter(opts.academy);
  const ignored = emptyIgnored();
  const natures = new Map<string, number>();
  const result = (partial: Partial<SchoolDirectory>): SchoolDirectory => ({
    headerLine: null,
    missing: [],
    columns: {},
    schools: [],
    errors: [],
    ignored,
    ignoredNatures: [...natures].map(([label, count]) => ({ label, count })).sort((a, b) => b.count - a.count || a.label.localeCompare(b.label)),
    rows: 0,
    ...partial,
  });

  const header = findHeader(records, SCHOOL_COLUMNS, (m) => missingColumns(m, filter));
  if (header === null) return result({ missing: missingColumns({ index: {}, header: {} }, filter) });
  const headerRecord = records[header.position]!;
  const { index, header: names } = header.match;
  if (header.missing.length > 0) return result({ headerLine: headerRecord.line, missing: header.missing as SchoolColumnNeed[], columns: names });

  const width = headerRecord.fields.length;
  const cell = (r: DirectoryRecord, f: SchoolField) => {
    const i = index[f];
    return i === undefined ? "" : (r.fields[i] ?? "");
  };
  const has = (r: DirectoryRecord, f: SchoolField) => index[f] !== undefined && cell(r, f).trim() !== "";
  const errors: SchoolError[] = [];
  const error = (r: DirectoryRecord, f: SchoolField, code: SchoolErrorCode, extra: { value?: string; otherLine?: number } = {}) =>
    errors.push({ line: r.line, column: (index[f] ?? 0) + 1, header: names[f] ?? f, field: f, code, ...extra });
  const schools: DirectorySchool[] = [];
  const seen = new Map<string, { line: number; signature: string }>();
  let rows = 0;

  for (const r of records.slice(header.position + 1)) {
    if (isBlank(r)) continue;
    rows++;
    const overflow = overflowColumn(r, width);
    if (overflow !== null) {
      errors.push({ line: r.line, column: overflow, header: "", field: null, code: "COLUMN_COUNT", value: String(r.fields.length) });
      continue;
    }

    // 1. The académie: rows of other académies are only counted.
    const academyField: SchoolField = "code" in filter ? "academyCode" : "academyName";
    const academyCell = cell(r, academyField);
    if (academyCell.trim() === "") {
      error(r, academyField, "REQUIRED");
      continue;
    }
    const inAcademy = "code" in filter ? academyCodeOf(academyCell) === filter.code : academyNameKey(academyCell) === filter.nameKey;
    if (!inAcademy) {
      ignored.OTHER_ACADEMY++;
      continue;
    }

    // 2. The nature: the code first, then its libellé, then the type of establishment.
    const name = has(r, "name") ? cell(r, "name") : `${cell(r, "denomination")} ${cell(r, "patronym")}`;
    const nature: Nature | null = has(r, "natureCode")
      ? natureFromCode(cell(r, "natureCode"), cell(r, "natureLabel"))
      : has(r, "natureLabel")
        ? natureFromLabel(cell(r, "natureLabel"))
        : has(r, "type")
          ? natureFromType(cell(r, "type"), name)
          : null;
    if (nature === null) {
      error(
        r,
        (["natureCode", "natureLabel", "type"] as const).find((f) => index[f] !== undefined)!,
        "REQUIRED",
      );
      continue;
    }
    if ("ignore" in nature) {
      ignored[nature.ignore]++;
      natures.set(nature.label, (natures.get(nature.label) ?? 0) + 1);
      continue;
    }

    // 3. Public, or private under contract.
    const sectorCell = cell(r, "sector");
    const sector = sectorOf(sectorCell);
    if (sector === null) {
      error(r, "sector", sectorCell.trim() === "" ? "REQUIRED" : "INVALID_SECTOR", sectorCell.trim() === "" ? {} : { value: shown(sectorCell) });
      continue;
    }
    if (sector === "PRIVATE") {
      const contract = contractFromCode(cell(r, "contractCode")) ?? contractFromLabel(cell(r, "contractLabel"));
      if (contract !== "UNDER_CONTRACT") {
        ignored[contract === "WITHOUT_CONTRACT" ? "PRIVATE_WITHOUT_CONTRACT" : "PRIVATE_CONTRACT_UNKNOWN"]++;
        continue;
      }
    }

    // 4. The school itself.
    const parsed = cellSchema.safeParse({
      uai: cell(r, "uai"),
      name,
      commune: cell(r, "commune"),
      departmentCode: cell(r, "departmentCode"),
      state: cell(r, "state"),
      bassinCode: cell(r, "bassinCode"),
      bassinName: cell(r, "bassinName"),
    });
    if (!parsed.success) {
      const reported = new Set<CellField>();
      for (const issue of parsed.error.issues) {
        const f = issue.path[0] as CellField;
        if (reported.has(f)) continue;
        reported.add(f);
        const code = (SCHOOL_ERROR_CODES as readonly string[]).includes(issue.message) ? (issue.message as SchoolErrorCode) : "REQUIRED";
        // A name made of the dénomination and the patronyme is reported on the dénomination.
        const field: SchoolField = f === "name" && index.name === undefined ? "denomination" : f;
        const raw = f === "name" ? name : cell(r, field);
        error(r, field, code, code !== "REQUIRED" && raw.trim() !== "" ? { value: shown(raw) } : {});
      }
      continue;
    }
    const c = parsed.data;
    const school: DirectorySchool = {
      line: r.line,
      uai: c.uai,
      name: c.name,
      kind: nature.kind,
      commune: c.commune,
      departmentCode: c.departmentCode ?? departmentOfUai(c.uai),
      academyCode: index.academyCode !== undefined ? academyCodeOf(cell(r, "academyCode")) : null,
      state: c.state,
      open: isOpenState(c.state),
      sector: sector === "PUBLIC" ? "PUBLIC" : "PRIVATE_UNDER_CONTRACT",
      bassin: c.bassinCode !== "" ? { code: c.bassinCode, name: c.bassinName === "" ? null : c.bassinName } : null,
    };

    // 5. Once per UAI: a line repeating the first is harmless; one that contradicts it is not.
    const signature = JSON.stringify({ ...school, line: 0 });
    const first = seen.get(school.uai);
    if (first) {
      if (first.signature === signature) ignored.REPEATED_LINE++;
      else error(r, "uai", "DUPLICATE_UAI", { value: school.uai, otherLine: first.line });
      continue;
    }
    seen.set(school.uai, { line: r.line, signature });
    schools.push(school);
  }
  return result({ headerLine: headerRecord.line, columns: names, schools, errors, rows });
}
