import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageDigest } from "../../src/services/case-package-digest.js";
import type { Actor } from "../../src/services/index.js";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { FILE_DOWNLOAD_INFO } from "../../src/teams/imports/import-handler.js";
import { cardText, execute, installInTeam, person, personalMessage, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";
import { findAction } from "../helpers/cards.js";
import { DATABASE_KINDS } from "../helpers/database.js";

// Issue 26, a young person who moves to ANOTHER académie. The académie's admin (Nathalie Roux)
// exports the open case of a 17-year-old of the Lycée Victor-Hugo to Grenoble: a signed link to a
// JSON package, usable once and for 24 hours, and the case closed « Déménagement ». The package is
// then received as the other académie would receive it (the same demo académie plays it): previewed,
// created in the chosen school, routed to its GPDS and to the bassin's MLDS, its history naming
// where it came from. A changed file, a second import, a teacher or a référent: refused.

const claire = person("Claire Martin"); // teacher, Lycée Victor-Hugo: the reporter
const karim = person("Karim Benali"); // référent, Lycée Victor-Hugo
const sophie = person("Sophie Laurent"); // coordinator, Bassin Nord
const ines = person("Inès Moreau"); // référent, LP Jean-Moulin (Bassin Nord)
const nathalie = person("Nathalie Roux"); // admin of the académie
const NORD = DEMO_CHANNELS[0];
const personalOf = (p: Person) => ({ conversationId: `a:personal-${p.aadObjectId}`, type: "personal" as const });
const YEAR = new Date().getFullYear();

/** Serves files the way Teams hands them to the bot: at a download URL. */
class FileHost {
  private files = new Map<string, Uint8Array>();
  private server = http.createServer((req, res) => {
    const file = this.files.get(req.url ?? "");
    if (!file) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(file.byteLength) });
    res.end(file);
  });
  url = "";
  private n = 0;
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  put(bytes: Uint8Array): string {
    const path = `/f${++this.n}`;
    this.files.set(path, bytes);
    return `${this.url}${path}`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe.each(DATABASE_KINDS)("a case sent to and received from another académie (issue 26), on the %s database", (kind) => {
  let bot: TestBot;
  let files: FileHost;
  let now = new Date();
  let counter = 0;
  const db = () => bot.app.store.db.prisma;
  const k = () => bot.app.store.db.kysely;
  const actorOf = async (p: Person) => (await bot.app.services.members.identify(DEMO_TENANT_ID, p.aadObjectId)) as Actor;
  const drain = async () => {
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
  };
  const said = async (who: Person, text: string, locale?: string) => {
    const r = await bot.say(who, text, locale ? { locale } : undefined);
    return { text: [...r.texts, ...r.cards.map(cardText)].join("\n"), cards: r.cards };
  };
  /** A JSON file sent in the personal chat as Teams does; what the bot answered. */
  const upload = async (who: Person, body: string | Uint8Array, name = "transfert.json") => {
    const activity = personalMessage(bot.connector.url, who, {});
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    activity.attachments = [{ contentType: FILE_DOWNLOAD_INFO, name, content: { downloadUrl: files.put(bytes), uniqueId: `u-${name}`, fileType: "json" } }];
    const before = bot.connector.sent.length;
    const res = await bot.post(activity);
    expect(res.status).toBeLessThan(300);
    const sent = bot.connector.sent.slice(before);
    const cards = sent.flatMap((a) =>
      (a.body.attachments ?? []).filter((x) => x.contentType === "application/vnd.microsoft.card.adaptive").map((x) => x.content),
    );
    return { text: [...sent.map((a) => a.body.text ?? "").filter(Boolean), ...cards.map(cardText)].join("\n"), cards };
  };
  const get = (url: string) => fetch(`${bot.url}${new URL(url).pathname}${new URL(url).search}`);

  /** Claire's fiche de repérage about a 17-year-old of the Lycée Victor-Hugo. */
  async function report(lastName: string): Promise<{ caseId: string; reference: string }> {
    const claireActor = await actorOf(claire);
    const [school] = await bot.app.services.reports.reportingSchools(claireActor);
    const outcome = await bot.app.services.reports.submit(
      claireActor,
      {
        pupil: { lastName, firstName: "Léa", className: "1re 4", schoolId: school!.id, birthYear: YEAR - 17 },
        signals: { signals: [{ code: "LATENESS", note: "Arrive en retard tous les matins" }, { code: "NO_PLAN" }] },
        steps: { stepsTaken: ["FAMILY_CONTACTED"], urgency: 2, observations: "Déménage à Grenoble en janvier" },
      },
      `academie-${kind}-${++counter}`,
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    return { caseId: outcome.recorded.caseId, reference: outcome.recorded.reference };
  }

  let packageJson = "";
  let exported = { caseId: "", reference: "" };

  beforeAll(async () => {
    files = await new FileHost().start();
    bot = await startTestBot({ database: kind, clock: () => now, env: { IMPORT_DOWNLOAD_ALLOW_LOOPBACK: "true" } });
    await installInTeam(bot, sophie, NORD);
    for (const p of [claire, karim, sophie, ines, nathalie]) await bot.say(p, "aide");
  }, 120_000);
  afterAll(async () => {
    await bot?.stop();
    await files?.stop();
  });

  it("refuses the export to a teacher and a référent, and says what is wrong with a command", async () => {
    const { reference, caseId } = await report("Refusee");
    expect((await said(claire, `exporter ${reference} vers Grenoble`)).text).toBe(
      "L'envoi d'un dossier à une autre académie est réservé aux administrateurs de l'académie.",
    );
    expect((await said(karim, `export ${reference} to Grenoble`, "en-US")).text).toBe(
      "Sending a case to another académie is for the académie's administrators only.",
    );
    expect((await said(nathalie, `exporter ${reference} vers Atlantide`)).text).toContain("Académie « Atlantide » inconnue");
    expect((await said(nathalie, `exporter ${reference} vers Lyon`)).text).toContain("est déjà dans cette académie");
    expect((await said(nathalie, `exporter D-2026-9999 vers Grenoble`)).text).toContain("Aucun dossier D-2026-9999");
    expect(await db().case.findUniqueOrThrow({ where: { id: caseId } })).toMatchObject({ status: "NEW", closedAt: null });
    expect(await db().academieTransfer.count()).toBe(0);
  });

  it("exports an open case to Grenoble behind a signed link usable once, and closes it « Déménagement »", async () => {
    exported = await report("Depart");
    const { caseId, reference } = exported;
    await execute(bot, karim, personalOf(karim), "case.takeCharge", {
      caseId,
      version: (await db().case.findUniqueOrThrow({ where: { id: caseId } })).version,
    });
    const { cards, text } = await said(nathalie, `exporter le dossier ${reference} vers l'académie de Grenoble`);
    expect(text).toContain(`Dossier ${reference} prêt pour l'académie de Grenoble`);
    expect(text).toContain("une seule fois");
    const url = findAction(cards[0], (a) => a.type === "Action.OpenUrl")!.url as string;
    expect(url).toMatch(/\/dl\/pupil-data\/case-transfer\/[0-9a-f-]{36}\.json\?exp=\d+&sig=/);
    expect(url).not.toContain(reference);

    // Closed with the outcome, audited with who did it.
    const c = await db().case.findUniqueOrThrow({ where: { id: caseId }, include: { outcome: true, events: true } });
    const admin = await actorOf(nathalie);
    expect(c.status).toBe("CLOSED");
    expect(c.outcome).toMatchObject({ kind: "MOVED_AWAY", decidedById: admin.memberId });
    const sent = c.events.find((e) => e.type === "SENT_TO_ACADEMIE");
    expect(sent).toMatchObject({ actorId: admin.memberId, data: expect.objectContaining({ academie: "Grenoble" }) });
    expect(c.events.find((e) => e.type === "CLOSED")?.data).toMatchObject({ outcome: "MOVED_AWAY" });
    // A closed case is not exported twice.
    expect((await said(nathalie, `exporter ${reference} vers Grenoble`)).text).toContain(`Le dossier ${reference} est clos`);

    // A changed signature: refused, and the package is still there.
    const forged = url.replace(/sig=([A-Za-z0-9_-])/, (_m, ch: string) => `sig=${ch === "A" ? "B" : "A"}`);
    expect((await get(forged)).status).toBe(403);
    const res = await get(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-disposition")).toContain(`repere-transfert-${reference}.json`);
    packageJson = await res.text();
    const pkg = JSON.parse(packageJson);
    expect(pkg).toMatchObject({
      format: "repere-case-transfer",
      version: 1,
      fromAcademie: { code: "10", name: "Lyon" },
      toAcademie: { code: "08", name: "Grenoble" },
      case: { reference, urgency: 2 },
      pupil: { lastName: "Depart", firstName: "Léa", birthYear: YEAR - 17, className: "1re 4" },
    });
    expect(pkg.digest).toBe(packageDigest(pkg));
    expect(pkg.reports).toHaveLength(1);
    expect(pkg.reports[0].signals.map((s: { code: string }) => s.code).sort()).toEqual(["LATENESS", "NO_PLAN"]);
    expect(pkg.history.map((h: { type: string }) => h.type)).toEqual(expect.arrayContaining(["REPORTED", "TAKEN_IN_CHARGE"]));
    expect(pkg.history.find((h: { type: string }) => h.type === "TAKEN_IN_CHARGE").role).toBe("REFERENT");
    // Minimisation: the roles of who did what, never their names nor e-mails.
    expect(packageJson).not.toMatch(/Karim|Benali|Claire|Martin|Nathalie|@/);

    // Once only: the package left Repère with the first download.
    expect((await get(url)).status).toBe(404);
    const row = await db().academieTransfer.findFirstOrThrow({ where: { caseId, direction: "OUT" } });
    expect(row.body).toBeNull();
    expect(row.downloadedAt).not.toBeNull();
    expect((await db().caseEvent.findMany({ where: { caseId, type: "PACKAGE_DOWNLOADED" } })).length).toBe(1);
  });

  it("refuses a link past its 24 hours, and the cleanup deletes the packages past their time", async () => {
    const { reference } = await report("Expire");
    const { cards } = await said(nathalie, `exporter ${reference} vers Nancy-Metz`);
    const url = findAction(cards[0], (a) => a.type === "Action.OpenUrl")!.url as string;
    expect(await db().academieTransfer.count({ where: { direction: "OUT", body: { not: null as never } } })).toBeGreaterThanOrEqual(1);
    const before = now;
    now = new Date(before.getTime() + 25 * 3_600_000);
    try {
      expect((await get(url)).status).toBe(410);
      expect(await bot.app.services.academieTransfers.cleanup()).toBeGreaterThanOrEqual(2);
      expect(await db().academieTransfer.count({ where: { direction: "OUT" } })).toBe(0);
      expect((await get(url)).status).toBe(410);
    } finally {
      now = before;
    }
  });

  it("refuses the file to a teacher and a référent, and a changed or foreign file to the admin", async () => {
    expect(packageJson).not.toBe("");
    expect((await upload(claire, packageJson)).text).toContain("réservée aux administrateurs de l'académie");
    expect((await upload(karim, packageJson)).text).toContain("réservée aux administrateurs de l'académie");
    // The name changed after the export: the digest says so.
    const tampered = packageJson.replace('"firstName": "Léa"', '"firstName": "Lou"');
    expect(tampered).not.toBe(packageJson);
    expect((await upload(nathalie, tampered)).text).toBe(
      "L'empreinte du dossier ne correspond pas à son contenu : le fichier a été modifié après l'export. Demandez à l'autre académie un nouvel envoi.",
    );
    expect((await upload(nathalie, JSON.stringify({ format: "autre", version: 1 }))).text).toContain(
      "n'est pas un dossier Repère transmis par une autre académie",
    );
    expect((await upload(nathalie, JSON.stringify({ ...JSON.parse(packageJson), version: 2 }))).text).toContain("version du format");
    expect((await upload(nathalie, "{ pas du json")).text).toContain("n'est pas un JSON lisible");
    expect(await db().academieTransfer.count({ where: { direction: "IN" } })).toBe(0);
  });

  it("creates the received case in the chosen school, routed to its GPDS and the MLDS, its history naming Lyon; once", async () => {
    const cases = await db().case.count();
    const { cards, text } = await upload(nathalie, packageJson);
    expect(text).toContain("Dossier reçu de l'académie de Lyon");
    expect(text).toContain(`L. D. · né(e) en ${YEAR - 17} · 1re 4`);
    expect(text).toContain(`Académie de Lyon · dossier ${exported.reference}`);
    expect(text).toContain("1 fiche(s) de repérage");
    expect(text).not.toContain("Depart"); // an admin sees initials, not the name
    const confirm = findAction(cards[0], (a) => a.verb === "academieTransfer.confirm")!;
    const packageId = confirm.data.packageId as string;
    const jeanMoulin = (await k().selectFrom("School").select("id").where("uai", "=", "0690002C").executeTakeFirstOrThrow()).id;

    // A référent's forged « Créer le dossier »: refused, nothing created.
    expect(cardText(await execute(bot, ines, personalOf(ines), "academieTransfer.confirm", { packageId, schoolId: jeanMoulin }))).toContain(
      "réservée aux administrateurs",
    );
    expect(await db().case.count()).toBe(cases);
    // No school chosen: said so.
    expect(cardText(await execute(bot, nathalie, personalOf(nathalie), "academieTransfer.confirm", { packageId }))).toContain(
      "Choisissez un établissement ouvert",
    );

    bot.connector.clear();
    const done = cardText(await execute(bot, nathalie, personalOf(nathalie), "academieTransfer.confirm", { packageId, schoolId: jeanMoulin }));
    expect(done).toMatch(/Dossier D-\d{4}-\d{4} créé au Lycée professionnel Jean-Moulin à partir du dossier reçu de l'académie de Lyon/);
    const reference = /Dossier (D-\d{4}-\d{4})/.exec(done)![1]!;
    expect(reference).not.toBe(exported.reference);
    const c = await db().case.findUniqueOrThrow({ where: { reference }, include: { pupil: true, reports: { include: { signals: true } }, events: true } });
    expect(c).toMatchObject({ schoolId: jeanMoulin, status: "NEW", ageAtReport: 17 });
    expect(c.pupil).toMatchObject({ lastName: "Depart", firstName: "Léa", className: "1re 4" });
    expect(c.reports).toHaveLength(1);
    expect(c.reports[0]!.signals.map((s) => s.code).sort()).toEqual(["LATENESS", "NO_PLAN"]);
    const received = c.events.find((e) => e.type === "RECEIVED_FROM_ACADEMIE");
    expect(received).toMatchObject({
      actorId: (await actorOf(nathalie)).memberId,
      data: expect.objectContaining({ academie: "Lyon", fromReference: exported.reference }),
    });
    expect(await db().academieTransfer.findFirstOrThrow({ where: { direction: "IN" } })).toMatchObject({ body: null, importedCaseId: c.id });

    // Routed as a new case: the LP's référent (its GPDS) and, 17 years old, the Bassin Nord MLDS.
    await drain();
    const toCase = bot.connector.sent.filter((a) => JSON.stringify(a.body).includes(reference));
    expect(toCase.map((a) => a.conversationId)).toEqual(expect.arrayContaining([`a:personal-${ines.aadObjectId}`, NORD.channelId]));

    // The history shows where it came from (« historique »), and what it carried to the référent of
    // the school, from the case card (the texts of a history are shown there only).
    expect((await said(ines, `historique ${reference}`)).text).toContain("Reçu de l'académie de Lyon (Nathalie Roux)");
    const history = cardText(await execute(bot, ines, personalOf(ines), "case.history", { caseId: c.id }));
    expect(history).toContain("Reçu de l'académie de Lyon (Nathalie Roux)");
    expect(history).toMatch(/\d{4}-\d{2}-\d{2} · Pris en charge \(ACKNOWLEDGED\) · REFERENT/);
    expect(history).not.toContain("Karim");

    // Sent again: nothing created the second time.
    const again = await upload(nathalie, packageJson);
    expect(again.text).toBe(`Ce dossier a déjà été reçu : c'est le dossier ${reference}. Rien n'a été créé.`);
    expect(again.cards).toEqual([]);
    expect(await db().case.count()).toBe(cases + 1);
    expect(cardText(await execute(bot, nathalie, personalOf(nathalie), "academieTransfer.confirm", { packageId, schoolId: jeanMoulin }))).toContain(
      `c'est le dossier ${reference}`,
    );
    expect(await db().case.count()).toBe(cases + 1);
  });

  it("says so in the admins' help, and only there", async () => {
    expect((await said(nathalie, "aide")).text).toContain("exporter D-2026-0042 vers Grenoble : envoyer un dossier ouvert à une autre académie");
    expect((await said(nathalie, "help", "en-US")).text).toContain("export D-2026-0042 to Grenoble: send an open case to another académie");
    expect((await said(karim, "aide")).text).not.toContain("autre académie");
  });

  it("speaks English to an admin whose Teams is in English", async () => {
    const { reference } = await report("English");
    const { text } = await said(nathalie, `export ${reference} to Grenoble`, "en-US");
    expect(text).toContain(`Case ${reference} ready for the académie of Grenoble`);
    expect(text).toContain("Download the case (JSON)");
    expect((await said(nathalie, `export ${reference} to Grenoble`, "en-US")).text).toBe(
      `Case ${reference} is closed: only an open case can be sent to another académie.`,
    );
    expect((await said(nathalie, `export ${reference} to Narnia`, "en-US")).text).toContain("Unknown académie « Narnia »");
  });
});
