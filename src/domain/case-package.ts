import { z } from "zod";
import { normalizeReference } from "./reference.js";
import { safeText } from "./safe-text.js";
import { signalCodeSchema, stepTakenSchema } from "./signals.js";
import { normalizeText } from "./text.js";

/**
 * The package that carries a case to ANOTHER académie (issue 26; docs/case-transfer-format.md): a
 * versioned JSON document, with a SHA-256 digest of its canonical content, built by the académie
 * the young person leaves and imported by the one they join (both run Repère). What it holds is
 * minimised: the pupil's identity, the reports (signals, steps, observations), the plan's actions
 * and a summary of the history by role, never a member's name or e-mail. Pure: no I/O.
 */

export const CASE_PACKAGE_FORMAT = "repere-case-transfer";
export const CASE_PACKAGE_VERSION = 1;

export const CASE_PACKAGE_LIMITS = {
  /** The file sent to the bot. */
  maxBytes: 512 * 1024,
  reports: 50,
  planItems: 50,
  history: 300,
  /** Hours a download link (and the stored package) lives: 24 at most. */
  linkHours: 24,
  /** Hours a received package waits for its confirmation. */
  previewHours: 24,
  text: 2000,
} as const;

/** The French académies (code of the ministry, name, départements), to name where a case goes and
 *  where it comes from. */
export const ACADEMIES = [
  { code: "01", name: "Paris", departments: ["075"] },
  { code: "02", name: "Aix-Marseille", departments: ["004", "005", "013", "084"] },
  { code: "03", name: "Besançon", departments: ["025", "039", "070", "090"] },
  { code: "04", name: "Bordeaux", departments: ["024", "033", "040", "047", "064"] },
  { code: "06", name: "Clermont-Ferrand", departments: ["003", "015", "043", "063"] },
  { code: "07", name: "Dijon", departments: ["021", "058", "071", "089"] },
  { code: "08", name: "Grenoble", departments: ["007", "026", "038", "073", "074"] },
  { code: "09", name: "Lille", departments: ["059", "062"] },
  { code: "10", name: "Lyon", departments: ["001", "042", "069"] },
  { code: "11", name: "Montpellier", departments: ["011", "030", "034", "048", "066"] },
  { code: "12", name: "Nancy-Metz", departments: ["054", "055", "057", "088"] },
  { code: "13", name: "Poitiers", departments: ["016", "017", "079", "086"] },
  { code: "14", name: "Rennes", departments: ["022", "029", "035", "056"] },
  { code: "15", name: "Strasbourg", departments: ["067", "068"] },
  { code: "16", name: "Toulouse", departments: ["009", "012", "031", "032", "046", "065", "081", "082"] },
  { code: "17", name: "Nantes", departments: ["044", "049", "053", "072", "085"] },
  { code: "18", name: "Orléans-Tours", departments: ["018", "028", "036", "037", "041", "045"] },
  { code: "19", name: "Reims", departments: ["008", "010", "051", "052"] },
  { code: "20", name: "Amiens", departments: ["002", "060", "080"] },
  { code: "22", name: "Limoges", departments: ["019", "023", "087"] },
  { code: "23", name: "Nice", departments: ["006", "083"] },
  { code: "24", name: "Créteil", departments: ["077", "093", "094"] },
  { code: "25", name: "Versailles", departments: ["078", "091", "092", "095"] },
  { code: "27", name: "Corse", departments: ["02A", "02B"] },
  { code: "28", name: "La Réunion", departments: ["974"] },
  { code: "31", name: "Martinique", departments: ["972"] },
  { code: "32", name: "Guadeloupe", departments: ["971"] },
  { code: "33", name: "Guyane", departments: ["973"] },
  { code: "43", name: "Mayotte", departments: ["976"] },
  { code: "70", name: "Normandie", departments: ["014", "027", "050", "061", "076"] },
] as const;

export type Academie = { code: string; name: string };

