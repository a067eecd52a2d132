import { OPEN_STATUSES } from "../domain/lifecycle.js";
import { can, scopeOf, type Actor as PermissionActor } from "../domain/permissions.js";
import { SIGNAL_FAMILIES } from "../domain/signals.js";
import { LEGACY_OUTCOMES, OUTCOMES } from "../domain/plan-catalogue.js";
import {
  histogramSize,
  matchesDistrict,
  medianOfHistogram,
  monthsOf,
  parseStatsScope,
  protectCount,
  protectMedian,
  protectShare,
  type StatsPeriod,
  type StatsTarget,
} from "../domain/statistics.js";
import { digestDue, type DateRange } from "../domain/weekly-digest.js";
import type { CaseExportRow, RawStats, StatsFilter, Store } from "../store/index.js";
import type { Actor } from "./members.js";
import { exportOfLink } from "./export-links.js";
import { DEFAULT_LINK_TTL_MS, DOWNLOAD_PREFIX, type LinkCheck, type SignedLinks } from "./signed-links.js";

/** Statistics for the people who steer: a référent sees their school, a coordinator their district
 *  (the cases the MLDS sees), an admin the académie. Outside a référent's own school, counts of 1 to
 *  4 are hidden (the small-number rule). Services return numbers; the Teams layer draws them. */

/** The outcomes counted, in the categories of the national follow-up of early school leavers,
 *  then the legacy ones that closed cases may still hold (shown only when some case has one). */
export const OUTCOME_KINDS = [...OUTCOMES, ...LEGACY_OUTCOMES] as const;

/** A count as shown: null when hidden by the small-number rule. */
export type Shown = number | null;

export type StatsScopeView = { kind: "schools" | "district" | "academy"; label: string; uais: string[] };

export type StatsView = {
  scope: StatsScopeView;
  period: StatsPeriod;
  /** Whether the small-number rule applies (statistics seen outside the school). */
  protect: boolean;
  generatedAt: Date;
  months: { month: string; count: Shown }[];
  openedTotal: Shown;
  openByStatus: { status: (typeof OPEN_STATUSES)[number]; count: Shown }[];
  openTotal: Shown;
  signalFamilies: { family: (typeof SIGNAL_FAMILIES)[number]; count: Shown }[];
  outcomes: { kind: (typeof OUTCOME_KINDS)[number]; count: Shown }[];
  closedTotal: Shown;
  /** Median days, null when unknown or hidden; `cases`: how many cases it is computed on. */
  takeInCharge: { medianDays: number | null; cases: Shown };
  toPlan: { medianDays: number | null; cases: Shown };
  overdue: { withPlan: Shown; overdue: Shown; share: number | null };
  schools: { uai: string; name: string; opened: Shown; open: Shown; withPlan: Shown; overdue: Shown; share: number | null }[];
};

export type StatsFailure = "FORBIDDEN" | "OUT_OF_SCOPE" | "UNKNOWN_SCHOOL" | "UNKNOWN_DISTRICT" | "INVALID_PERIOD" | "INVALID_SCOPE";
export type StatsResult = { ok: true; view: StatsView } | { ok: false; reason: StatsFailure };

export type ExportKind = "stats" | "cases";
export type ExportRequestResult =
  { ok: true; kind: ExportKind; url: string; expiresAt: Date; scope: StatsScopeView; period: StatsPeriod } | { ok: false; reason: StatsFailure };

export type ExportDownload =
  | { ok: true; kind: "stats"; fileName: string; locale: string; view: StatsView }
  | { ok: true; kind: "cases"; fileName: string; locale: string; scope: StatsScopeView; period: StatsPeriod; rows: CaseExportRow[] }
  | { ok: false; reason: Exclude<LinkCheck, "VALID"> | "FORBIDDEN" | "NOT_FOUND" };

/** Paths under /dl/stats/: a chart (its aggregate data in the path) or an export (its audit row). */
export const STATS_DOWNLOAD_PREFIX = `${DOWNLOAD_PREFIX}stats/`;
export const CHART_PATH = /^\/dl\/stats\/chart-([A-Za-z0-9_-]{1,6000})\.png$/;
export const EXPORT_PATH = /^\/dl\/stats\/export-([0-9a-f-]{36})\.csv$/;

/** How long the link to a chart image works: 400 days, a school year of statistics cards and the
 *  look back at the next rentrée. A chart holds only the counts its card already shows in words
 *  (and that stay in the chat for as long as the card does), under the same small-number rule, and
 *  its link is signed: a longer life shows nothing more, and spares old cards broken images.
 *  Exports (lists of cases, checked against the person's rights when fetched) keep an hour. */
