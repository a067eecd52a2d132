import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore, type Store } from "../../src/store/index.js";
import { createServices, type Actor, type Services } from "../../src/services/index.js";
import { DEMO_CHANNELS, DEMO_PEOPLE, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { IMPORT_SETTINGS, type ImportPreview } from "../../src/services/imports.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";
import { csvBytes, generatedList, listRow } from "../helpers/import-files.js";
import { seedDemo } from "../../src/services/demo-academie.js";

// The rentrée 2026: the campaign's lists arrive in September.
const RENTREE = new Date("2026-09-15T08:00:00Z");
const NORD_UAIS = ["0690001B", "0690002C", "0690003D"] as const;
const VICTOR_HUGO = "0690001B";
const SIMONE_VEIL = "0690004E"; // Bassin Sud
const NORD_CHANNEL = DEMO_CHANNELS[0].channelId;

const aad = (name: string) => DEMO_PEOPLE.find((p) => p.displayName === name)!.aadObjectId;

describe.each(DATABASE_KINDS)("rentrée campaign import on %s", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let services: Services;
  let now = RENTREE;
  const actor = async (name: string) => (await services.members.identify(DEMO_TENANT_ID, aad(name))) as Actor;
  const sophie = () => actor("Sophie Laurent"); // coordinator, Bassin Nord
  const prisma = () => db.prisma;
  let fileCounter = 0;
  /** Each test's file differs (a comment-free way: one more unique row), so hashes never collide. */
  const uniqueRow = () =>
    listRow({
      nom: `Unique-${String.fromCharCode(97 + (fileCounter % 26))}${String.fromCharCode(97 + Math.floor(fileCounter++ / 26))}`,
      prenom: "Eva",
      naissance: "01/02/2009",
      uai: "0690003D",
    });

  /** The import summaries a batch queued, by conversation. */
  async function summariesOf(batchId: string): Promise<Record<string, any>> {
    const rows = await prisma().outboxMessage.findMany({ where: { dedupeKey: { startsWith: `import:${batchId}:summary:` } } });
    return Object.fromEntries(rows.map((m) => [m.conversationId, (m.payload as any).render]));
  }

  async function preview(who: Actor, rows: string[][], name = "liste.csv"): Promise<ImportPreview> {
    const outcome = await services.imports.preview({ kind: "member", actor: who }, { name, bytes: csvBytes(rows) });
    if (!outcome.ok) throw new Error(`preview refused: ${JSON.stringify(outcome)}`);
    return outcome.preview;
  }

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    services = createServices(store, () => now);
    // The référent of Lycée Victor-Hugo has a personal chat with the bot.
    await store.conversations.upsert({
      conversationId: "a:karim",
      kind: "PERSONAL",
      tenantId: DEMO_TENANT_ID,
      aadObjectId: aad("Karim Benali"),
      teamId: null,
      channelId: null,
      serviceUrl: "http://x",
      reference: { conversation: { id: "a:karim" } },
    });
  });
  afterAll(async () => db?.drop());

  it("previews a list without creating anything, then imports it on confirmation with the campaign as source", async () => {
    const rows = [
      listRow({
        nom: "Durand",
        prenom: "Léa",
        naissance: "15/03/2009",
        ine: "123456789AB",
        uai: VICTOR_HUGO,
        formation: "1re STMG",
        sortie: "30/06/2026",
        motif: "non affecté",
        telephone: "06 11 22 33 44",
      }),
      listRow({ nom: "Petit", prenom: "Noé", naissance: "2012-05-02", uai: VICTOR_HUGO, motif: "abandon" }),
      listRow({ nom: "Garnier", prenom: "Zoé", naissance: "31/02/2009", uai: VICTOR_HUGO }),
    ];
    const p = await preview(await sophie(), rows);
    expect(p).toMatchObject({
      totalRows: 3,
      ready: 2,
      mlds: 1,
      attach: [],
      already: [],
      // Léa's phone is kept for the coordinators; the preview counts it, never shows it.
      contacts: { phones: 1, emails: 0, invalidPhones: 0, invalidEmails: 0 },
      sourceLabel: "campagne de repérage 2026",
      districtName: "Bassin Nord",
    });
    expect(p.errors).toEqual([{ line: 4, field: "birthDate", column: "Date de naissance", code: "INVALID_DATE", value: "31/02/2009" }]);
    expect(await prisma().case.count()).toBe(0);

    const done = await services.imports.confirm({ kind: "member", actor: await sophie() }, p.batchId);
    expect(done).toMatchObject({
      ok: true,
      result: { total: 2, created: 2, attached: 0, skipped: 0, firstReference: "D-2026-0001", lastReference: "D-2026-0002" },
    });

    const cases = await prisma().case.findMany({
      include: { pupil: true, reports: { include: { signals: true } }, events: true },
      orderBy: { reference: "asc" },
    });
    expect(cases).toHaveLength(2);
    const lea = cases[0]!;
    expect(lea).toMatchObject({
      status: "NEW",
      source: "IMPORT",
      sourceLabel: "campagne de repérage 2026",
      urgency: IMPORT_SETTINGS.urgency,
      reporterId: null,
    });
    expect(lea.pupil).toMatchObject({ lastName: "Durand", firstName: "Léa", ine: "123456789AB", birthYear: 2009, className: "1re STMG" });
    expect(lea.pupil.birthDate?.toISOString()).toBe("2009-03-15T00:00:00.000Z");
    expect(lea.reports[0]!.signals).toMatchObject([{ code: "NOT_ASSIGNED", family: "ORIENTATION", note: "non affecté" }]);
    expect(lea.reports[0]!.observations).toBe("Date de sortie : 30/06/2026");
    expect(lea.events.map((e) => e.type)).toEqual(["IMPORTED"]);
    expect((await store.caseChanges.get({ id: lea.id }))!.families).toEqual(["ORIENTATION"]);

    // The contact is kept apart (PupilContact, the coordinators' call campaign): nowhere in the
    // pupil, the case, its history or the batch, which holds no rows once imported.
    const dump = JSON.stringify(
      await Promise.all([
        prisma().pupil.findMany(),
        prisma().case.findMany(),
        prisma().report.findMany(),
        prisma().caseEvent.findMany(),
        prisma().importBatch.findMany(),
      ]),
      (_k, v) => (typeof v === "bigint" ? String(v) : v),
    );
    expect(dump).not.toContain("06 11 22 33 44");
    expect(await prisma().importBatch.findUniqueOrThrow({ where: { id: p.batchId } })).toMatchObject({
      status: "IMPORTED",
      rows: null,
      createdCount: 2,
      errorCount: 1,
      rowCount: 3,
    });
  });

  it("routes the import like reports, as one summary per recipient: 16 and over to the district's channel and the référents, under 16 to the référents only", async () => {
    const outboxBefore = await prisma().outboxMessage.count();
    const p = await preview(await sophie(), [
      listRow({ nom: "Routage", prenom: "Aïcha", naissance: "01/01/2009", uai: VICTOR_HUGO }),
      listRow({ nom: "Routage", prenom: "Yanis", naissance: "01/01/2012", uai: VICTOR_HUGO }),
      listRow({ nom: "Routage", prenom: "Nour", naissance: "01/01/2008", uai: "0690002C" }),
      // Collège Jules-Ferry has no référent in Repère: only the 16-year-old is heard of (in the channel).
      listRow({ nom: "Routage", prenom: "Lina", naissance: "01/01/2010", uai: "0690003D" }),
    ]);
    await services.imports.confirm({ kind: "member", actor: await sophie() }, p.batchId);
    const cases = await prisma().case.findMany({ where: { pupil: { lastName: "Routage" } }, select: { id: true } });
    expect(cases).toHaveLength(4);
    // No card per case: the whole import is one message per recipient.
    expect(await prisma().outboxMessage.count({ where: { caseId: { in: cases.map((c) => c.id) } } })).toBe(0);
    expect(await prisma().outboxMessage.count()).toBe(outboxBefore + 2);
    const summaries = await summariesOf(p.batchId);
    expect(Object.keys(summaries).sort()).toEqual(["a:karim", NORD_CHANNEL].sort());
    expect(summaries[NORD_CHANNEL]).toEqual({
      view: "importSummary",
      batchId: p.batchId,
      districts: ["Bassin Nord"],
      total: 3,
      attached: 0,
      schools: [
        { name: "Collège Jules-Ferry", count: 1 },
        { name: "Lycée professionnel Jean-Moulin", count: 1 },
        { name: "Lycée Victor-Hugo", count: 1 },
      ],
    });
    // The référent of Victor-Hugo hears of both of its young people, the 14-year-old included.
    expect(summaries["a:karim"]).toEqual({
      view: "importSummary",
      batchId: p.batchId,
      districts: ["Bassin Nord"],
      total: 2,
      attached: 0,
      schools: [{ name: "Lycée Victor-Hugo", count: 2 }],
    });
    // Pupil data stay out of the queued messages (a channel is seen by all its members).
    expect(JSON.stringify(summaries)).not.toMatch(/Routage|Aïcha|Yanis|Nour|Lina|D-2026/);
  });

  it("attaches a young person who already has an open case instead of opening a duplicate, and completes the pupil", async () => {
    const claire = await actor("Claire Martin");
    const [school] = await services.reports.reportingSchools(claire);
    const reported = await services.reports.submit(
      claire,
      {
        pupil: { lastName: "Lefèvre", firstName: "Chloé", className: "2nde 3", schoolId: school!.id, birthYear: 2010 },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 1 },
      },
      "import-test-report",
    );
    if (!reported.ok) throw new Error(reported.reason);
    const p = await preview(await sophie(), [
      listRow({ nom: "LEFEVRE", prenom: "chloé", naissance: "04/07/2010", ine: "987654321ZZ", uai: VICTOR_HUGO, motif: "non affecté" }),
      uniqueRow(),
    ]);
    expect(p.attach).toEqual([{ line: 2, reference: reported.recorded.reference }]);
    expect(p.ready).toBe(1);
    const done = await services.imports.confirm({ kind: "member", actor: await sophie() }, p.batchId);
    expect(done).toMatchObject({ ok: true, result: { created: 1, attached: 1 } });
    const c = await prisma().case.findUniqueOrThrow({ where: { id: reported.recorded.caseId }, include: { pupil: true, reports: true, events: true } });
    expect(c.reports).toHaveLength(2);
    expect(c.urgency).toBe(IMPORT_SETTINGS.urgency); // raised, as a new report would
    expect(c.events.map((e) => e.type).sort()).toEqual(["IMPORT_ADDED", "REPORTED"]);
    expect(c.pupil).toMatchObject({ ine: "987654321ZZ", className: "2nde 3" });
    expect(c.pupil.birthDate?.toISOString()).toBe("2010-07-04T00:00:00.000Z");
    expect(await prisma().case.count({ where: { pupil: { nameKey: "lefevre chloe" } } })).toBe(1);
    // Both are 16 or over: the channel counts both, the one that joined an open case apart; the
    // référent of Victor-Hugo hears of Chloé only.
    const summaries = await summariesOf(p.batchId);
    expect(summaries[NORD_CHANNEL]).toMatchObject({ total: 2, attached: 1 });
    expect(summaries["a:karim"]).toMatchObject({ total: 1, attached: 1, schools: [{ name: "Lycée Victor-Hugo", count: 1 }] });
  });

  it("recognises by INE a young person that this campaign already imported, even from another list and another school", async () => {
    const first = await preview(await sophie(), [listRow({ nom: "Benoît", prenom: "Maël", naissance: "12/12/2008", ine: "555555555AA", uai: VICTOR_HUGO })]);
    await services.imports.confirm({ kind: "member", actor: await sophie() }, first.batchId);
    const reference = (await prisma().case.findFirstOrThrow({ where: { pupil: { ine: "555555555AA" } } })).reference;
    const second = await preview(await sophie(), [
      listRow({ nom: "Benoit", prenom: "Mael", naissance: "12/12/2008", ine: "555555555AA", uai: "0690002C" }),
      uniqueRow(),
    ]);
    expect(second.already).toEqual([{ line: 2, reference }]);
    expect(second.ready).toBe(1);
    const done = await services.imports.confirm({ kind: "member", actor: await sophie() }, second.batchId);
    expect(done).toMatchObject({ ok: true, result: { created: 1, attached: 0, skipped: 1 } });
    expect(await prisma().case.count({ where: { pupil: { ine: "555555555AA" } } })).toBe(1);
  });

  it("imports the same file once: sent again, it is recognised and creates nothing", async () => {
    const bytes = csvBytes([listRow({ nom: "Rejeu", prenom: "Ana", naissance: "01/01/2009", uai: VICTOR_HUGO })]);
    const who = { kind: "member" as const, actor: await sophie() };
    const first = await services.imports.preview(who, { name: "rejeu.csv", bytes });
    if (!first.ok) throw new Error("refused");
    await services.imports.confirm(who, first.preview.batchId);
    expect(Object.keys(await summariesOf(first.preview.batchId)).sort()).toEqual(["a:karim", NORD_CHANNEL].sort());
    const before = await prisma().case.count();
    const outboxBefore = await prisma().outboxMessage.count();
    const again = await services.imports.preview(who, { name: "rejeu (copie).csv", bytes });
    expect(again).toMatchObject({ ok: false, reason: "ALREADY_IMPORTED", batch: { createdCount: 1, fileName: "rejeu.csv" } });
    expect(await services.imports.confirm(who, first.preview.batchId)).toMatchObject({ ok: false, reason: "ALREADY_IMPORTED" });
    expect(await prisma().case.count()).toBe(before);
    expect(await prisma().outboxMessage.count()).toBe(outboxBefore);
  });

  it("applies one confirmation when two arrive at once", async () => {
    const p = await preview(await sophie(), [listRow({ nom: "Double", prenom: "Clic", naissance: "01/01/2009", uai: VICTOR_HUGO })]);
    const who = { kind: "member" as const, actor: await sophie() };
    const results = await Promise.all([services.imports.confirm(who, p.batchId), services.imports.confirm(who, p.batchId)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ reason: expect.stringMatching(/IN_PROGRESS|ALREADY_IMPORTED/) });
    expect(await prisma().case.count({ where: { pupil: { lastName: "Double" } } })).toBe(1);
  });

  it("resumes an import cut short without duplicating what it had already created", async () => {
    const p = await preview(
      await sophie(),
      generatedList(7, NORD_UAIS).map((r) => [`Reprise${r[0]}`.replace(/[^\p{L}-]/gu, ""), ...r.slice(1)]),
    );
    expect(p.ready).toBe(7);
    const batch = (await store.imports.claim(p.batchId, new Date(0)))!;
    const rows = await store.imports.rowsOf(p.batchId);
    // The first run imported three rows, then its instance stopped.
    await store.imports.importChunk({ id: batch.id, sourceLabel: batch.sourceLabel!, importedById: batch.importedById }, rows.slice(0, 3), {
      year: 2026,
      urgency: 2,
      now,
    });
    await store.imports.fail(batch.id);
    expect(await summariesOf(p.batchId)).toEqual({});
    const done = await services.imports.confirm({ kind: "member", actor: await sophie() }, p.batchId);
    expect(done).toMatchObject({ ok: true, result: { total: 7, created: 7 } });
    expect(await prisma().case.count({ where: { pupil: { lastName: { startsWith: "Reprise" } } } })).toBe(7);
    // The summary counts what the first run imported too.
    const karim = (await summariesOf(p.batchId))["a:karim"];
    expect(karim.total).toBe(rows.filter((r) => r.uai === VICTOR_HUGO).length);
  });

  it("checks each row's school: unknown, or outside the coordinator's district", async () => {
    const p = await preview(await sophie(), [
      listRow({ nom: "Ailleurs", prenom: "Tom", naissance: "01/01/2009", uai: SIMONE_VEIL }),
      listRow({ nom: "Inconnu", prenom: "Tom", naissance: "01/01/2009", uai: "0999999Z" }),
      uniqueRow(),
    ]);
    expect(p.errors).toEqual([
      { line: 2, field: "uai", column: "Dernier établissement (UAI)", code: "OUT_OF_DISTRICT", value: SIMONE_VEIL },
      { line: 3, field: "uai", column: "Dernier établissement (UAI)", code: "UNKNOWN_SCHOOL", value: "0999999Z" },
    ]);
    expect(p.ready).toBe(1);
  });

  it("lets an admin import for any district, and nobody else but coordinators", async () => {
    const rows = [
      listRow({ nom: "Admin", prenom: "Nord", naissance: "01/01/2009", uai: VICTOR_HUGO }),
      listRow({ nom: "Admin", prenom: "Sud", naissance: "01/01/2009", uai: SIMONE_VEIL }),
    ];
    const admin = await preview(await actor("Nathalie Roux"), rows, "académie.csv");
    expect(admin).toMatchObject({ ready: 2, errors: [], districtName: null });
    for (const name of ["Claire Martin", "Karim Benali"]) {
      expect(await services.imports.preview({ kind: "member", actor: await actor(name) }, { name: "x.csv", bytes: csvBytes(rows) })).toEqual({
        ok: false,
        reason: "FORBIDDEN",
      });
    }
    // Only the person who saw the preview confirms it.
    expect(await services.imports.confirm({ kind: "member", actor: await sophie() }, admin.batchId)).toEqual({ ok: false, reason: "FORBIDDEN" });
    expect(await services.imports.cancel({ kind: "member", actor: await actor("Marc Petit") }, admin.batchId)).toEqual({ ok: false, reason: "FORBIDDEN" });
    expect(await services.imports.cancel({ kind: "member", actor: await actor("Nathalie Roux") }, admin.batchId)).toEqual({ ok: true });
  });

  it("drops a cancelled preview's rows, and a preview left unconfirmed for a day", async () => {
    const who = { kind: "member" as const, actor: await sophie() };
    const cancelled = await preview(who.actor, [listRow({ nom: "Annule", prenom: "Léo", naissance: "01/01/2009", uai: VICTOR_HUGO })]);
    expect(await services.imports.cancel(who, cancelled.batchId)).toEqual({ ok: true });
    expect(await prisma().importBatch.findUniqueOrThrow({ where: { id: cancelled.batchId } })).toMatchObject({ status: "CANCELLED", rows: null });
    expect(await services.imports.confirm(who, cancelled.batchId)).toEqual({ ok: false, reason: "CANCELLED" });

    const forgotten = await preview(who.actor, [listRow({ nom: "Oublie", prenom: "Léo", naissance: "01/01/2009", uai: VICTOR_HUGO })]);
    now = new Date(RENTREE.getTime() + 25 * 3600_000);
    try {
      expect(await services.imports.confirm(who, forgotten.batchId)).toEqual({ ok: false, reason: "EXPIRED" });
      expect(await prisma().importBatch.findUniqueOrThrow({ where: { id: forgotten.batchId } })).toMatchObject({ status: "EXPIRED", rows: null });
    } finally {
      now = RENTREE;
    }
    expect(await prisma().case.count({ where: { pupil: { lastName: { in: ["Annule", "Oublie"] } } } })).toBe(0);
  });

  it("refuses a file whose columns it cannot find, naming the missing ones", async () => {
    const outcome = await services.imports.preview(
      { kind: "member", actor: await sophie() },
      { name: "x.csv", bytes: csvBytes([["Dupont", "Jean"]], { header: ["Nom", "Classe"] }) },
    );
    expect(outcome).toEqual({ ok: false, reason: "UNKNOWN_LAYOUT", missing: ["firstName", "birthDate", "uai"], headers: ["Nom", "Classe"] });
    expect(await services.imports.preview({ kind: "member", actor: await sophie() }, { name: "vide.csv", bytes: new Uint8Array() })).toEqual({
      ok: false,
      reason: "EMPTY",
    });
  });

  it("imports for a district named by code (the IT team's command line), refusing an unknown code", async () => {
    const rows = [listRow({ nom: "Systeme", prenom: "Lou", naissance: "01/01/2009", uai: SIMONE_VEIL })];
    expect(await services.imports.preview({ kind: "system", districtCode: "EST" }, { name: "x.csv", bytes: csvBytes(rows) })).toEqual({
      ok: false,
      reason: "UNKNOWN_DISTRICT",
      districtCode: "EST",
    });
    const p = await services.imports.preview({ kind: "system", districtCode: "sud" }, { name: "x.csv", bytes: csvBytes(rows) });
    if (!p.ok) throw new Error("refused");
    expect(p.preview).toMatchObject({ ready: 1, districtName: "Bassin Sud" });
    expect(await services.imports.confirm({ kind: "system", districtCode: "NORD" }, p.preview.batchId)).toEqual({ ok: false, reason: "FORBIDDEN" });
    expect(await services.imports.confirm({ kind: "system", districtCode: "SUD" }, p.preview.batchId)).toMatchObject({ ok: true, result: { created: 1 } });
    expect(await prisma().importBatch.findUniqueOrThrow({ where: { id: p.preview.batchId } })).toMatchObject({ importedById: null, status: "IMPORTED" });
  });
});