const academieKey = (s: string) =>
  normalizeText(s)
    .replace(/^(l'|de l'|d')?academie( de| d'| du)?\s*/, "")
    .replace(/^(la|l')\s*/, "")
    .replace(/[^a-z0-9]/g, "");

/** The académie a person named (« Grenoble », « académie de Nancy-Metz », « la reunion », « 08 »). */
export function academieNamed(text: string): Academie | null {
  const code = /^\s*(\d{1,2})\s*$/.exec(text)?.[1];
  const key = academieKey(text);
  const found = ACADEMIES.find((a) => (code !== undefined && a.code === code.padStart(2, "0")) || (key !== "" && academieKey(a.name) === key));
  return found ? { code: found.code, name: found.name } : null;
}

/** The académie of a school: its code when the directory gave it, else its département's. */
export function academieOfSchool(school: { academyCode: string | null; departmentCode: string | null }): Academie | null {
  const found =
    ACADEMIES.find((a) => school.academyCode !== null && a.code === school.academyCode.padStart(2, "0")) ??
    ACADEMIES.find((a) => school.departmentCode !== null && (a.departments as readonly string[]).includes(school.departmentCode.padStart(3, "0")));
  return found ? { code: found.code, name: found.name } : null;
}

// ---------------------------------------------------------------------------------------------
// The command

/** « exporter D-2026-0042 vers Grenoble », « exporter le dossier D-2026-0042 vers l'académie de
 *  Grenoble », « export D-2026-0042 to Grenoble ». */
export type AcademieExportCommand = { kind: "exportToAcademie"; reference: string; academie: string };

const ExportCommand = z
  .string()
  .max(200)
  .transform((s) => s.replace(/<at>.*?<\/at>/g, " ").trim())
  .pipe(
    z
      .string()
      .regex(/^(?:exporter|export)\s+(?:(?:le\s+)?dossier\s+|(?:the\s+)?case\s+)?(\S+)\s+(?:vers|to|towards)\s+(.{2,80})$/i)
      .transform((s, ctx) => {
        const m = /^(?:exporter|export)\s+(?:(?:le\s+)?dossier\s+|(?:the\s+)?case\s+)?(\S+)\s+(?:vers|to|towards)\s+(.{2,80})$/i.exec(s)!;
        const reference = normalizeReference(m[1]!);
        if (!reference) {
          ctx.addIssue({ code: "custom", message: "REFERENCE" });
          return z.NEVER;
        }
        return { kind: "exportToAcademie" as const, reference, academie: m[2]!.trim().replace(/[.!?]+$/, "") };
      }),
  );

export function parseAcademieExportCommand(text: string): AcademieExportCommand | null {
  const parsed = ExportCommand.safeParse(typeof text === "string" ? text : "");
  return parsed.success ? parsed.data : null;
}

// ---------------------------------------------------------------------------------------------
// The package

const text = (max: number = CASE_PACKAGE_LIMITS.text) => safeText({ max, lines: true });
const line = (max = 200) => safeText({ max });
const isoDateTime = z.iso.datetime({ offset: true });
const isoDay = z.iso.date();

const AcademieSchema = z.object({ code: z.string().regex(/^\d{2}$/), name: line(80).pipe(z.string().min(1)) });

export const casePackageSchema = z.object({
  format: z.literal(CASE_PACKAGE_FORMAT),
  version: z.literal(CASE_PACKAGE_VERSION),
  exportedAt: isoDateTime,
  fromAcademie: AcademieSchema,
  toAcademie: AcademieSchema,
  case: z.object({
    reference: z.string().regex(/^D-\d{4}-\d{4,6}$/),
    status: z.string().regex(/^[A-Z_]{2,20}$/),
    urgency: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    openedAt: isoDateTime,
    escalatedToMlds: z.boolean(),
    outOfSchool: z.boolean(),
  }),
  pupil: z.object({
    lastName: line(100).pipe(z.string().min(1)),
    firstName: line(100).pipe(z.string().min(1)),
    birthYear: z.number().int().min(1980).max(2100),
    birthDate: isoDay.nullable(),
    ine: z
      .string()
      .regex(/^[0-9A-Za-z]{11}$/)
      .nullable(),
    className: line(40),
  }),
  /** A destination school named by the sending académie (its UAI), when it knows it. */
  destinationUai: z
    .string()
    .regex(/^\d{7}[A-Z]$/)
    .nullable(),
  reports: z
    .array(
      z.object({
        at: isoDateTime,
        urgency: z.union([z.literal(1), z.literal(2), z.literal(3)]),
        absenceHalfDays: z.number().int().min(0).max(1000).nullable(),
        stepsTaken: z.array(stepTakenSchema).max(20),
        observations: text().nullable(),
        outOfSchool: z.boolean(),
        signals: z
          .array(z.object({ code: signalCodeSchema, note: text(500).nullable() }))
          .min(1)
          .max(30),
      }),
    )
    .min(1)
    .max(CASE_PACKAGE_LIMITS.reports),
  plan: z
    .array(
      z.object({
        type: z.string().regex(/^[A-Z_]{2,40}$/),
        description: text(500),
        status: z.string().regex(/^[A-Z_]{2,20}$/),
        startDate: isoDay.nullable(),
        endDate: isoDay.nullable(),
      }),
    )
    .max(CASE_PACKAGE_LIMITS.planItems),
  history: z
    .array(
      z.object({
        at: isoDateTime,
        type: z.string().regex(/^[A-Z_]{2,40}$/),
        /** The role of who did it (REFERENT, COORDINATOR…), or null for Repère itself: never a name. */
        role: z
          .string()
          .regex(/^[A-Z_]{2,20}$/)
          .nullable(),
        summary: line(200),
      }),
    )
    .max(CASE_PACKAGE_LIMITS.history),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
});

export type CasePackage = z.infer<typeof casePackageSchema>;
export type CasePackageContent = Omit<CasePackage, "digest">;

/** JSON with the keys of every object sorted, no spaces: the text the digest is computed on. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
}

/** The text the digest is computed on: the canonical JSON of everything but the digest itself
 *  (services/case-package-digest.ts hashes it: the domain does no cryptography). */
export function digestInput(content: object): string {
  const rest = { ...(content as Record<string, unknown>) };
  delete rest.digest;
  return canonicalJson(rest);
}

export type PackageRefusal = "NOT_JSON" | "NOT_A_PACKAGE" | "VERSION" | "DIGEST" | "INVALID" | "TOO_BIG";

/**
 * Reads a file received from another académie: JSON, the format and version this Repère reads,
 * the digest recomputed on what the file holds (any change after the export is refused), then
 * every field checked and its text cleaned (control and bidirectional characters removed).
 */
export function readCasePackage(
  bytes: Uint8Array,
  digestOf: (content: object) => string,
): { ok: true; package: CasePackage } | { ok: false; reason: PackageRefusal; field?: string } {
  if (bytes.byteLength > CASE_PACKAGE_LIMITS.maxBytes) return { ok: false, reason: "TOO_BIG" };
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, ""));
  } catch {
    return { ok: false, reason: "NOT_JSON" };
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return { ok: false, reason: "NOT_A_PACKAGE" };
  const o = raw as Record<string, unknown>;
  if (o.format !== CASE_PACKAGE_FORMAT) return { ok: false, reason: "NOT_A_PACKAGE" };
  if (o.version !== CASE_PACKAGE_VERSION) return { ok: false, reason: "VERSION" };
  if (typeof o.digest !== "string" || o.digest !== digestOf(o)) return { ok: false, reason: "DIGEST" };
  const parsed = casePackageSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: "INVALID", field: parsed.error.issues[0]?.path.join(".") ?? "" };
  return { ok: true, package: parsed.data };
}

