import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import type { Actor } from "../../src/services/index.js";
import type { ImportPreview } from "../../src/services/imports.js";
import { cardText, execute, person, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";
import { findAction } from "../helpers/cards.js";
import { DATABASE_KINDS } from "../helpers/database.js";
import { csvBytes, listRow } from "../helpers/import-files.js";
import { importPreviewCard } from "../../src/teams/imports/import-views.js";
import { translator } from "../../src/teams/i18n.js";

/** Issue 26, « Même élève ? »: a young person reported at the Lycée Victor-Hugo with only a birth
 *  year, then listed by the SIEI at the LP Jean-Moulin (same bassin) with a full birth date. Repère
 *  cannot tell whether the two pupil rows are one young person, so it asks the bassin's MLDS
 *  coordinator, who sees both cases, in `statut`; never the teacher who reported, nor the référent
 *  of either school, who would learn that the young person is followed elsewhere. */

const claire = person("Claire Martin"); // teacher, Lycée Victor-Hugo (0690001B), the reporter
const karim = person("Karim Benali"); // référent, Lycée Victor-Hugo
const ines = person("Inès Moreau"); // référent, LP Jean-Moulin (0690002C)
const sophie = person("Sophie Laurent"); // coordinator, Bassin Nord
const YEAR = new Date().getFullYear();
const personalOf = (p: Person) => ({ conversationId: `a:personal-${p.aadObjectId}`, type: "personal" as const });

describe.each(DATABASE_KINDS)("« Même élève ? » between a report and an imported list, on the %s database", (kind) => {
  let bot: TestBot;
  let counter = 0;
  let preview: ImportPreview;
  /** The reported cases (Victor-Hugo, birth year only) and the imported ones (Jean-Moulin). */
  const reported: Record<string, { id: string; reference: string }> = {};
  const imported: Record<string, { id: string; reference: string }> = {};
  const k = () => bot.app.store.db.kysely;
  const actorOf = async (p: Person) => (await bot.app.services.members.identify(DEMO_TENANT_ID, p.aadObjectId)) as Actor;

  async function report(lastName: string, firstName: string): Promise<{ id: string; reference: string }> {
    const actor = await actorOf(claire);
    const school = (await bot.app.services.reports.reportingSchools(actor)).find((s) => s.uai === "0690001B")!;
    const outcome = await bot.app.services.reports.submit(
      actor,
      {
        pupil: { lastName, firstName, className: "1re 2", schoolId: school.id, birthYear: YEAR - 17 },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 2 },
      },
      `same-person-${kind}-${++counter}`,
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    return { id: outcome.recorded.caseId, reference: outcome.recorded.reference };
  }

  async function caseAt(uai: string, lastName: string): Promise<{ id: string; reference: string }> {
    return k()
      .selectFrom("Case as c")
      .innerJoin("Pupil as p", "p.id", "c.pupilId")
      .innerJoin("School as s", "s.id", "c.schoolId")
      .select(["c.id", "c.reference"])
      .where("s.uai", "=", uai)
      .where("p.lastName", "=", lastName)
      .executeTakeFirstOrThrow();
  }

  /** What `statut <reference>` shows the person in their personal chat, and its cards. */
  async function status(who: Person, reference: string, locale?: string): Promise<{ text: string; cards: any[] }> {
    const r = await bot.say(who, `statut ${reference}`, locale ? { locale } : undefined);
    return { text: [...r.texts, ...r.cards.map(cardText)].join("\n"), cards: r.cards };
  }

  const links = () => k().selectFrom("PupilLink").select(["pupilId", "otherPupilId", "same", "decidedById"]).execute();

  beforeAll(async () => {
    bot = await startTestBot({ database: kind });
    reported.chloe = await report("Lefèvre-Martin", "Chloé");
    reported.noah = await report("Garnier", "Noah");
    // The SIEI list of the bassin, imported by its coordinator: the same names, at another school
    // of the bassin, with full birth dates.
    const rows = [
      listRow({ nom: "Lefevre Martin", prenom: "Chloe", naissance: `15/03/${YEAR - 17}`, uai: "0690002C", motif: "sans affectation" }),
      listRow({ nom: "Garnier", prenom: "Noah", naissance: `02/02/${YEAR - 17}`, uai: "0690002C", motif: "sans affectation" }),
    ];
    const importer = { kind: "member" as const, actor: await actorOf(sophie) };
    const outcome = await bot.app.services.imports.preview(importer, { name: `siei-${kind}.csv`, bytes: csvBytes(rows) });
    if (!outcome.ok) throw new Error(JSON.stringify(outcome));
    preview = outcome.preview;
    const done = await bot.app.services.imports.confirm(importer, preview.batchId);
    if (!done.ok) throw new Error(JSON.stringify(done));
    imported.chloe = await caseAt("0690002C", "Lefevre Martin");
    imported.noah = await caseAt("0690002C", "Garnier");
  }, 120_000);

  afterAll(async () => bot?.stop());

  it("tells the coordinator on the import's preview which rows will be asked, and still opens their cases", () => {
    expect(preview.ready).toBe(2);
    expect(preview.attach).toEqual([]);
    expect(preview.samePerson).toEqual([
      { line: 2, reference: reported.chloe!.reference },
      { line: 3, reference: reported.noah!.reference },
    ]);
    expect(imported.chloe!.reference).not.toBe(reported.chloe!.reference);
    // The preview card says so, in French and in English.
    const fr = cardText(importPreviewCard(translator("fr"), preview));
    expect(fr).toContain("Même élève ? (2)");
    expect(fr).toContain(`Ligne 2 · ${reported.chloe!.reference}`);
    expect(fr).toContain(`Ligne 3 · ${reported.noah!.reference}`);
    const en = cardText(importPreviewCard(translator("en"), preview));
    expect(en).toContain("Same young person? (2)");
    expect(en).toContain(`Row 2 · ${reported.chloe!.reference}`);
  });

  it("asks the coordinator, who sees both schools, « Même élève ? » in statut, from either case", async () => {
    const { text, cards } = await status(sophie, imported.chloe!.reference);
    expect(text).toContain("Même élève ?");
    expect(text).toContain(reported.chloe!.reference);
    expect(text).toContain("Lycée Victor-Hugo");
    expect(text).toContain(`né(e) en ${YEAR - 17} (date de naissance inconnue)`);
    expect(text).toContain("Oui, même élève");
    expect(text).toContain("Non, pas le même");
    // Not linked yet: no « Autres dossiers » before someone answers.
    expect(text).not.toContain("Autres dossiers de ce jeune");
    const yes = findAction(cards, (a) => a.verb === "case.samePerson" && a.data?.same === "yes");
    expect(yes.data).toEqual({ caseId: imported.chloe!.id, otherCaseId: reported.chloe!.id, same: "yes" });
    const back = await status(sophie, reported.chloe!.reference);
    expect(back.text).toContain("Même élève ?");
    expect(back.text).toContain(imported.chloe!.reference);
  });

  it("asks in English when Teams is in English", async () => {
    const { text } = await status(sophie, imported.chloe!.reference, "en-US");
    expect(text).toContain("Same young person?");
    expect(text).toContain("Yes, same person");
    expect(text).toContain("No, different");
    expect(text).toContain(reported.chloe!.reference);
  });

  it("never asks the teacher who reported nor the référent of either school, nor shows them the other case", async () => {
    for (const [who, reference, other, otherSchool] of [
      [claire, reported.chloe!.reference, imported.chloe!.reference, "Jean-Moulin"],
      [karim, reported.chloe!.reference, imported.chloe!.reference, "Jean-Moulin"],
      [ines, imported.chloe!.reference, reported.chloe!.reference, "Victor-Hugo"],
    ] as const) {
      const { text } = await status(who, reference);
      expect(text, who.displayName).toContain(reference);
      expect(text, who.displayName).not.toContain(other);
      expect(text, who.displayName).not.toContain(otherSchool);
      expect(text, who.displayName).not.toContain("Même élève");
    }
  });

  it("refuses a forged answer from who does not see both cases, and records nothing", async () => {
    for (const who of [claire, karim, ines]) {
      const card = await execute(bot, who, personalOf(who), "case.samePerson", { caseId: reported.chloe!.id, otherCaseId: imported.chloe!.id, same: "yes" });
      expect(cardText(card), who.displayName).toContain("Action refusée");
      expect(cardText(card), who.displayName).not.toContain(imported.chloe!.reference);
    }
    // Malformed data never reaches the service.
    const bad = await execute(bot, claire, personalOf(claire), "case.samePerson", { caseId: "D-2026-00001", otherCaseId: imported.chloe!.id, same: "maybe" });
    expect(cardText(bad)).not.toContain(imported.chloe!.reference);
    expect(await links()).toEqual([]);
    expect((await status(karim, reported.chloe!.reference)).text).not.toContain(imported.chloe!.reference);
  });

  it("links the two cases when the coordinator confirms: each lists the other in « Autres dossiers », the question is gone", async () => {
    const card = await execute(bot, sophie, personalOf(sophie), "case.samePerson", {
      caseId: imported.chloe!.id,
      otherCaseId: reported.chloe!.id,
      same: "yes",
    });
    expect(cardText(card)).toContain(`Enregistré : ${imported.chloe!.reference} et ${reported.chloe!.reference} concernent le même jeune`);
    expect(cardText(card)).toContain("Plus de question pour ce dossier");
    const saved = await links();
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ same: true, decidedById: (await actorOf(sophie)).memberId });
    for (const [reference, other] of [
      [imported.chloe!.reference, reported.chloe!.reference],
      [reported.chloe!.reference, imported.chloe!.reference],
    ]) {
      const { text } = await status(sophie, reference!);
      expect(text).toContain("Autres dossiers de ce jeune");
      expect(text).toContain(other);
      expect(text).not.toContain("Même élève ?");
    }
    // Audited on both cases, without the other reference (their history is read at each school).
    const events = await k()
      .selectFrom("CaseEvent")
      .select(["caseId", "type", "data"])
      .where("caseId", "in", [imported.chloe!.id, reported.chloe!.id])
      .where("type", "=", "SAME_PERSON_CONFIRMED")
      .execute();
    expect(events.map((e) => e.caseId).sort()).toEqual([imported.chloe!.id, reported.chloe!.id].sort());
    expect(JSON.stringify(events)).not.toContain(imported.chloe!.reference);
    // One timeline in the history too: the other case's events, with its reference.
    const history = (await bot.say(sophie, `historique ${imported.chloe!.reference}`)).cards.map(cardText).join("\n");
    expect(history).toContain(`${reported.chloe!.reference} · Fiche de repérage (Claire Martin)`);
    expect(history).toContain("Rapproché d'un autre dossier du même jeune");
    // The référent of one school reads neither the other case nor that one exists elsewhere.
    const own = (await bot.say(ines, `historique ${imported.chloe!.reference}`)).cards.map(cardText).join("\n");
    expect(own).toContain(`Historique · ${imported.chloe!.reference}`);
    expect(own).not.toContain(reported.chloe!.reference);
    expect(own).not.toContain("Rapproché");
    // The others still see nothing of the other school.
    expect((await status(karim, reported.chloe!.reference)).text).not.toContain(imported.chloe!.reference);
    expect((await status(ines, imported.chloe!.reference)).text).not.toContain(reported.chloe!.reference);
    expect((await status(claire, reported.chloe!.reference)).text).not.toContain(imported.chloe!.reference);
    // A second answer (another tab, a retry) keeps the first.
    const again = await execute(bot, sophie, personalOf(sophie), "case.samePerson", {
      caseId: reported.chloe!.id,
      otherCaseId: imported.chloe!.id,
      same: "no",
    });
    expect(cardText(again)).toContain("déjà répondu");
    expect(await links()).toHaveLength(1);
  });

  it("stops asking once the coordinator answers « Non », and links nothing", async () => {
    expect((await status(sophie, reported.noah!.reference)).text).toContain(imported.noah!.reference);
    const card = await execute(bot, sophie, personalOf(sophie), "case.samePerson", { caseId: reported.noah!.id, otherCaseId: imported.noah!.id, same: "no" });
    expect(cardText(card)).toContain("ne concernent pas le même jeune");
    for (const [reference, other] of [
      [imported.noah!.reference, reported.noah!.reference],
      [reported.noah!.reference, imported.noah!.reference],
    ]) {
      const { text } = await status(sophie, reference!);
      expect(text).not.toContain("Même élève ?");
      expect(text).not.toContain(other);
    }
    expect((await links()).filter((l) => !l.same)).toHaveLength(1);
  });

  it("forgets the link once a pupil is anonymised", async () => {
    const pupilOf = async (caseId: string) => (await k().selectFrom("Case").select("pupilId").where("id", "=", caseId).executeTakeFirstOrThrow()).pupilId;
    // As retention does: the pupil's identity goes, the link rows with it.
    const pupilId = await pupilOf(reported.chloe!.id);
    await k().updateTable("Pupil").set({ anonymizedAt: new Date() }).where("id", "=", pupilId).execute();
    const { text } = await status(sophie, imported.chloe!.reference);
    expect(text).not.toContain(reported.chloe!.reference);
    expect(text).not.toContain("Même élève ?");
  });
});
