import { createRequire } from "node:module";
import path from "node:path";
import type { TopLevelSpec } from "vega-lite";
import { z } from "zod";
import { SMALL_COUNT_LABEL } from "../../domain/statistics.js";

/** Charts of the statistics card: PNG images drawn on the server (Vega-Lite -> SVG -> PNG with
 *  resvg, no browser) from aggregate counts only. The card references each image by a signed
 *  link whose path carries the chart (labels and counts, base64url JSON): the server keeps
 *  nothing, any instance draws it, and the image can hold nothing but those numbers. */

/** "columns": one bar per month; "bars": one horizontal bar per category. A null value is a count
 *  hidden by the small-number rule: no bar at all, only the words "< 5" where the bar would start
 *  (a stub of any height would be read against the grid as a number). */
export type Chart = { kind: "columns" | "bars"; rows: [label: string, value: number | null][] };

const ChartSchema = z.object({
  k: z.enum(["c", "b"]),
  r: z
    .array(z.tuple([z.string().max(60), z.number().int().nonnegative().max(1e9).nullable()]))
    .min(1)
    .max(40),
});

export const CHART_WIDTH = 640;
const COLUMNS_HEIGHT = 260;
const BAR_ROW_HEIGHT = 30;
const FONT = "DejaVu Sans";

/** The font the charts are drawn with, shipped with the app (npm package `dejavu-fonts-ttf`, free
 *  licence): a server has no fonts to assume (a slim container has none, and resvg then draws no
 *  text at all: no month, no count). System fonts are not read: the same letters everywhere. */
let shippedFonts: readonly string[] | undefined;
/** Found when the first chart is drawn (like Vega and resvg below), not when the bot starts. */
export function chartFontFiles(): readonly string[] {
  if (!shippedFonts) {
    const dir = path.join(path.dirname(createRequire(import.meta.url).resolve("dejavu-fonts-ttf/package.json")), "ttf");
    shippedFonts = [path.join(dir, "DejaVuSans.ttf"), path.join(dir, "DejaVuSans-Bold.ttf")];
  }
  return shippedFonts;
}

export function encodeChart(chart: Chart): string {
  return Buffer.from(JSON.stringify({ k: chart.kind === "columns" ? "c" : "b", r: chart.rows })).toString("base64url");
}

/** The chart a link carries, or null when it is not one. */
export function decodeChart(encoded: string): Chart | null {
  try {
    const parsed = ChartSchema.safeParse(JSON.parse(Buffer.from(encoded, "base64url").toString("utf8")));
    if (!parsed.success) return null;
    return { kind: parsed.data.k === "c" ? "columns" : "bars", rows: parsed.data.r as Chart["rows"] };
  } catch {
    return null;
  }
}

/** The size of the PNG, in pixels. */
export function chartSize(chart: Chart): { width: number; height: number } {
  return { width: CHART_WIDTH, height: chart.kind === "columns" ? COLUMNS_HEIGHT : Math.max(80, chart.rows.length * BAR_ROW_HEIGHT + 40) };
}

function spec(chart: Chart): TopLevelSpec {
  const { width, height } = chartSize(chart);
  const values = chart.rows.map(([label, value], i) => ({
    i,
    label,
    value: value ?? 0,
    text: value === null ? SMALL_COUNT_LABEL : String(value),
    hidden: value === null,
  }));
  // The rows' own order: the bars' layer, which leaves the hidden rows out, must not reorder them.
  const category = { field: "label", type: "nominal" as const, sort: null, title: null, scale: { domain: [...new Set(values.map((v) => v.label))] } };
  const amount = { field: "value", type: "quantitative" as const, title: null, axis: { tickMinStep: 1, format: "d", grid: true } };
  const columns = chart.kind === "columns";
  // Room for the value written past the end of the longest bar; never a 0–4 scale, on which a
  // "< 5" would seem to sit at a value.
  const top = Math.max(5, Math.ceil(Math.max(...values.map((v) => v.value)) * 1.12));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    width,
    height,
    autosize: { type: "fit", contains: "padding" },
    padding: 8,
    background: "white",
    config: { font: FONT, axis: { labelFontSize: 12, labelColor: "#333", domainColor: "#999", tickColor: "#999" }, view: { stroke: null } },
    data: { values },
    encoding: columns
      ? { x: { ...category, axis: { labelAngle: 0, labelOverlap: true } }, y: { ...amount, scale: { domain: [0, top], nice: true } } }
      : { y: { ...category, axis: { labelLimit: 260 } }, x: { ...amount, scale: { domain: [0, top], nice: true } } },
    layer: [
      {
        transform: [{ filter: "!datum.hidden" }],
        mark: {
          type: "bar",
          color: "#3b5ba5",
          ...(columns ? { cornerRadiusTopLeft: 3, cornerRadiusTopRight: 3 } : { cornerRadiusTopRight: 3, cornerRadiusBottomRight: 3 }),
        },
      },
      {
        mark: columns ? { type: "text", dy: -7, fontSize: 12 } : { type: "text", align: "left", dx: 4, fontSize: 12 },
        encoding: {
          text: { field: "text" },
          color: { condition: { test: "datum.hidden", value: "#666" }, value: "#222" },
        },
      },
    ],
  } as TopLevelSpec;
}

// Vega, Vega-Lite and resvg are loaded by the first chart drawn, not at start: they weigh about
// 40 MB of memory that a bot which is never asked for a chart would carry (`npm run bench`, RSS).
export async function chartSvg(chart: Chart): Promise<string> {
  const [vega, { compile }] = await Promise.all([import("vega"), import("vega-lite")]);
  const view = new vega.View(vega.parse(compile(spec(chart)).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The chart as a PNG of chartSize(chart) pixels, its texts drawn with `fontFiles` only (the
 *  shipped font; the tests pass none to see what a missing font looks like). */
export async function renderChartPng(chart: Chart, fontFiles: readonly string[] = chartFontFiles()): Promise<Buffer> {
  const svg = await chartSvg(chart);
  const { Resvg } = await import("@resvg/resvg-js");
  const { width } = chartSize(chart);
  const font = { loadSystemFonts: false, fontFiles: [...fontFiles], defaultFontFamily: FONT, sansSerifFamily: FONT };
  return Buffer.from(new Resvg(svg, { fitTo: { mode: "width", value: width }, font, background: "white" }).render().asPng());
}
