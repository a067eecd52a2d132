import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore, type Store } from "../../src/store/index.js";
import { createServices, type Actor, type Services } from "../../src/services/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import type { ImportPreview } from "../../src/services/imports.js";
import { seedDemo } from "../../src/services/demo-academie.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";
import { csvBytes, listRow } from "../helpers/import-files.js";

/** Issue 26, one record per young person: an import row whose young person has an open case in
 *  another school of the importer's bassin (same folded names and full birth date) joins that case
 *  instead of opening a duplicate; « Même élève ? » answers go with the pupil's identity at
 *  retention. */

const RENTREE = new Date("2026-09-15T08:00:00Z");
const NEXT_YEAR = new Date("2027-09-01T08:00:00Z"); // after the 31 August closing the school year of closure

describe.each(DATABASE_KINDS)("the same young person across schools, on the %s database", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let services: Services;
  let now = RENTREE;
  let n = 0;
  const k = () => db.kysely;
  const actor = async (name: string) =>
    (await services.members.identify(DEMO_TENANT_ID, DEMO_PEOPLE.find((p) => p.displayName === name)!.aadObjectId)) as Actor;
  const schoolId = async (uai: string) => (await k().selectFrom("School").select("id").where("uai", "=", uai).executeTakeFirstOrThrow()).id;

  /** A report by the school's référent (Karim: Victor-Hugo, Nord) or the Sud coordinator (Marc). */
  async function report(by: string, uai: string, pupil: { lastName: string; firstName: string; birthYear: number; birthDate?: string }) {
    const outcome = await services.reports.submit(
      await actor(by),
      {
        pupil: { ...pupil, className: "1re 1", schoolId: await schoolId(uai) },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 2 },
      },
      `same-person-int-${kind}-${++n}`,
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    return { id: outcome.recorded.caseId, reference: outcome.recorded.reference };
  }

  async function preview(rows: string[][]): Promise<ImportPreview> {
    const outcome = await services.imports.preview(
      { kind: "member", actor: await actor("Sophie Laurent") },
      { name: `liste-${++n}.csv`, bytes: csvBytes(rows) },
    );
    if (!outcome.ok) throw new Error(JSON.stringify(outcome));
    return outcome.preview;
  }

  const casesNamed = (lastName: string) =>
    k()
      .selectFrom("Case as c")
      .innerJoin("Pupil as p", "p.id", "c.pupilId")
      .innerJoin("School as s", "s.id", "c.schoolId")
      .select(["c.id", "c.reference", "s.uai"])
      .where("p.lastName", "=", lastName)
      .orderBy("c.createdAt")
      .execute();

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    services = createServices(store, () => now);
  });
  afterAll(async () => db?.drop());

  it("attaches a row of another school of the bassin to the open case with the same names and birth date, preview and result alike", async () => {
    now = RENTREE;
    const open = await report("Karim Benali", "0690001B", { lastName: "Rousseau-Diallo", firstName: "Inès", birthYear: 2009, birthDate: "2009-04-12" });
    // The same names and birth date in the Bassin Sud: out of Sophie's bassin, never matched.
    const sud = await report("Marc Petit", "0690004E", { lastName: "Perrin", firstName: "Lou", birthYear: 2009, birthDate: "2009-06-01" });
    const p = await preview([
      listRow({ nom: "ROUSSEAU DIALLO", prenom: "Ines", naissance: "12/04/2009", uai: "0690002C", motif: "sans affectation" }),
      listRow({ nom: "Perrin", prenom: "Lou", naissance: "01/06/2009", uai: "0690002C", motif: "sans affectation" }),
      // Another birth date: someone else, a case of their own.
      listRow({ nom: "Rousseau-Diallo", prenom: "Inès", naissance: "13/04/2009", uai: "0690003D" }),
    ]);
    expect(p.attach).toEqual([{ line: 2, reference: open.reference }]);
    expect(p.ready).toBe(2);
    expect(p.samePerson).toEqual([]);
    const done = await services.imports.confirm({ kind: "member", actor: await actor("Sophie Laurent") }, p.batchId);
    if (!done.ok) throw new Error(JSON.stringify(done));
    expect(done.result).toMatchObject({ created: p.ready, attached: p.attach.length, skipped: 0 });
    // Linked, not duplicated: the case of Victor-Hugo has the list's report, Jean-Moulin has none.
    const rousseau = await casesNamed("Rousseau-Diallo");
    expect(rousseau.map((c) => [c.reference === open.reference, c.uai])).toEqual([
      [true, "0690001B"],
      [false, "0690003D"],
    ]);
    const events = await k().selectFrom("CaseEvent").select("type").where("caseId", "=", open.id).where("type", "=", "IMPORT_ADDED").execute();
    expect(events).toHaveLength(1);
    const perrin = await casesNamed("Perrin");
    expect(perrin.map((c) => c.uai).sort()).toEqual(["0690002C", "0690004E"]);
    expect(perrin.some((c) => c.id === sud.id)).toBe(true);
  });

  it("asks nothing of a pair with two different INEs, and asks « Même élève ? » of a coordinator for a birth year alone", async () => {
    now = RENTREE;
    const yearOnly = await report("Karim Benali", "0690001B", { lastName: "Vasseur", firstName: "Tom", birthYear: 2009 });
    const p = await preview([listRow({ nom: "Vasseur", prenom: "Tom", naissance: "03/05/2009", uai: "0690002C", motif: "sans affectation" })]);
    expect(p.samePerson).toEqual([{ line: 2, reference: yearOnly.reference }]);
    expect(p.attach).toEqual([]);
    const done = await services.imports.confirm({ kind: "member", actor: await actor("Sophie Laurent") }, p.batchId);
    expect(done).toMatchObject({ ok: true, result: { created: 1, attached: 0 } });
    const imported = (await casesNamed("Vasseur")).find((c) => c.uai === "0690002C")!;
    const sophie = await actor("Sophie Laurent");
    const status = await services.queries.statusByReference(sophie, yearOnly.reference, "personal");
    expect(status.ok && status.samePerson.map((q) => q.otherReference)).toEqual([imported.reference]);
    // Not in a channel, and not for the référent of one school.
    const inChannel = await services.queries.statusByReference(sophie, yearOnly.reference, "channel");
    expect(inChannel.ok && inChannel.samePerson).toEqual([]);
    const karimStatus = await services.queries.statusByReference(await actor("Karim Benali"), yearOnly.reference, "personal");
    expect(karimStatus.ok && karimStatus.samePerson).toEqual([]);
    // Two different INEs are two people: no question.
    await k()
      .updateTable("Pupil")
      .set({ ine: "111111111AA" })
      .where("id", "=", (await k().selectFrom("Case").select("pupilId").where("id", "=", yearOnly.id).executeTakeFirstOrThrow()).pupilId)
      .execute();
    await k()
      .updateTable("Pupil")
      .set({ ine: "222222222BB" })
      .where("id", "=", (await k().selectFrom("Case").select("pupilId").where("id", "=", imported.id).executeTakeFirstOrThrow()).pupilId)
      .execute();
    const after = await services.queries.statusByReference(sophie, yearOnly.reference, "personal");
    expect(after.ok && after.samePerson).toEqual([]);
    expect(await services.queries.decideSamePerson(sophie, yearOnly.id, imported.id, true)).toEqual({ ok: false, reason: "NOT_A_QUESTION" });
  });

  it("forgets a confirmed « même élève » when the pupil's last case is anonymised at retention", async () => {
    now = RENTREE;
    const sophie = await actor("Sophie Laurent");
    const old = await report("Karim Benali", "0690001B", { lastName: "Marchal", firstName: "Zoé", birthYear: 2009 });
    const p = await preview([listRow({ nom: "Marchal", prenom: "Zoé", naissance: "20/10/2009", uai: "0690003D", motif: "sans affectation" })]);
    expect(p.samePerson.map((s) => s.reference)).toEqual([old.reference]);
    await services.imports.confirm({ kind: "member", actor: sophie }, p.batchId);
    const imported = (await casesNamed("Marchal")).find((c) => c.uai === "0690003D")!;
    expect(await services.queries.decideSamePerson(sophie, imported.id, old.id, true)).toMatchObject({ ok: true, recorded: true });
    const linked = await services.queries.statusByReference(sophie, imported.reference, "personal");
    expect(linked.ok && linked.linked.map((l) => l.reference)).toEqual([old.reference]);
    const pupilId = (await k().selectFrom("Case").select("pupilId").where("id", "=", old.id).executeTakeFirstOrThrow()).pupilId;
    expect(await store.pupilLinks.of(pupilId)).toHaveLength(1);

    // The old case closes, and its retention ends with the school year.
    const version = (await k().selectFrom("Case").select("version").where("id", "=", old.id).executeTakeFirstOrThrow()).version;
    expect((await services.triage.act(await actor("Karim Benali"), old.id, version, { verb: "dismiss", reason: "Rescolarisé" })).ok).toBe(true);
    now = NEXT_YEAR;
    expect((await services.retention.run({ dryRun: false })).references).toContain(old.reference);
    expect(await store.pupilLinks.of(pupilId)).toEqual([]);
    expect(
      await k()
        .selectFrom("PupilLink")
        .select("pupilId")
        .where((eb) => eb.or([eb("pupilId", "=", pupilId), eb("otherPupilId", "=", pupilId)]))
        .execute(),
    ).toEqual([]);
    const after = await services.queries.statusByReference(sophie, imported.reference, "personal");
    expect(after.ok && after.linked).toEqual([]);
    expect(after.ok && after.samePerson).toEqual([]);
  });
});
