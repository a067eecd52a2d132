import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardNames, renderCard } from "../../src/teams/cards/card-renderer.js";

/** Renders every card sample with the adaptivecards renderer in headless Chromium, as Teams shows it
 *  on the desktop (440 px wide) and on a phone (320 px), with the Teams light and dark host configs,
 *  and saves a PNG of each under test-results/cards/ for a person to look at. Fails when rendering
 *  throws, logs a page error or produces an empty element, and when a person could not read it:
 *  a button whose title is cut or that runs past the card, a word broken across two lines, a
 *  heading over three lines on a phone, text too faint on its background. */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SAMPLES_DIR = path.join(ROOT, "test/fixtures/cards");
const OUT_DIR = path.join(ROOT, "test-results/cards");
const CHROMIUM = "/usr/bin/chromium";
const require = createRequire(import.meta.url);
const AC_DIST = path.join(path.dirname(require.resolve("adaptivecards/package.json")), "dist");
const AC_SCRIPT = path.join(AC_DIST, "adaptivecards.min.js");
const AC_CSS = path.join(AC_DIST, "adaptivecards.css");
const hostConfig = (file: string) => JSON.parse(readFileSync(path.join(ROOT, "src/teams", file), "utf8")) as Record<string, unknown>;
const HOST_CONFIGS = { light: hostConfig("teams-host-config.json"), dark: hostConfig("teams-host-config-dark.json") };
type Theme = keyof typeof HOST_CONFIGS;

/** Widths of a card: in a Teams chat on the desktop client, and on a phone (320 px: the narrowest
 *  screen Teams supports, less its margins, is about what a 360 px Android phone leaves a card). */
const DESKTOP_WIDTH = 440;
const PHONE_WIDTH = 320;
const VARIANTS: { width: number; theme: Theme }[] = [
  { width: DESKTOP_WIDTH, theme: "light" },
  { width: PHONE_WIDTH, theme: "light" },
  { width: DESKTOP_WIDTH, theme: "dark" },
  { width: PHONE_WIDTH, theme: "dark" },
];
/** A heading on more lines than this pushes the card's content off a phone's first screen. */
const HEADING_MAX_LINES = 3;
/** WCAG 2.1 minimum contrast for large or bold text, and UI components. Normal text asks 4.5. */
const MIN_CONTRAST = 3;

