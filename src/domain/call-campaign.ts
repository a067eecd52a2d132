import { z } from "zod";
import type { OutcomeKind } from "./plan-catalogue.js";
import { safeText } from "./safe-text.js";
import { parisDay } from "./school-days.js";
import { normalizeText } from "./text.js";

/** The SIEI round trip: the phone and e-mail a campaign list gives (kept for the MLDS coordinators
 *  who call), the « campagne d'appels » (who to call, what came of each call) and the situation of
 *  each young person sent back to the PSAD. Pure: parsing, codes and rules; no I/O. */

// ---------------------------------------------------------------------------------------------
// Contacts read from a campaign list

export const CONTACT_LIMITS = { phoneMax: 40, emailMax: 254 } as const;

/**
 * A phone number as French lists write it, in E.164 (+33612345678), or null when it is not one:
 * « 06 12 34 56 78 », « 06.12.34.56.78 », « +33 (0)6 12 34 56 78 », « 0033 6 12 34 56 78 »,
 * « 612345678 » (a spreadsheet dropped the leading zero), overseas numbers (+262 …) and other
 * international numbers written with + or 00 (9 to 15 digits).
 */
export function normalizePhone(raw: string): string | null {
  const text = raw.trim();
  if (text === "" || text.length > CONTACT_LIMITS.phoneMax) return null;
  if (!/^[+\d][\d\s.\-/()]*$/.test(text)) return null;
  let digits = text.replace(/\(0\)/g, "").replace(/[\s.\-/()]/g, "");
  if (digits.startsWith("00")) digits = `+${digits.slice(2)}`;
  if (digits.startsWith("+33")) {
    const national = digits.slice(3);
    return /^[1-9]\d{8}$/.test(national) ? `+33${national}` : null;
  }
  if (digits.startsWith("+")) return /^\+[1-9]\d{8,14}$/.test(digits) ? digits : null;
  if (/^0[1-9]\d{8}$/.test(digits)) return `+33${digits.slice(1)}`;
  if (/^[1-9]\d{8}$/.test(digits)) return `+33${digits}`;
  return null;
}

