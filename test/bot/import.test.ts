import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FILE_DOWNLOAD_INFO, TEAMS_IMPORT } from "../../src/teams/imports/import-handler.js";
import type { Actor } from "../../src/services/index.js";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { BOT, cardText, execute, invokeActivity, person, personalMessage, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";
import { csvBytes, generatedList, listRow } from "../helpers/import-files.js";

const sophie = person("Sophie Laurent"); // coordinator, Bassin Nord
const claire = person("Claire Martin"); // teacher
const karim = person("Karim Benali"); // référent, Lycée Victor-Hugo
const RENTREE = new Date("2026-09-15T08:00:00Z");
const personalOf = (p: Person) => ({ conversationId: `a:personal-${p.aadObjectId}`, type: "personal" as const });
const CHANNEL = DEMO_CHANNELS[0].channelId;
const KARIM_CHAT = personalOf(karim).conversationId;

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
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  put(name: string, bytes: Uint8Array): string {
    this.files.set(`/${encodeURIComponent(name)}`, bytes);
    return `${this.url}/${encodeURIComponent(name)}`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe("importing a rentrée list through the bot", () => {
  let bot: TestBot;
  let files: FileHost;
  const prisma = () => bot.app.store.db.prisma;
  const defaults = { ...TEAMS_IMPORT };

  /** Sends a file in the personal chat (or elsewhere) as Teams does, and returns what the bot answered. */
  async function upload(who: Person, name: string, bytes: Uint8Array | null, opts: { locale?: string; channel?: boolean; url?: string } = {}) {
    const downloadUrl = opts.url ?? (bytes ? files.put(name, bytes) : `${files.url}/missing`);
    const activity = personalMessage(bot.connector.url, who, { locale: opts.locale });
    activity.attachments = [
      {
        contentType: FILE_DOWNLOAD_INFO,
        contentUrl: `https://contoso.sharepoint.com/personal/${name}`,
        name,
        content: { downloadUrl, uniqueId: `u-${name}`, fileType: name.split(".").pop() },
      },
    ];
    if (opts.channel) {
      const channel = DEMO_CHANNELS[0];
      activity.conversation = {
        id: channel.channelId,
        conversationType: "channel",
        isGroup: true,
        tenantId: (activity.conversation as { tenantId: string }).tenantId,
      };
      activity.channelData = { ...(activity.channelData as object), team: { id: channel.teamId }, channel: { id: channel.channelId } };
    }
    const before = bot.connector.sent.length;
    const res = await bot.post(activity);
    if (res.status >= 300) throw new Error(`HTTP ${res.status}`);
    const sent = bot.connector.sent.slice(before);
    return {
      cards: sent.flatMap((a) => (a.body.attachments ?? []).filter((x) => x.contentType === "application/vnd.microsoft.card.adaptive").map((x) => x.content)),
      texts: sent.map((a) => a.body.text).filter((t): t is string => typeof t === "string"),
    };
  }
  const batchIdOf = (card: any): string => card.actions.find((a: any) => a.verb === "import.cancel").data.batchId;
  /** The conversations an import's summaries are queued for. */
  const summaryTargets = async (batchId: string) =>
    (await prisma().outboxMessage.findMany({ where: { dedupeKey: { startsWith: `import:${batchId}:summary:` } } })).map((m) => m.conversationId).sort();
  /** Delivers the outbox; returns the cards each conversation received. */
  async function deliver(): Promise<Map<string, any[]>> {
    const before = bot.connector.sent.length;
    await bot.app.outbox.drainOnce();
    const out = new Map<string, any[]>();
    for (const a of bot.connector.sent.slice(before)) {
      for (const x of a.body.attachments ?? [])
        if (x.contentType === "application/vnd.microsoft.card.adaptive") out.set(a.conversationId, [...(out.get(a.conversationId) ?? []), x.content]);
    }
    return out;
  }

  beforeAll(async () => {
    files = await new FileHost().start();
    // The file host is on this machine over http: allowed in local mode by an explicit setting.
    bot = await startTestBot({ clock: () => RENTREE, env: { IMPORT_DOWNLOAD_ALLOW_LOOPBACK: "true" } });
    // The coordinators act on the 16+ at once here (the bassin's setting: test/bot/gpds-process.test.ts).
    await bot.app.store.db.kysely.updateTable("District").set({ mldsAccess: "IMMEDIATE" }).execute();
    // The bot is installed in the coordinators' team of Bassin Nord.
    const channel = DEMO_CHANNELS[0];
    await bot.post({
      type: "conversationUpdate",
      id: "install-nord",
      serviceUrl: bot.connector.url,
      channelId: "msteams",
      from: { id: `29:${sophie.aadObjectId}`, aadObjectId: sophie.aadObjectId },
      recipient: BOT,
      conversation: { id: channel.channelId, conversationType: "channel", isGroup: true, tenantId: DEMO_TENANT_ID },
      channelData: { tenant: { id: DEMO_TENANT_ID }, team: { id: channel.teamId }, channel: { id: channel.channelId } },
      membersAdded: [{ id: BOT.id }],
    });
    // The référent of Victor-Hugo has talked to the bot: Repère can write to him.
    await bot.say(karim, "aide");
    await deliver();
  });
  afterEach(() => Object.assign(TEAMS_IMPORT, defaults));
  afterAll(async () => {
    await bot?.stop();
    await files?.stop();
  });

  it("answers a list with a preview card, and imports it when the coordinator confirms", async () => {
    const rows = [
      listRow({
        nom: "Durand",
        prenom: "Léa",
        naissance: "15/03/2009",
        ine: "123456789AB",
        uai: "0690001B",
        formation: "1re STMG",
        sortie: "30/06/2026",
        motif: "non affecté",
        telephone: "06 11 22 33 44",
      }),
      listRow({ nom: "Garnier", prenom: "Zoé", naissance: "31/02/2009", uai: "0690001B" }),
      listRow({ nom: "Petit", prenom: "Noé", naissance: "02/05/2012", uai: "0690001B", motif: "abandon" }),
    ];
    const { cards, texts } = await upload(sophie, "siei-rentrée-2026.csv", csvBytes(rows, { encoding: "windows-1252" }));
    expect(texts).toEqual([]);
    expect(cards).toHaveLength(1);
    const preview = cardText(cards[0]);
    expect(preview).toContain("Import de liste · siei-rentrée-2026.csv");
    expect(preview).toContain("Source : campagne de repérage 2026 · bassin Bassin Nord");
    expect(preview).toContain("Fichier lu en Windows-1252, séparateur « ; ».");
    expect(preview).toContain("1 numéro(s) de téléphone, 0 e-mail(s) conservés pour les coordonnateurs.");
    expect(preview).not.toContain("06 11 22 33 44");
    expect(preview).toContain("Ligne 3 · Date de naissance : date invalide (JJ/MM/AAAA attendu) (« 31/02/2009 »)");
    expect(preview).toContain("Importer 2 ligne(s)");
    expect(await prisma().case.count()).toBe(0);

    const done = await execute(bot, sophie, personalOf(sophie), "import.confirm", { batchId: batchIdOf(cards[0]) });
    const text = cardText(done);
    expect(text).toContain("Import terminé");
    expect(text).toContain("2 dossier(s) créé(s), 0 rattaché(s) à un dossier ouvert, 0 déjà présent(s).");
    expect(text).toContain("Références D-2026-0001 à D-2026-0002");
    const cases = await prisma().case.findMany({ include: { pupil: true }, orderBy: { reference: "asc" } });
    expect(cases.map((c) => [c.reference, c.pupil.lastName, c.source, c.sourceLabel, c.status])).toEqual([
      ["D-2026-0001", "Durand", "IMPORT", "campagne de repérage 2026", "NEW"],
      ["D-2026-0002", "Petit", "IMPORT", "campagne de repérage 2026", "NEW"],
    ]);
    // Routed like reports, but as one summary per recipient and no card per case: the MLDS channel
    // hears of the 17-year-old only, the référent of Victor-Hugo of both.
    expect(await prisma().outboxMessage.count({ where: { caseId: { in: cases.map((c) => c.id) } } })).toBe(0);
    expect(await summaryTargets(batchIdOf(cards[0]))).toEqual([KARIM_CHAT, CHANNEL].sort());
    const received = await deliver();
    expect([...received.keys()].sort()).toEqual([KARIM_CHAT, CHANNEL].sort());
    expect(received.get(CHANNEL)).toHaveLength(1);
    const inChannel = cardText(received.get(CHANNEL)![0]);
    expect(inChannel.split("\n")).toEqual([
      "Campagne de repérage : 1 jeune importé pour Bassin Nord",
      "Par établissement",
      // A table: its header row, then a row per school.
      "Établissement",
      "Jeunes",
      "Lycée Victor-Hugo",
      "1",
      "Écrivez « @Repère à traiter » pour les examiner un par un.",
    ]);
    expect(JSON.stringify(received.get(CHANNEL))).not.toMatch(/Durand|Léa|Petit|Noé|D-2026|L\. D\./); // counts only in a channel
    expect(received.get(KARIM_CHAT)).toHaveLength(1);
    expect(cardText(received.get(KARIM_CHAT)![0]).split("\n")).toEqual([
      "Campagne de repérage : 2 jeunes importés pour Lycée Victor-Hugo",
      "Écrivez « à traiter » pour les examiner un par un.",
    ]);

    // The cases themselves wait in « à traiter », for the référent and for the coordinator.
    const karimTodo = cardText((await bot.say(karim, "à traiter")).cards[0]);
    expect(karimTodo).toContain("D-2026-0001");
    expect(karimTodo).toContain("D-2026-0002");
    expect(cardText((await bot.say(sophie, "à traiter")).cards[0])).toContain("D-2026-0001");
    // The history says where the case came from.
    expect(cardText(await execute(bot, karim, personalOf(karim), "case.history", { caseId: cases[0]!.id }))).toContain("Importé (campagne de repérage)");
  });

  it("counts a young person who already has an open case as joining it, in the summary and the case's history", async () => {
    const actor = (await bot.app.services.members.identify(DEMO_TENANT_ID, claire.aadObjectId)) as Actor;
    const [school] = await bot.app.services.reports.reportingSchools(actor);
    const reported = await bot.app.services.reports.submit(
      actor,
      {
        pupil: { lastName: "Suivi", firstName: "Rémi", className: "1re 2", schoolId: school!.id, birthYear: 2009 },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 1 },
      },
      "bot-import-attach",
    );
    if (!reported.ok) throw new Error(reported.reason);
    await deliver(); // the report's own cards
    const { cards } = await upload(
      sophie,
      "rattachement.csv",
      csvBytes([
        listRow({ nom: "Suivi", prenom: "Rémi", naissance: "03/04/2009", uai: "0690001B" }),
        listRow({ nom: "Nouveau", prenom: "Sami", naissance: "03/04/2009", uai: "0690001B" }),
      ]),
    );
    expect(cardText(await execute(bot, sophie, personalOf(sophie), "import.confirm", { batchId: batchIdOf(cards[0]) }))).toContain(
      "1 dossier(s) créé(s), 1 rattaché(s) à un dossier ouvert",
    );
    const received = await deliver();
    expect(
      received
        .get(CHANNEL)!
        .map(cardText)
        .map((t) => t.split("\n")[0]),
    ).toEqual(["Campagne de repérage : 2 jeunes importés pour Bassin Nord (1 rattaché à un dossier ouvert)"]);
    expect(
      received
        .get(KARIM_CHAT)!
        .map(cardText)
        .map((t) => t.split("\n")[0]),
    ).toEqual(["Campagne de repérage : 2 jeunes importés pour Lycée Victor-Hugo (1 rattaché à un dossier ouvert)"]);
    expect(cardText(await execute(bot, karim, personalOf(karim), "case.history", { caseId: reported.recorded.caseId }))).toContain(
      "Fiche de repérage ajoutée par l'import",
    );
  });

  it("recognises a file sent again and creates nothing", async () => {
    const bytes = csvBytes([listRow({ nom: "Encore", prenom: "Lou", naissance: "01/01/2009", uai: "0690001B" })]);
    const first = await upload(sophie, "encore.csv", bytes);
    const batchId = batchIdOf(first.cards[0]);
    await execute(bot, sophie, personalOf(sophie), "import.confirm", { batchId });
    expect(await summaryTargets(batchId)).toEqual([KARIM_CHAT, CHANNEL].sort());
    expect((await deliver()).get(CHANNEL)).toHaveLength(1);
    const count = await prisma().case.count();
    const queued = await prisma().outboxMessage.count();
    const again = await upload(sophie, "encore-bis.csv", bytes);
    expect(again.cards).toEqual([]);
    expect(again.texts[0]).toMatch(
      /^Ce fichier a déjà été importé le .* : 1 dossier\(s\) créé\(s\), 0 rattaché\(s\) à un dossier ouvert\. Rien de nouveau n'est créé\.$/,
    );
    expect(cardText(await execute(bot, sophie, personalOf(sophie), "import.confirm", { batchId }))).toContain("déjà été importé");
    expect(await prisma().case.count()).toBe(count);
    // Nobody hears of it twice.
    expect(await prisma().outboxMessage.count()).toBe(queued);
    expect(await deliver()).toEqual(new Map());
  });

  it("applies a confirmation that Teams delivers twice once", async () => {
    const { cards } = await upload(sophie, "rejeu.csv", csvBytes([listRow({ nom: "Rejeu", prenom: "Tim", naissance: "01/01/2009", uai: "0690001B" })]));
    const activity = invokeActivity(bot.connector.url, sophie, personalOf(sophie), "import.confirm", { batchId: batchIdOf(cards[0]) });
    const first = (await (await bot.post(activity)).json()) as { value: unknown };
    const again = (await (await bot.post(activity)).json()) as { value: unknown };
    expect(cardText(first.value)).toContain("Import terminé");
    expect(cardText(again.value)).toContain("déjà été importé");
    expect(await prisma().case.count({ where: { pupil: { lastName: "Rejeu" } } })).toBe(1);
    expect(await summaryTargets(batchIdOf(cards[0]))).toEqual([KARIM_CHAT, CHANNEL].sort());
  });

  it("cancels a preview: nothing imported, the list not kept", async () => {
    const { cards } = await upload(sophie, "annule.csv", csvBytes([listRow({ nom: "Annule", prenom: "Léo", naissance: "01/01/2009", uai: "0690001B" })]));
    const batchId = batchIdOf(cards[0]);
    expect(cardText(await execute(bot, sophie, personalOf(sophie), "import.cancel", { batchId }))).toContain(
      "Import annulé : rien n'a été importé et la liste n'est pas conservée.",
    );
    expect(cardText(await execute(bot, sophie, personalOf(sophie), "import.confirm", { batchId }))).toContain("Cet import a été annulé.");
    expect(await prisma().importBatch.findUniqueOrThrow({ where: { id: batchId } })).toMatchObject({ status: "CANCELLED", rows: null });
    expect(await prisma().case.count({ where: { pupil: { lastName: "Annule" } } })).toBe(0);
  });

  it("refuses a list from someone who may not import, and outside the personal chat", async () => {
    const bytes = csvBytes([listRow({ nom: "Refus", prenom: "Ana", naissance: "01/01/2009", uai: "0690001B" })]);
    expect((await upload(claire, "refus.csv", bytes)).texts).toEqual([
      "L'import de listes est réservé aux coordonnateurs MLDS (pour leur bassin) et aux administrateurs de l'académie.",
    ]);
    expect((await upload(sophie, "canal.csv", bytes, { channel: true })).texts).toEqual([
      "Envoyez la liste dans votre conversation privée avec Repère : elle contient des données nominatives.",
    ]);
    expect(await prisma().importBatch.count({ where: { fileName: { in: ["refus.csv", "canal.csv"] } } })).toBe(0);
  });

  it("lists the expected columns when it cannot read the layout", async () => {
    const { texts } = await upload(sophie, "colonnes.csv", csvBytes([["Durand", "Léa", "2nde"]], { header: ["Élève", "Prénom", "Classe"], separator: "," }));
    expect(texts[0]).toContain(
      "Repère ne trouve pas dans ce fichier les colonnes : nom, date de naissance, dernier établissement (UAI). Colonnes lues : Élève, Prénom, Classe.",
    );
    expect(texts[0]).toContain(
      "Colonnes attendues (sur la ligne d'en-tête, dans n'importe quel ordre) : nom ; prénom ; date de naissance (JJ/MM/AAAA) ; dernier établissement (code UAI).",
    );
  });

  it("says what is wrong with a file it cannot take: not a CSV, too big, not downloadable", async () => {
    expect((await upload(sophie, "liste.xlsx", Buffer.from("PK"))).texts[0]).toContain("Repère importe des fichiers CSV.");
    expect((await upload(sophie, "enorme.csv", Buffer.alloc(TEAMS_IMPORT.maxBytes + 1, 0x41))).texts).toEqual([
      "Ce fichier dépasse 5 Mo. Découpez la liste, ou demandez à l'équipe informatique de l'académie de l'importer en ligne de commande.",
    ]);
    expect((await upload(sophie, "perdu.csv", null)).texts).toEqual(["Repère n'a pas pu télécharger le fichier. Renvoyez-le dans quelques instants."]);
    // An address that is not where Teams keeps files is not fetched at all (test/bot/import-download.test.ts).
    expect((await upload(sophie, "ailleurs.csv", null, { url: "http://10.1.2.3/liste.csv" })).texts[0]).toContain(
      "Repère ne télécharge que les fichiers envoyés dans Teams",
    );
  });

  it("speaks English to an English Teams client", async () => {
    const { cards } = await upload(sophie, "english.csv", csvBytes([listRow({ nom: "Smith", prenom: "Amy", naissance: "01/01/2009", uai: "0690001B" })]), {
      locale: "en-GB",
    });
    expect(cardText(cards[0])).toContain("List import · english.csv");
    expect(cardText(cards[0])).toContain("Import 1 row(s)");
  });

  it("answers a long import at once, then writes its progress and its end in the chat", async () => {
    TEAMS_IMPORT.inlineWaitMs = 0;
    TEAMS_IMPORT.progressEvery = 500;
    const rows = generatedList(1_200, ["0690002C"]).map((r) => [`Long${r[0]}`, ...r.slice(1)]);
    const { cards } = await upload(sophie, "longue-liste.csv", csvBytes(rows));
    expect(cardText(cards[0])).toContain("Importer 1200 ligne(s)");
    const batchId = batchIdOf(cards[0]);
    const started = await execute(bot, sophie, personalOf(sophie), "import.confirm", { batchId });
    expect(cardText(started)).toContain("Import en cours : 1200 ligne(s). Repère vous écrit ici à chaque étape et à la fin.");

    const deadline = Date.now() + 20_000;
    while ((await prisma().importBatch.findUniqueOrThrow({ where: { id: batchId } })).status !== "IMPORTED" && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    let queued: string[] = [];
    while (Date.now() < deadline) {
      queued = (await prisma().outboxMessage.findMany({ where: { conversationId: personalOf(sophie).conversationId }, orderBy: { createdAt: "asc" } })).map(
        (m) => (m.payload as any).activity?.text,
      );
      if (queued.some((q) => q?.startsWith("Import de"))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(queued).toEqual([
      "Import : 500 ligne(s) sur 1200…",
      "Import : 1000 ligne(s) sur 1200…",
      expect.stringMatching(
        /^Import de « longue-liste\.csv » terminé : 1200 dossier\(s\) créé\(s\), 0 rattaché\(s\), 0 déjà présent\(s\)\.\n\nRéférences D-2026-\d+ à D-2026-\d+ : les coordonnateurs les trouvent dans « à traiter »\.$/,
      ),
    ]);
    expect(await prisma().case.count({ where: { pupil: { lastName: { startsWith: "Long" } } } })).toBe(1_200);
    // 1,200 young people of Jean-Moulin, whose référent has no chat with the bot yet: one message
    // in the channel, for those of 16 and over.
    expect(await summaryTargets(batchId)).toEqual([CHANNEL]);
    const summary = (await prisma().outboxMessage.findFirstOrThrow({ where: { dedupeKey: `import:${batchId}:summary:${CHANNEL}` } })).payload as any;
    expect(summary.render).toMatchObject({ view: "importSummary", districts: ["Bassin Nord"], schools: [{ name: "Lycée professionnel Jean-Moulin" }] });
    expect(summary.render.total).toBeGreaterThan(0);
    expect(summary.render.total).toBeLessThan(1_200);
  });
});
