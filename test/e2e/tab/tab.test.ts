import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startApp, type App } from "../../../src/app.js";
import { loadConfig } from "../../../src/config.js";
import { parisClock } from "../../../src/domain/school-year.js";
import { createLogger } from "../../../src/logging.js";
import type { Actor } from "../../../src/services/index.js";
import { DEMO_CHANNELS, DEMO_PEOPLE, DEMO_TENANT_ID } from "../../../src/store/demo-seed.js";
import { BOT } from "../../helpers/bot-harness.js";
import { FakeConnector } from "../../helpers/fake-connector.js";
import { launchBrowser, ROOT } from "../playground/stack.js";

/** Issue #28: the personal tab « Mes dossiers » in Debian's Chromium, at 1280 px and at 360 px (Teams
 *  mobile), served by the bot's own server on the embedded database with the demo académie, in local
 *  mode (no app id, loopback: a demo person is picked). Teams is a local stand-in for the connector:
 *  the bassin's channel receives the case cards, and the update of a card when a case is taken in
 *  charge from the tab. Screenshots go to test-results/e2e/; E2E_UPDATE_DOCS=1 also refreshes
 *  docs/screenshots/tab-*.png. */

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const SHOTS = path.join(ROOT, "test-results/e2e");
const YEAR = parisClock(new Date()).year;
const CHANNEL = DEMO_CHANNELS[0].channelId;
const person = (name: string) => DEMO_PEOPLE.find((p) => p.displayName === name)!;

let app: App;
let url: string;
let browser: Browser;
const connector = new FakeConnector();
const dataDir = mkdtempSync(path.join(tmpdir(), "repere-tab-e2e-"));
const refs = {} as Record<"lea" | "hugo" | "ines" | "noah", string>;
let collegeRef = "";

async function report(by: Actor, uai: string, lastName: string, firstName: string, age: number, urgency: 1 | 2 | 3): Promise<string> {
  const school = (await app.services.reports.reportingSchools(by)).find((s) => s.uai === uai)!;
  const outcome = await app.services.reports.submit(
    by,
    {
      pupil: { lastName, firstName, className: "2nde 3", schoolId: school.id, birthYear: YEAR - age },
      signals: { signals: [{ code: "UNJUSTIFIED_ABSENCES" }] },
      steps: { stepsTaken: [], urgency },
    },
    `tab-e2e-${randomUUID()}`,
  );
  if (!outcome.ok) throw new Error(outcome.reason);
  return outcome.recorded.reference;
}

async function open(width: number, height: number, query = "lang=fr"): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width, height }, locale: "fr-FR", reducedMotion: "reduce" });
  await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(`${url}/tab/?${query}`);
  return { context, page, errors };
}

/** Picks the demo person in the clearly marked local-mode box; the table then shows their cases. */
async function actAs(page: Page, name: string): Promise<void> {
  // waitFor (15 s) rather than a poll of 1 s: on a loaded machine the first render takes longer.
  await page.getByText("Mode local", { exact: true }).waitFor();
  await pick(page, name);
  await page.getByText(new RegExp(`^${name} ·`)).waitFor();
  await page.locator("tr.case-row").first().waitFor();
}

async function pick(page: Page, name: string): Promise<void> {
  const select = page.getByTestId("local-person");
  await select.locator("option", { hasText: name }).waitFor({ state: "attached" });
  await select.selectOption((await select.locator("option", { hasText: name }).getAttribute("value"))!);
}

const rowRefs = (page: Page) => page.locator("tr.case-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-reference")));

async function shot(page: Page, name: string, docs?: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  if (docs && process.env.E2E_UPDATE_DOCS === "1") {
    mkdirSync(path.dirname(docs), { recursive: true });
    await page.screenshot({ path: docs });
  }
}

