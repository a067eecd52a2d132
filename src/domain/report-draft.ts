import { z } from "zod";
import { SIGNALS, STEPS_TAKEN, absenceAlert, isSignalCode, type SignalCode, type StepTaken, type Urgency } from "./signals.js";
import { foldApostrophes, nameKey } from "./text.js";
import { cleanText } from "./safe-text.js";

/** The fiche de repérage being filled in, step by step, and the rules each step's answers must
 *  follow. Errors are codes per field; the Teams layer words them in the user's language. */

export const REPORT_LIMITS = {
  nameMax: 60,
  classMax: 20,
  noteMax: 200,
  observationsMax: 500,
  halfDaysMax: 200,
  minBirthYear: 1995,
  /** Pupils are at least 10 in the year they are reported. */
  minAge: 10,
} as const;

/** `birthDate`: the pupil's birth date ("YYYY-MM-DD"), which the form asks for: the age at the
 *  report date decides whether the MLDS is concerned. Drafts of other ways in may have only the year. */
export type PupilStep = { lastName: string; firstName: string; className: string; schoolId: string; birthYear: number; birthDate?: string };
export type SignalEntry = { code: SignalCode; note?: string };
export type SignalsStep = { signals: SignalEntry[]; absenceHalfDays?: number };
/** `outOfSchool`: the pupil no longer comes or has left the school (a yes/no of its own, not a signal). */
export type StepsTakenStep = { stepsTaken: StepTaken[]; urgency: Urgency; observations?: string; outOfSchool?: boolean };

export type ReportDraft = {
  pupil?: PupilStep;
  signals?: SignalsStep;
  steps?: StepsTakenStep;
  /** An open case of the same pupil that this report joins, when the reporter chose so; `reopen`:
   *  a case closed less than a year ago, which the report reopens (the reporter's choice). */
  attachToCase?: { caseId: string; reference: string; reopen?: boolean };
};

export type FieldErrors = Record<string, string>;
export type StepResult<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors; values: Record<string, string> };

/** Card inputs arrive as strings (or are missing); anything else is treated as forged. Control
 *  characters are dropped (domain/safe-text.ts); line breaks stay for the observations. */
const raw = z.record(z.string(), z.unknown());
const str = (v: unknown): string => (typeof v === "string" ? cleanText(v, { lines: true }) : typeof v === "number" ? String(v) : "");
const collapse = (s: string) => s.replace(/\s+/g, " ").trim();

/** Keeps what the user typed, to show it again next to the errors. */
function echo(input: Record<string, unknown>, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, str(input[k]).slice(0, 1000)]));
}

/**
 * A birth date as typed ("20/12/2010", "20-12-2010", "20.12.2010") or as a date input gives it
 * ("2010-12-20"): the calendar date "YYYY-MM-DD", or null when it is not a real date.
 */
