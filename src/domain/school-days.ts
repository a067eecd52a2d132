// School days: Monday to Friday, except French public holidays (computed by @socialgouv/jours-feries,
// metropolitan list) and the configured school holidays (SCHOOL_HOLIDAYS). Pure: the calendar is a
// value built once from the configuration; every question is answered on Paris calendar dates.

import joursFeries from "@socialgouv/jours-feries";
import { parisCalendarDate, parisClock, parisTime } from "./school-year.js";
import { inHolidays, isoDate, type DateRange } from "./weekly-digest.js";

const DAY_MS = 86_400_000;

/** The configured school holidays; public holidays and weekends are known without configuration. */
export type SchoolCalendar = { readonly holidays: readonly DateRange[] };

export function schoolCalendar(holidays: readonly DateRange[] = []): SchoolCalendar {
  return { holidays };
}

const publicHolidayCache = new Map<number, ReadonlyMap<string, string>>();

/** A year's French public holidays ("YYYY-MM-DD" -> name). The library gives each as a Date at the
 *  process's local midnight, some of them shifted by whole days of milliseconds: read to the nearest
 *  local day, so that a summer-time change between Easter and Ascension moves nothing. */
export function publicHolidays(year: number): ReadonlyMap<string, string> {
  let days = publicHolidayCache.get(year);
  if (!days) {
    const map = new Map<string, string>();
    for (const [name, date] of Object.entries(joursFeries(year))) {
      const noon = new Date(date.getTime() + DAY_MS / 2);
      map.set(isoDate({ year: noon.getFullYear(), month: noon.getMonth() + 1, day: noon.getDate() }), name);
    }
    days = map;
    publicHolidayCache.set(year, days);
  }
  return days;
}

/** The public holiday on that calendar day ("YYYY-MM-DD"), or null. */
export function publicHolidayOn(day: string): string | null {
  return publicHolidays(Number(day.slice(0, 4))).get(day) ?? null;
}

function dayOf(n: number): string {
  const d = new Date(n * DAY_MS);
  return isoDate({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
}

function dayNumber(day: string): number {
  return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / DAY_MS;
}

/** The Paris calendar day of an instant, "YYYY-MM-DD". */
export function parisDay(date: Date): string {
  return isoDate(parisCalendarDate(date));
}

/** Moves a calendar day ("YYYY-MM-DD") by n days. */
export function addDays(day: string, n: number): string {
  return dayOf(dayNumber(day) + n);
}

/** Why a calendar day has no school, or null on a school day. */
export function noSchoolReason(day: string, calendar: SchoolCalendar): "WEEKEND" | "PUBLIC_HOLIDAY" | "SCHOOL_HOLIDAYS" | null {
  const weekday = new Date(dayNumber(day) * DAY_MS).getUTCDay();
  if (weekday === 0 || weekday === 6) return "WEEKEND";
  if (publicHolidayOn(day) !== null) return "PUBLIC_HOLIDAY";
  if (inHolidays(day, calendar.holidays)) return "SCHOOL_HOLIDAYS";
  return null;
}

export function isSchoolDay(day: string, calendar: SchoolCalendar): boolean {
  return noSchoolReason(day, calendar) === null;
}

/** At most this many days are walked looking for a school day (a misconfigured calendar that is
 *  all holidays must not loop for ever). */
const MAX_WALK_DAYS = 400;

/** The first school day on or after a calendar day. */
export function schoolDayOnOrAfter(day: string, calendar: SchoolCalendar): string {
  let n = dayNumber(day);
  for (let i = 0; i < MAX_WALK_DAYS && !isSchoolDay(dayOf(n), calendar); i++) n++;
  return dayOf(n);
}

/** The last school day on or before a calendar day. */
export function schoolDayOnOrBefore(day: string, calendar: SchoolCalendar): string {
  let n = dayNumber(day);
  for (let i = 0; i < MAX_WALK_DAYS && !isSchoolDay(dayOf(n), calendar); i++) n--;
  return dayOf(n);
}

/** Moves a calendar day by n school days: n > 0 forward, n < 0 back. From a day without school,
 *  one school day forward is the next school day, one back the previous one. */
export function addSchoolDaysTo(day: string, n: number, calendar: SchoolCalendar): string {
  if (!Number.isInteger(n)) throw new RangeError(`School days must be a whole number: ${n}`);
  const step = n < 0 ? -1 : 1;
  let d = dayNumber(day);
  for (let remaining = Math.abs(n), walked = 0; remaining > 0 && walked < MAX_WALK_DAYS * Math.max(1, Math.abs(n)); walked++) {
    d += step;
    if (isSchoolDay(dayOf(d), calendar)) remaining--;
  }
  return dayOf(d);
}

/** Moves an instant by n school days, keeping its Paris time of day. */
export function addSchoolDays(date: Date, n: number, calendar: SchoolCalendar): Date {
  const c = parisClock(date);
  const day = addSchoolDaysTo(parisDay(date), n, calendar);
  return atParis(day, c.hour, c.minute);
}

/** School days after a's Paris date up to and including b's (negative when b is before a). */
export function schoolDaysBetween(a: Date, b: Date, calendar: SchoolCalendar): number {
  const from = parisDay(a);
  const to = parisDay(b);
  const sign = to < from ? -1 : 1;
  const [lo, hi] = sign < 0 ? [to, from] : [from, to];
  let count = 0;
  for (let n = dayNumber(lo) + 1; n <= dayNumber(hi); n++) if (isSchoolDay(dayOf(n), calendar)) count++;
  return sign * count;
}

/** The instant at which Paris clocks show this calendar day ("YYYY-MM-DD") at this time. */
export function atParis(day: string, hour = 0, minute = 0): Date {
  return parisTime(Number(day.slice(0, 4)), Number(day.slice(5, 7)), Number(day.slice(8, 10)), hour, minute);
}

/** A default review date: `days` calendar days after an instant, moved to the next school day when it
 *  falls on a weekend, a public holiday or in the school holidays; Paris midnight of that day. */
export function defaultReviewDate(now: Date, days: number, calendar: SchoolCalendar): Date {
  return atParis(schoolDayOnOrAfter(addDays(parisDay(now), days), calendar));
}

/** New cases created before this instant are late: they were not taken in charge within `grace`
 *  school days. */
export function newCaseLateBeforeIn(now: Date, grace: number, calendar: SchoolCalendar): Date {
  return addSchoolDays(now, -grace, calendar);
}

/**
 * Reviews due before this instant are late (« en retard »): on a school day, those whose date has
 * passed; on a day without school, only those due up to the last school day (a review falling on a
 * Saturday or in the holidays is late from the next school day on, not while nobody is at school).
 */
export function reviewLateBefore(now: Date, calendar: SchoolCalendar): Date {
  const today = parisDay(now);
  if (isSchoolDay(today, calendar)) return now;
  return atParis(addDays(schoolDayOnOrBefore(today, calendar), 1));
}