export const CHART_LINK_TTL_MS = 400 * 24 * 60 * 60_000;

type ResolvedScope = { filter: StatsFilter; view: StatsScopeView; protect: boolean };

type StoredExportScope = { target: StatsTarget; period: { label: string; kind: StatsPeriod["kind"]; from: string; to: string }; locale: string };

export class StatisticsService {
  constructor(
    private readonly store: Store,
    private readonly links: SignedLinks,
    private readonly clock: () => Date,
  ) {}

  /** Whether the role sees statistics at all (to answer « statistiques » from anyone else). */
  mayView(actor: Actor): boolean {
    return can(permissionActor(actor), "VIEW_STATS", null);
  }

  /** Whether the role may export the list of its cases (« export dossiers »). */
  mayExportCases(actor: Actor): boolean {
    return can(permissionActor(actor), "EXPORT_CASES", null);
  }

  /** « statistiques [scope] [period] ». In a channel every member reads the card: the small-number
   *  rule applies there whoever asks. */
  async view(actor: Actor, scopeText?: string, opts: { inChannel?: boolean } = {}): Promise<StatsResult> {
    if (!this.mayView(actor)) return { ok: false, reason: "FORBIDDEN" };
    const now = this.clock();
    const parsed = parseStatsScope(scopeText, now);
    if (!parsed.ok) return { ok: false, reason: parsed.problem === "PERIOD" ? "INVALID_PERIOD" : "INVALID_SCOPE" };
    const scope = await this.resolve(permissionActor(actor), "VIEW_STATS", parsed.request.target);
    if ("reason" in scope) return { ok: false, reason: scope.reason };
    return { ok: true, view: await this.compute({ ...scope, protect: scope.protect || opts.inChannel === true }, parsed.request.period, now) };
  }

  /** A signed link, valid CHART_LINK_TTL_MS, to a chart image whose (aggregate) data the path carries. */
  chartUrl(encodedChart: string): string {
    const path = `${STATS_DOWNLOAD_PREFIX}chart-${encodedChart}.png`;
    if (!CHART_PATH.test(path)) throw new Error("chart data too long for a link");
    return this.links.url(path, CHART_LINK_TTL_MS);
  }

  /** Whether a chart link may be served (the image holds only the aggregates in its path). */
  checkChartLink(path: string, exp: unknown, sig: unknown): { ok: true; encoded: string } | { ok: false; reason: Exclude<LinkCheck, "VALID"> } {
    const m = CHART_PATH.exec(path);
    if (!m) return { ok: false, reason: "INVALID" };
    const check = this.links.check(path, exp, sig);
    if (check !== "VALID") return { ok: false, reason: check };
    return { ok: true, encoded: m[1]! };
  }

  /** « export stats » (aggregates, for whoever sees statistics) and « export dossiers » (the list of
   *  cases, for whoever may export them: EXPORT_CASES). Recorded at once (the audit), built when
   *  the link is used. */
  async requestExport(actor: Actor, kind: ExportKind, scopeText: string | undefined, locale: string): Promise<ExportRequestResult> {
    const op = kind === "stats" ? "VIEW_STATS" : "EXPORT_CASES";
    const who = permissionActor(actor);
    if (!can(who, op, null)) return { ok: false, reason: "FORBIDDEN" };
    const now = this.clock();
    const parsed = parseStatsScope(scopeText, now);
    if (!parsed.ok) return { ok: false, reason: parsed.problem === "PERIOD" ? "INVALID_PERIOD" : "INVALID_SCOPE" };
    const scope = await this.resolve(who, op, parsed.request.target);
    if ("reason" in scope) return { ok: false, reason: scope.reason };
    const { period, target } = parsed.request;
    const stored: StoredExportScope = {
      target,
      period: { label: period.label, kind: period.kind, from: period.from.toISOString(), to: period.to.toISOString() },
      locale,
    };
    const id = await this.store.statistics.recordExport(actor.memberId, kind === "stats" ? "STATS" : "CASES", { ...stored, scope: scope.view });
    return {
      ok: true,
      kind,
      url: this.links.url(`${STATS_DOWNLOAD_PREFIX}export-${id}.csv`),
      expiresAt: new Date(now.getTime() + DEFAULT_LINK_TTL_MS),
      scope: scope.view,
      period,
    };
  }

