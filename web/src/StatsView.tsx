import {
  Button,
  Caption1,
  Field,
  MessageBar,
  MessageBarBody,
  Select,
  Spinner,
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
} from "@fluentui/react-components";
import i18next from "i18next";
import { useEffect, useId, useState } from "react";
import { ApiError, type ExportLink, type Me, type Shown, type Stats, type TabApi } from "./api";
import { formatDate, type Lang } from "./i18n";

const t = i18next.t.bind(i18next);
/** How a count hidden by the small-number rule reads (domain/statistics.ts SMALL_COUNT_LABEL). */
const SMALL = "< 5";

const shown = (n: Shown) => (n === null ? SMALL : String(n));

function monthLabel(month: string, lang: Lang): string {
  const [y, m] = month.split("-").map(Number);
  return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "fr-FR", { month: "short", year: "numeric", timeZone: "UTC" }).format(
    new Date(Date.UTC(y!, m! - 1, 1)),
  );
}

function periodLabel(p: { kind: "schoolYear" | "month"; label: string }, lang: Lang): string {
  return p.kind === "schoolYear" ? t("bot.stats.periodSchoolYear", { label: p.label }) : monthLabel(p.label, lang);
}

/** The statistics of the caller's scope, drawn from the chat's aggregates: bars in SVG with their
 *  labels and values in text, each chart with a table for screen readers; « < 5 » where the
 *  small-number rule hides a count; the period; the CSV export through the audited signed link. */
