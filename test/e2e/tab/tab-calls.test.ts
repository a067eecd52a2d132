import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../../../src/app.js";
import { loadConfig } from "../../../src/config.js";
import { parisClock } from "../../../src/domain/school-year.js";
import { createLogger } from "../../../src/logging.js";
import type { Actor } from "../../../src/services/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../../../src/store/demo-seed.js";
import { csvBytes, LIST_HEADER } from "../../helpers/import-files.js";
import { launchBrowser, ROOT } from "../playground/stack.js";

/** Issue 26 in the personal tab, in Debian's Chromium: a coordinator's « Appels » view (record a
 *  call, it shows in the list; the PSAD link), hidden from a référent; and a référent transferring a
 *  case from its panel. Local mode (no app id, loopback: a demo person is picked). */

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const SHOTS = path.join(ROOT, "test-results/e2e");
const YEAR = parisClock(new Date()).year;
const person = (name: string) => DEMO_PEOPLE.find((p) => p.displayName === name)!;

let app: App;
let url: string;
let browser: Browser;
const dataDir = mkdtempSync(path.join(tmpdir(), "repere-tab-calls-e2e-"));
const refs: string[] = [];
let reported = "";

const actor = async (name: string) => (await app.services.members.identify(DEMO_TENANT_ID, person(name).aadObjectId)) as Actor;
const row = (nom: string, prenom: string, naissance: string, telephone: string, courriel: string) => [
  nom,
  prenom,
  naissance,
  "",
  "0690001B",
  "1re STMG",
  `30/06/${YEAR}`,
  "non affecté",
  telephone,
  courriel,
];

async function open(width: number, height: number): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width, height }, locale: "fr-FR", reducedMotion: "reduce" });
  await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(`${url}/tab/?lang=fr`);
  return { context, page, errors };
}

async function actAs(page: Page, name: string): Promise<void> {
  await page.getByText("Mode local", { exact: true }).waitFor();
  const select = page.getByTestId("local-person");
  await select.locator("option", { hasText: name }).waitFor({ state: "attached" });
  await select.selectOption((await select.locator("option", { hasText: name }).getAttribute("value"))!);
  await page.getByText(new RegExp(`^${name} ·`)).waitFor();
}