/** axe-core's serious and critical violations on the page as it is now. */
async function seriousViolations(page: Page): Promise<string[]> {
  // Through the debugging protocol, as a test tool does: the page's own CSP admits no other script.
  await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    (window as unknown as { axe: { run: (o: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run({
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    }),
  );
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

beforeAll(async () => {
  await connector.start();
  app = await startApp(loadConfig({ PORT: "0", DATA_DIR: dataDir, SEED_DEMO: "always" }), { logger: createLogger("silent") });
  url = `http://127.0.0.1:${app.port}`;
  // The bassin Nord's channel, where the bot was added: its sends reach the stand-in for Teams.
  await app.store.conversations.upsert({
    conversationId: CHANNEL,
    kind: "CHANNEL",
    tenantId: DEMO_TENANT_ID,
    aadObjectId: null,
    teamId: DEMO_CHANNELS[0].teamId,
    channelId: CHANNEL,
    serviceUrl: connector.url,
    reference: { conversation: { id: CHANNEL, isGroup: true, conversationType: "channel" }, serviceUrl: connector.url, channelId: "msteams", bot: BOT },
  });
  const claire = (await app.services.members.identify(DEMO_TENANT_ID, person("Claire Martin").aadObjectId))!;
  refs.lea = await report(claire, "0690001B", "Dupont", "Léa", 17, 3);
  refs.hugo = await report(claire, "0690001B", "Bernard", "Hugo", 14, 1);
  refs.ines = await report(claire, "0690001B", "Lefèvre", "Inès", 16, 2);
  refs.noah = await report(claire, "0690001B", "Morel", "Noah", 15, 2);
  // A teacher of two schools with more reports than one page holds (under 16: the GPDS's, no card
  // in the channel).
  const thomas = (await app.services.members.identify(DEMO_TENANT_ID, person("Thomas Girard").aadObjectId))!;
  for (let i = 0; i < 26; i++) await report(thomas, "0690002C", `Élève${String.fromCharCode(65 + i)}`, "Sam", 14, 1);
  collegeRef = await report(thomas, "0690003D", "Petit", "Jules", 13, 2);
  // The cards of the 16 and over are posted in the bassin's channel.
  await vi.waitFor(() => expect(connector.sent.filter((s) => s.method === "POST" && s.conversationId === CHANNEL).length).toBeGreaterThanOrEqual(2), {
    timeout: 30_000,
    interval: 100,
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await connector.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the tab « Mes dossiers » in Chromium", () => {
  it("is served by the bot under /tab/, framable by Teams only, never cached", async () => {
    const res = await fetch(`${url}/tab/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/frame-ancestors 'self' https:\/\/teams\.microsoft\.com https:\/\/\*\.teams\.microsoft\.com .*https:\/\/\*\.office\.com/);
    expect(csp).toContain("script-src 'self'");
    const html = await res.text();
    const asset = /src="(\/tab\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${url}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect((await fetch(`${url}/tab/../package.json`)).status).toBe(404);
    expect((await fetch(`${url}/tab/%2e%2e/package.json`)).status).toBe(404);
    expect((await fetch(`${url}/tab`, { redirect: "manual" })).headers.get("location")).toBe("/tab/");
    const head = await fetch(`${url}/tab/`, { method: "HEAD" });
    expect([head.status, head.headers.get("content-type")]).toEqual([200, "text/html; charset=utf-8"]);
  });

  it("at 1280 px: a référent filters, opens a case, takes it in charge, and the channel card is updated", async () => {
    const { context, page, errors } = await open(1280, 900);
    try {
      await actAs(page, "Karim Benali");
      expect((await rowRefs(page)).sort()).toEqual([refs.lea, refs.hugo, refs.ines, refs.noah].sort());
      await expect.poll(() => page.locator('[data-status="NEW"] .count').textContent()).toBe("4");
      await shot(page, "tab-1280-list");

      // Filters, each answered by the server.
      await page.getByTestId("filter-urgency").selectOption({ label: "Vigilance 3" });
      await expect.poll(() => rowRefs(page)).toEqual([refs.lea]);
      await page.getByTestId("filter-urgency").selectOption({ value: "" });
      await page.getByTestId("filter-age").selectOption({ value: "16plus" });
      await expect.poll(async () => (await rowRefs(page)).sort()).toEqual([refs.lea, refs.ines].sort());
      await page.getByTestId("filter-age").selectOption({ value: "" });
      await page.getByTestId("search").fill(refs.ines);
      await expect.poll(() => rowRefs(page)).toEqual([refs.ines]);
      await expect.poll(() => page.locator("tr.case-row").first().textContent()).toContain("Inès Lefèvre");

      // The case's panel: its history, and « Prendre en charge ».
      await page.locator(`tr[data-reference="${refs.ines}"]`).click();
      const panel = page.getByRole("dialog");
      await panel.getByRole("button", { name: "Prendre en charge" }).waitFor();
      await expect.poll(() => panel.getByTestId("timeline").textContent()).toContain("Fiche de repérage");
      expect(await panel.getByTestId("panel-assignee").textContent()).toBe("Personne pour l'instant");
      expect(await seriousViolations(page)).toEqual([]);
      await panel.getByRole("button", { name: "Prendre en charge" }).click();
      await expect.poll(() => panel.getByTestId("panel-status").textContent()).toBe("Pris en charge");
      expect(await panel.getByTestId("panel-assignee").textContent()).toBe("Karim Benali");
      await panel.getByText("Dossier pris en charge : la carte du dossier dans Teams est mise à jour.").waitFor();
      expect(await panel.getByRole("button", { name: "Prendre en charge" }).count()).toBe(0);
      await shot(page, "tab-1280-panel", path.join(ROOT, "docs/screenshots/tab-1280.png"));

      // The card posted in the bassin's channel for this case is replaced, now naming who follows it.
      const post = await app.store.db.prisma.channelPost.findFirstOrThrow({ where: { case: { reference: refs.ines }, conversationId: CHANNEL } });
      await expect
        .poll(
          () =>
            connector.sent.find(
              (s) => s.method === "PUT" && s.conversationId === CHANNEL && s.activityId === post.activityId && JSON.stringify(s.body).includes("Karim Benali"),
            ),
          { timeout: 30_000 },
        )
        .toBeDefined();

      // The table says so too once the panel is closed (the focus stayed in it: Escape closes it).
      await page.keyboard.press("Escape");
      await panel.waitFor({ state: "detached" });
      await page.getByTestId("search").fill("");
      await page.getByTestId("filter-urgency").selectOption({ value: "2" });
      await expect.poll(() => page.locator(`tr[data-reference="${refs.ines}"]`).textContent()).toContain("Pris en charge");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("asks the reporter a question, and closes a case that needs no support, from the panel", async () => {
    const { context, page, errors } = await open(1280, 900);
    try {
      await actAs(page, "Karim Benali");
      await page.locator(`tr[data-reference="${refs.noah}"]`).click();
      let panel = page.getByRole("dialog");
      await panel.getByRole("button", { name: "Demander des informations" }).click();
      // Nothing is sent without a question: the browser asks for it.
      await panel.getByRole("button", { name: "Envoyer" }).click();
      expect(await panel.getByRole("textbox").evaluate((el) => (el as HTMLTextAreaElement).validity.valueMissing)).toBe(true);
      expect(await panel.getByTestId("panel-status").textContent()).toBe("Repéré");
      await panel.getByRole("textbox").fill("Les absences sont-elles justifiées par la famille ?");
      expect(await seriousViolations(page)).toEqual([]);
      await panel.getByRole("button", { name: "Envoyer" }).click();
      await expect.poll(() => panel.getByTestId("panel-status").textContent()).toBe("Informations demandées");
      await panel.getByText("Question envoyée à l'auteur de la fiche de repérage.").waitFor();
      await page.keyboard.press("Escape");
      await panel.waitFor({ state: "detached" });

      await page.locator(`tr[data-reference="${refs.hugo}"]`).click();
      panel = page.getByRole("dialog");
      await panel.getByRole("button", { name: "Clore : pas d'accompagnement nécessaire" }).click();
      await panel.getByRole("textbox").fill("Situation réglée avec le professeur principal");
      await panel.getByRole("button", { name: "Clore : pas d'accompagnement nécessaire" }).last().click();
      await expect.poll(() => panel.getByTestId("panel-status").textContent()).toBe("Clos");
      await page.keyboard.press("Escape");
      await panel.waitFor({ state: "detached" });
      await expect.poll(() => page.locator(`tr[data-reference="${refs.hugo}"]`).textContent()).toContain("Clos");
      const events = await app.store.db.prisma.caseEvent.findMany({
        where: { case: { reference: { in: [refs.noah, refs.hugo] } }, type: { in: ["INFO_REQUESTED", "DISMISSED"] } },
      });
      expect(events.map((e) => [e.type, e.data]).sort()).toEqual([
        ["DISMISSED", expect.objectContaining({ reason: "Situation réglée avec le professeur principal" })],
        ["INFO_REQUESTED", expect.objectContaining({ question: "Les absences sont-elles justifiées par la famille ?" })],
      ]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("opens on the case a link names (?case=, as the message extension's links do without an app id)", async () => {
    const { context, page } = await open(1280, 900, `lang=fr&case=${refs.lea}`);
    try {
      await actAs(page, "Karim Benali");
      const panel = page.getByRole("dialog", { name: refs.lea });
      await panel.getByTestId("timeline").waitFor();
      expect(await panel.getByText("Léa Dupont").count()).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  });

  it("assigns a case and refers it to the MLDS from the panel, and the channel card says so", async () => {
    const { context, page, errors } = await open(1280, 900);
    try {
      await actAs(page, "Karim Benali");
      await page.locator(`tr[data-reference="${refs.lea}"]`).click();
      const panel = page.getByRole("dialog");
      await panel.getByRole("button", { name: "Attribuer", exact: true }).click();
      const select = panel.getByTestId("assignee");
      await select.locator("option", { hasText: "Sophie Laurent" }).waitFor({ state: "attached" });
      await select.selectOption((await select.locator("option", { hasText: "Sophie Laurent" }).getAttribute("value"))!);
      expect(await seriousViolations(page)).toEqual([]);
      await panel.getByRole("button", { name: "Attribuer le dossier" }).click();
      await expect.poll(() => panel.getByTestId("panel-assignee").textContent()).toBe("Sophie Laurent");
      await panel.getByText("Dossier attribué : la carte du dossier dans Teams est mise à jour.").waitFor();

      await panel.getByRole("button", { name: "Orienter vers la MLDS", exact: true }).click();
      await panel.getByRole("button", { name: "Confirmer l'orientation vers la MLDS" }).click();
      await panel.getByText(/^Orientation vers la MLDS enregistrée/).waitFor();
      expect(await panel.getByRole("button", { name: "Orienter vers la MLDS", exact: true }).count()).toBe(0);
      const c = await app.store.db.prisma.case.findUniqueOrThrow({ where: { reference: refs.lea } });
      const sophie = await app.store.db.prisma.member.findFirstOrThrow({ where: { displayName: "Sophie Laurent" } });
      expect([c.escalatedToMlds, c.assigneeId]).toEqual([true, sophie.id]);
      // The case's card in the bassin's channel is replaced, naming its new follower.
      const post = await app.store.db.prisma.channelPost.findFirstOrThrow({ where: { case: { reference: refs.lea }, conversationId: CHANNEL } });
      await expect
        .poll(
          () =>
            connector.sent.find(
              (s) =>
                s.method === "PUT" && s.conversationId === CHANNEL && s.activityId === post.activityId && JSON.stringify(s.body).includes("Sophie Laurent"),
            ),
          { timeout: 30_000 },
        )
        .toBeDefined();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows a référent's statistics as charts, and gives the CSV link of the audited export", async () => {
    const { context, page, errors } = await open(1280, 900);
    try {
      await actAs(page, "Karim Benali");
      await page.getByRole("navigation", { name: "Rubriques" }).getByRole("button", { name: "Statistiques" }).click();
      await page.getByRole("heading", { name: "Statistiques · Lycée Victor-Hugo" }).waitFor();
      // Each chart: a caption, bars with their labels in text, and a table for screen readers.
      const perMonth = page.getByRole("figure", { name: "Dossiers ouverts par mois" });
      await perMonth.waitFor();
      const families = page.getByRole("figure", { name: /^Familles de signaux/ });
      await families.getByText("Assiduité", { exact: true }).first().waitFor();
      expect(await families.locator("svg.bar rect").count()).toBe(5);
      expect(
        await families
          .getByRole("table")
          .getByRole("row", { name: /Assiduité/ })
          .textContent(),
      ).toContain("4");
      expect(await seriousViolations(page)).toEqual([]);
      await shot(page, "tab-1280-stats", path.join(ROOT, "docs/screenshots/tab-stats.png"));

      await page.getByRole("button", { name: "Télécharger (CSV)" }).click();
      const link = page.getByTestId("csv-link");
      await link.waitFor();
      const href = (await link.getAttribute("href"))!;
      expect(href).toMatch(/\/dl\/stats\/export-[0-9a-f-]{36}\.csv\?/);
      const file = await fetch(href);
      expect(file.status).toBe(200);
      expect(await file.text()).toContain("Assiduité");
      expect(await app.store.db.prisma.dataExport.count({ where: { kind: "STATS" } })).toBe(1);

      // At 360 px (Teams mobile) the section fits the width.
      await page.setViewportSize({ width: 360, height: 740 });
      await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      await shot(page, "tab-360-stats");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("has no serious or critical accessibility violation (axe), list and panel", async () => {
    const { context, page } = await open(1280, 900);
    try {
      await actAs(page, "Karim Benali");
      expect(await seriousViolations(page)).toEqual([]);
      await page.locator(`tr[data-reference="${refs.lea}"]`).click();
      await page.getByRole("dialog").getByTestId("timeline").waitFor();
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("at 360 px: fits the width, and works with the keyboard only (Tab, arrows, Enter, Escape)", async () => {
    const { context, page, errors } = await open(360, 740);
    try {
      await actAs(page, "Karim Benali");
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      expect(await seriousViolations(page)).toEqual([]);
      const order = await rowRefs(page);
      expect(order.length).toBe(4);
      // Tab from the top of the page until the first row of the table has the focus.
      await page.locator("body").focus();
      let focused: string | null = null;
      for (let i = 0; i < 40 && focused !== order[0]; i++) {
        await page.keyboard.press("Tab");
        focused = await page.evaluate(() => document.activeElement?.getAttribute("data-reference") ?? null);
      }
      expect(focused).toBe(order[0]);
      await page.keyboard.press("ArrowDown");
      await page.keyboard.press("ArrowDown");
      expect(await page.evaluate(() => document.activeElement?.getAttribute("data-reference"))).toBe(order[2]);
      await page.keyboard.press("ArrowUp");
      expect(await page.evaluate(() => document.activeElement?.getAttribute("data-reference"))).toBe(order[1]);
      await page.keyboard.press("Enter");
      const panel = page.getByRole("dialog");
      await panel.getByText(order[1]!, { exact: true }).first().waitFor();
      await panel.getByTestId("timeline").waitFor();
      await shot(page, "tab-360-panel");
      await page.keyboard.press("Escape");
      await panel.waitFor({ state: "detached" });
      await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-reference"))).toBe(order[1]);
      await shot(page, "tab-360-list", path.join(ROOT, "docs/screenshots/tab-360.png"));
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("pages on the server, and filters a teacher's own reports by school", async () => {
    const { context, page } = await open(1280, 900);
    try {
      await actAs(page, "Thomas Girard");
      await page.getByText("Page 1 sur 2").waitFor();
      expect((await rowRefs(page)).length).toBe(25);
      await page.getByRole("button", { name: "Page suivante" }).click();
      await page.getByText("Page 2 sur 2").waitFor();
      await expect.poll(async () => (await rowRefs(page)).length).toBe(2);
      expect(await page.getByRole("button", { name: "Page suivante" }).isDisabled()).toBe(true);
      await page.getByTestId("filter-school").selectOption({ label: "Collège Jules-Ferry" });
      await page.getByText("Page 1 sur 1").waitFor();
      await expect.poll(() => rowRefs(page)).toEqual([collegeRef]);
    } finally {
      await context.close();
    }
  });

  it("speaks English when asked, and shows a coordinator of another bassin none of these cases", async () => {
    const { context, page } = await open(1280, 900, "lang=en");
    try {
      await page.getByText("Local mode", { exact: true }).waitFor();
      await pick(page, "Marc Petit");
      await page.getByRole("heading", { name: "My cases" }).waitFor();
      await page.getByText("No case matches.").waitFor();
      expect(await rowRefs(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
