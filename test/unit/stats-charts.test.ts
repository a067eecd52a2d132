import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { chartFontFiles, chartSize, chartSvg, decodeChart, encodeChart, renderChartPng, type Chart } from "../../src/teams/stats/charts.js";

const months: Chart = {
  kind: "columns",
  rows: [
    ["sept.", 12],
    ["oct.", null],
    ["nov.", 30],
    ["déc.", 0],
  ],
};
const statuses: Chart = {
  kind: "bars",
  rows: [
    ["Signalé", 12],
    ["Pris en charge", null],
    ["Bilan à faire", 6],
  ],
};

describe("chart images", () => {
  it("draws a PNG of the expected size, a valid image", async () => {
    for (const chart of [months, statuses]) {
      const png = await renderChartPng(chart);
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      const image = PNG.sync.read(png);
      expect({ width: image.width, height: image.height }).toEqual(chartSize(chart));
      // Not a blank canvas: the bars are drawn in the chart's blue.
      let blue = 0;
      for (let i = 0; i < image.data.length; i += 4) if (image.data[i] === 0x3b && image.data[i + 1] === 0x5b && image.data[i + 2] === 0xa5) blue++;
      expect(blue).toBeGreaterThan(500);
    }
    expect(chartSize(months)).toEqual({ width: 640, height: 260 });
    expect(chartSize(statuses)).toEqual({ width: 640, height: 130 });
  });

  it("writes hidden counts as « < 5 » and holds nothing but the labels and counts it was given", async () => {
    const svg = await chartSvg(months);
    expect(svg).toContain("&lt; 5");
    expect(svg).toContain("déc.");
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    for (const text of texts) expect(text).toMatch(/^(sept\.|oct\.|nov\.|déc\.|&lt; 5|\d+)$/);
  });

  it("draws no bar for a hidden count, so that nobody reads a number off the grid; its label says « < 5 »", async () => {
    for (const chart of [
      months,
      statuses,
      {
        kind: "columns",
        rows: [
          ["sept.", null],
          ["oct.", null],
        ],
      } satisfies Chart,
    ]) {
      const svg = await chartSvg(chart);
      const bars = [...svg.matchAll(/aria-roledescription="bar"[^>]*aria-label="([^"]*)"|aria-label="([^"]*)"[^>]*aria-roledescription="bar"/g)].map(
        (m) => m[1] ?? m[2],
      );
      const hidden = chart.rows.filter(([, v]) => v === null).map(([label]) => label);
      expect(bars, JSON.stringify(chart.rows)).toHaveLength(chart.rows.length - hidden.length);
      for (const label of hidden) expect(bars.some((b) => b!.includes(`label: ${label};`))).toBe(false);
      expect(svg).toContain("&lt; 5");
      // The value axis reaches 5 at least: a hidden count is not shown against a 0–4 grid.
      const axis = /aria-label="[YX]-axis for a linear scale with values from 0 to (\d+)"/.exec(svg);
      expect(Number(axis![1])).toBeGreaterThanOrEqual(5);
    }
    // The rows keep their order (the months' chart is read left to right).
    expect(await chartSvg(months)).toContain("X-axis for a discrete scale with 4 values: sept., oct., nov., déc.");
    // Nor in the PNG: no pale stub.
    const image = PNG.sync.read(
      await renderChartPng({
        kind: "columns",
        rows: [
          ["sept.", null],
          ["oct.", 3],
        ],
      }),
    );
    let pale = 0;
    for (let i = 0; i < image.data.length; i += 4) if (image.data[i] === 0xb8 && image.data[i + 1] === 0xc4 && image.data[i + 2] === 0xd6) pale++;
    expect(pale).toBe(0);
  });

  /** Pixels of text in a band of rows of the image: grey to black (labels #333, counts #222),
   *  not the blue of the bars nor the light grey (#999) of the axis lines. */
  function textPixels(png: Buffer, rows: [from: number, to: number]): number {
    const image = PNG.sync.read(png);
    let n = 0;
    for (let y = Math.max(0, rows[0]); y < Math.min(image.height, rows[1]); y++) {
      for (let x = 0; x < image.width; x++) {
        const i = (y * image.width + x) * 4;
        const [r, g, b] = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
        if (r < 0x90 && Math.abs(r - g) < 16 && Math.abs(g - b) < 16) n++;
      }
    }
    return n;
  }

  it("draws its labels and counts with the font shipped with the app, with no system font read", async () => {
    // The font is a file of the app's own dependencies, not one of the machine's.
    expect(chartFontFiles().length).toBeGreaterThan(0);
    for (const file of chartFontFiles()) expect(existsSync(file), file).toBe(true);
    const { height } = chartSize(months);
    // System fonts are never loaded (loadSystemFonts: false): with an empty font configuration,
    // the chart has bars and no text at all: what a server without fonts drew before.
    const bare = await renderChartPng(months, []);
    expect(textPixels(bare, [0, height])).toBe(0);
    // With the shipped font: the months under the columns, and the counts above them.
    const png = await renderChartPng(months);
    expect(textPixels(png, [height - 30, height]), "month labels under the columns").toBeGreaterThan(100);
    expect(textPixels(png, [0, height - 30]), "counts and axis numbers").toBeGreaterThan(100);
    // The bars' chart too: its category names on the left.
    const bars = await renderChartPng(statuses);
    expect(textPixels(bars, [0, chartSize(statuses).height])).toBeGreaterThan(textPixels(await renderChartPng(statuses, []), [0, 1000]) + 200);
  });

  it("carries its data in the link, and refuses what is not a chart", () => {
    expect(decodeChart(encodeChart(months))).toEqual(months);
    expect(encodeChart(months)).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeChart("not-base64!")).toBeNull();
    expect(decodeChart(Buffer.from(JSON.stringify({ k: "c", r: [["x", -1]] })).toString("base64url"))).toBeNull();
    expect(decodeChart(Buffer.from(JSON.stringify({ k: "c", r: [] })).toString("base64url"))).toBeNull();
    expect(decodeChart(Buffer.from(JSON.stringify({ k: "c", r: [["x".repeat(61), 1]] })).toString("base64url"))).toBeNull();
  });
});
