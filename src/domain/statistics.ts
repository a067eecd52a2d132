// Statistics rules: what may be shown (the small-number rule), medians, and the periods and scopes
// people type after « statistiques ». Pure: the database aggregates, these rules decide the rest.

import { parisClock, parisTime, schoolYearOf } from "./school-year.js";
import { normalizeText } from "./text.js";

/** Counts under this are not shown in statistics seen outside a school: with so few cases, a
 *  pupil could be recognised. */
export const SMALL_COUNT_THRESHOLD = 5;
/** How a hidden count reads, in both languages. */
export const SMALL_COUNT_LABEL = "< 5";

/** A count as it may be shown: the number, or null for "fewer than 5" (1 to 4). Zero is shown:
 *  knowing that there is nobody identifies nobody. Unprotected statistics (a référent's own school)
 *  show every count. */
export function protectCount(n: number, protect: boolean): number | null {
  return protect && n > 0 && n < SMALL_COUNT_THRESHOLD ? null : n;
}

/** The text of a count as it may be shown. */
export function formatCount(n: number, protect: boolean): string {
  const shown = protectCount(n, protect);
  return shown === null ? SMALL_COUNT_LABEL : String(shown);
}

/** A share (0 to 1) of `whole`, or null when there is nothing to divide or, protected, when the
 *  whole is under 5 (1 of 2 would single out a pupil). */
export function protectShare(part: number, whole: number, protect: boolean): number | null {
  if (whole <= 0) return null;
  if (protect && whole < SMALL_COUNT_THRESHOLD) return null;
  return part / whole;
}

/** A median over `n` cases, or null when there are none or, protected, fewer than 5 (the median
 *  of two delays is nearly each of them). */
export function protectMedian(value: number | null, n: number, protect: boolean): number | null {
  if (value === null || n === 0) return null;
  if (protect && n < SMALL_COUNT_THRESHOLD) return null;
  return value;
}