async function seriousViolations(page: Page): Promise<string[]> {
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
  app = await startApp(loadConfig({ PORT: "0", DATA_DIR: dataDir, SEED_DEMO: "always" }), { logger: createLogger("silent") });
  url = `http://127.0.0.1:${app.port}`;
  const sophie = await actor("Sophie Laurent");
  const preview = await app.services.imports.preview(
    { kind: "member", actor: sophie },
    {
      name: "siei.csv",
      bytes: csvBytes(
        [row("Durand", "Léa", `15/03/${YEAR - 17}`, "06 11 22 33 44", "lea.durand@exemple.fr"), row("Martin", "Hugo", `02/05/${YEAR - 18}`, "", "")],
        { header: [...LIST_HEADER, "Courriel"] },
      ),
    },
  );
  if (!preview.ok) throw new Error(JSON.stringify(preview));
  const done = await app.services.imports.confirm({ kind: "member", actor: sophie }, preview.preview.batchId);
  if (!done.ok) throw new Error(JSON.stringify(done));
  const list = await app.services.calls.toCall(sophie);
  if (!list.ok) throw new Error("coordinator refused");
  refs.push(...list.view.entries.map((e) => e.reference));
  const claire = await actor("Claire Martin");
  const school = (await app.services.reports.reportingSchools(claire)).find((s) => s.uai === "0690001B")!;
  const outcome = await app.services.reports.submit(
    claire,
    {
      pupil: { lastName: "Roussel", firstName: "Emma", className: "3e 2", schoolId: school.id, birthYear: YEAR - 15 },
      signals: { signals: [{ code: "UNJUSTIFIED_ABSENCES" }] },
      steps: { stepsTaken: [], urgency: 2 },
    },
    `tab-calls-e2e-${randomUUID()}`,
  );
  if (!outcome.ok) throw new Error(outcome.reason);
  reported = outcome.recorded.reference;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the tab's « Appels » view and « Transférer » in Chromium", () => {
  it("a coordinator records a call from « Appels »: it shows in the list; the PSAD link is given", async () => {
    const { context, page, errors } = await open(1280, 900);
    try {
      await actAs(page, "Sophie Laurent");
      await page.getByTestId("sections").getByRole("button", { name: "Appels" }).click();
      const table = page.getByTestId("calls-table");
      await table.waitFor();
      const line = table.locator(`tr[data-reference="${refs[0]}"]`);
      await expect.poll(() => line.textContent()).toContain("06 11 22 33 44");
      expect(await line.textContent()).toContain("lea.durand@exemple.fr");
      expect(await line.getByTestId("last-call").textContent()).toBe("Pas encore appelé");
      expect(await seriousViolations(page)).toEqual([]);

      await line.getByRole("button", { name: `Noter l'appel pour ${refs[0]}` }).click();
      const form = page.getByRole("form", { name: `Noter l'appel pour ${refs[0]}` });
      // Without an outcome: the chat's words for it, nothing recorded.
      await form.getByRole("button", { name: "Enregistrer" }).click();
      await expect.poll(() => page.getByTestId("calls-notice").textContent()).toContain("Choisissez le résultat de l'appel");
      await form.getByTestId("call-outcome").selectOption({ label: "Injoignable" });
      await form.getByLabel(/^Note/).fill("Messagerie, rappeler après 17 h");
      expect(await seriousViolations(page)).toEqual([]);
      await form.getByRole("button", { name: "Enregistrer" }).click();
      await expect.poll(() => page.getByTestId("calls-notice").textContent()).toContain(`Appel noté pour ${refs[0]} : Injoignable`);
      await expect.poll(() => line.getByTestId("last-call").textContent()).toMatch(/^Injoignable · .*1 tentative/);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, "tab-1280-calls.png"), fullPage: true });
      // The coordinators' guide shows it (E2E_UPDATE_DOCS=1 npm run test:e2e, as the other pictures).
      if (process.env.E2E_UPDATE_DOCS === "1") await page.screenshot({ path: path.join(ROOT, "docs/screenshots/tab-calls.png") });
      expect(await app.store.db.prisma.callAttempt.count()).toBe(1);

      await page.getByRole("button", { name: "Exporter pour la PSAD (CSV)" }).click();
      const link = page.getByTestId("psad-link");
      await link.waitFor();
      expect(await link.getAttribute("href")).toMatch(/\/dl\/stats\/psad-[0-9a-f-]{36}\.csv\?exp=\d+&sig=[A-Za-z0-9_-]{43}$/);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("at 360 px (Teams mobile), in English: the list and its form fit and are accessible", async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: "en-GB", reducedMotion: "reduce" });
    await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    try {
      await page.goto(`${url}/tab/?lang=en`);
      await page.getByText("Local mode", { exact: true }).waitFor();
      const select = page.getByTestId("local-person");
      await select.locator("option", { hasText: "Sophie Laurent" }).waitFor({ state: "attached" });
      await select.selectOption((await select.locator("option", { hasText: "Sophie Laurent" }).getAttribute("value"))!);
      await page.getByTestId("sections").getByRole("button", { name: "Calls" }).click();
      await page.getByRole("heading", { name: "Call campaign · imported lists" }).waitFor();
      await page.getByRole("button", { name: `Record the call for ${refs[1]}` }).click();
      await page.getByTestId("call-outcome").locator("option", { hasText: "Meeting set" }).waitFor({ state: "attached" });
      // Nothing wider than the screen but the table, which scrolls in its own box.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      expect(await seriousViolations(page)).toEqual([]);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, "tab-360-calls.png"), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("a référent has no « Appels »; he transfers a case from its panel, a stale one is told", async () => {
    const { context, page, errors } = await open(1280, 900);
    try {
      await actAs(page, "Karim Benali");
      await page.locator("tr.case-row").first().waitFor();
      expect(await page.getByRole("button", { name: "Appels" }).count()).toBe(0);
      await page.getByTestId("search").fill(reported);
      await page.locator(`tr[data-reference="${reported}"]`).click();
      const panel = page.getByRole("dialog");
      await panel.getByRole("button", { name: "Transférer" }).click();
      const form = panel.getByRole("form", { name: "Transférer" });
      await form.getByTestId("transfer-search").fill("Jean-Moulin");
      await form.getByRole("button", { name: "Rechercher" }).click();
      await form.getByTestId("transfer-school").waitFor();
      expect(await form.getByTestId("transfer-school").inputValue()).not.toBe("");
      await form.getByLabel(/Motif du transfert/).fill("Entrée en lycée professionnel");
      expect(await seriousViolations(page)).toEqual([]);
      // Meanwhile the case changes (its référent takes it in charge from a card): the transfer is refused.
      const karim = await actor("Karim Benali");
      const c = await app.store.db.prisma.case.findUniqueOrThrow({ where: { reference: reported } });
      expect((await app.services.triage.act(karim, c.id, c.version, { verb: "takeCharge" })).ok).toBe(true);
      await form.getByRole("button", { name: "Confirmer le transfert" }).click();
      await panel.getByText("Le dossier a changé entre-temps").waitFor();
      // Again, on the case as it is now.
      await panel.getByRole("button", { name: "Transférer" }).click();
      const again = panel.getByRole("form", { name: "Transférer" });
      await again.getByTestId("transfer-search").fill("0690002C");
      await again.getByRole("button", { name: "Rechercher" }).click();
      await again.getByTestId("transfer-school").waitFor();
      await again.getByLabel(/Motif du transfert/).fill("Entrée en lycée professionnel");
      await again.getByRole("button", { name: "Confirmer le transfert" }).click();
      await expect.poll(() => panel.getByTestId("panel-gone").textContent()).toContain("Dossier transféré");
      const moved = await app.store.db.prisma.case.findUniqueOrThrow({ where: { reference: reported }, include: { school: true } });
      expect(moved.school.uai).toBe("0690002C");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
