import { ageOn } from "./routing.js";

/** Open cases end too (issue 26): an open case nobody has touched for a while, or of a young person
 *  past the age the MLDS serves, is proposed for closure to who follows it; without an answer
 *  within the notice it is closed as « perdu de vue » (outcome LOST_CONTACT) by Repère. */

/** Default of IDLE_CASE_MONTHS: months without activity before a closure is proposed. */
export const DEFAULT_IDLE_CASE_MONTHS = 6;
/** The MLDS serves young people up to 25: from 26 a case is proposed for closure whatever its activity. */
export const MLDS_MAX_AGE = 25;
/** Days between the proposal and the automatic closure, when nobody answered. */
export const CLOSURE_NOTICE_DAYS = 30;

/** Case events that are not somebody's work on the case (the scheduler's, consultations and
 *  exports, audited as events): they do not reset the idle clock. */
export const NOT_ACTIVITY_EVENTS = ["REVIEW_DUE", "CLOSURE_PROPOSED", "DETAILS_VIEWED", "HISTORY_VIEWED", "EXPORTED"] as const;
/** The event « Garder ouvert » records: it resets the idle clock, and holds off an age proposal as long. */
export const KEPT_OPEN_EVENT = "KEPT_OPEN";

export type ClosureReason = "IDLE" | "AGE";

/** The instant before which a case's last activity makes it idle: `months` calendar months before `now`. */
export function idleSince(now: Date, months: number): Date {
  const d = new Date(now.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - months);
  // 31 August minus 6 months is the last day of February, not 3 March.
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

/** Whether the young person is certainly past the age the MLDS serves: from the birth date when
 *  known; from the birth year alone only once even a 31 December birthday is past 25. */
export function pastMldsAge(birthYear: number, birthDate: Date | null, now: Date): boolean {
  const known = birthDate !== null && !Number.isNaN(birthDate.getTime());
  const age = known ? ageOn(birthYear, birthDate, now) : ageOn(birthYear, null, now) - 1;
  return age > MLDS_MAX_AGE;
}

/** Why an open case is to be proposed for closure now, or null. Past the MLDS's age whatever its
 *  activity, unless who follows it chose « Garder ouvert » less than `idleMonths` ago. */
export function closureReason(
  c: { lastActivityAt: Date; keptOpenAt?: Date | null; birthYear: number; birthDate: Date | null; anonymized: boolean },
  now: Date,
  idleMonths: number = DEFAULT_IDLE_CASE_MONTHS,
): ClosureReason | null {
  if (c.anonymized) return null;
  const since = idleSince(now, idleMonths).getTime();
  const keptRecently = c.keptOpenAt != null && c.keptOpenAt.getTime() >= since;
  if (pastMldsAge(c.birthYear, c.birthDate, now) && !keptRecently) return "AGE";
  return c.lastActivityAt.getTime() < since ? "IDLE" : null;
}

/** Whether the notice given at `proposedAt` is over at `now`: the case then closes as « perdu de vue ». */
export function noticeOver(proposedAt: Date, now: Date, noticeDays: number = CLOSURE_NOTICE_DAYS): boolean {
  return now.getTime() >= proposedAt.getTime() + noticeDays * 86_400_000;
}

/** The latest instant whose proposal's notice is over at `now` (for the store's query). */
export function noticeGivenBefore(now: Date, noticeDays: number = CLOSURE_NOTICE_DAYS): Date {
  return new Date(now.getTime() - noticeDays * 86_400_000);
}

/** A closed case the report dialog offers to reopen: closed less than this many days ago. */
export const REOPEN_BY_REPORT_DAYS = 365;

/** Whether a case closed at `closedAt` may be reopened by a new report at `now` (not anonymised). */
export function reopenableByReport(c: { closedAt: Date | null; anonymized: boolean }, now: Date): boolean {
  if (c.anonymized || c.closedAt === null) return false;
  const age = now.getTime() - c.closedAt.getTime();
  return age >= 0 && age < REOPEN_BY_REPORT_DAYS * 86_400_000;
}