  /** Serves an export link: the member who asked must still be allowed, for the same scope, now;
   *  each download is counted on the audit row. */
  async download(path: string, exp: unknown, sig: unknown): Promise<ExportDownload> {
    const found = await exportOfLink(this.store, this.links, EXPORT_PATH, path, exp, sig);
    if (!found.ok) return found;
    const { record, who } = found;
    const kind: ExportKind = record.kind === "CASES" ? "cases" : "stats";
    const op = kind === "stats" ? "VIEW_STATS" : "EXPORT_CASES";
    if (!can(who, op, null)) return { ok: false, reason: "FORBIDDEN" };
    const stored = record.scope as StoredExportScope;
    const now = this.clock();
    const scope = await this.resolve(who, op, stored.target);
    if ("reason" in scope) return { ok: false, reason: "FORBIDDEN" };
    const period: StatsPeriod = { kind: stored.period.kind, label: stored.period.label, from: new Date(stored.period.from), to: new Date(stored.period.to) };
    const stamp = now.toISOString().slice(0, 10);
    if (kind === "stats") {
      const view = await this.compute(scope, period, now);
      await this.store.statistics.recordDownload(record.id, view.months.length, now);
      return { ok: true, kind, fileName: `repere-statistiques-${period.label}-${stamp}.csv`, locale: stored.locale, view };
    }
    const rows = await this.store.statistics.casesForExport(scope.filter, period);
    await this.store.statistics.recordDownload(record.id, rows.length, now);
    return { ok: true, kind, fileName: `repere-dossiers-${period.label}-${stamp}.csv`, locale: stored.locale, scope: scope.view, period, rows };
  }

  /** What a member may see for `target`, as SQL filters. */
  private async resolve(actor: PermissionActor, op: "VIEW_STATS" | "EXPORT_CASES", target: StatsTarget): Promise<ResolvedScope | { reason: StatsFailure }> {
    const reach = scopeOf(actor.role, op);
    const academy: StatsScopeView = { kind: "academy", label: "", uais: [] };
    switch (reach) {
      case "SCHOOL": {
        // A référent, on their own school(s): every count is shown, they follow these cases.
        let ids = actor.schoolIds;
        if (target.kind === "school") {
          const school = await this.store.statistics.schoolByUai(target.uai);
          if (!school) return { reason: "UNKNOWN_SCHOOL" };
          if (!ids.includes(school.id)) return { reason: "OUT_OF_SCOPE" };
          ids = [school.id];
        } else if (target.kind !== "own") return { reason: "OUT_OF_SCOPE" };
        const schools = await this.store.statistics.schoolsByIds(ids);
        if (schools.length === 0) return { reason: "FORBIDDEN" };
        return {
          filter: { schoolIds: schools.map((s) => s.id) },
          view: { kind: "schools", label: schools.map((s) => s.name).join(", "), uais: schools.map((s) => s.uai) },
          protect: false,
        };
      }
      case "DISTRICT": {
        // A coordinator: the MLDS's cases of their district (not the under-16 cases kept by a school).
        if (!actor.districtId) return { reason: "FORBIDDEN" };
        const district = (await this.store.statistics.districts()).find((d) => d.id === actor.districtId);
        if (!district) return { reason: "FORBIDDEN" };
        const mlds = { mldsOnly: true };
        if (target.kind === "school") {
          const school = await this.store.statistics.schoolByUai(target.uai);
          if (!school) return { reason: "UNKNOWN_SCHOOL" };
          if (school.districtId !== district.id) return { reason: "OUT_OF_SCOPE" };
          return { filter: { schoolIds: [school.id], ...mlds }, view: { kind: "schools", label: school.name, uais: [school.uai] }, protect: true };
        }
        if (target.kind === "academy") return { reason: "OUT_OF_SCOPE" };
        if (target.kind === "district" && !matchesDistrict(target.name, district)) {
          const known = (await this.store.statistics.districts()).some((d) => matchesDistrict(target.name, d));
          return { reason: known ? "OUT_OF_SCOPE" : "UNKNOWN_DISTRICT" };
        }
        return { filter: { districtIds: [district.id], ...mlds }, view: { kind: "district", label: district.name, uais: [] }, protect: true };
      }
      case "DEPARTMENT": {
        // A DSDEN: the cases of the schools of its département, under-16 ones included (the DASEN
        // answers for compulsory schooling); small numbers protected, as outside a school.
        const code = actor.departmentCode;
        if (code === null || code === undefined) return { reason: "FORBIDDEN" };
        if (target.kind === "school") {
          const school = await this.store.statistics.schoolByUai(target.uai);
          if (!school) return { reason: "UNKNOWN_SCHOOL" };
          if (school.departmentCode !== code) return { reason: "OUT_OF_SCOPE" };
          return { filter: { schoolIds: [school.id] }, view: { kind: "schools", label: school.name, uais: [school.uai] }, protect: true };
        }
        if (target.kind !== "own") return { reason: "OUT_OF_SCOPE" };
        return { filter: { departmentCode: code }, view: { kind: "district", label: `Département ${code}`, uais: [] }, protect: true };
      }
      case "ACADEMY": {
        if (target.kind === "school") {
          const school = await this.store.statistics.schoolByUai(target.uai);
          if (!school) return { reason: "UNKNOWN_SCHOOL" };
          return { filter: { schoolIds: [school.id] }, view: { kind: "schools", label: school.name, uais: [school.uai] }, protect: true };
        }
        if (target.kind === "district") {
          const district = (await this.store.statistics.districts()).find((d) => matchesDistrict(target.name, d));
          if (!district) return { reason: "UNKNOWN_DISTRICT" };
          return { filter: { districtIds: [district.id] }, view: { kind: "district", label: district.name, uais: [] }, protect: true };
        }
        return { filter: {}, view: academy, protect: true };
      }
      default:
        return { reason: "FORBIDDEN" };
    }
  }

