/** The catalogue of weak signals (signaux faibles) a reporter may tick, by family. */

export const SIGNAL_FAMILIES = ["ATTENDANCE", "ENGAGEMENT", "RESULTS", "BEHAVIOUR", "ORIENTATION"] as const;
export type SignalFamily = (typeof SIGNAL_FAMILIES)[number];

export const SIGNALS = [
  { code: "UNJUSTIFIED_ABSENCES", family: "ATTENDANCE" },
  { code: "LATENESS", family: "ATTENDANCE" },
  { code: "INTERMITTENT_ABSENCES", family: "ATTENDANCE" },
  { code: "WORK_NOT_DONE", family: "ENGAGEMENT" },
  { code: "EQUIPMENT_FORGOTTEN", family: "ENGAGEMENT" },
  { code: "PASSIVITY", family: "ENGAGEMENT" },
  { code: "DISENGAGED_INSIDE", family: "ENGAGEMENT" },
  { code: "FALLING_GRADES", family: "RESULTS" },
  { code: "EXAM_FAILED", family: "RESULTS" },
  { code: "INCIDENTS", family: "BEHAVIOUR" },
  { code: "WITHDRAWAL", family: "BEHAVIOUR" },
  { code: "ORIENTATION_SUBIE", family: "ORIENTATION" },
  { code: "NO_PLAN", family: "ORIENTATION" },
  { code: "NOT_ASSIGNED", family: "ORIENTATION" },
] as const satisfies readonly { code: string; family: SignalFamily }[];

export type SignalCode = (typeof SIGNALS)[number]["code"];

const BY_CODE = new Map<string, SignalFamily>(SIGNALS.map((s) => [s.code, s.family]));

export function isSignalCode(x: string): x is SignalCode {
  return BY_CODE.has(x);
}

export function signalFamily(code: SignalCode): SignalFamily {
  return BY_CODE.get(code)!;
}

export function familiesOf(codes: readonly SignalCode[]): SignalFamily[] {
  const present = new Set(codes.map(signalFamily));
  return SIGNAL_FAMILIES.filter((f) => present.has(f));
}

/** Legal alert: 4 unjustified half-days of absence in a month. */
export const ABSENCE_ALERT_THRESHOLD = 4;

export function absenceAlert(halfDays: number | undefined): boolean {
  return halfDays !== undefined && halfDays >= ABSENCE_ALERT_THRESHOLD;
}

export const STEPS_TAKEN = ["FAMILY_CONTACTED", "INTERVIEW_PP_CPE", "GPDS_MEETING", "PSYEN_INTERVIEW"] as const;
export type StepTaken = (typeof STEPS_TAKEN)[number];

export const URGENCY_LEVELS = [1, 2, 3] as const;
export type Urgency = (typeof URGENCY_LEVELS)[number];