export function StatsView({ api, me, lang }: { api: TabApi; me: Me; lang: Lang }) {
  const [period, setPeriod] = useState("");
  const [stats, setStats] = useState<Stats | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [link, setLink] = useState<ExportLink | null>(null);
  const [busy, setBusy] = useState(false);
  const [exportFailed, setExportFailed] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setFailed(null);
    api
      .stats(period || undefined)
      .then((s) => live && setStats(s))
      .catch((err: unknown) => live && setFailed(err instanceof ApiError && err.body.message ? err.body.message : t("error")));
    return () => {
      live = false;
    };
  }, [api, period]);

  const download = async (kind: "stats" | "cases") => {
    setBusy(true);
    setExportFailed(null);
    try {
      setLink(await api.exportLink(kind, stats?.period.label));
    } catch (err) {
      setExportFailed(err instanceof ApiError && err.body.message ? err.body.message : t("error"));
    } finally {
      setBusy(false);
    }
  };

  if (failed)
    return (
      <MessageBar intent="error">
        <MessageBarBody>{failed}</MessageBarBody>
      </MessageBar>
    );
  if (!stats) return <Spinner label={t("loading")} />;
  const scope = stats.scope.kind === "academy" ? t("bot.stats.academy") : stats.scope.label;
  const days = (m: { medianDays: number | null; cases: Shown }) =>
    m.medianDays === null ? (m.cases === null ? t("bot.stats.notEnough") : t("bot.stats.none")) : t("bot.stats.days", { value: m.medianDays });
  const share =
    stats.overdue.share === null
      ? stats.overdue.withPlan === null
        ? t("bot.stats.notEnough")
        : t("bot.stats.none")
      : t("bot.stats.shareOf", {
          share: `${Math.round(stats.overdue.share * 100)} %`,
          overdue: shown(stats.overdue.overdue),
          withPlan: shown(stats.overdue.withPlan),
        });

  return (
    <section className="stats" aria-labelledby="stats-title">
      <div className="stats-head">
        <Subtitle2 as="h2" id="stats-title">
          {t("bot.stats.title", { scope })}
        </Subtitle2>
        <Field label={t("stats.period")} className="stats-period">
          <Select
            value={period || stats.period.label}
            onChange={(_, d) => {
              setLink(null);
              setPeriod(d.value);
            }}
            data-testid="stats-period"
          >
            {stats.periods.map((p) => (
              <option key={p.label} value={p.label}>
                {periodLabel(p, lang)}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      <p>
        <Caption1>
          {t("bot.stats.generated", { date: formatDate(stats.generatedAt, lang, true) })}
          {stats.protect ? ` · ${t("bot.stats.protectNote")}` : ""}
        </Caption1>
      </p>

      <Subtitle2 as="h3">{t("bot.stats.keyFigures")}</Subtitle2>
      <dl className="facts key-figures" data-testid="key-figures">
        <dt>{t("bot.stats.opened")}</dt>
        <dd>{shown(stats.openedTotal)}</dd>
        <dt>{t("bot.stats.openNow")}</dt>
        <dd>{shown(stats.openTotal)}</dd>
        <dt>{t("bot.stats.closed")}</dt>
        <dd>{shown(stats.closedTotal)}</dd>
        <dt>{t("bot.stats.medianTake")}</dt>
        <dd>{days(stats.takeInCharge)}</dd>
        <dt>{t("bot.stats.medianPlan")}</dt>
        <dd>{days(stats.toPlan)}</dd>
        <dt>{t("bot.stats.overdueShare")}</dt>
        <dd>{share}</dd>
      </dl>

      <div className="charts">
        <BarChart
          title={t("bot.stats.perMonth")}
          head={t("stats.month")}
          items={stats.months.map((m) => ({ label: monthLabel(m.month, lang), value: m.count }))}
        />
        <BarChart
          title={t("bot.stats.byStatus")}
          head={t("stats.status")}
          items={stats.openByStatus.map((s) => ({ label: t(`bot.status.${s.status}`), value: s.count }))}
        />
        <BarChart
          title={t("bot.stats.families")}
          head={t("stats.family")}
          items={stats.signalFamilies.map((f) => ({ label: t(`bot.family.${f.family}`, { defaultValue: f.family }), value: f.count }))}
        />
        <BarChart
          title={t("bot.stats.outcomes")}
          head={t("stats.outcome")}
          items={stats.outcomes.map((o) => ({ label: t(`bot.outcome.${o.kind}`, { defaultValue: o.kind }), value: o.count }))}
        />
      </div>

      <Subtitle2 as="h3">{t("bot.stats.schools")}</Subtitle2>
      {stats.schools.length === 0 ? (
        <p>
          <Caption1>{t("bot.stats.noSchool")}</Caption1>
        </p>
      ) : (
        <div className="table-scroll">
          <Table size="small" aria-label={t("bot.stats.schools")} data-testid="stats-schools">
            <TableHeader>
              <TableRow>
                <TableHeaderCell scope="col">{t("bot.stats.schoolColumn")}</TableHeaderCell>
                <TableHeaderCell scope="col">{t("stats.openedColumn")}</TableHeaderCell>
                <TableHeaderCell scope="col">{t("bot.stats.openColumn")}</TableHeaderCell>
                <TableHeaderCell scope="col" className="wide">
                  {t("bot.stats.planColumn")}
                </TableHeaderCell>
                <TableHeaderCell scope="col" className="wide">
                  {t("bot.stats.overdueColumn")}
                </TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {stats.schools.map((s) => (
                <TableRow key={s.uai} data-uai={s.uai}>
                  <TableCell>{s.name}</TableCell>
                  <TableCell>{shown(s.opened)}</TableCell>
                  <TableCell>{shown(s.open)}</TableCell>
                  <TableCell className="wide">{shown(s.withPlan)}</TableCell>
                  <TableCell className="wide">{shown(s.overdue)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}

      <Subtitle2 as="h3">{t("stats.export")}</Subtitle2>
      <div className="actions">
        <Button appearance="primary" disabled={busy} onClick={() => void download("stats")}>
          {t("stats.downloadCsv")}
        </Button>
        {me.mayExportCases && (
          <Button disabled={busy} onClick={() => void download("cases")}>
            {t("stats.downloadCasesCsv")}
          </Button>
        )}
      </div>
      <div role="status">
        {exportFailed && (
          <MessageBar intent="error">
            <MessageBarBody>{exportFailed}</MessageBarBody>
          </MessageBar>
        )}
        {link && (
          <p className="export-link">
            <a href={link.url} download data-testid="csv-link">
              {t(link.kind === "stats" ? "stats.fileStats" : "stats.fileCases", { period: link.period })}
            </a>{" "}
            <Caption1>{t("stats.linkValid", { time: formatDate(link.expiresAt, lang, true) })}</Caption1>
          </p>
        )}
      </div>
    </section>
  );
}

/** Horizontal bars: each row its label, a bar drawn in SVG and its value in text; the same figures
 *  in a table that only screen readers read (the drawing is hidden from them). */
function BarChart({ title, head, items }: { title: string; head: string; items: { label: string; value: Shown }[] }) {
  const id = useId();
  // A hidden count (1 to 4) is drawn as a faint bar of at most 4: no more is told.
  const max = Math.max(1, ...items.map((i) => i.value ?? 4));
  return (
    <figure className="chart" aria-labelledby={id}>
      <figcaption id={id} className="chart-title">
        {title}
      </figcaption>
      <div className="bars" aria-hidden="true">
        {items.map((item, i) => (
          <div className="bar-row" key={i}>
            <span className="bar-label">{item.label}</span>
            <svg className="bar" width="100%" height="14" focusable="false">
              <rect x="0" y="1" height="12" rx="2" width={`${((item.value ?? 4) / max) * 100}%`} className={item.value === null ? "masked" : undefined} />
            </svg>
            <span className="bar-value">{shown(item.value)}</span>
          </div>
        ))}
      </div>
      {/* A table is at least as wide as its content: hidden inside a box that may be 1 px. */}
      <div className="visually-hidden">
        <table>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">{head}</th>
              <th scope="col">{t("stats.count")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item, i) => (
              <tr key={i}>
                <th scope="row">{item.label}</th>
                <td>{shown(item.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
