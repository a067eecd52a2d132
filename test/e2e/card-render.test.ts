import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardNames, renderCard } from "../../src/teams/cards/card-renderer.js";

/** Renders every card sample with the adaptivecards renderer and the Teams light host config in
 *  headless Chromium, and saves a PNG of each under test-results/cards/ for a person to look at.
 *  Fails when rendering throws, logs a page error, or produces an empty element. */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SAMPLES_DIR = path.join(ROOT, "test/fixtures/cards");
const OUT_DIR = path.join(ROOT, "test-results/cards");
const CHROMIUM = "/usr/bin/chromium";
const require = createRequire(import.meta.url);
const AC_DIST = path.join(path.dirname(require.resolve("adaptivecards/package.json")), "dist");
const AC_SCRIPT = path.join(AC_DIST, "adaptivecards.min.js");
const AC_CSS = path.join(AC_DIST, "adaptivecards.css");
const HOST_CONFIG = JSON.parse(readFileSync(path.join(ROOT, "src/teams/teams-host-config.json"), "utf8")) as Record<string, unknown>;

/** Width of a card in a Teams chat on the desktop client. */
const CARD_WIDTH = 440;

const PAGE = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>cards</title>
<style>
  body { margin: 0; padding: 16px; background: #f5f5f5; font-family: 'Segoe UI', system-ui, sans-serif; }
  #host { width: ${CARD_WIDTH}px; background: #fff; border: 1px solid #e1dfdd; border-radius: 4px; overflow: hidden; }
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
    page = await browser.newPage({ viewport: { width: CARD_WIDTH + 32, height: 600 }, deviceScaleFactor: 1, locale: "fr-FR" });
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
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** Renders one card into #host; returns what the renderer produced. */
  async function renderInPage(card: unknown): Promise<{ children: number; width: number; height: number; text: string }> {
    return page.evaluate(
      ({ card, hostConfig }) => {
        type ACGlobal = {
          AdaptiveCard: new () => { hostConfig: unknown; parse(json: unknown): void; render(): HTMLElement | undefined };
          HostConfig: new (json: unknown) => unknown;
        };
        const AC = (window as unknown as { AdaptiveCards: ACGlobal }).AdaptiveCards;
        const adaptiveCard = new AC.AdaptiveCard();
        adaptiveCard.hostConfig = new AC.HostConfig(hostConfig);
        adaptiveCard.parse(card);
        const element = adaptiveCard.render();
        if (!element) throw new Error("the renderer returned no element");
        const host = document.getElementById("host")!;
        host.replaceChildren(element);
        const box = element.getBoundingClientRect();
        return { children: element.childElementCount, width: box.width, height: box.height, text: element.innerText };
      },
      { card, hostConfig: HOST_CONFIG },
    );
  }

  type Rendered = Awaited<ReturnType<typeof renderInPage>>;
  /** What makes a rendering unacceptable; an empty list means the card shows. */
  function renderProblems(result: Rendered, errors: string[]): string[] {
    const problems = errors.map((e) => `page error: ${e}`);
    if (result.children === 0 || result.height <= 10) problems.push(`the rendered card is empty (${result.children} children, ${result.height}px high)`);
    else if (result.text.trim() === "") problems.push("the rendered card shows no text");
    return problems;
  }

  it("finds the adaptivecards renderer and the Teams host config", () => {
    expect(existsSync(AC_SCRIPT)).toBe(true);
    expect(HOST_CONFIG.containerStyles).toBeDefined();
  });

  it.each(cases.map((c) => [`${c.name} / ${c.sample}`, c] as const))("renders %s", async (_label, { name, sample, data }) => {
    pageErrors.length = 0;
    const result = await renderInPage(renderCard(name, data));
    expect(renderProblems(result, pageErrors)).toEqual([]);
    const file = path.join(OUT_DIR, `${name}-${sample}.png`);
    await page.locator("#host").screenshot({ path: file });
    expect(existsSync(file)).toBe(true);
  });

  it("reports a card that renders to nothing", async () => {
    // An element of an unknown type with no fallback is dropped: nothing is left to show.
    pageErrors.length = 0;
    const empty = await renderInPage({ type: "AdaptiveCard", version: "1.5", body: [{ type: "Fancy.Banner", text: "x" }] });
    expect(renderProblems(empty, pageErrors)).toEqual([expect.stringMatching(/^the rendered card (is empty|shows no text)/)]);
  });
});
