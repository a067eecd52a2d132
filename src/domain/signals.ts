import { z } from "zod";

/** The fiche de repérage groups weak signals in these families; channel cards show only families. */
export const SIGNAL_FAMILIES = ["ATTENDANCE", "ENGAGEMENT", "RESULTS", "BEHAVIOUR", "ORIENTATION"] as const;
export type SignalFamily = (typeof SIGNAL_FAMILIES)[number];

/** The fixed catalogue of weak signals, in the order the form shows them. */
export const SIGNALS = [
  { code: "UNJUSTIFIED_ABSENCES", family: "ATTENDANCE" },
  { code: "LATENESS", family: "ATTENDANCE" },
  { code: "INTERMITTENT_ABSENCES", family: "ATTENDANCE" },
  { code: "STOPPED_COMING", family: "ATTENDANCE" },
  { code: "ABSENT_DURING_PLACEMENT", family: "ATTENDANCE" },
  { code: "WORK_NOT_DONE", family: "ENGAGEMENT" },
  { code: "EQUIPMENT_FORGOTTEN", family: "ENGAGEMENT" },
  { code: "PASSIVITY", family: "ENGAGEMENT" },
  { code: "DISENGAGED_INSIDE", family: "ENGAGEMENT" },
  { code: "WANTS_TO_STOP", family: "ENGAGEMENT" },
  { code: "FALLING_GRADES", family: "RESULTS" },
  { code: "EXAM_FAILED", family: "RESULTS" },
  { code: "LEARNING_DIFFICULTIES", family: "RESULTS" },
  { code: "INCIDENTS", family: "BEHAVIOUR" },
  { code: "WITHDRAWAL", family: "BEHAVIOUR" },
  { code: "ORIENTATION_SUBIE", family: "ORIENTATION" },
  { code: "NO_PLAN", family: "ORIENTATION" },
  { code: "NOT_ASSIGNED", family: "ORIENTATION" },
  { code: "WANTS_TO_CHANGE_COURSE", family: "ORIENTATION" },
  { code: "NO_PLACEMENT_FOUND", family: "ORIENTATION" },
] as const satisfies readonly { code: string; family: SignalFamily }[];

export type SignalCode = (typeof SIGNALS)[number]["code"];

export const SIGNAL_CODES: readonly SignalCode[] = SIGNALS.map((s) => s.code);

export const signalCodeSchema = z.enum(SIGNALS.map((s) => s.code) as [SignalCode, ...SignalCode[]]);

const FAMILY_BY_CODE: ReadonlyMap<string, SignalFamily> = new Map(SIGNALS.map((s) => [s.code, s.family]));

export function isSignalCode(x: unknown): x is SignalCode {
  return typeof x === "string" && FAMILY_BY_CODE.has(x);
}

export function signalFamily(code: SignalCode): SignalFamily {
  const family = FAMILY_BY_CODE.get(code);
  if (family === undefined) throw new RangeError(`Unknown signal code: ${String(code)}`);
  return family;
}

/** Distinct families of some signals, in catalogue order so cards read the same every time. */
export function familiesOf(codes: readonly SignalCode[]): SignalFamily[] {
  const present = new Set(codes.map(signalFamily));
  return SIGNAL_FAMILIES.filter((f) => present.has(f));
}

/** Legal alert (Code de l'éducation, L131-8): at least 4 unjustified half-days of absence in a
 *  month, for a pupil still under compulsory schooling (under 16); the chef d'établissement then
 *  informs the DASEN. */
export const ABSENCE_ALERT_THRESHOLD = 4;

export function absenceAlert(halfDays: number | undefined): boolean {
  return halfDays !== undefined && halfDays >= ABSENCE_ALERT_THRESHOLD;
}

/** What the school already did before reporting, ticked on the form. */
export const STEPS_TAKEN = [
  "FAMILY_CONTACTED",
  "INTERVIEW_PP_CPE",
  "GPDS_MEETING",
  "PSYEN_INTERVIEW",
  "SOCIAL_WORKER_OR_NURSE",
  "PPRE",
  "ABSENTEEISM_REFERRAL",
] as const;
export type StepTaken = (typeof STEPS_TAKEN)[number];

export const stepTakenSchema = z.enum(STEPS_TAKEN);

export function isStepTaken(x: unknown): x is StepTaken {
  return typeof x === "string" && (STEPS_TAKEN as readonly string[]).includes(x);
}

/** Niveau de vigilance: 1 (watch) to 3 (act now). */
export const URGENCY_LEVELS = [1, 2, 3] as const;
export type Urgency = (typeof URGENCY_LEVELS)[number];

export const urgencySchema = z.union([z.literal(1), z.literal(2), z.literal(3)]);

export function isUrgency(x: unknown): x is Urgency {
  return typeof x === "number" && (URGENCY_LEVELS as readonly number[]).includes(x);
}
