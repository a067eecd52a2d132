import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/services/index.js";
import { CHART_LINK_TTL_MS } from "../../src/services/statistics.js";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { cardText, person, startTestBot, type Person, type TestBot, installInTeam } from "../helpers/bot-harness.js";

const claire = person("Claire Martin");
const karim = person("Karim Benali");
const sophie = person("Sophie Laurent");
const nathalie = person("Nathalie Roux");
const NORD = DEMO_CHANNELS[0].channelId;
const YEAR = new Date().getFullYear();

/** Every node of a card of some type. */
function nodes(card: unknown, type: string): any[] {
  const out: any[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== "object") return;
    if ((n as { type?: unknown }).type === type) out.push(n);
    Object.values(n).forEach(walk);
  };
  walk(card);
  return out;
}

describe("statistics, exports and the weekly digest in Teams", () => {
  let bot: TestBot;
  // The bot's clock, moved forward by the tests that need another moment.
  let offsetMs = 0;
  const actorOf = async (p: Person) => (await bot.app.services.members.identify(DEMO_TENANT_ID, p.aadObjectId)) as Actor;

  beforeAll(async () => {
    bot = await startTestBot({ clock: () => new Date(Date.now() + offsetMs) });
    await installInTeam(bot, sophie);
    const reporter = await actorOf(claire);
    const [school] = await bot.app.services.reports.reportingSchools(reporter);
    for (const [i, lastName] of ["Durand", "Lefèvre"].entries()) {
      const outcome = await bot.app.services.reports.submit(
        reporter,
        {
          pupil: { lastName, firstName: "Léa", className: "2nde 3", schoolId: school!.id, birthYear: YEAR - 17 },
          signals: { signals: [{ code: "UNJUSTIFIED_ABSENCES" }] },
          steps: { stepsTaken: [], urgency: 2 },
        },
        `stats-${i}`,
      );
      if (!outcome.ok) throw new Error(outcome.reason);
    }
  });
  afterAll(async () => bot?.stop());

  it("shows a référent the figures of their school, with charts served as PNG images", async () => {
    const { cards } = await bot.say(karim, "statistiques");
    expect(cards).toHaveLength(1);
    const text = cardText(cards[0]);
    expect(text).toContain("Statistiques · Lycée Victor-Hugo");
    expect(text).toContain("Dossiers ouverts sur la période\n2");
    expect(text).not.toContain("< 5");
    const images = nodes(cards[0], "Image");
    expect(images.map((i) => i.url).every((u: string) => u.startsWith(`${bot.url}/dl/stats/chart-`))).toBe(true);
    expect(images.length).toBeGreaterThanOrEqual(3);
    expect(images[0].altText).toMatch(/^Dossiers ouverts par mois : /);
    expect(JSON.stringify(cards[0])).not.toMatch(/Durand|Lefèvre|Léa/);

    const res = await fetch(images[0].url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
    expect([png.width, png.height]).toEqual([640, 260]);
  });

  it("refuses a chart link that was changed, and one that has expired (after 400 days, not an hour)", async () => {
    const { cards } = await bot.say(karim, "stats");
    const url = new URL(nodes(cards[0], "Image")[0].url);
    const sig = url.searchParams.get("sig")!;
    const forged = new URL(url);
    forged.searchParams.set("sig", `${sig.slice(0, -2)}${sig.endsWith("AA") ? "BB" : "AA"}`);
    expect((await fetch(forged)).status).toBe(403);
    const otherData = new URL(url);
    otherData.pathname = otherData.pathname.replace(/chart-./, (m) => (m.endsWith("e") ? "chart-f" : "chart-e"));
    expect((await fetch(otherData)).status).toBe(403);
    expect((await fetch(`${bot.url}/dl/stats/chart-abc.png`)).status).toBe(403);
    try {
      // A statistics card read again a month later still shows its charts (they hold counts only).
      offsetMs = 30 * 24 * 60 * 60_000;
      const old = await fetch(url);
      expect(old.status).toBe(200);
      expect(old.headers.get("content-type")).toBe("image/png");
      offsetMs = CHART_LINK_TTL_MS + 60_000;
      const expired = await fetch(url);
      expect(expired.status).toBe(410);
      expect(await expired.text()).toMatch(/expired/);
    } finally {
      offsetMs = 0;
    }
  });

  it("hides small counts from a coordinator and from the académie, and says why", async () => {
    const coordinator = cardText((await bot.say(sophie, "stats")).cards[0]);
    expect(coordinator).toContain("Statistiques · Bassin Nord");
    expect(coordinator).toContain("Dossiers ouverts sur la période\n< 5");
    expect(coordinator).toContain("les effectifs de 1 à 4 sont affichés « < 5 »");
    const academy = cardText((await bot.say(nathalie, "statistiques")).cards[0]);
    expect(academy).toContain("Statistiques · Académie");
    expect(academy).toContain("< 5");
  });

  it("answers in English, and refuses people without statistics or out of their scope", async () => {
    expect(cardText((await bot.say(karim, "stats", { locale: "en-US" })).cards[0])).toContain("Statistics · Lycée Victor-Hugo");
    // The commands it points to are the English ones, which the bot understands.
    const english = cardText((await bot.say(sophie, "statistics", { locale: "en-US" })).cards[0]);
    expect(english).toContain("“export cases”: the list of cases");
    expect(english).not.toContain("dossiers");
    expect((await bot.say(claire, "statistiques")).texts).toEqual(["Les statistiques sont réservées aux référents, aux coordonnateurs MLDS et à l'académie."]);
    expect((await bot.say(karim, "statistiques 0690004E")).texts[0]).toMatch(/ne relève pas du vôtre/);
    expect((await bot.say(karim, "statistiques 2026-2030")).texts[0]).toMatch(/pas compris la période/);
  });

  it("exports a coordinator's cases as a CSV file through a signed link, and records it", async () => {
    const { cards } = await bot.say(sophie, "export dossiers");
    expect(cardText(cards[0])).toContain("Liste des dossiers · Bassin Nord");
    const [open] = nodes(cards[0], "Action.OpenUrl");
    expect(open.url).toMatch(new RegExp(`^${bot.url}/dl/stats/export-[0-9a-f-]{36}\\.csv\\?exp=\\d+&sig=`));
    const res = await fetch(open.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="repere-dossiers-\d{4}-\d{4}-\d{4}-\d\d-\d\d\.csv"$/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = Buffer.from(await res.arrayBuffer());
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = body.subarray(3).toString("utf8").trim().split("\r\n");
    expect(lines[0]).toBe(
      "Référence;UAI;Établissement;Statut;Vigilance;Confié à la MLDS;Repéré le;Pris en charge le;Plan ouvert le;Prochain bilan;Clos le;Issue",
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^D-\d{4}-\d{4};0690001B;Lycée Victor-Hugo;Repéré;2;non;/);
    expect(body.toString("utf8")).not.toMatch(/Durand|Lefèvre|Léa/);
    const audit = await bot.app.store.db.prisma.dataExport.findMany({ where: { kind: "CASES" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ downloads: 1, rowCount: 2 });
    // A list of cases is not a chart: its link still works for an hour only.
    offsetMs = 61 * 60_000;
    try {
      expect((await fetch(open.url)).status).toBe(410);
    } finally {
      offsetMs = 0;
    }
  });

  it("exports the aggregates to whoever sees statistics, and the list of cases only to those who may", async () => {
    const { cards } = await bot.say(nathalie, "export stats");
    expect(cardText(cards[0])).toContain("Statistiques · Académie");
    const csv = await (await fetch(nodes(cards[0], "Action.OpenUrl")[0].url)).text();
    expect(csv).toContain("Indicateur;Détail;Valeur");
    expect(csv).toContain("Dossiers ouverts par mois;");
    expect((await bot.say(nathalie, "export dossiers")).texts[0]).toMatch(/réservé aux coordonnateurs MLDS et aux référents/);
    expect((await bot.say(claire, "export dossiers")).texts[0]).toMatch(/réservées aux référents/);
  });

  it("posts the weekly digest in the coordinators' channel on Monday at 8:00, once", async () => {
    // Next Monday, 8:30 in Paris.
    const now = new Date();
    const monday = new Date(now);
    do monday.setUTCDate(monday.getUTCDate() + 1);
    while (monday.getUTCDay() !== 1);
    monday.setUTCHours(8, 0, 0, 0); // 9:00 or 10:00 in Paris
    while ((await bot.app.outbox.drainOnce()).claimed > 0); // the case cards of the reports
    offsetMs = monday.getTime() - Date.now();
    try {
      expect(await bot.app.services.weeklyDigest.runOnce()).toBe(1);
      expect(await bot.app.services.weeklyDigest.runOnce()).toBeNull();
      bot.connector.clear();
      while ((await bot.app.outbox.drainOnce()).claimed > 0);
      const posts = bot.connector.sent.filter((a) => a.conversationId === NORD);
      expect(posts).toHaveLength(1);
      const card = posts[0]!.body.attachments![0]!.content;
      const text = cardText(card);
      expect(text).toContain("Point de la semaine · Bassin Nord");
      expect(text).toContain("En attente de prise en charge\n2");
      expect(text).toContain("Lycée Victor-Hugo");
      expect(JSON.stringify(card)).not.toMatch(/Durand|Lefèvre|Léa/);
    } finally {
      offsetMs = 0;
    }
  });
});