describe("a list of 10,000 young people", () => {
  // How long it takes is measured by the bench (npm run bench -- --only=import), not asserted here.
  it("is previewed and imported whole, its progress told every 500 rows, one summary per recipient", async () => {
    const db = await openTestDatabase("postgres");
    try {
      const store = createStore(db);
      await seedDemo(store, { onlyIfEmpty: false });
      const services = createServices(store, () => RENTREE);
      await store.conversations.upsert({
        conversationId: "a:karim",
        kind: "PERSONAL",
        tenantId: DEMO_TENANT_ID,
        aadObjectId: aad("Karim Benali"),
        teamId: null,
        channelId: null,
        serviceUrl: "http://x",
        reference: { conversation: { id: "a:karim" } },
      });
      const sophie = (await services.members.identify(DEMO_TENANT_ID, aad("Sophie Laurent")))!;
      const bytes = csvBytes(generatedList(10_000, NORD_UAIS, { withIne: true }), { encoding: "windows-1252" });
      const who = { kind: "member" as const, actor: sophie };

      const p = await services.imports.preview(who, { name: "siei-rentree-2026.csv", bytes });
      if (!p.ok) throw new Error(JSON.stringify(p));
      expect(p.preview).toMatchObject({ totalRows: 10_000, ready: 10_000, errors: [], encoding: "windows-1252" });
      expect(p.preview.contacts).toEqual({ phones: 10_000, emails: 0, invalidPhones: 0, invalidEmails: 0 });
      const progress: number[] = [];
      const done = await services.imports.confirm(who, p.preview.batchId, { onProgress: (n) => void progress.push(n) });
      expect(done).toMatchObject({ ok: true, result: { created: 10_000, firstReference: "D-2026-0001", lastReference: "D-2026-10000" } });
      expect(progress).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 500));
      expect(await db.prisma.case.count({ where: { source: "IMPORT" } })).toBe(10_000);
      expect(await db.prisma.report.count()).toBe(10_000);
      // A handful of summaries, not 10,000 cards: the channel hears of the 16 and over, the
      // référent of Victor-Hugo of its third of the list.
      const queued = await db.prisma.outboxMessage.findMany();
      expect(queued.map((m) => m.conversationId).sort()).toEqual(["a:karim", NORD_CHANNEL].sort());
      const render = (id: string) => (queued.find((m) => m.conversationId === id)!.payload as any).render;
      expect(render(NORD_CHANNEL)).toMatchObject({ view: "importSummary", districts: ["Bassin Nord"], total: p.preview.mlds, attached: 0 });
      expect(render(NORD_CHANNEL).schools).toHaveLength(3);
      expect(render("a:karim")).toMatchObject({ total: 3_334, schools: [{ name: "Lycée Victor-Hugo", count: 3_334 }] });
    } finally {
      await db.drop();
    }
  }, 120_000);
});
