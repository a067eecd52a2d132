// The school's GPDS (groupe de prévention du décrochage scolaire) meetings: the commands that set
// them, the dates of a recurrence, and when a meeting's agenda is due. Pure.

import { addDays, addSchoolDaysTo, atParis, isSchoolDay, parisDay, schoolDayOnOrAfter, type SchoolCalendar } from "./school-days.js";
import { schoolYearOf } from "./school-year.js";
import { normalizeText } from "./text.js";

export type GpdsCommand =
  /** `gpds`: the next dates and where the agenda goes. */
  | { kind: "show"; uai: string | null }
  /** `gpds ici`: this group chat or channel becomes the school's GPDS space. */
  | { kind: "registerSpace"; uai: string | null }
  /** `gpds 12/01/2027 [26/01/2027 …]`: one-off dates. */
  | { kind: "add"; uai: string | null; dates: string[] }
  /** `gpds tous les 3 semaines à partir du 12/01/2027`: replaces the dates from that day on. */
  | { kind: "recurring"; uai: string | null; everyWeeks: number; from: string }
  /** `gpds annuler 12/01/2027`. */
  | { kind: "cancel"; uai: string | null; dates: string[] }
  /** Starts with `gpds` but is not understood (the answer shows the forms). */
  | { kind: "invalid"; uai: string | null; problem: "DATE" | "FORM" | "WEEKS" };

/** At most this many dates are written by one command (a school year holds about 36 weeks). */
export const MAX_GPDS_DATES = 40;
export const MAX_GPDS_EVERY_WEEKS = 12;
/** The agenda is posted this many school days before the meeting, from this hour (Paris). */
export const AGENDA_SCHOOL_DAYS_BEFORE = 2;
export const AGENDA_HOUR = 7;