/** The median of some values (the mean of the two middle ones for an even count); null when empty. */
export function median(values: readonly number[]): number | null {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return null;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export type HistogramBucket = { value: number; count: number };

/** The median of values given as a histogram (value, how many times), as the database returns
 *  them grouped: the same answer as median() over the expanded values, without expanding them. */
export function medianOfHistogram(buckets: readonly HistogramBucket[]): number | null {
  const sorted = buckets.filter((b) => b.count > 0 && Number.isFinite(b.value)).sort((a, b) => a.value - b.value);
  const total = sorted.reduce((sum, b) => sum + b.count, 0);
  if (total === 0) return null;
  const at = (rank: number): number => {
    let seen = 0;
    for (const b of sorted) {
      seen += b.count;
      if (rank < seen) return b.value;
    }
    return sorted[sorted.length - 1]!.value;
  };
  const mid = Math.floor(total / 2);
  return total % 2 === 1 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
}

export function histogramSize(buckets: readonly HistogramBucket[]): number {
  return buckets.reduce((sum, b) => sum + Math.max(0, b.count), 0);
}

// --- Periods --------------------------------------------------------------------------------

/** [from, to) on Paris clocks. `label` names it: "2026-2027" or "2026-11". */
export type StatsPeriod = { kind: "schoolYear" | "month"; label: string; from: Date; to: Date };

export function schoolYearPeriod(startYear: number): StatsPeriod {
  return { kind: "schoolYear", label: `${startYear}-${startYear + 1}`, from: parisTime(startYear, 9, 1), to: parisTime(startYear + 1, 9, 1) };
}

export function monthPeriod(year: number, month: number): StatsPeriod {
  const label = `${year}-${String(month).padStart(2, "0")}`;
  return { kind: "month", label, from: parisTime(year, month, 1), to: parisTime(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) };
}

/** The months ("YYYY-MM") of a period up to now: the bars of the "cases opened per month" chart. */
export function monthsOf(period: StatsPeriod, now: Date): string[] {
  const start = parisClock(period.from);
  const end = parisClock(new Date(Math.min(period.to.getTime() - 1, Math.max(now.getTime(), period.from.getTime()))));
  const months: string[] = [];
  let y = start.year;
  let m = start.month;
  while (y < end.year || (y === end.year && m <= end.month)) {
    months.push(`${y}-${String(m).padStart(2, "0")}`);
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return months;
}

// --- What follows « statistiques » ----------------------------------------------------------

/** Whose statistics: the caller's own scope, a school by UAI, a district by code or name, or the
 *  whole académie. The service checks that the caller may see it. */
export type StatsTarget = { kind: "own" } | { kind: "school"; uai: string } | { kind: "district"; name: string } | { kind: "academy" };

export type StatsRequest = { target: StatsTarget; period: StatsPeriod };

export type StatsScopeProblem = "PERIOD" | "SCOPE";

const MONTHS: Readonly<Record<string, number>> = {
  janvier: 1,
  fevrier: 2,
  mars: 3,
  avril: 4,
  mai: 5,
  juin: 6,
  juillet: 7,
  aout: 8,
  septembre: 9,
  octobre: 10,
  novembre: 11,
  decembre: 12,
  january: 1,
  february: 2,
  march: 3,
  april: 4,
  may: 5,
  june: 6,
  july: 7,
  august: 8,
  september: 9,
  october: 10,
  november: 11,
  december: 12,
};

const THIS_MONTH = ["ce mois", "ce mois ci", "ce mois-ci", "mois en cours", "this month"];
const LAST_MONTH = ["mois dernier", "le mois dernier", "mois precedent", "last month"];
const THIS_YEAR = ["cette annee", "annee en cours", "annee scolaire", "cette annee scolaire", "this year", "this school year", "school year"];
const ACADEMY = ["academie", "l'academie", "academy", "toute l'academie", "tout", "all"];

const UAI = /^\d{7}[a-z]$/;

/** Reads the optional words after « statistiques » / « export stats »: a period (a school year such
 *  as 2026-2027, a month such as 2026-11 or « novembre 2026 », « ce mois », « mois dernier »), and a
 *  scope (a school's UAI, a district, « académie »), in any order. Default: the current school
 *  year, the caller's own scope. Never throws. */
export function parseStatsScope(text: string | undefined, now: Date): { ok: true; request: StatsRequest } | { ok: false; problem: StatsScopeProblem } {
  let rest = ` ${normalizeText(text ?? "")
    .replace(/[,;]/g, " ")
    .replace(/\s+/g, " ")} `;
  let period: StatsPeriod | null = null;
  const today = parisClock(now);
  const setPeriod = (p: StatsPeriod | null): boolean => {
    if (p === null || period !== null) return false;
    period = p;
    return true;
  };
  const take = (phrases: readonly string[], make: () => StatsPeriod): boolean => {
    for (const phrase of [...phrases].sort((a, b) => b.length - a.length)) {
      const needle = ` ${phrase} `;
      if (rest.includes(needle)) {
        if (!setPeriod(make())) return false;
        rest = rest.replace(needle, " ");
        return true;
      }
    }
    return true;
  };
  const ok =
    take(LAST_MONTH, () => (today.month === 1 ? monthPeriod(today.year - 1, 12) : monthPeriod(today.year, today.month - 1))) &&
    take(THIS_MONTH, () => monthPeriod(today.year, today.month)) &&
    take(THIS_YEAR, () => schoolYearPeriod(schoolYearOf(now).start));
  if (!ok) return { ok: false, problem: "PERIOD" };

  const words = rest.trim().split(" ").filter(Boolean);
  const left: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const years = /^(\d{4})[-/](\d{4})$/.exec(w);
    const month = /^(\d{4})-(\d{1,2})$/.exec(w) ?? /^(\d{1,2})\/(\d{4})$/.exec(w);
    if (years) {
      const start = Number(years[1]);
      if (Number(years[2]) !== start + 1 || start < 2000 || start > 2100 || !setPeriod(schoolYearPeriod(start))) return { ok: false, problem: "PERIOD" };
    } else if (month) {
      const [y, m] = w.includes("/") ? [Number(month[2]), Number(month[1])] : [Number(month[1]), Number(month[2])];
      if (m < 1 || m > 12 || y < 2000 || y > 2100 || !setPeriod(monthPeriod(y, m))) return { ok: false, problem: "PERIOD" };
    } else if (Object.hasOwn(MONTHS, w)) {
      const m = MONTHS[w]!;
      const next = words[i + 1];
      let y: number;
      if (next && /^\d{4}$/.test(next)) {
        y = Number(next);
        i++;
      } else {
        // The latest such month that has begun: « novembre » in March means last November.
        y = m <= today.month ? today.year : today.year - 1;
      }
      if (y < 2000 || y > 2100 || !setPeriod(monthPeriod(y, m))) return { ok: false, problem: "PERIOD" };
    } else if (/^\d{4}$/.test(w)) {
      return { ok: false, problem: "PERIOD" };
    } else {
      left.push(w);
    }
  }
  const scopeText = left.join(" ");
  let target: StatsTarget;
  if (scopeText === "") target = { kind: "own" };
  else if (UAI.test(scopeText)) target = { kind: "school", uai: scopeText.toUpperCase() };
  else if (ACADEMY.includes(scopeText)) target = { kind: "academy" };
  else if (/^[\p{L}\p{N}' -]{2,60}$/u.test(scopeText))
    target = { kind: "district", name: scopeText.replace(/^(le |du )?(bassin|district) (de |du |d')?/, "").trim() || scopeText };
  else return { ok: false, problem: "SCOPE" };
  return { ok: true, request: { target, period: period ?? schoolYearPeriod(schoolYearOf(now).start) } };
}

/** Whether a district (code and name) is the one a person typed: « nord », « NORD », « bassin nord ». */
export function matchesDistrict(typed: string, district: { code: string; name: string }): boolean {
  const key = normalizeText(typed);
  const name = normalizeText(district.name);
  return key === normalizeText(district.code) || key === name || name.replace(/^(bassin|district) (de |du |d')?/, "") === key;
}

// --- Exports ----------------------------------------------------------------------------------

export type ExportCommand = { kind: "stats" | "cases"; scope?: string };

const EXPORT_WORDS = new Set(["export", "exporter", "exporte", "exports", "extraire", "extraction", "telecharger", "download"]);
const STATS_WORDS = new Set(["stats", "stat", "statistiques", "statistics", "chiffres", "figures"]);
const CASES_WORDS = new Set(["dossiers", "dossier", "cases", "suivis", "liste"]);
const FILLERS = new Set(["les", "des", "mes", "the", "my", "de", "la", "le"]);

/** « export stats [period/scope] », « exporter les dossiers », « export cases ». Null otherwise. */
export function parseExportCommand(text: string): ExportCommand | null {
  if (typeof text !== "string" || text.length > 200) return null;
  const words = normalizeText(text.replace(/<at>.*?<\/at>/g, " "))
    .replace(/^\//, "")
    .split(" ")
    .filter(Boolean);
  if (!EXPORT_WORDS.has(words[0] ?? "")) return null;
  let i = 1;
  while (FILLERS.has(words[i] ?? "")) i++;
  const what = words[i] ?? "";
  const rest = words.slice(i + 1).join(" ");
  const kind = STATS_WORDS.has(what) ? "stats" : CASES_WORDS.has(what) ? "cases" : null;
  if (kind === null) return null;
  return rest ? { kind, scope: rest } : { kind };
}

// --- The tab's period selector ------------------------------------------------------------------

/** The periods the tab's statistics offer: this school year and the one before, then the months of
 *  this school year up to now, the latest first. Each label is what « statistiques » reads. */
export function periodChoices(now: Date): { kind: StatsPeriod["kind"]; label: string }[] {
  const year = schoolYearOf(now).start;
  const months = monthsOf(schoolYearPeriod(year), now).reverse();
  return [
    { kind: "schoolYear", label: schoolYearPeriod(year).label },
    { kind: "schoolYear", label: schoolYearPeriod(year - 1).label },
    ...months.map((label) => ({ kind: "month" as const, label })),
  ];
}
