// How long a closed case keeps the identity of its pupil, and what anonymisation removes.
// The CNIL's doctrine for pupil files: the school year plus the follow-up, then only statistics.

import { nextAugust31After, parisCalendarDate, schoolYearOf } from "./school-year.js";

/** "end-of-school-year": until the 31 August that ends the school year of the closure (default);
 *  "days": a fixed number of days after the closure. */
export type RetentionPolicy = { kind: "endOfSchoolYear" } | { kind: "days"; days: number };

export const DEFAULT_RETENTION: RetentionPolicy = { kind: "endOfSchoolYear" };

const DAY_MS = 86_400_000;

/** The last instant a closed case keeps its identity. */
export function retentionLimit(closedAt: Date, policy: RetentionPolicy): Date {
  return policy.kind === "days" ? new Date(closedAt.getTime() + policy.days * DAY_MS) : nextAugust31After(closedAt);
}

/** Whether a case closed at `closedAt` must be anonymised at `now`. */
export function isRetentionOver(closedAt: Date, now: Date, policy: RetentionPolicy): boolean {
  return retentionLimit(closedAt, policy).getTime() < now.getTime();
}

/**
 * The closure instant before which every case is past its retention at `now`: a case is due
 * exactly when closedAt < retentionCutoff(now) (the store asks the database with it).
 */
export function retentionCutoff(now: Date, policy: RetentionPolicy): Date {
  if (policy.kind === "days") return new Date(now.getTime() - policy.days * DAY_MS);
  // The first instant of the current school year: 1 September 00:00, Paris time.
  const { start } = schoolYearOf(now);
  return new Date(nextAugust31After(new Date(Date.UTC(start, 6, 1))).getTime() + 1);
}

/** The first instant of the Paris calendar day of `now` (a daily job runs once per such day). */
export function startOfParisDay(now: Date): Date {
  const { year, month, day } = parisCalendarDate(now);
  // Paris is one or two hours ahead of UTC: midnight there is 22:00 or 23:00 UTC the day before.
  for (const hoursAhead of [2, 1, 0]) {
    const candidate = new Date(Date.UTC(year, month - 1, day) - hoursAhead * 3_600_000);
    const c = parisCalendarDate(candidate);
    if (c.year === year && c.month === month && c.day === day) return candidate;
  }
  return new Date(Date.UTC(year, month - 1, day));
}

export function describeRetention(policy: RetentionPolicy): string {
  return policy.kind === "days" ? `${policy.days} days after closure` : "until the 31 August ending the school year of closure";
}

/** What an anonymised pupil is called from then on. */
export const ANONYMOUS_PUPIL = { lastName: "Anonyme", firstName: "Élève" } as const;

/**
 * Keys of a case event's data that may hold free text typed by people (questions, answers,
 * reasons, comments, plan texts). Anonymisation removes them; the rest (types, statuses, codes,
 * dates, ids of members) stays for the statistics and the audit.
 */
export const FREE_TEXT_EVENT_KEYS = [
  "metBy",
  "question",
  "answer",
  "reason",
  "comment",
  "objective",
  "description",
  "company",
  "note",
  "notes",
  "observations",
  "text",
  "name",
  "lastName",
  "firstName",
  /** The history a case received from another académie carried (services/academie-transfer.ts). */
  "importedHistory",
] as const;

/** The data of an event once anonymised (what the store's SQL does, for tests and previews). */
export function anonymizedEventData(data: Record<string, unknown>): Record<string, unknown> {
  const drop = new Set<string>(FREE_TEXT_EVENT_KEYS);
  return Object.fromEntries(Object.entries(data).filter(([k]) => !drop.has(k)));
}