// ---------------------------------------------------------------------------------------------
// The history, summarised

/** What each kind of event says in the package (French: the package goes from one French académie
 *  to another). Free texts typed in the history (reasons, questions, answers) never go. */
const HISTORY_FR: Readonly<Record<string, string>> = {
  REPORTED: "Fiche de repérage",
  REPORT_ADDED: "Nouvelle fiche de repérage ajoutée",
  IMPORTED: "Importé (campagne de repérage)",
  IMPORT_ADDED: "Fiche de repérage ajoutée par l'import",
  TAKEN_IN_CHARGE: "Pris en charge",
  ASSIGNED: "Assigné",
  INFO_REQUESTED: "Informations demandées",
  INFO_ANSWERED: "Réponse de l'auteur de la fiche",
  ESCALATED: "Orienté vers la MLDS (décision du GPDS)",
  GPDS_DECISION: "Décision du GPDS",
  PLAN_OPENED: "Parcours de suivi ouvert",
  PLAN_ACTION_ADDED: "Action ajoutée",
  PLAN_ACTION_EDITED: "Action modifiée",
  PLAN_ACTION_STATUS: "Statut d'action modifié",
  PLAN_UPDATED: "Parcours mis à jour",
  REVIEW_DUE: "Bilan à faire",
  REVIEW_RECORDED: "Bilan enregistré",
  CLOSED: "Dossier clos",
  REOPENED: "Dossier rouvert",
  REOPENED_BY_REPORT: "Dossier rouvert par une nouvelle fiche de repérage",
  TRANSFERRED: "Dossier transféré vers un autre établissement",
  FAMILY_RECORDED: "Famille : informée, rencontrée, accords enregistrés",
  CALL_RECORDED: "Appel MLDS noté",
  PAFI_VALIDATED: "PAFI validé par l'IEN-IO",
  PAFI_REFUSED: "PAFI refusé par l'IEN-IO",
  BIRTH_DATE_COMPLETED: "Date de naissance complétée",
  CLOSURE_PROPOSED: "Clôture proposée",
  KEPT_OPEN: "Dossier gardé ouvert",
  SENT_TO_ACADEMIE: "Envoyé à une autre académie",
  RECEIVED_FROM_ACADEMIE: "Reçu d'une autre académie",
};

/** One line of the package's history: the kind of event in words and its codes (a decision, an
 *  outcome), nothing anyone typed. */
export function historySummary(type: string, data: Record<string, unknown>): string {
  const label = HISTORY_FR[type] ?? type;
  const code = [data.decision, data.outcome, data.to].find((v): v is string => typeof v === "string" && /^[A-Z_]{2,40}$/.test(v));
  return code ? `${label} (${code})` : label;
}

/** The imported history as it is kept on the new case (one line per event, then the plan). */
export function importedHistoryText(p: Pick<CasePackage, "history" | "plan">): string {
  const lines = p.history.map((h) => `${h.at.slice(0, 10)} · ${h.summary}${h.role ? ` · ${h.role}` : ""}`);
  const plan = p.plan.map((a) => `Parcours : ${a.type} (${a.status})${a.description ? ` · ${a.description}` : ""}`);
  return [...lines, ...plan].join("\n").slice(0, 4000);
}
