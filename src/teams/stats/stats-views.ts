import { stringify } from "csv-stringify/sync";
import { neutralizeCsvCell } from "../../domain/csv-cell.js";
import { SMALL_COUNT_LABEL } from "../../domain/statistics.js";
import type { ExportRequestResult, Shown, StatsScopeView, StatsView } from "../../services/statistics.js";
import type { CaseExportRow, RenderSpec } from "../../store/index.js";
import type { StatsPeriod } from "../../domain/statistics.js";
import { renderCard, type AdaptiveCardJson } from "../cards/card-renderer.js";
import { encodeChart, type Chart } from "./charts.js";
import type { Locale, Translate } from "../i18n.js";
import type { StatsCardData, StatsExportCardData, WeeklyDigestCardData } from "../cards/card-data.js";

/** The statistics card, the export card, the weekly digest card and the CSV files: numbers from
 *  the services, words from the locales, layout from cards/*.json. */

/** Schools listed on the card; the CSV export lists them all. */
export const MAX_CARD_SCHOOLS = 12;

const shown = (n: Shown): string => (n === null ? SMALL_COUNT_LABEL : String(n));

function tag(locale: Locale): string {
  return locale === "en" ? "en-GB" : "fr-FR";
}

function decimal(locale: Locale, n: number, digits = 1): string {
  return new Intl.NumberFormat(tag(locale), { maximumFractionDigits: digits }).format(n);
}

function percent(locale: Locale, share: number): string {
  return new Intl.NumberFormat(tag(locale), { style: "percent", maximumFractionDigits: 0 }).format(share);
}

export function longDate(locale: Locale, d: Date): string {
  return new Intl.DateTimeFormat(tag(locale), { timeZone: "Europe/Paris", day: "numeric", month: "long", year: "numeric" }).format(d);
}

