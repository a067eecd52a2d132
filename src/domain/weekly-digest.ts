// When the coordinators' weekly digest is due: Mondays from 8:00 on Paris clocks, except during the
// school holidays when a calendar is configured. Pure: the scheduler asks, the database decides
// which instance sends.

import { parisClock, parisTime } from "./school-year.js";

export const DIGEST_WEEKDAY = 1; // Monday
export const DIGEST_HOUR = 8;

/** A holiday period, both ends included, as calendar dates "YYYY-MM-DD". */
export type DateRange = { from: string; to: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function validDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() + 1 === Number(m[2]) && d.getUTCDate() === Number(m[3]);
}

/** Reads "2026-12-19..2027-01-03,2027-02-06..2027-02-21" (a single day may stand alone). */
export function parseHolidays(text: string): { ok: true; ranges: DateRange[] } | { ok: false; problem: string } {
  const ranges: DateRange[] = [];
  for (const part of text
    .split(/[,;\n]/)
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [from = "", to = from, extra] = part.split("..").map((s) => s.trim());
    if (extra !== undefined || !validDate(from) || !validDate(to))
      return { ok: false, problem: `"${part}" is not a date range such as 2026-12-19..2027-01-03` };
    if (to < from) return { ok: false, problem: `"${part}" ends before it starts` };
    ranges.push({ from, to });
  }
  return { ok: true, ranges };
}

export function isoDate(d: { year: number; month: number; day: number }): string {
  return `${d.year}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;
}

export function inHolidays(date: string, ranges: readonly DateRange[]): boolean {
  return ranges.some((r) => r.from <= date && date <= r.to);
}

/** The week a digest speaks of, by its Monday: last week (new cases) and this week (reviews due). */
export type DigestWeek = {
  /** The Monday, "YYYY-MM-DD": names the digest (one per week). */
  weekStart: string;
  lastWeekFrom: Date;
  /** Monday 0:00, Paris. */
  weekFrom: Date;
  /** The next Monday 0:00, Paris. */
  weekTo: Date;
  /** Monday 8:00, Paris: when the digest goes out. */
  sendAt: Date;
};

/** The Monday-to-Sunday week (Paris) that contains an instant. */
export function digestWeekOf(now: Date): DigestWeek {
  const c = parisClock(now);
  const back = (c.weekday + 6) % 7; // days since Monday
  const monday = new Date(Date.UTC(c.year, c.month - 1, c.day - back));
  const y = monday.getUTCFullYear();
  const m = monday.getUTCMonth() + 1;
  const d = monday.getUTCDate();
  return {
    weekStart: isoDate({ year: y, month: m, day: d }),
    lastWeekFrom: parisTime(y, m, d - 7),
    weekFrom: parisTime(y, m, d),
    weekTo: parisTime(y, m, d + 7),
    sendAt: parisTime(y, m, d, DIGEST_HOUR),
  };
}

/** The week whose digest is due now, or null: it is Monday, 8:00 or later on Paris clocks, and the
 *  Monday is not in the school holidays. A digest missed on Monday (every instance down) is not sent
 *  on Tuesday: it would be stale. */
export function digestDue(now: Date, holidays: readonly DateRange[] = []): DigestWeek | null {
  const c = parisClock(now);
  if (c.weekday !== DIGEST_WEEKDAY || c.hour < DIGEST_HOUR) return null;
  const week = digestWeekOf(now);
  return inHolidays(week.weekStart, holidays) ? null : week;
}