export function parseBirthDate(text: string): string | null {
  const t = text.trim();
  const fr = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(t);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  const [y, m, d] = fr ? [Number(fr[3]), Number(fr[2]), Number(fr[1])] : iso ? [Number(iso[1]), Number(iso[2]), Number(iso[3])] : [NaN, NaN, NaN];
  if (!Number.isInteger(y) || m < 1 || m > 12 || d < 1) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

/** The birth date of a draft as the store keeps it (UTC midnight), or null. */
export function birthDateOf(p: PupilStep): Date | null {
  return p.birthDate ? new Date(`${p.birthDate}T00:00:00Z`) : null;
}

export function validatePupil(input: unknown, ctx: { allowedSchoolIds: string[]; currentYear: number }): StepResult<PupilStep> {
  const data = raw.safeParse(input).success ? (input as Record<string, unknown>) : {};
  const values = echo(data, ["lastName", "firstName", "className", "schoolId", "birthDate"]);
  const errors: FieldErrors = {};
  // One apostrophe is stored, whichever the keyboard typed (« N’Diaye » from a phone).
  const lastName = foldApostrophes(collapse(values.lastName!));
  const firstName = foldApostrophes(collapse(values.firstName!));
  const className = collapse(values.className!);
  const schoolId = values.schoolId!.trim();
  const birthDateText = values.birthDate!.trim();

  for (const [field, v] of [
    ["lastName", lastName],
    ["firstName", firstName],
  ] as const) {
    if (!v) errors[field] = "required";
    else if (v.length > REPORT_LIMITS.nameMax) errors[field] = "tooLong";
    else if (!/^[\p{L}][\p{L}\p{M}' .-]*$/u.test(v)) errors[field] = "invalidName";
  }
  if (!className) errors.className = "required";
  else if (className.length > REPORT_LIMITS.classMax) errors.className = "tooLong";
  else if (!CLASS_PATTERN.test(className)) errors.className = "invalidClass";

  if (!schoolId) errors.schoolId = "required";
  else if (!ctx.allowedSchoolIds.includes(schoolId)) errors.schoolId = "unknownSchool";

  const maxYear = ctx.currentYear - REPORT_LIMITS.minAge;
  const birthDate = parseBirthDate(birthDateText);
  const birthYear = birthDate ? Number(birthDate.slice(0, 4)) : NaN;
  if (!birthDateText) errors.birthDate = "required";
  else if (!birthDate) errors.birthDate = "birthDateInvalid";
  else if (birthYear < REPORT_LIMITS.minBirthYear || birthYear > maxYear) errors.birthDate = "birthYearRange";

  if (Object.keys(errors).length > 0 || !birthDate) return { ok: false, errors, values };
  return { ok: true, value: { lastName, firstName, className, schoolId, birthYear, birthDate } };
}

/** Input ids used by the signals card: `signal_<CODE>` ("true"/"false") and `note_<CODE>`. */
export const signalInputId = (code: SignalCode) => `signal_${code}`;
export const noteInputId = (code: SignalCode) => `note_${code}`;

/** The half-day count is optional for a teacher, who may not know it; the CPE, who keeps the
 *  absences, completes it (required when the CPE ticks unjustified absences). */
export function validateSignals(input: unknown, opts: { halfDaysRequired?: boolean } = {}): StepResult<SignalsStep> {
  const data = raw.safeParse(input).success ? (input as Record<string, unknown>) : {};
  // The notes of the ticked signals come with the next card (validateNotes).
  const keys = ["absenceHalfDays", ...SIGNALS.map((s) => signalInputId(s.code))];
  const values = echo(data, keys);
  const errors: FieldErrors = {};

  // A field named like a signal that the catalogue does not know is a forged submit.
  for (const key of Object.keys(data)) {
    const m = /^(?:signal|note)_(.+)$/.exec(key);
    if (m && !isSignalCode(m[1]!)) errors.signals = "unknownSignal";
  }

  const halfDaysText = values.absenceHalfDays!.trim();
  let absenceHalfDays: number | undefined;
  if (halfDaysText) {
    const n = Number(halfDaysText);
    if (!/^\d{1,3}$/.test(halfDaysText) || n > REPORT_LIMITS.halfDaysMax) errors.absenceHalfDays = "halfDaysRange";
    else absenceHalfDays = n;
  }

  const signals: SignalEntry[] = [];
  for (const { code } of SIGNALS) {
    const checkedText = values[signalInputId(code)]!.trim();
    if (checkedText !== "" && checkedText !== "true" && checkedText !== "false") {
      errors.signals = "unknownSignal";
      continue;
    }
    let checked = checkedText === "true";
    // Half-days counted imply the signal, so the teacher need not tick it as well.
    if (code === "UNJUSTIFIED_ABSENCES" && absenceHalfDays && absenceHalfDays > 0) checked = true;
    if (checked) signals.push({ code });
  }
  if (opts.halfDaysRequired && signals.some((s) => s.code === "UNJUSTIFIED_ABSENCES") && !absenceHalfDays && !errors.absenceHalfDays) {
    errors.absenceHalfDays = "halfDaysRequired";
  }
  if (signals.length === 0 && !errors.signals) errors.signals = "atLeastOneSignal";

  if (Object.keys(errors).length > 0) return { ok: false, errors, values };
  return { ok: true, value: absenceHalfDays !== undefined ? { signals, absenceHalfDays } : { signals } };
}

/** The notes of the ticked signals (their own short card, after the signals): each optional, at
 *  most `noteMax` characters. A note for a signal that is not ticked is a forged submit. */
export function validateNotes(input: unknown, ticked: SignalEntry[]): StepResult<SignalEntry[]> {
  const data = raw.safeParse(input).success ? (input as Record<string, unknown>) : {};
  const values = echo(
    data,
    ticked.map((s) => noteInputId(s.code)),
  );
  const errors: FieldErrors = {};
  for (const key of Object.keys(data)) {
    const m = /^note_(.+)$/.exec(key);
    if (m && !ticked.some((s) => s.code === m[1]) && str(data[key]).trim() !== "") errors.signals = "unknownSignal";
  }
  const signals = ticked.map(({ code }) => {
    const note = collapse(values[noteInputId(code)]!);
    if (note.length > REPORT_LIMITS.noteMax) errors[noteInputId(code)] = "noteTooLong";
    return note ? { code, note } : { code };
  });
  if (Object.keys(errors).length > 0) return { ok: false, errors, values };
  return { ok: true, value: signals };
}

export function validateStepsTaken(input: unknown): StepResult<StepsTakenStep> {
  const data = raw.safeParse(input).success ? (input as Record<string, unknown>) : {};
  const values = echo(data, ["stepsTaken", "urgency", "observations", "outOfSchool"]);
  const errors: FieldErrors = {};
  const chosen = values
    .stepsTaken!.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const stepsTaken: StepTaken[] = [];
  for (const c of chosen) {
    if ((STEPS_TAKEN as readonly string[]).includes(c)) {
      if (!stepsTaken.includes(c as StepTaken)) stepsTaken.push(c as StepTaken);
    } else errors.stepsTaken = "unknownChoice";
  }
  const urgencyText = values.urgency!.trim();
  if (!urgencyText) errors.urgency = "required";
  else if (!["1", "2", "3"].includes(urgencyText)) errors.urgency = "unknownChoice";
  const observations = values.observations!.trim();
  if (observations.length > REPORT_LIMITS.observationsMax) errors.observations = "observationsTooLong";
  // « L'élève ne vient plus / a quitté l'établissement » : a yes/no of its own, not a signal.
  const outOfSchoolText = values.outOfSchool!.trim();
  if (outOfSchoolText !== "" && outOfSchoolText !== "true" && outOfSchoolText !== "false") errors.outOfSchool = "unknownChoice";
  if (Object.keys(errors).length > 0) return { ok: false, errors, values };
  return {
    ok: true,
    value: {
      stepsTaken,
      urgency: Number(urgencyText) as Urgency,
      ...(observations ? { observations } : {}),
      ...(outOfSchoolText === "true" ? { outOfSchool: true } : {}),
    },
  };
}

export type CompleteDraft = Required<Pick<ReportDraft, "pupil" | "signals" | "steps">> & Pick<ReportDraft, "attachToCase">;

export function isComplete(d: ReportDraft): d is CompleteDraft {
  return Boolean(d.pupil && d.signals && d.steps);
}

const NAME_PATTERN = /^[\p{L}][\p{L}\p{M}' .-]*$/u;
/** A class as schools write it ("2nde 3", "1re STMG", "Tle°2", "3e-B"): the channel card shows it,
 *  so nothing else (a full name, a link) can be typed there. */
const CLASS_PATTERN = /^[\p{L}\p{N}][\p{L}\p{M}\p{N}° -]*$/u;

/** Whether a complete draft keeps every rule of the steps (lengths, catalogues, ranges): what the
 *  dialog checked, checked again where it is recorded, so that no other way in stores more. */
export function withinLimits(d: CompleteDraft): boolean {
  const p = d.pupil;
  const text = (v: unknown, max: number, min = 0) => typeof v === "string" && v.length >= min && v.length <= max;
  const pupilOk =
    text(p.lastName, REPORT_LIMITS.nameMax, 1) &&
    NAME_PATTERN.test(p.lastName) &&
    text(p.firstName, REPORT_LIMITS.nameMax, 1) &&
    NAME_PATTERN.test(p.firstName) &&
    text(p.className, REPORT_LIMITS.classMax, 1) &&
    CLASS_PATTERN.test(p.className) &&
    text(p.schoolId, 64, 1) &&
    Number.isInteger(p.birthYear) &&
    p.birthYear >= REPORT_LIMITS.minBirthYear &&
    p.birthYear <= 9999 &&
    (p.birthDate === undefined ||
      (typeof p.birthDate === "string" && parseBirthDate(p.birthDate) === p.birthDate && Number(p.birthDate.slice(0, 4)) === p.birthYear));
  const signals = d.signals.signals;
  const signalsOk =
    Array.isArray(signals) &&
    signals.length >= 1 &&
    signals.length <= SIGNALS.length &&
    new Set(signals.map((s) => s?.code)).size === signals.length &&
    signals.every((s) => isSignalCode(s?.code) && (s.note === undefined || text(s.note, REPORT_LIMITS.noteMax))) &&
    (d.signals.absenceHalfDays === undefined ||
      (Number.isInteger(d.signals.absenceHalfDays) && d.signals.absenceHalfDays >= 0 && d.signals.absenceHalfDays <= REPORT_LIMITS.halfDaysMax));
  const st = d.steps;
  const stepsOk =
    Array.isArray(st.stepsTaken) &&
    st.stepsTaken.length <= STEPS_TAKEN.length &&
    st.stepsTaken.every((x) => (STEPS_TAKEN as readonly string[]).includes(x)) &&
    [1, 2, 3].includes(st.urgency) &&
    (st.observations === undefined || text(st.observations, REPORT_LIMITS.observationsMax)) &&
    (st.outOfSchool === undefined || typeof st.outOfSchool === "boolean");
  return pupilOk && signalsOk && stepsOk;
}

export function pupilKey(p: PupilStep): { schoolId: string; nameKey: string; birthYear: number } {
  return { schoolId: p.schoolId, nameKey: nameKey(p.lastName, p.firstName), birthYear: p.birthYear };
}

export function draftAbsenceAlert(d: ReportDraft): boolean {
  return absenceAlert(d.signals?.absenceHalfDays);
}