function time(locale: Locale, d: Date): string {
  return new Intl.DateTimeFormat(tag(locale), { timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit" }).format(d);
}

/** "2026-11" -> "nov." (a school year's months are all different), or "nov. 2026" alone. */
export function monthLabel(locale: Locale, month: string, withYear: boolean): string {
  const [y, m] = month.split("-").map(Number);
  const d = new Date(Date.UTC(y ?? 2000, (m ?? 1) - 1, 15));
  return new Intl.DateTimeFormat(tag(locale), { timeZone: "UTC", month: "short", ...(withYear ? { year: "numeric" } : {}) }).format(d);
}

export function periodLabel(t: Translate, locale: Locale, period: StatsPeriod): string {
  if (period.kind === "schoolYear") return t("stats.periodSchoolYear", { label: period.label });
  const [y, m] = period.label.split("-").map(Number);
  return new Intl.DateTimeFormat(tag(locale), { timeZone: "UTC", month: "long", year: "numeric" }).format(new Date(Date.UTC(y ?? 2000, (m ?? 1) - 1, 15)));
}

export function scopeLabel(t: Translate, scope: StatsScopeView): string {
  return scope.kind === "academy" ? t("stats.academy") : scope.label;
}

function median(t: Translate, locale: Locale, m: { medianDays: number | null; cases: Shown }): string {
  if (m.medianDays !== null) return t("stats.daysOn", { value: decimal(locale, m.medianDays), cases: shown(m.cases) });
  return m.cases === 0 ? t("stats.none") : t("stats.notEnough");
}

function share(t: Translate, locale: Locale, o: { share: number | null; overdue: Shown; withPlan: Shown }): string {
  if (o.share !== null) return t("stats.shareOf", { share: percent(locale, o.share), overdue: shown(o.overdue), withPlan: shown(o.withPlan) });
  return o.withPlan === 0 ? t("stats.none") : t("stats.notEnough");
}

/** The charts of a statistics view, with their titles (translated labels, aggregate counts). */
export function statsCharts(t: Translate, locale: Locale, view: StatsView): { title: string; chart: Chart }[] {
  const single = view.months.length === 1;
  const charts: { title: string; chart: Chart }[] = [
    { title: t("stats.perMonth"), chart: { kind: "columns", rows: view.months.map((m) => [monthLabel(locale, m.month, single), m.count]) } },
    { title: t("stats.byStatus"), chart: { kind: "bars", rows: view.openByStatus.map((s) => [t(`status.${s.status}`), s.count]) } },
    { title: t("stats.families"), chart: { kind: "bars", rows: view.signalFamilies.map((f) => [t(`family.${f.family}`), f.count]) } },
  ];
  const outcomes = view.outcomes.filter((o) => o.count !== 0);
  if (outcomes.length > 0)
    charts.push({ title: t("stats.outcomes"), chart: { kind: "bars", rows: outcomes.map((o) => [t(`plan.outcome.${o.kind}`), o.count]) } });
  return charts;
}

export function statsCard(
  t: Translate,
  locale: Locale,
  view: StatsView,
  chartUrl: (encoded: string) => string,
  opts: { mayExportCases: boolean },
): AdaptiveCardJson {
  const schools = [...view.schools].sort((a, b) => (view.protect ? (b.open ?? 2) - (a.open ?? 2) : 0) || a.name.localeCompare(b.name, "fr"));
  const listed = schools.slice(0, MAX_CARD_SCHOOLS);
  return renderCard("stats-card", {
    title: t("stats.title", { scope: scopeLabel(t, view.scope) }),
    subtitle: `${periodLabel(t, locale, view.period)} · ${t("stats.generated", { date: longDate(locale, view.generatedAt) })}`,
    protectNote: view.protect ? t("stats.protectNote") : "",
    keyFigures: t("stats.keyFigures"),
    facts: [
      { title: t("stats.opened"), value: shown(view.openedTotal) },
      { title: t("stats.openNow"), value: shown(view.openTotal) },
      { title: t("stats.closed"), value: shown(view.closedTotal) },
      { title: t("stats.medianTake"), value: median(t, locale, view.takeInCharge) },
      { title: t("stats.medianPlan"), value: median(t, locale, view.toPlan) },
      { title: t("stats.overdueShare"), value: share(t, locale, view.overdue) },
    ],
    charts: statsCharts(t, locale, view).map(({ title, chart }) => ({
      title,
      url: chartUrl(encodeChart(chart)),
      altText: t("stats.chartAlt", { title, values: chart.rows.map(([label, value]) => `${label} ${shown(value)}`).join(", ") }).slice(0, 500),
    })),
    schoolsTitle: t("stats.schools"),
    noSchool: schools.length === 0 ? t("stats.noSchool") : "",
    columns: { school: t("stats.schoolColumn"), open: t("stats.openColumn"), plan: t("stats.planColumn"), overdue: t("stats.overdueHeader") },
    schools: listed.map((s) => ({
      name: s.name,
      open: shown(s.open),
      withPlan: shown(s.withPlan),
      overdue: s.share === null ? shown(s.overdue) : percent(locale, s.share),
    })),
    moreSchools: schools.length > listed.length ? t("stats.moreSchools", { count: schools.length - listed.length }) : "",
    exportHint: opts.mayExportCases ? t("stats.exportHintCases") : t("stats.exportHint"),
  } satisfies StatsCardData);
}

export function exportCard(t: Translate, locale: Locale, result: Extract<ExportRequestResult, { ok: true }>): AdaptiveCardJson {
  const vars = { scope: scopeLabel(t, result.scope), period: periodLabel(t, locale, result.period) };
  return renderCard("stats-export", {
    title: t("stats.export.title"),
    subtitle: result.kind === "stats" ? t("stats.export.stats", vars) : t("stats.export.cases", vars),
    body: t("stats.export.body", { time: time(locale, result.expiresAt) }),
    download: t("stats.export.download"),
    url: result.url,
  } satisfies StatsExportCardData);
}

export function weeklyDigestCard(t: Translate, locale: Locale, spec: Extract<RenderSpec, { view: "weeklyDigest" }>): AdaptiveCardJson {
  const [y, m, d] = spec.weekStart.split("-").map(Number);
  const c = spec.counts;
  const nothing = c.newLastWeek + c.waiting + c.reviewsThisWeek + c.reviewsOverdue === 0;
  return renderCard("weekly-digest", {
    title: t("stats.digest.title", { district: spec.districtName }),
    week: t("stats.digest.week", { date: longDate(locale, new Date(Date.UTC(y ?? 2000, (m ?? 1) - 1, d ?? 1, 12))) }),
    facts: [
      { title: t("stats.digest.newLastWeek"), value: String(c.newLastWeek) },
      { title: t("stats.digest.waiting"), value: String(c.waiting) },
      { title: t("stats.digest.reviewsThisWeek"), value: String(c.reviewsThisWeek) },
      { title: t("stats.digest.reviewsOverdue"), value: String(c.reviewsOverdue) },
    ],
    nothing: nothing ? t("stats.digest.nothing") : "",
    columns: {
      school: t("stats.digest.schoolColumn"),
      new: t("stats.digest.newColumn"),
      waiting: t("stats.digest.waitingColumn"),
      reviews: t("stats.digest.reviewsColumn"),
    },
    schools: nothing
      ? []
      : spec.schools.slice(0, 20).map((s) => ({
          name: s.name,
          newLastWeek: String(s.newLastWeek),
          waiting: String(s.waiting),
          reviews: String(s.reviewsThisWeek + s.reviewsOverdue),
        })),
    hint: t("stats.digest.hint"),
  } satisfies WeeklyDigestCardData);
}

// --- CSV ------------------------------------------------------------------------------------

/** UTF-8 with a byte-order mark and ";" between fields: what a French Excel opens with its accents. */
function csv(rows: string[][]): Buffer {
  // A cell that a spreadsheet would read as a formula is written as text.
  const safe = rows.map((r) => r.map(neutralizeCsvCell));
  return Buffer.from(stringify(safe, { bom: true, delimiter: ";", record_delimiter: "\r\n" }), "utf8");
}

function isoDay(d: Date | null): string {
  return d ? new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit" }).format(d) : "";
}

/** The aggregates of a statistics view, one figure a line: indicator; detail; value. */
export function statsCsv(t: Translate, locale: Locale, view: StatsView): Buffer {
  const c = (key: string) => t(`stats.csv.${key}`);
  const days = (m: { medianDays: number | null }) => (m.medianDays === null ? "" : m.medianDays.toFixed(1));
  const rows: string[][] = [
    [c("indicator"), c("detail"), c("value")],
    [c("scope"), scopeLabel(t, view.scope), view.scope.uais.join(" ")],
    [c("period"), periodLabel(t, locale, view.period), view.period.label],
    [c("generated"), isoDay(view.generatedAt), ""],
    ...view.months.map((m) => [c("perMonth"), m.month, shown(m.count)]),
    ...view.openByStatus.map((s) => [c("byStatus"), t(`status.${s.status}`), shown(s.count)]),
    ...view.signalFamilies.map((f) => [c("families"), t(`family.${f.family}`), shown(f.count)]),
    ...view.outcomes.map((o) => [c("outcomes"), t(`plan.outcome.${o.kind}`), shown(o.count)]),
    [c("medianTake"), "", days(view.takeInCharge)],
    [c("medianPlan"), "", days(view.toPlan)],
    [c("overdue"), "", shown(view.overdue.overdue)],
    [c("overdueShare"), "", view.overdue.share === null ? "" : (view.overdue.share * 100).toFixed(1)],
  ];
  for (const s of view.schools) {
    const name = `${s.uai} ${s.name}`;
    rows.push([`${c("school")} · ${t("stats.openColumn")}`, name, shown(s.open)]);
    rows.push([`${c("school")} · ${t("stats.planColumn")}`, name, shown(s.withPlan)]);
    rows.push([`${c("school")} · ${t("stats.overdueColumn")}`, name, shown(s.overdue)]);
  }
  return csv(rows);
}

/** The list of cases: reference, school, status, dates, outcome. No pupil, no note. */
export function casesCsv(t: Translate, rows: CaseExportRow[]): Buffer {
  const c = (key: string) => t(`stats.csv.${key}`);
  return csv([
    [
      c("reference"),
      c("uai"),
      c("schoolName"),
      c("status"),
      c("urgency"),
      c("escalated"),
      c("openedAt"),
      c("takenAt"),
      c("planAt"),
      c("nextReviewAt"),
      c("closedAt"),
      c("outcome"),
    ],
    ...rows.map((r) => [
      r.reference,
      r.uai,
      r.schoolName,
      t(`status.${r.status}`),
      String(r.urgency),
      r.escalatedToMlds ? c("yes") : c("no"),
      isoDay(r.openedAt),
      isoDay(r.takenInChargeAt),
      isoDay(r.planOpenedAt),
      r.status === "CLOSED" ? "" : isoDay(r.nextReviewAt),
      isoDay(r.closedAt),
      r.outcome ? t(`plan.outcome.${r.outcome}`) : "",
    ]),
  ]);
}