/** A French number shown as people write it (06 12 34 56 78); others as stored. */
export function displayPhone(e164: string): string {
  const m = /^\+33(\d)(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(e164);
  return m ? `0${m[1]} ${m[2]} ${m[3]} ${m[4]} ${m[5]}` : e164;
}

const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(CONTACT_LIMITS.emailMax)
  .pipe(z.email({ pattern: z.regexes.html5Email }));

/** An e-mail address, lower-cased, or null when it is not one. */
export function normalizeEmail(raw: string): string | null {
  const parsed = emailSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

// ---------------------------------------------------------------------------------------------
// Calls

export const CALL_OUTCOMES = ["REACHED", "UNREACHABLE", "APPOINTMENT", "REFUSED"] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];
export const callOutcomeSchema = z.enum(CALL_OUTCOMES);

/** After such a call the young person is no longer « to call »: joint, a meeting set, or a refusal.
 *  An unreachable one stays on the list, with the count of attempts. */
export const SETTLING_CALL_OUTCOMES = ["REACHED", "APPOINTMENT", "REFUSED"] as const satisfies readonly CallOutcome[];

export function callSettles(outcome: CallOutcome): boolean {
  return (SETTLING_CALL_OUTCOMES as readonly CallOutcome[]).includes(outcome);
}

export const CALL_LIMITS = {
  noteMax: 200,
  pageSize: 10,
  maxPage: 1000,
  /** A call is recorded for today or a day of the last year, never the future. */
  maxDaysBack: 366,
} as const;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** What the « Noter l'appel » form sends: the outcome, the day of the call (default today), an
 *  optional short note. Dates are Paris calendar days. */
export function callRecordSchema(now: Date) {
  const today = parisDay(now);
  const earliest = parisDay(new Date(now.getTime() - CALL_LIMITS.maxDaysBack * 86_400_000));
  return z.object({
    outcome: callOutcomeSchema,
    calledAt: z
      .string()
      .trim()
      .optional()
      .transform((s) => (s ? s : today))
      .refine((s) => {
        const m = DAY.exec(s);
        if (!m) return false;
        const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
        return d.toISOString().slice(0, 10) === s;
      }, "DATE")
      .refine((s) => s <= today, "FUTURE")
      .refine((s) => s >= earliest, "TOO_OLD"),
    note: safeText({ max: CALL_LIMITS.noteMax })
      .optional()
      .transform((s) => (s ? s : null)),
  });
}
export type CallRecordInput = z.output<ReturnType<typeof callRecordSchema>>;

// ---------------------------------------------------------------------------------------------
// Commands: « campagne d'appels [page N] », « call campaign », « export psad »

export type CallCommand = { kind: "callList"; page: number } | { kind: "exportPsad" };

const CALL_LIST_PHRASES = ["campagne d'appels", "campagne d'appel", "campagne appels", "campagne appel", "call campaign", "calls campaign"];
const EXPORT_PSAD_PHRASES = ["export psad", "exporter psad", "export vers psad", "psad export"];

const pageSchema = z.coerce.number().int().min(1).max(CALL_LIMITS.maxPage);

/** Reads a call-campaign command (case, accents and a mention do not matter); null otherwise. */
export function parseCallCommand(input: string): CallCommand | null {
  if (typeof input !== "string" || input.length > 200) return null;
  const text = normalizeText(input.replace(/<at>.*?<\/at>/g, " "))
    .replace(/[’`]/g, "'")
    .replace(/[\s?!.…]+$/u, "")
    .trim();
  if (EXPORT_PSAD_PHRASES.includes(text)) return { kind: "exportPsad" };
  for (const phrase of CALL_LIST_PHRASES) {
    if (text === phrase) return { kind: "callList", page: 1 };
    if (text.startsWith(`${phrase} `)) {
      const m = /^(?:page|p\.?)\s*(\S+)$/.exec(text.slice(phrase.length + 1).trim());
      const page = m ? pageSchema.safeParse(m[1]) : null;
      return page?.success ? { kind: "callList", page: page.data } : null;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The situation sent back to the PSAD

/** The situation codes of the CSV sent back to the PSAD (plate-forme de suivi et d'appui aux
 *  décrocheurs), with their labels. Documented in the README. */
export const PSAD_SITUATIONS = {
  RETOUR_FORMATION: "Retour en formation initiale",
  APPRENTISSAGE: "Apprentissage",
  EMPLOI: "Emploi",
  SERVICE_CIVIQUE: "Service civique",
  ACCOMPAGNEMENT: "Accompagnement par un partenaire",
  REFUS: "Refus d'accompagnement",
  SANS_SOLUTION: "Sans solution",
  INJOIGNABLE: "Injoignable",
  RENDEZ_VOUS: "Rendez-vous fixé avec la MLDS",
  EN_COURS: "Suivi en cours",
  SANS_SUITE: "Signalement sans suite",
  DEMENAGEMENT: "Parti(e) du territoire",
} as const;
export type PsadSituation = keyof typeof PSAD_SITUATIONS;

const OUTCOME_SITUATION: Readonly<Record<OutcomeKind, PsadSituation>> = {
  BACK_IN_TRAINING: "RETOUR_FORMATION",
  KEPT_IN_TRAINING: "RETOUR_FORMATION",
  VOCATIONAL_TRAINING: "RETOUR_FORMATION",
  DIPLOMA: "RETOUR_FORMATION",
  APPRENTICESHIP: "APPRENTISSAGE",
  EMPLOYMENT: "EMPLOI",
  CIVIC_SERVICE: "SERVICE_CIVIQUE",
  PARTNER_REFERRAL: "ACCOMPAGNEMENT",
  SUPPORT_REFUSED: "REFUS",
  NO_SOLUTION: "SANS_SOLUTION",
  LOST_CONTACT: "INJOIGNABLE",
  DISMISSED: "SANS_SUITE",
  MOVED_AWAY: "DEMENAGEMENT",
};

const CALL_SITUATION: Readonly<Record<CallOutcome, PsadSituation>> = {
  REACHED: "EN_COURS",
  APPOINTMENT: "RENDEZ_VOUS",
  REFUSED: "REFUS",
  UNREACHABLE: "INJOIGNABLE",
};

export type PsadCaseFacts = {
  closed: boolean;
  outcome: OutcomeKind | null;
  /** The day the case closed (Paris), when closed. */
  closedOn: string | null;
  lastCall: { outcome: CallOutcome; on: string } | null;
  /** The day of the case's last change (Paris): the date of an open case's situation without a call. */
  updatedOn: string;
};

/** A case's situation for the PSAD and its date: a closed case by its outcome's category, an open
 *  one by its last call (if any), else « suivi en cours ». */
export function psadSituationOf(c: PsadCaseFacts): { code: PsadSituation; label: string; on: string } {
  let code: PsadSituation;
  let on: string;
  if (c.closed && c.outcome) {
    code = OUTCOME_SITUATION[c.outcome];
    on = c.closedOn ?? c.updatedOn;
  } else if (c.lastCall) {
    code = CALL_SITUATION[c.lastCall.outcome];
    on = c.lastCall.on;
  } else {
    code = "EN_COURS";
    on = c.updatedOn;
  }
  return { code, label: PSAD_SITUATIONS[code], on };
}

export const PSAD_CSV_HEADER = ["INE", "nom", "prénom", "date de naissance", "code situation", "libellé situation", "date de la situation"] as const;

/** YYYY-MM-DD → JJ/MM/AAAA, as the PSAD's spreadsheets read dates. */
export function frenchDay(day: string | null): string {
  if (!day) return "";
  const m = DAY.exec(day);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : "";
}
