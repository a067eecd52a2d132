import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore, type Store } from "../../src/store/index.js";
import { createServices, type Actor, type Services } from "../../src/services/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { seedDemo } from "../../src/services/demo-academie.js";
import { psadCsv } from "../../src/services/calls.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";
import { csvBytes, LIST_HEADER } from "../helpers/import-files.js";

/** The SIEI round trip: the phone and e-mail of a campaign list kept for the bassin's MLDS
 *  coordinators, their call campaign, the export back to the PSAD, and retention erasing it all. */

const RENTREE = new Date("2026-09-15T08:00:00Z");
const VICTOR_HUGO = "0690001B"; // Bassin Nord
const HEADER = [...LIST_HEADER, "Courriel"];
const aad = (name: string) => DEMO_PEOPLE.find((p) => p.displayName === name)!.aadObjectId;

const row = (nom: string, prenom: string, naissance: string, ine: string, telephone: string, courriel: string) => [
  nom,
  prenom,
  naissance,
  ine,
  VICTOR_HUGO,
  "1re STMG",
  "30/06/2026",
  "non affecté",
  telephone,
  courriel,
];

describe.each(DATABASE_KINDS)("the SIEI round trip on %s", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let services: Services;
  let now = RENTREE;
  const actor = async (name: string) => (await services.members.identify(DEMO_TENANT_ID, aad(name))) as Actor;
  const sophie = () => actor("Sophie Laurent"); // coordinator, Bassin Nord
  const karim = () => actor("Karim Benali"); // référent, Lycée Victor-Hugo
  const prisma = () => db.prisma;
  const caseOf = async (reference: string) => (await prisma().case.findUniqueOrThrow({ where: { reference } })).id;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    services = createServices(store, () => now);
    const preview = await services.imports.preview(
      { kind: "member", actor: await sophie() },
      {
        name: "siei.csv",
        bytes: csvBytes(
          [
            row("Durand", "Léa", "15/03/2009", "123456789AB", "06 11 22 33 44", "Lea.Durand@Exemple.fr"),
            row("Martin", "Hugo", "02/05/2008", "223456789AC", "+33 (0)7 55 44 33 22", "pas une adresse"),
            row("Bernard", "Inès", "20/11/2008", "", "", ""),
            row("Petit", "Noé", "01/01/2009", "323456789AD", "12", "noe.petit@exemple.fr"),
          ],
          { header: HEADER },
        ),
      },
    );
    if (!preview.ok) throw new Error(JSON.stringify(preview));
    // The preview counts what it keeps; it never shows a number or an address.
    expect(preview.preview.contacts).toEqual({ phones: 2, emails: 2, invalidPhones: 1, invalidEmails: 1 });
    expect(JSON.stringify(preview.preview)).not.toMatch(/06 11|exemple\.fr|\+336/i);
    const done = await services.imports.confirm({ kind: "member", actor: await sophie() }, preview.preview.batchId);
    expect(done).toMatchObject({ ok: true, result: { created: 4, firstReference: "D-2026-0001", lastReference: "D-2026-0004" } });
  });
  afterAll(async () => db?.drop());

  it("keeps the phone (E.164) and e-mail of an imported list apart from the identity", async () => {
    const contacts = await prisma().pupilContact.findMany({ include: { pupil: true }, orderBy: { pupil: { lastName: "asc" } } });
    expect(contacts.map((c) => [c.pupil.lastName, c.phone, c.email])).toEqual([
      ["Durand", "+33611223344", "lea.durand@exemple.fr"],
      ["Martin", "+33755443322", null],
      ["Petit", null, "noe.petit@exemple.fr"],
    ]);
    // Nothing of it in the pupil, the case or its history.
    const dump = JSON.stringify(
      await Promise.all([prisma().pupil.findMany(), prisma().case.findMany(), prisma().caseEvent.findMany(), prisma().importBatch.findMany()]),
      (_k, v) => (typeof v === "bigint" ? String(v) : v),
    );
    expect(dump).not.toMatch(/33611223344|06 11 22|lea\.durand/i);
  });

  it("shows the coordinator the young people to call with their phone, oldest first; a référent gets nothing", async () => {
    const list = await services.calls.toCall(await sophie());
    if (!list.ok) throw new Error("coordinator refused");
    expect(list.view).toMatchObject({ page: 1, pages: 1, total: 4, pageSize: 10 });
    expect(list.view.entries.map((e) => [e.reference, e.initials, e.phone, e.attempts])).toEqual([
      ["D-2026-0001", "L. D.", "+33611223344", 0],
      ["D-2026-0002", "H. M.", "+33755443322", 0],
      ["D-2026-0003", "I. B.", null, 0],
      ["D-2026-0004", "N. P.", null, 0],
    ]);
    expect(await services.calls.toCall(await karim())).toEqual({ ok: false, reason: "FORBIDDEN" });
    expect(services.calls.mayCall(await karim())).toBe(false);
  });

  it("refuses a call recorded by a référent (a forged card action) and a bad form", async () => {
    const lea = await caseOf("D-2026-0001");
    expect(await services.calls.recordCall(await karim(), lea, { outcome: "REACHED" })).toEqual({ ok: false, reason: "FORBIDDEN" });
    expect(await services.calls.recordCall(await sophie(), lea, { outcome: "PARTI" })).toMatchObject({ ok: false, reason: "INVALID_INPUT", field: "outcome" });
    expect(await services.calls.recordCall(await sophie(), lea, { outcome: "REACHED", calledAt: "2026-09-16" })).toMatchObject({
      ok: false,
      reason: "INVALID_INPUT",
      field: "calledAt",
      problem: "FUTURE",
    });
    expect(await services.calls.recordCall(await sophie(), lea, { outcome: "REACHED", note: "x".repeat(201) })).toMatchObject({
      ok: false,
      field: "note",
    });
    expect(await prisma().callAttempt.count()).toBe(0);
    expect(await services.calls.requestPsadExport(await karim())).toEqual({ ok: false, reason: "FORBIDDEN" });
  });

  it("records an unreachable young person then reached: the list keeps them until reached, the history says so", async () => {
    const lea = await caseOf("D-2026-0001");
    now = new Date("2026-09-21T09:00:00Z");
    expect(await services.calls.recordCall(await sophie(), lea, { outcome: "UNREACHABLE", calledAt: "2026-09-21", note: "Messagerie pleine" })).toEqual({
      ok: true,
      reference: "D-2026-0001",
      outcome: "UNREACHABLE",
      attempts: 1,
      settled: false,
    });
    let list = await services.calls.toCall(await sophie());
    expect(list.ok && list.view.entries[0]).toMatchObject({ reference: "D-2026-0001", attempts: 1, lastCall: { outcome: "UNREACHABLE", on: "2026-09-21" } });

    now = new Date("2026-09-22T09:00:00Z");
    // The date defaults to today (Paris).
    expect(await services.calls.recordCall(await sophie(), lea, { outcome: "REACHED", calledAt: "" })).toMatchObject({ ok: true, attempts: 2, settled: true });
    // Hugo refuses; Inès gets a meeting (both leave the list); Noé stays, never called.
    expect(await services.calls.recordCall(await sophie(), await caseOf("D-2026-0002"), { outcome: "REFUSED", calledAt: "2026-09-22" })).toMatchObject({
      ok: true,
    });
    expect(await services.calls.recordCall(await sophie(), await caseOf("D-2026-0003"), { outcome: "APPOINTMENT", calledAt: "2026-09-22" })).toMatchObject({
      ok: true,
    });
    list = await services.calls.toCall(await sophie());
    expect(list.ok && list.view.entries.map((e) => e.reference)).toEqual(["D-2026-0004"]);

    const calls = await prisma().callAttempt.findMany({ where: { caseId: lea }, orderBy: { createdAt: "asc" } });
    expect(calls.map((c) => [c.outcome, c.calledAt.toISOString().slice(0, 10), c.note])).toEqual([
      ["UNREACHABLE", "2026-09-21", "Messagerie pleine"],
      ["REACHED", "2026-09-22", null],
    ]);
    const events = await prisma().caseEvent.findMany({ where: { caseId: lea, type: "CALL_RECORDED" }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.data)).toMatchObject([
      { outcome: "UNREACHABLE", calledAt: "2026-09-21", attempt: 1 },
      { outcome: "REACHED", calledAt: "2026-09-22", attempt: 2 },
    ]);
    // The note stays out of the history (it is erased with the call at retention).
    expect(JSON.stringify(events.map((e) => e.data))).not.toContain("Messagerie");

    // An access request (RGPD art. 15) gives the young person what is kept: the contact and the calls.
    const pupilId = (await prisma().case.findUniqueOrThrow({ where: { id: lea } })).pupilId;
    const exported = await store.privacy.exportPupil(pupilId, now);
    expect(exported!.pupil.contact).toEqual({ phone: "+33611223344", email: "lea.durand@exemple.fr" });
    expect(exported!.cases[0]!.calls).toEqual([
      { day: "2026-09-21", outcome: "UNREACHABLE", note: "Messagerie pleine", by: "Sophie Laurent" },
      { day: "2026-09-22", outcome: "REACHED", note: null, by: "Sophie Laurent" },
    ]);
  });

  it("exports each young person's situation to the PSAD behind a signed link, audited and counted", async () => {
    // Noé's case closes with an apprenticeship.
    const noe = await caseOf("D-2026-0004");
    await prisma().case.update({ where: { id: noe }, data: { status: "CLOSED", closedAt: new Date("2026-09-23T10:00:00Z") } });
    await prisma().outcome.create({ data: { caseId: noe, kind: "APPRENTICESHIP" } });
    now = new Date("2026-09-24T09:00:00Z");

    const asked = await services.calls.requestPsadExport(await sophie());
    if (!asked.ok) throw new Error("export refused");
    expect(asked.districtName).toBe("Bassin Nord");
    const url = new URL(asked.url);
    expect(url.pathname).toMatch(/^\/dl\/stats\/psad-[0-9a-f-]{36}\.csv$/);
    const audit = await prisma().dataExport.findFirstOrThrow({ where: { kind: "PSAD" } });
    expect(audit).toMatchObject({ memberId: (await sophie()).memberId, downloads: 0 });

    const file = await services.calls.downloadPsad(url.pathname, url.searchParams.get("exp"), url.searchParams.get("sig"));
    if (!file.ok) throw new Error(`download refused: ${file.reason}`);
    expect(file.fileName).toBe("repere-psad-2026-09-24.csv");
    const text = file.body.toString("utf8");
    expect(text.startsWith("\uFEFF")).toBe(true);
    const rows = parse(text.slice(1), { delimiter: ";" }) as string[][];
    expect(rows).toEqual([
      ["INE", "nom", "prénom", "date de naissance", "code situation", "libellé situation", "date de la situation"],
      ["123456789AB", "Durand", "Léa", "15/03/2009", "EN_COURS", "Suivi en cours", "22/09/2026"],
      ["223456789AC", "Martin", "Hugo", "02/05/2008", "REFUS", "Refus d'accompagnement", "22/09/2026"],
      ["", "Bernard", "Inès", "20/11/2008", "RENDEZ_VOUS", "Rendez-vous fixé avec la MLDS", "22/09/2026"],
      ["323456789AD", "Petit", "Noé", "01/01/2009", "APPRENTISSAGE", "Apprentissage", "23/09/2026"],
    ]);
    // No cell a spreadsheet would run as a formula; and no phone or e-mail goes to the PSAD.
    expect(rows.flat().some((cell) => /^[=+\-@\t\r]/.test(cell))).toBe(false);
    expect(text).not.toMatch(/\+33|exemple\.fr/);
    expect(await prisma().dataExport.findUniqueOrThrow({ where: { id: audit.id } })).toMatchObject({ downloads: 1, rowCount: 4 });

    // A forged or tampered link serves nothing.
    expect(await services.calls.downloadPsad(url.pathname, url.searchParams.get("exp"), "A".repeat(43))).toEqual({ ok: false, reason: "INVALID" });
  });

  it("writes a hostile cell as text", () => {
    const text = psadCsv([["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "Durand"]]).toString("utf8");
    expect(text.split("\r\n")[1]).toBe("'=cmd|' /C calc'!A0;'+1;'-2;'@SUM(A1);Durand");
  });

  it("erases the phone, the e-mail and the calls' notes at retention", async () => {
    const lea = await caseOf("D-2026-0001");
    await prisma().case.updateMany({ data: { status: "CLOSED", closedAt: new Date("2026-10-01T10:00:00Z") } });
    now = new Date("2027-09-02T08:00:00Z");
    const applied = await services.retention.run({ dryRun: false });
    expect(applied.references).toEqual(expect.arrayContaining(["D-2026-0001", "D-2026-0002", "D-2026-0003", "D-2026-0004"]));
    const contacts = await prisma().pupilContact.findMany();
    expect(contacts.length).toBeGreaterThan(0);
    expect(contacts.every((c) => c.phone === null && c.email === null)).toBe(true);
    const calls = await prisma().callAttempt.findMany({ where: { caseId: lea } });
    // The calls stay for the statistics (outcome, date), without their note.
    expect(calls.map((c) => [c.outcome, c.note])).toEqual(
      expect.arrayContaining([
        ["UNREACHABLE", null],
        ["REACHED", null],
      ]),
    );
    // And the campaign no longer lists anyone: the cases are closed and anonymised.
    const list = await services.calls.toCall(await sophie());
    expect(list.ok && list.view.total).toBe(0);
  });
});
