import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { MAX_QUERY_LENGTH, QUERY_KINDS, bareName, parseQuery, type Query } from "../../src/domain/query-parser.js";

const unknown = (text: string): Query => ({ kind: "unknown", text });

describe("parseQuery", () => {
  it.each<[string, Query]>([
    // help
    ["aide", { kind: "help" }],
    ["Aide", { kind: "help" }],
    ["AIDE !", { kind: "help" }],
    ["help", { kind: "help" }],
    ["?", { kind: "help" }],
    ["  ??  ", { kind: "help" }],
    ["/aide", { kind: "help" }],
    ["<at>Repère</at> aide", { kind: "help" }],
    ["menu", { kind: "help" }],
    // report
    ["signaler", { kind: "report" }],
    ["Signaler un élève", { kind: "report" }],
    ["signaler un eleve en decrochage", { kind: "report" }],
    ["nouveau signalement", { kind: "report" }],
    ["Nouveau Signalement.", { kind: "report" }],
    ["signalement", { kind: "report" }],
    ["report", { kind: "report" }],
    ["report a pupil", { kind: "report" }],
    ["new report", { kind: "report" }],
    ["singaler", { kind: "report" }], // swapped letters
    ["nouveau signalemen", { kind: "report" }],
    ["fiche de repérage", { kind: "report" }],
    // cancel
    ["annuler", { kind: "cancel" }],
    ["Annuler", { kind: "cancel" }],
    ["anuler", { kind: "cancel" }],
    ["cancel", { kind: "cancel" }],
    ["stop", { kind: "cancel" }],
    ["STOP", { kind: "cancel" }],
    // status by reference
    ["statut D-2026-0042", { kind: "statusByReference", reference: "D-2026-0042" }],
    ["status d-2026-42", { kind: "statusByReference", reference: "D-2026-0042" }],
    ["D-2026-0042", { kind: "statusByReference", reference: "D-2026-0042" }],
    ["  d-2026-42 ", { kind: "statusByReference", reference: "D-2026-0042" }],
    ["d-2026-42 ?", { kind: "statusByReference", reference: "D-2026-0042" }],
    ["statu D-2026-0042", { kind: "statusByReference", reference: "D-2026-0042" }],
    ["stauts D-2026-0042", { kind: "statusByReference", reference: "D-2026-0042" }],
    ["Statut du dossier D-2026-0042", { kind: "statusByReference", reference: "D-2026-0042" }],
    ["état D-2027-12345", { kind: "statusByReference", reference: "D-2027-12345" }],
    ["où en est D-2026-0042 ?", { kind: "statusByReference", reference: "D-2026-0042" }],
    // status by name
    ["statut Dupont", { kind: "statusByName", name: "Dupont" }],
    ["statut Léa Dupont", { kind: "statusByName", name: "Léa Dupont" }],
    ["Statut   Léa   Dupont-Martin  ", { kind: "statusByName", name: "Léa Dupont-Martin" }],
    ["status N'Diaye", { kind: "statusByName", name: "N'Diaye" }],
    ["statu Dupont", { kind: "statusByName", name: "Dupont" }],
    ["suivi Léa", { kind: "statusByName", name: "Léa" }],
    ["où en est Léa Dupont ?", { kind: "statusByName", name: "Léa Dupont" }],
    // Any words shaped like a name pass; the search then simply finds no pupil.
    ["statuts des sorties scolaires", { kind: "statusByName", name: "sorties scolaires" }],
    // plain-French questions: the small words before a name go, as before a reference
    ["où en est le dossier de Léa ?", { kind: "statusByName", name: "Léa" }],
    ["statut de l'élève Léa Dupont", { kind: "statusByName", name: "Léa Dupont" }],
    ["suivi du dossier d'Inès", { kind: "statusByName", name: "Inès" }],
    ["statut D'Angelo", { kind: "statusByName", name: "Angelo" }], // found anyway: names are matched by their words
    ["statut Le Goff", { kind: "statusByName", name: "Goff" }],
    ["statut de", { kind: "statusByName", name: "de" }],
    // politeness, and a report asked for in a sentence
    ["bonjour", { kind: "greeting" }],
    ["Bonjour, tu vas bien ?", { kind: "greeting" }],
    ["merci !", { kind: "thanks" }],
    ["Merci beaucoup", { kind: "thanks" }],
    ["👍", { kind: "thanks" }],
    ["bonjour, je voudrais signaler un élève", { kind: "report" }],
    ["merci, à traiter", { kind: "toDo" }],
    ["je voudrais signaler un élève", { kind: "report" }],
    ["Comment repérer un élève qui décroche ?", { kind: "report" }],
    // my reports
    ["mes signalements", { kind: "myReports" }],
    ["Mes Signalements", { kind: "myReports" }],
    ["mes signalemnts", { kind: "myReports" }],
    ["signalemnts", { kind: "myReports" }],
    ["my reports", { kind: "myReports" }],
    // What the help and the greetings name now: « mes fiches ».
    ["mes fiches", { kind: "myReports" }],
    ["Mes fiches de repérage", { kind: "myReports" }],
    ["my forms", { kind: "myReports" }],
    // to do
    ["à traiter", { kind: "toDo" }],
    ["a traiter", { kind: "toDo" }],
    ["À TRAITER", { kind: "toDo" }],
    ["a traitre", { kind: "toDo" }],
    ["to do", { kind: "toDo" }],
    ["todo", { kind: "toDo" }],
    ["dossiers à traiter", { kind: "toDo" }],
    // overdue
    ["en retard", { kind: "overdue" }],
    ["En Retard ?", { kind: "overdue" }],
    ["overdue", { kind: "overdue" }],
    ["overdeu", { kind: "overdue" }],
    // history
    ["historique D-2026-0042", { kind: "history", reference: "D-2026-0042" }],
    ["history d-2026-42", { kind: "history", reference: "D-2026-0042" }],
    ["historiqe D-2026-0042", { kind: "history", reference: "D-2026-0042" }],
    ["historique du dossier d-2026-7", { kind: "history", reference: "D-2026-0007" }],
    // stats
    ["statistiques", { kind: "stats" }],
    ["stats", { kind: "stats" }],
    ["Stats lycée Voltaire", { kind: "stats", scope: "lycée Voltaire" }],
    ["statistiques bassin Nord", { kind: "stats", scope: "bassin Nord" }],
    ["statistics", { kind: "stats" }],
    ["statistique", { kind: "stats" }],
    // data-protection requests (admins)
    ["export élève D-2026-0042", { kind: "exportPupil", reference: "D-2026-0042" }],
    ["Exporter élève d-2026-42", { kind: "exportPupil", reference: "D-2026-0042" }],
    ["export pupil D-2026-0042", { kind: "exportPupil", reference: "D-2026-0042" }],
    ["export eleve du dossier D-2026-0042", { kind: "exportPupil", reference: "D-2026-0042" }],
    ["exprot élève D-2026-0042", { kind: "exportPupil", reference: "D-2026-0042" }],
    ["effacer élève D-2026-0042", { kind: "erasePupil", reference: "D-2026-0042" }],
    ["Effacer eleve d-2026-42", { kind: "erasePupil", reference: "D-2026-0042" }],
    ["supprimer élève D-2026-0042", { kind: "erasePupil", reference: "D-2026-0042" }],
    ["erase pupil D-2026-0042", { kind: "erasePupil", reference: "D-2026-0042" }],
    ["effacer élève", unknown("effacer élève")],
    ["effacer élève Dupont", unknown("effacer élève Dupont")],
    ["efacer élève D-2026-0042", unknown("efacer élève D-2026-0042")], // an erasure is never guessed from a slip
    ["export élève", unknown("export élève")],
    // unknown
    ["", unknown("")],
    ["   ", unknown("")],
    ["j'ai signalé Léa hier", unknown("j'ai signalé Léa hier")],
    ["Léa Dupont", unknown("Léa Dupont")],
    ["statut", unknown("statut")],
    ["statut D-2026", unknown("statut D-2026")],
    ["statut 42", unknown("statut 42")],
    ["statut L", unknown("statut L")],
    ["historique", unknown("historique")],
    ["historique Dupont", unknown("historique Dupont")],
    ["aide moi à remplir", unknown("aide moi à remplir")],
    ["mes", unknown("mes")],
    ["en", unknown("en")],
    ["stop la", unknown("stop la")],
    ["D-26-42", unknown("D-26-42")],
    ["sttts D-2026-0042", unknown("sttts D-2026-0042")],
    ["hepl", unknown("hepl")], // short words must be typed exactly
    ["mess signalements", unknown("mess signalements")],
  ])("%j", (text, expected) => {
    expect(parseQuery(text)).toEqual(expected);
  });

  it("gives up on text longer than the limit", () => {
    const long = `aide ${"x".repeat(MAX_QUERY_LENGTH)}`;
    expect(parseQuery(long)).toEqual({ kind: "unknown", text: long.slice(0, MAX_QUERY_LENGTH) });
    const padded = `aide${" ".repeat(MAX_QUERY_LENGTH)}`;
    expect(parseQuery(padded).kind).toBe("unknown");
  });

  it("accepts text at the limit", () => {
    const name = `Dupont${" ".repeat(MAX_QUERY_LENGTH - "statut Dupont".length)}`;
    expect(parseQuery(`statut ${name}`)).toEqual({ kind: "statusByName", name: "Dupont" });
  });

  it("survives input that is not a string at run time", () => {
    expect(parseQuery(undefined as unknown as string)).toEqual(unknown(""));
  });

  it("never throws and always returns a known kind", () => {
    const words = fc.constantFrom("statut", "aide", "D-2026-0042", "d-2026-", "mes", "à", "traiter", "stats", "?", "", " ");
    const phrase = fc.array(fc.oneof(words, fc.string({ unit: "binary", maxLength: 10 })), { maxLength: 8 }).map((w) => w.join(" "));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 600 }), phrase), (text) => {
        const query = parseQuery(text);
        expect(QUERY_KINDS).toContain(query.kind);
      }),
      { numRuns: 2000 },
    );
  });

  it("finds any well-formed reference typed after statut", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2000, max: 2100 }), fc.integer({ min: 1, max: 99_999 }), (year, n) => {
        const expected = `D-${year}-${String(n).padStart(4, "0")}`;
        expect(parseQuery(`statut d-${year}-${n}`)).toEqual({ kind: "statusByReference", reference: expected });
      }),
    );
  });
});

describe("bareName", () => {
  it.each([
    ["Léa Dupont", "Léa Dupont"],
    ["dupont", "dupont"],
    ["N'Diaye ?", "N'Diaye"],
    ["Zoé Moreau-Lefèvre", "Zoé Moreau-Lefèvre"],
    ["la cantine est fermée demain", null],
    ["D-2026-0042", null],
    ["42", null],
    ["x", null],
    ["", null],
  ])("%j -> %j", (text, expected) => {
    expect(bareName(text)).toBe(expected);
  });
});