  private async compute(scope: ResolvedScope, period: StatsPeriod, now: Date): Promise<StatsView> {
    const raw: RawStats = await this.store.statistics.aggregate(scope.filter, period, now);
    const p = scope.protect;
    const count = (n: number) => protectCount(n, p);
    const byKey = <K extends string>(entries: [string, number][], keys: readonly K[]) => {
      const map = new Map(entries);
      return keys.map((k) => ({ key: k, n: map.get(k) ?? 0 }));
    };
    const months = byKey(
      raw.openedPerMonth.map((r) => [r.month, r.count]),
      monthsOf(period, now),
    );
    const statuses = byKey(
      raw.openByStatus.map((r) => [r.status, r.count]),
      OPEN_STATUSES,
    );
    const families = byKey(
      raw.signalFamilies.map((r) => [r.family, r.count]),
      SIGNAL_FAMILIES,
    );
    const outcomes = byKey(
      raw.outcomes.map((r) => [r.kind, r.count]),
      OUTCOME_KINDS,
    );
    const sum = (xs: { n: number }[]) => xs.reduce((s, x) => s + x.n, 0);
    const takenCases = histogramSize(raw.takeInChargeDays);
    const planCases = histogramSize(raw.planDays);
    const withPlan = raw.perSchool.reduce((s, r) => s + r.withPlan, 0);
    const overdue = raw.perSchool.reduce((s, r) => s + r.overdue, 0);
    return {
      scope: scope.view,
      period,
      protect: p,
      generatedAt: now,
      // Months after the last case of the period still show, at zero (the chart keeps its axis).
      months: months.map((m) => ({ month: m.key, count: count(m.n) })),
      openedTotal: count(raw.openedPerMonth.reduce((s, r) => s + r.count, 0)),
      openByStatus: statuses.map((s) => ({ status: s.key, count: count(s.n) })),
      openTotal: count(sum(statuses)),
      signalFamilies: families.map((f) => ({ family: f.key, count: count(f.n) })),
      outcomes: outcomes.filter((o) => o.n > 0 || !(LEGACY_OUTCOMES as readonly string[]).includes(o.key)).map((o) => ({ kind: o.key, count: count(o.n) })),
      closedTotal: count(sum(outcomes)),
      takeInCharge: { medianDays: protectMedian(medianOfHistogram(raw.takeInChargeDays), takenCases, p), cases: count(takenCases) },
      toPlan: { medianDays: protectMedian(medianOfHistogram(raw.planDays), planCases, p), cases: count(planCases) },
      overdue: { withPlan: count(withPlan), overdue: count(overdue), share: protectShare(overdue, withPlan, p) },
      schools: raw.perSchool.map((r) => ({
        uai: r.uai,
        name: r.name,
        opened: count(r.opened),
        open: count(r.open),
        withPlan: count(r.withPlan),
        overdue: count(r.overdue),
        share: protectShare(r.overdue, r.withPlan, p),
      })),
    };
  }
}

/** The coordinators' Monday digest, sent once across instances (the database decides) and not
 *  during the school holidays. */
export class WeeklyDigestService {
  constructor(
    private readonly store: Store,
    private readonly clock: () => Date,
    private readonly holidays: readonly DateRange[] = [],
  ) {}

  /** Queues this week's digests if they are due and not sent yet; returns how many were queued
   *  (null: not due, or sent already). */
  async runOnce(): Promise<number | null> {
    const now = this.clock();
    const week = digestDue(now, this.holidays);
    if (!week) return null;
    return this.store.statistics.claimWeeklyDigest(week, now);
  }
}

/** The permission table's view of a member (a chat actor, or the member behind a download link). */
export function permissionActor(actor: Actor | PermissionActor): PermissionActor {
  return { memberId: actor.memberId, role: actor.role, schoolIds: actor.schoolIds, districtId: actor.districtId, departmentCode: actor.departmentCode ?? null };
}