const PAGE = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>cards</title>
<style>
  body { margin: 0; padding: 16px; background: #f5f5f5; font-family: 'Segoe UI', system-ui, sans-serif; }
  #host { width: ${DESKTOP_WIDTH}px; background: #fff; border: 1px solid #e1dfdd; border-radius: 4px; overflow: hidden; }
  /* Teams-like buttons and inputs (the renderer leaves their look to the host). */
  .ac-pushButton { font: 600 14px 'Segoe UI', system-ui, sans-serif; min-height: 32px; padding: 4px 12px; border-radius: 4px;
    border: 1px solid #d1d1d1; background: #fff; color: #242424; cursor: pointer; overflow: hidden; text-overflow: ellipsis; }
  .ac-pushButton.style-positive, .ac-pushButton.primary { background: #5b5fc7; border-color: #5b5fc7; color: #fff; }
  .ac-pushButton.style-destructive { color: #c4314b; border-color: #c4314b; }
  .ac-pushButton-disabled { font: 600 14px 'Segoe UI', system-ui, sans-serif; min-height: 32px; padding: 4px 12px; border-radius: 4px;
    border: 1px solid #e0e0e0; background: #f0f0f0; color: #bdbdbd; }
  .ac-input { font: 14px 'Segoe UI', system-ui, sans-serif; color: #242424; }
  .ac-textInput, .ac-numberInput, .ac-dateInput, .ac-timeInput, .ac-choiceSetInput-compact, .ac-choiceSetInput-filtered {
    min-height: 32px; padding: 4px 8px; border: 1px solid #e0e0e0; border-bottom-color: #616161; border-radius: 4px; background: #fff; box-sizing: border-box; }
  .ac-textInput.ac-multiline { min-height: 64px; }
  .ac-input-validation-failed { border-color: #c4314b !important; }
  /* Teams dark theme. */
  body.dark { background: #1f1f1f; }
  body.dark #host { background: #292929; border-color: #3d3d3d; }
  body.dark .ac-pushButton { background: #292929; border-color: #666666; color: #ffffff; }
  body.dark .ac-pushButton.style-positive, body.dark .ac-pushButton.primary { background: #4f52b2; border-color: #4f52b2; color: #fff; }
  body.dark .ac-pushButton.style-destructive { color: #f9526b; border-color: #f9526b; }
  body.dark .ac-pushButton-disabled { background: #3d3d3d; border-color: #3d3d3d; color: #5c5c5c; }
  body.dark .ac-input { color: #ffffff; }
  body.dark .ac-textInput, body.dark .ac-numberInput, body.dark .ac-dateInput, body.dark .ac-timeInput,
  body.dark .ac-choiceSetInput-compact, body.dark .ac-choiceSetInput-filtered { background: #1f1f1f; border-color: #3d3d3d; border-bottom-color: #adadad; color: #fff; }
</style></head>
<body><div id="host"></div></body></html>`;

type Samples = Record<string, Record<string, unknown>>;
function loadSamples(name: string): Samples | undefined {
  const file = path.join(SAMPLES_DIR, `${name}.samples.json`);
  // A missing samples file is reported by test/unit/cards.test.ts.
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Samples) : undefined;
}

const cases = cardNames().flatMap((name) => Object.entries(loadSamples(name) ?? {}).map(([sample, data]) => ({ name, sample, data })));

describe.skipIf(!existsSync(CHROMIUM))("cards rendered in headless Chromium", () => {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    rmSync(OUT_DIR, { recursive: true, force: true });
    mkdirSync(OUT_DIR, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    page = await browser.newPage({ viewport: { width: DESKTOP_WIDTH + 32, height: 600 }, deviceScaleFactor: 1, locale: "fr-FR" });
    // Nothing leaves the machine: only localhost may be reached (cards may hold image URLs).
    await page.route("**/*", (route) => {
      const url = new URL(route.request().url());
      return ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname) ? route.continue() : route.abort("blockedbyclient");
    });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.setContent(PAGE);
    await page.addStyleTag({ path: AC_CSS });
    await page.addScriptTag({ path: AC_SCRIPT });
    expect(await page.evaluate(() => typeof (window as unknown as { AdaptiveCards?: unknown }).AdaptiveCards)).toBe("object");
    // Teams reads TextBlocks as Markdown: the backslash escapes the bot adds (markdown.ts) do not show.
    await page.evaluate(() => {
      type Markdown = { onProcessMarkdown: (text: string, result: { didProcess: boolean; outputHtml?: string }) => void };
      const AC = (window as unknown as { AdaptiveCards: { AdaptiveCard: Markdown } }).AdaptiveCards;
      AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
        const span = document.createElement("span");
        span.textContent = text.replace(/\\([\\*_[\]`~<#>+\-.)])/g, "$1");
        result.outputHtml = span.innerHTML;
        result.didProcess = true;
      };
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  type Rendered = { children: number; width: number; height: number; text: string; layout: string[] };

  /** Renders one card into #host at a width and in a theme; returns what the renderer produced and
   *  what a person could not read in it (see layoutProblems below). */
  async function renderInPage(card: unknown, { width, theme }: { width: number; theme: Theme } = VARIANTS[0]!): Promise<Rendered> {
    await page.setViewportSize({ width: width + 32, height: 600 });
    return page.evaluate(
      ({ card, hostConfig, width, theme, limits }) => {
        type ACGlobal = {
          AdaptiveCard: new () => { hostConfig: unknown; parse(json: unknown): void; render(): HTMLElement | undefined };
          HostConfig: new (json: unknown) => unknown;
        };
        const AC = (window as unknown as { AdaptiveCards: ACGlobal }).AdaptiveCards;
        document.body.classList.toggle("dark", theme === "dark");
        const host = document.getElementById("host")!;
        host.style.width = `${width}px`;
        const adaptiveCard = new AC.AdaptiveCard();
        adaptiveCard.hostConfig = new AC.HostConfig(hostConfig);
        adaptiveCard.parse(card);
        const element = adaptiveCard.render();
        if (!element) throw new Error("the renderer returned no element");
        host.replaceChildren(element);
        const box = element.getBoundingClientRect();

        const layout: string[] = [];
        const shown = (el: Element) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
        const short = (text: string) => JSON.stringify(text.replace(/\s+/g, " ").trim().slice(0, 60));

        // Buttons: the whole title shows, and the button is inside the card (not clipped by a
        // strip that hides what does not fit).
        for (const button of host.querySelectorAll<HTMLElement>(".ac-pushButton, .ac-pushButton-disabled")) {
          if (!shown(button)) continue;
          const title = button.innerText.trim() || button.getAttribute("aria-label") || "(no title)";
          const cut = [button, ...button.querySelectorAll<HTMLElement>("div")].find((el) => el.scrollWidth > el.clientWidth + 1);
          if (cut) layout.push(`button ${short(title)} is cut: its title needs ${cut.scrollWidth}px and has ${cut.clientWidth}px`);
          const b = button.getBoundingClientRect();
          for (let a = button.parentElement; a && a !== host.parentElement; a = a.parentElement) {
            if (getComputedStyle(a).overflowX === "visible") continue;
            const r = a.getBoundingClientRect();
            if (b.right > r.right + 0.5 || b.left < r.left - 0.5) {
              layout.push(`button ${short(title)} runs past the edge of the card`);
              break;
            }
          }
        }

        // Words: none broken across two lines (a hyphen is a place to break, « Jean-Baptiste »),
        // unless the word is wider than the card itself (a 60-letter name in the longest samples).
        const lineTops = (range: Range) => new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.bottom)));
        const cardInnerWidth = width - 2 * 16;
        for (const block of host.querySelectorAll<HTMLElement>(".ac-textBlock")) {
          if (!shown(block)) continue;
          const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
            for (const word of node.data.matchAll(/[^\s\-‐/]+/g)) {
              const range = document.createRange();
              range.setStart(node, word.index);
              range.setEnd(node, word.index + word[0].length);
              const lines = lineTops(range).size;
              const wordWidth = [...range.getClientRects()].reduce((sum, r) => sum + r.width, 0);
              if (lines > 1 && wordWidth <= cardInnerWidth) layout.push(`the word ${short(word[0])} is broken across ${lines} lines`);
            }
          }
        }

        // Headings: a phone shows the card's content on its first screen.
        for (const heading of host.querySelectorAll<HTMLElement>('[role="heading"]')) {
          if (!shown(heading)) continue;
          const range = document.createRange();
          range.selectNodeContents(heading);
          // Lines past a TextBlock's maxLines are laid out but hidden: only the ones shown count.
          const bottom = heading.getBoundingClientRect().bottom + 1;
          const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0 && r.bottom <= bottom).map((r) => Math.round(r.bottom))).size;
          if (lines > limits.headingMaxLines) layout.push(`the heading ${short(heading.innerText)} takes ${lines} lines (at most ${limits.headingMaxLines})`);
        }

        // Contrast of every text with what is behind it, in both themes.
        const rgba = (css: string) => {
          const [r = 0, g = 0, b = 0, a = 1] = (css.match(/[\d.]+/g) ?? []).map(Number);
          return { r, g, b, a };
        };
        const luminance = ({ r, g, b }: { r: number; g: number; b: number }) => {
          const c = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
          return 0.2126 * c(r) + 0.7152 * c(g) + 0.0722 * c(b);
        };
        for (const block of host.querySelectorAll<HTMLElement>(".ac-textBlock")) {
          if (!shown(block) || block.innerText.trim() === "") continue;
          let bg = { r: 255, g: 255, b: 255, a: 1 };
          for (let a: HTMLElement | null = block; a; a = a.parentElement) {
            const c = rgba(getComputedStyle(a).backgroundColor);
            if (c.a > 0) {
              bg = c;
              break;
            }
          }
          // The text colour of the first element that sets one (a bold run, a link) or of the block.
          const inner = block.querySelector<HTMLElement>("p, span, a") ?? block;
          const fg = rgba(getComputedStyle(inner).color);
          const over = { r: fg.r * fg.a + bg.r * (1 - fg.a), g: fg.g * fg.a + bg.g * (1 - fg.a), b: fg.b * fg.a + bg.b * (1 - fg.a) };
          const [hi, lo] = [luminance(over), luminance(bg)].sort((x, y) => y - x) as [number, number];
          const ratio = (hi + 0.05) / (lo + 0.05);
          if (ratio < limits.minContrast) layout.push(`the text ${short(block.innerText)} has a contrast of ${ratio.toFixed(2)} with its background`);
        }

        return { children: element.childElementCount, width: box.width, height: box.height, text: element.innerText, layout: [...new Set(layout)] };
      },
      { card, hostConfig: HOST_CONFIGS[theme], width, theme, limits: { headingMaxLines: HEADING_MAX_LINES, minContrast: MIN_CONTRAST } },
    );
  }

  /** What makes a rendering unacceptable; an empty list means the card shows and reads well. */
  function renderProblems(result: Rendered, errors: string[]): string[] {
    const problems = errors.map((e) => `page error: ${e}`);
    if (result.children === 0 || result.height <= 10) problems.push(`the rendered card is empty (${result.children} children, ${result.height}px high)`);
    else if (result.text.trim() === "") problems.push("the rendered card shows no text");
    return [...problems, ...result.layout];
  }

  it("finds the adaptivecards renderer and the Teams host configs", () => {
    expect(existsSync(AC_SCRIPT)).toBe(true);
    expect(HOST_CONFIGS.light.containerStyles).toBeDefined();
    expect(HOST_CONFIGS.dark.containerStyles).toBeDefined();
  });

  const runs = cases.flatMap((c) => VARIANTS.map((v) => [`${c.name} / ${c.sample} at ${v.width} px, ${v.theme}`, { ...c, ...v }] as const));
  it.each(runs)("renders %s", async (_label, { name, sample, data, width, theme }) => {
    pageErrors.length = 0;
    const result = await renderInPage(renderCard(name, data), { width, theme });
    // Saved before the checks: the picture of a failing card shows what is wrong.
    const file = path.join(OUT_DIR, `${name}-${sample}-${width}-${theme}.png`);
    await page.locator("#host").screenshot({ path: file });
    expect(existsSync(file)).toBe(true);
    expect(renderProblems(result, pageErrors)).toEqual([]);
  });

  /** Cards with tabular data, and a sample of each with rows: an Adaptive Cards 1.5 Table whose first
   *  row is its header row, so that a screen reader names a figure by its column. */
  const TABLES: [name: string, sample: string][] = [
    ["stats-card", "district"],
    ["weekly-digest", "typical"],
    ["import-summary", "channel"],
  ];
  it.each(TABLES)("shows the table of %s (%s) with header cells a screen reader names", async (name, sample) => {
    const data = loadSamples(name)![sample] as { columns: Record<string, string>; schools: unknown[] };
    await renderInPage(renderCard(name, data), { width: PHONE_WIDTH, theme: "light" });
    expect(await page.locator('#host [role="table"]').count()).toBe(1);
    expect(await page.locator('#host [role="columnheader"]').allInnerTexts()).toEqual(Object.values(data.columns));
    expect(await page.locator('#host [role="row"]').count()).toBe(1 + data.schools.length);
  });

  it("reports a card that renders to nothing", async () => {
    // An element of an unknown type with no fallback is dropped: nothing is left to show.
    pageErrors.length = 0;
    const empty = await renderInPage({ type: "AdaptiveCard", version: "1.5", body: [{ type: "Fancy.Banner", text: "x" }] });
    expect(renderProblems(empty, pageErrors)).toEqual([expect.stringMatching(/^the rendered card (is empty|shows no text)/)]);
  });

  it("reports what a person could not read on a phone: a cut button, a broken word, a long heading, faint text", async () => {
    // The plan card as it was before issue 27: four buttons in a row, a long title beside its status.
    const card = {
      type: "AdaptiveCard",
      version: "1.5",
      body: [
        {
          type: "ColumnSet",
          columns: [
            {
              type: "Column",
              width: "stretch",
              items: [{ type: "TextBlock", text: "Plan d’accompagnement de Jean-Baptiste de La Tour d’Auvergne", style: "heading", wrap: true }],
            },
            { type: "Column", width: "auto", items: [{ type: "TextBlock", text: "Plan en cours de validation", weight: "Bolder", wrap: true }] },
          ],
        },
        {
          type: "ColumnSet",
          columns: ["Établissement", "Classe", "Référent", "Signalé le"].map((text) => ({
            type: "Column",
            items: [{ type: "TextBlock", text, weight: "Bolder", wrap: true }],
          })),
        },
        { type: "TextBlock", text: "Texte sombre", color: "Dark" },
      ],
      actions: ["Ajouter une action", "Valider le plan", "Historique", "Retour au dossier"].map((title) => ({ type: "Action.Submit", title })),
    };
    pageErrors.length = 0;
    const problems = renderProblems(await renderInPage(card, { width: PHONE_WIDTH, theme: "dark" }), pageErrors);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^button "Historique" is cut/),
        expect.stringMatching(/^the word "Établissement" is broken across \d+ lines/),
        expect.stringMatching(/^the heading "Plan d’accompagnement de Jean-Baptiste.*" takes ([4-9]|\d{2,}) lines/),
        expect.stringMatching(/^the text "Texte sombre" has a contrast of 1\.\d\d/),
      ]),
    );
    // The same card at the desktop width in the light theme has fewer problems: what is checked depends on the width and the theme.
    const desktop = renderProblems(await renderInPage(card, { width: DESKTOP_WIDTH, theme: "light" }), pageErrors);
    expect(desktop.length).toBeLessThan(problems.length);
  });
});
