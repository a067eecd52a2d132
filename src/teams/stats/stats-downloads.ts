import type { Services } from "../../services/index.js";
import { CHART_PATH, EXPORT_PATH } from "../../services/statistics.js";
import { PSAD_PATH } from "../../services/calls.js";
import { decodeChart, renderChartPng } from "./charts.js";
import { resolveLocale, translator } from "../i18n.js";
import { casesCsv, statsCsv } from "./stats-views.js";

/** What GET /dl/stats/... answers: a chart image or a CSV export, or why not. */
export type StatsFile =
  { ok: true; contentType: string; body: Buffer; fileName?: string } | { ok: false; reason: "INVALID" | "EXPIRED" | "FORBIDDEN" | "NOT_FOUND" };

/** Serves the signed links of the statistics: the chart is drawn from the numbers its path carries,
 *  the export is built for the member who asked, as allowed now. */
export async function serveStatsFile(services: Services, path: string, exp: string | null, sig: string | null): Promise<StatsFile> {
  if (CHART_PATH.test(path)) {
    const check = services.statistics.checkChartLink(path, exp, sig);
    if (!check.ok) return { ok: false, reason: check.reason };
    const chart = decodeChart(check.encoded);
    if (!chart) return { ok: false, reason: "INVALID" };
    return { ok: true, contentType: "image/png", body: await renderChartPng(chart) };
  }
  if (EXPORT_PATH.test(path)) {
    const file = await services.statistics.download(path, exp, sig);
    if (!file.ok) return { ok: false, reason: file.reason };
    const locale = resolveLocale(file.locale, "fr");
    const t = translator(locale);
    const body = file.kind === "stats" ? statsCsv(t, locale, file.view) : casesCsv(t, file.rows);
    return { ok: true, contentType: "text/csv; charset=utf-8", body, fileName: file.fileName };
  }
  // The CSV for the PSAD (names, birth dates, situations): its own audit and permission.
  if (PSAD_PATH.test(path)) {
    const file = await services.calls.downloadPsad(path, exp, sig);
    return file.ok ? { ok: true, contentType: "text/csv; charset=utf-8", body: file.body, fileName: file.fileName } : { ok: false, reason: file.reason };
  }
  return { ok: false, reason: "INVALID" };
}