const UAI = /^\d{7}[a-z]$/;
const FR_DATE = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar day typed as 12/01/2027, 12/1/27, 12.01.2027 or 2027-01-12; null if it is not a real day. */
export function parseDay(word: string): string | null {
  let y: number, m: number, d: number;
  const fr = FR_DATE.exec(word);
  const iso = ISO_DATE.exec(word);
  if (fr) {
    d = Number(fr[1]);
    m = Number(fr[2]);
    y = fr[3]!.length === 2 ? 2000 + Number(fr[3]) : Number(fr[3]);
  } else if (iso) {
    y = Number(iso[1]);
    m = Number(iso[2]);
    d = Number(iso[3]);
  } else return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

const SPACE_WORDS = new Set(["ici", "here"]);
const CANCEL_WORDS = new Set(["annuler", "supprimer", "cancel", "remove"]);
// « tous les 3 semaines à partir du 12/01/2027 », « toutes les 2 semaines dès le … », « every 3 weeks from … »
const RECURRING =
  /^(?:tous les|toutes les|every) (\d{1,2}) (?:semaines?|weeks?) (?:a partir du|a partir de|a compter du|des le|depuis le|from|starting|starting on) (\S+)$/;

/** Reads a message starting with `gpds` (case and accents do not matter; a mention is dropped);
 *  null when it is not a GPDS command. A UAI may name the school (members of several schools). */
export function parseGpdsCommand(input: string): GpdsCommand | null {
  if (typeof input !== "string" || input.length > 300) return null;
  const words = normalizeText(input.replace(/<at>.*?<\/at>/g, " "))
    .split(" ")
    .filter(Boolean);
  if (words[0] !== "gpds") return null;
  const uaiWord = words.find((w, i) => i > 0 && UAI.test(w));
  const uai = uaiWord ? uaiWord.toUpperCase() : null;
  const rest = words.slice(1).filter((w) => w !== uaiWord);
  if (rest.length === 0) return { kind: "show", uai };
  if (rest.length === 1 && SPACE_WORDS.has(rest[0]!)) return { kind: "registerSpace", uai };
  const text = rest.join(" ");
  const recurring = RECURRING.exec(text);
  if (recurring) {
    const everyWeeks = Number(recurring[1]);
    const from = parseDay(recurring[2]!);
    if (!from) return { kind: "invalid", uai, problem: "DATE" };
    if (everyWeeks < 1 || everyWeeks > MAX_GPDS_EVERY_WEEKS) return { kind: "invalid", uai, problem: "WEEKS" };
    return { kind: "recurring", uai, everyWeeks, from };
  }
  const cancel = CANCEL_WORDS.has(rest[0]!);
  const dateWords = (cancel ? rest.slice(1) : rest).filter((w) => w !== "le" && w !== "et" && w !== "and" && w !== "on");
  if (dateWords.length === 0 || dateWords.length > MAX_GPDS_DATES) return { kind: "invalid", uai, problem: "FORM" };
  const dates = dateWords.map(parseDay);
  if (dates.some((d) => d === null)) {
    // Words that are no date at all: not the form; a date-like word that is no real day: the date.
    return { kind: "invalid", uai, problem: dateWords.every((w) => /\d/.test(w)) ? "DATE" : "FORM" };
  }
  const unique = [...new Set(dates as string[])].sort();
  return cancel ? { kind: "cancel", uai, dates: unique } : { kind: "add", uai, dates: unique };
}

/** The dates of a recurrence: every N weeks from a day, up to the end of that day's school year
 *  (31 August), leaving out the days without school (holidays: the GPDS does not meet). */
export function recurringDates(from: string, everyWeeks: number, calendar: SchoolCalendar): string[] {
  const last = `${schoolYearOf(atParis(from, 12)).end}-08-31`;
  const dates: string[] = [];
  for (let day = from; day <= last && dates.length < MAX_GPDS_DATES; day = addDays(day, 7 * everyWeeks)) {
    if (isSchoolDay(day, calendar)) dates.push(day);
  }
  return dates;
}

/** Why a one-off date cannot be a GPDS date, or null: it has passed, or there is no school that day. */
export function gpdsDateProblem(day: string, now: Date, calendar: SchoolCalendar): "PAST" | "NO_SCHOOL" | "TOO_FAR" | null {
  const today = parisDay(now);
  if (day < today) return "PAST";
  if (day > addDays(today, 2 * 366)) return "TOO_FAR";
  if (!isSchoolDay(day, calendar)) return "NO_SCHOOL";
  return null;
}

/** From when a meeting's agenda goes out: two school days before it, at 7:00 Paris. */
export function agendaSendFrom(meetingDay: string, calendar: SchoolCalendar): Date {
  return atParis(addSchoolDaysTo(meetingDay, -AGENDA_SCHOOL_DAYS_BEFORE, calendar), AGENDA_HOUR);
}

/** Whether a meeting's agenda is due now: from two school days before, until the meeting day
 *  itself (an agenda missed while every instance was down still goes out before the meeting). */
export function agendaDue(meetingDay: string, now: Date, calendar: SchoolCalendar): boolean {
  return now.getTime() >= agendaSendFrom(meetingDay, calendar).getTime() && parisDay(now) <= meetingDay;
}

/** The latest meeting day whose agenda may be due now: meetings on or before it and not before
 *  today are the candidates (the store asks for those, the domain decides with agendaDue). */
export function agendaHorizon(now: Date, calendar: SchoolCalendar): string {
  // Walking forward two school days from today (and one more calendar day for 7:00 not reached)
  // bounds every meeting whose send time has come.
  return addSchoolDaysTo(parisDay(now), AGENDA_SCHOOL_DAYS_BEFORE, calendar);
}

/** Who sets a school's GPDS dates and space: its référent décrochage and its chef d'établissement. */
export function maySetGpds(role: string): boolean {
  return role === "REFERENT" || role === "HEAD";
}

// ---------------------------------------------------------------------------------------------
// Decisions taken at a meeting

/** What the GPDS decides for each line of its agenda. */
export const GPDS_DECISIONS = [
  /** « Mesures internes »: school measures, in the case's Parcours de suivi (opened if needed). */
  "SCHOOL_MEASURES",
  /** « Orienter vers la MLDS »: the referral (16 or over, or turning 16 before 31 August). */
  "REFER_TO_MLDS",
  /** « Poursuivre la vigilance »: no measure yet, looked at again at the next GPDS. */
  "KEEP_WATCHING",
  /** « Clore : pas d'accompagnement nécessaire ». */
  "CLOSE_NO_SUPPORT",
  /** « Reporter au prochain GPDS »: the line is on the next agenda again. */
  "POSTPONE",
] as const;
export type GpdsDecision = (typeof GPDS_DECISIONS)[number];

/** The case event that records a GPDS decision (its data names the meeting and the decision). */
export const GPDS_DECISION_EVENT = "GPDS_DECISION";

/** The roles of a school's GPDS, offered in the attendance list of its agenda. */
export const GPDS_MEMBER_ROLES = ["HEAD", "REFERENT", "CPE", "PSYEN", "SOCIAL_WORKER", "NURSE"] as const;

/** Whether a decision sets the case's next review (to the next GPDS date by default). */
export function decisionSetsReview(decision: GpdsDecision): boolean {
  return decision === "SCHOOL_MEASURES" || decision === "KEEP_WATCHING";
}

type Status = "NEW" | "ACKNOWLEDGED" | "INFO_REQUESTED" | "PLAN_ACTIVE" | "REVIEW_DUE" | "CLOSED";

/**
 * The status a case takes with a GPDS decision, or null when the decision does not apply to it: a
 * closed case gets none; school measures put the case's Parcours de suivi in force; keeping watch
 * acknowledges a new case; closing closes it; a referral and a postponement leave it as it is.
 */
export function statusAfterDecision(decision: GpdsDecision, status: Status): Status | null {
  if (status === "CLOSED") return null;
  switch (decision) {
    case "SCHOOL_MEASURES":
      return "PLAN_ACTIVE";
    case "KEEP_WATCHING":
      return status === "NEW" || status === "INFO_REQUESTED" ? "ACKNOWLEDGED" : status;
    case "CLOSE_NO_SUPPORT":
      return "CLOSED";
    case "REFER_TO_MLDS":
    case "POSTPONE":
      return status;
  }
}

/** The review date a decision sets: the next GPDS date when there is one (a school day), else the
 *  fallback (the usual default review date). */
export function reviewDayAfterDecision(nextMeetingDay: string | null, fallbackDay: string, calendar: SchoolCalendar): string {
  if (nextMeetingDay === null) return fallbackDay;
  return isSchoolDay(nextMeetingDay, calendar) ? nextMeetingDay : schoolDayOnOrAfter(nextMeetingDay, calendar);
}

/** Whether a meeting's séance is closed by itself now: from the day after the meeting (Paris). */
export function summaryDue(meetingDay: string, now: Date): boolean {
  return parisDay(now) > meetingDay;
}
