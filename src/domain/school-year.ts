// School calendar arithmetic. Schools live on Paris time whatever the server's zone, so every
// calendar question is answered from the Europe/Paris wall clock, through Intl.

const PARIS = "Europe/Paris";
const DAY_MS = 86_400_000;

const parisFormat = new Intl.DateTimeFormat("en-GB", {
  timeZone: PARIS,
  hourCycle: "h23",
  year: "numeric",
  month: "numeric",
  day: "numeric",
  hour: "numeric",
  minute: "numeric",
  second: "numeric",
});

interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

function parisWallClock(date: Date): WallClock {
  const parts: Record<string, number> = {};
  for (const part of parisFormat.formatToParts(date)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? NaN,
    month: parts.month ?? NaN,
    day: parts.day ?? NaN,
    hour: parts.hour ?? NaN,
    minute: parts.minute ?? NaN,
    second: parts.second ?? NaN,
    millisecond: ((date.getTime() % 1000) + 1000) % 1000,
  };
}

function wallClockAsUtc(w: WallClock): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond);
}

/** The instant at which Paris clocks show this wall-clock time. */
function fromParisWallClock(w: WallClock): Date {
  const target = wallClockAsUtc(w);
  // The offset depends on the instant we are looking for, so correct twice to settle across DST changes.
  let guess = target;
  for (let i = 0; i < 2; i++) {
    const offset = wallClockAsUtc(parisWallClock(new Date(guess))) - guess;
    guess = target - offset;
  }
  return new Date(guess);
}

/** Days since the epoch of the Paris calendar date of an instant; arithmetic on it ignores DST. */
function parisDayNumber(date: Date): number {
  const w = parisWallClock(date);
  return Date.UTC(w.year, w.month - 1, w.day) / DAY_MS;
}

function isSchoolDay(dayNumber: number): boolean {
  const weekday = new Date(dayNumber * DAY_MS).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/** The calendar date shown on Paris clocks at an instant (month 1-12). */
export function parisCalendarDate(date: Date): { year: number; month: number; day: number } {
  const { year, month, day } = parisWallClock(date);
  return { year, month, day };
}

export interface SchoolYear {
  start: number;
  end: number;
  /** "2026-2027", the usual way to name a school year. */
  label: string;
}

/** The school year (1 September to 31 August, Paris time) containing a date. */
export function schoolYearOf(date: Date): SchoolYear {
  const { year, month } = parisWallClock(date);
  const start = month >= 9 ? year : year - 1;
  return { start, end: start + 1, label: `${start}-${start + 1}` };
}

/** The calendar days ("YYYY-MM-DD") from the start of the school year before the one containing a
 *  date to the end of the one after: where the dates of a follow-up plan may fall. */
export function schoolYearsAround(date: Date): { first: string; last: string } {
  const { start } = schoolYearOf(date);
  return { first: `${start - 1}-09-01`, last: `${start + 2}-08-31` };
}

/**
 * The last moment (23:59:59.999 Paris time) of the school year containing a date: the default
 * retention limit. Being the end of the day, it is always after the date itself.
 */
export function nextAugust31After(date: Date): Date {
  const { end } = schoolYearOf(date);
  return fromParisWallClock({ year: end, month: 8, day: 31, hour: 23, minute: 59, second: 59, millisecond: 999 });
}

/**
 * Moves a date by n school days (Monday to Friday; holidays are not known here), keeping its Paris
 * time of day. From a weekend, one school day forward is the Monday. Negative n moves back.
 */
export function addSchoolDays(date: Date, n: number): Date {
  if (!Number.isInteger(n)) throw new RangeError(`School days must be a whole number: ${n}`);
  const step = n < 0 ? -1 : 1;
  let day = parisDayNumber(date);
  for (let remaining = Math.abs(n); remaining > 0;) {
    day += step;
    if (isSchoolDay(day)) remaining--;
  }
  const clock = parisWallClock(date);
  const target = new Date(day * DAY_MS);
  return fromParisWallClock({
    ...clock,
    year: target.getUTCFullYear(),
    month: target.getUTCMonth() + 1,
    day: target.getUTCDate(),
  });
}

/**
 * School days from a to b: the school days after a's Paris date, up to and including b's, and
 * negative when b is before a. It undoes addSchoolDays going forward, and going back from a school
 * day; going back from a weekend, "one school day before Saturday" is Friday although Friday to
 * Saturday holds no school day.
 */
export function schoolDaysBetween(a: Date, b: Date): number {
  return countSchoolDaysUpTo(parisDayNumber(b)) - countSchoolDaysUpTo(parisDayNumber(a));
}

/** School days from the epoch up to and including a day; a closed form so long spans stay cheap. */
function countSchoolDaysUpTo(dayNumber: number): number {
  // Day 0 (1970-01-01) was a Thursday; shift so that weeks start on Monday.
  const sinceMonday = dayNumber + 3;
  const weeks = Math.floor(sinceMonday / 7);
  const inWeek = sinceMonday - weeks * 7; // 0 = Monday ... 6 = Sunday
  return weeks * 5 + Math.min(inWeek + 1, 5);
}

/** The instant at which Paris clocks show this date and time (month 1-12); days past the end of a
 *  month roll over (day 32 of January is 1 February), which makes "the day after" arithmetic easy. */
export function parisTime(year: number, month: number, day: number, hour = 0, minute = 0): Date {
  const d = new Date(Date.UTC(year, month - 1, day));
  return fromParisWallClock({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour, minute, second: 0, millisecond: 0 });
}

/** The Paris wall clock at an instant: calendar date, weekday (0 = Sunday) and time of day. */
export function parisClock(date: Date): { year: number; month: number; day: number; weekday: number; hour: number; minute: number } {
  const w = parisWallClock(date);
  return { year: w.year, month: w.month, day: w.day, weekday: new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay(), hour: w.hour, minute: w.minute };
}
