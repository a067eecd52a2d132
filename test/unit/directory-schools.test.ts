import { describe, expect, it } from "vitest";
import { SCHOOL_KINDS, parseSchoolDirectory, type DirectorySchool } from "../../src/domain/directory/schools.js";
import { ANNUAIRE_HEADER, GEOLOCALISATION_HEADER, generateDirectoryExtract, uaiOf } from "../helpers/directory-files.js";

// A row of the « Annuaire de l'éducation » export: the real 69 columns, the cells given by name.
const PUBLIC_COLLEGE = {
  Nom_etablissement: "Collège Jean-Jaurès",
  Type_etablissement: "Collège",
  Statut_public_prive: "Public",
  Nom_commune: "Givors",
  Code_departement: "069",
  Code_academie: "10",
  Libelle_academie: "Lyon",
  Type_contrat_prive: "SANS OBJET",
  Code_type_contrat_prive: "99",
  etat: "OUVERT",
  code_nature: "340",
  libelle_nature: "COLLEGE",
  code_bassin_formation: "SUD",
  libelle_bassin_formation: "Bassin Sud",
};
type AnnuaireCells = Partial<Record<(typeof ANNUAIRE_HEADER)[number], string>>;
let counter = 0;
function annuaire(...rows: AnnuaireCells[]): string[][] {
  return [
    [...ANNUAIRE_HEADER],
    ...rows.map((cells) => {
      const all: AnnuaireCells = { Identifiant_de_l_etablissement: uaiOf(`069${String(++counter).padStart(4, "0")}`), ...PUBLIC_COLLEGE, ...cells };
      return ANNUAIRE_HEADER.map((h) => all[h] ?? "");
    }),
  ];
}
const column = (name: (typeof ANNUAIRE_HEADER)[number]) => ANNUAIRE_HEADER.indexOf(name) + 1;
const lyon = { academy: "10" };

describe("the Annuaire de l'éducation export", () => {
  it("keeps an open public collège with all it says", () => {
    const d = parseSchoolDirectory(annuaire({ Identifiant_de_l_etablissement: "0690006G" }), lyon);
    expect(d.errors).toEqual([]);
    expect(d.missing).toEqual([]);
    expect(d.headerLine).toBe(1);
    expect(d.schools).toEqual<DirectorySchool[]>([
      {
        line: 2,
        uai: "0690006G",
        name: "Collège Jean-Jaurès",
        kind: "COLLEGE",
        commune: "Givors",
        departmentCode: "069",
        academyCode: "10",
        state: "OPEN",
        open: true,
        sector: "PUBLIC",
        bassin: { code: "SUD", name: "Bassin Sud" },
      },
    ]);
  });

  it.each([
    ["340", "COLLEGE"],
    ["346", "COLLEGE"],
    ["350", "COLLEGE"],
    ["300", "LYCEE_GT"],
    ["301", "LYCEE_GT"],
    ["302", "LYCEE_GT"],
    ["310", "LYCEE_GT"],
    ["315", "LYCEE_GT"],
    ["306", "LYCEE_POLY"],
    ["320", "LYCEE_PRO"],
    ["370", "EREA"],
  ] as const)("keeps nature %s as %s", (code, kind) => {
    expect(parseSchoolDirectory(annuaire({ code_nature: code, libelle_nature: "" }), lyon).schools.map((s) => s.kind)).toEqual([kind]);
  });

  it.each([
    ["151", "ECOLE DE NIVEAU ELEMENTAIRE", "FIRST_DEGREE"],
    ["101", "ECOLE MATERNELLE", "FIRST_DEGREE"],
    ["390", "SECTION ENSEIGT GEN. ET PROF. ADAPTE", "SECTION"],
    ["334", "SECTION D ENSEIGNEMENT PROFESSIONNEL", "SECTION"],
    ["307", "LYCEE ENS GENERAL TECHNO PROF AGRICOLE", "OTHER_NATURE"],
    ["380", "MAISON FAMILIALE RURALE EDUCATION ORIENT", "OTHER_NATURE"],
    ["352", "COLLEGE SPECIALISE", "OTHER_NATURE"],
    ["999", "SERVICE DE LA DSDEN", "OTHER_NATURE"],
  ] as const)("leaves nature %s (%s) out as %s, and names it for the preview", (code, label, reason) => {
    const d = parseSchoolDirectory(annuaire({ code_nature: code, libelle_nature: label }), lyon);
    expect(d.schools).toEqual([]);
    expect(d.errors).toEqual([]);
    expect(d.ignored[reason]).toBe(1);
    expect(d.ignoredNatures).toEqual([{ label, count: 1 }]);
  });

  it("counts every row left out by its reason, and keeps the private schools under contract", () => {
    const d = parseSchoolDirectory(
      annuaire(
        {},
        { Code_academie: "08", Libelle_academie: "Grenoble", Identifiant_de_l_etablissement: "0380001V" },
        { Code_academie: "08", Libelle_academie: "Grenoble", Identifiant_de_l_etablissement: "not a UAI at all" },
        { code_nature: "151", libelle_nature: "ECOLE DE NIVEAU ELEMENTAIRE" },
        { Statut_public_prive: "Privé", Type_contrat_prive: "HORS CONTRAT", Code_type_contrat_prive: "10" },
        { Statut_public_prive: "Privé", Type_contrat_prive: "RECONNU PAR L'ETAT", Code_type_contrat_prive: "50" },
        { Statut_public_prive: "Privé", Type_contrat_prive: "SANS OBJET", Code_type_contrat_prive: "99" },
        { Statut_public_prive: "Privé", Type_contrat_prive: "CONTRAT D'ASSOCIATION TOUTES CLASSES", Code_type_contrat_prive: "30" },
        { Statut_public_prive: "Privé", Type_contrat_prive: "CONTRAT SIMPLE TOUTES CLASSES", Code_type_contrat_prive: "" },
      ),
      lyon,
    );
    expect(d.errors).toEqual([]);
    expect(d.rows).toBe(9);
    expect(d.schools.map((s) => s.sector)).toEqual(["PUBLIC", "PRIVATE_UNDER_CONTRACT", "PRIVATE_UNDER_CONTRACT"]);
    expect(d.ignored).toEqual({
      OTHER_ACADEMY: 2,
      FIRST_DEGREE: 1,
      SECTION: 0,
      OTHER_NATURE: 0,
      PRIVATE_WITHOUT_CONTRACT: 2,
      PRIVATE_CONTRACT_UNKNOWN: 1,
      REPEATED_LINE: 0,
    });
  });

  it.each([["10"], ["010"], ["Lyon"], ["LYON"], ["académie de Lyon"]])("finds the académie given as %j", (academy) => {
    const d = parseSchoolDirectory(annuaire({}, { Code_academie: "08", Libelle_academie: "Grenoble" }), { academy });
    expect(d.schools).toHaveLength(1);
    expect(d.ignored.OTHER_ACADEMY).toBe(1);
  });

  it("matches académie names whatever their hyphens and accents", () => {
    const d = parseSchoolDirectory(annuaire({ Code_academie: "02", Libelle_academie: "Aix-Marseille" }), { academy: "aix marseille" });
    expect(d.schools).toHaveLength(1);
    expect(d.schools[0]!.academyCode).toBe("02");
  });

  it.each([
    ["OUVERT", "OPEN", true],
    ["FERME", "CLOSED", false],
    ["A FERMER", "CLOSING", true],
    ["A OUVRIR", "OPENING", false],
    ["À ouvrir", "OPENING", false],
    ["Fermé", "CLOSED", false],
    ["1", "OPEN", true],
    ["2", "CLOSING", true],
    ["3", "OPENING", false],
    ["4", "CLOSED", false],
    ["", "OPEN", true],
  ] as const)("reads the state %j as %s (open to reports: %s)", (etat, state, open) => {
    const d = parseSchoolDirectory(annuaire({ etat }), lyon);
    expect(d.schools.map((s) => [s.state, s.open])).toEqual([[state, open]]);
  });

  it("takes the département from the UAI when the file has none, and writes it as the ministry does", () => {
    const d = parseSchoolDirectory(
      annuaire(
        { Identifiant_de_l_etablissement: "6200088B", Code_departement: "" },
        { Code_departement: "69" },
        { Code_departement: "2A", Identifiant_de_l_etablissement: "6200001G" },
      ),
      lyon,
    );
    expect(d.errors).toEqual([]);
    expect(d.schools.map((s) => s.departmentCode)).toEqual(["02A", "069", "02A"]);
  });

  it("keeps a school without bassin, and a commune left empty, as unknown", () => {
    const d = parseSchoolDirectory(annuaire({ code_bassin_formation: "", libelle_bassin_formation: "", Nom_commune: " " }), lyon);
    expect(d.schools.map((s) => [s.bassin, s.commune])).toEqual([[null, null]]);
  });

  it("reads a lycée's kind from its libellé, or from its type and name, when the code is missing", () => {
    const d = parseSchoolDirectory(
      annuaire(
        { code_nature: "", libelle_nature: "LYCEE POLYVALENT" },
        { code_nature: "", libelle_nature: "Lycée professionnel" },
        { code_nature: "", libelle_nature: "Lycée d'enseignement général et technologique" },
        { code_nature: "", libelle_nature: "", Type_etablissement: "Lycée", Nom_etablissement: "Lycée polyvalent Condorcet" },
        { code_nature: "", libelle_nature: "", Type_etablissement: "Lycée", Nom_etablissement: "LP Marie-Curie" },
        { code_nature: "", libelle_nature: "", Type_etablissement: "Lycée", Nom_etablissement: "Lycée Lumière" },
        { code_nature: "", libelle_nature: "", Type_etablissement: "EREA" },
        { code_nature: "", libelle_nature: "", Type_etablissement: "Ecole" },
        { code_nature: "", libelle_nature: "", Type_etablissement: "Information et orientation" },
      ),
      lyon,
    );
    expect(d.schools.map((s) => s.kind)).toEqual(["LYCEE_POLY", "LYCEE_PRO", "LYCEE_GT", "LYCEE_POLY", "LYCEE_PRO", "LYCEE_GT", "EREA"]);
    expect([d.ignored.FIRST_DEGREE, d.ignored.OTHER_NATURE]).toEqual([1, 1]);
  });

  it("only ever gives kinds of the Prisma enum SchoolKind", () => {
    const { records } = generateDirectoryExtract({ schools: 200, seed: 7 });
    for (const s of parseSchoolDirectory(records, lyon).schools) expect(SCHOOL_KINDS).toContain(s.kind);
  });
});

describe("errors, with their line and column", () => {
  it("reports a malformed UAI, a wrong check letter, a missing name, an unknown state, sector or département", () => {
    const d = parseSchoolDirectory(
      annuaire(
        { Identifiant_de_l_etablissement: "069001B" },
        { Identifiant_de_l_etablissement: "0690001A" },
        { Nom_etablissement: "  " },
        { etat: "PEUT-ETRE" },
        { Statut_public_prive: "-" },
        { Statut_public_prive: "" },
        { Code_departement: "Rhône" },
      ),
      lyon,
    );
    expect(d.schools).toEqual([]);
    expect(d.errors).toEqual([
      {
        line: 2,
        column: column("Identifiant_de_l_etablissement"),
        header: "Identifiant_de_l_etablissement",
        field: "uai",
        code: "INVALID_UAI",
        value: "069001B",
      },
      {
        line: 3,
        column: column("Identifiant_de_l_etablissement"),
        header: "Identifiant_de_l_etablissement",
        field: "uai",
        code: "UAI_CHECK_LETTER",
        value: "0690001A",
      },
      { line: 4, column: column("Nom_etablissement"), header: "Nom_etablissement", field: "name", code: "REQUIRED" },
      { line: 5, column: column("etat"), header: "etat", field: "state", code: "INVALID_STATE", value: "PEUT-ETRE" },
      { line: 6, column: column("Statut_public_prive"), header: "Statut_public_prive", field: "sector", code: "INVALID_SECTOR", value: "-" },
      { line: 7, column: column("Statut_public_prive"), header: "Statut_public_prive", field: "sector", code: "REQUIRED" },
      { line: 8, column: column("Code_departement"), header: "Code_departement", field: "departmentCode", code: "INVALID_DEPARTMENT", value: "Rhône" },
    ]);
  });

  it("names both lines of a UAI that appears twice with different data, and lets an identical repeat pass", () => {
    const d = parseSchoolDirectory(
      annuaire(
        { Identifiant_de_l_etablissement: "0690006G" },
        { Identifiant_de_l_etablissement: "0690001B", Nom_etablissement: "Lycée Victor-Hugo", code_nature: "300" },
        { Identifiant_de_l_etablissement: "0690006G", Nom_etablissement: "Collège Jean-Jaurès (annexe)" },
        { Identifiant_de_l_etablissement: "0690001B", Nom_etablissement: "Lycée Victor-Hugo", code_nature: "300" },
      ),
      lyon,
    );
    expect(d.schools.map((s) => s.uai)).toEqual(["0690006G", "0690001B"]);
    expect(d.ignored.REPEATED_LINE).toBe(1);
    expect(d.errors).toEqual([
      { line: 4, column: 1, header: "Identifiant_de_l_etablissement", field: "uai", code: "DUPLICATE_UAI", value: "0690006G", otherLine: 2 },
    ]);
  });

  it("refuses a row shifted by a separator inside an unquoted value", () => {
    const records = annuaire({});
    records[1] = [...records[1]!, "Lyon"];
    const d = parseSchoolDirectory(records, lyon);
    expect(d.errors).toEqual([
      { line: 2, column: ANNUAIRE_HEADER.length + 1, header: "", field: null, code: "COLUMN_COUNT", value: String(ANNUAIRE_HEADER.length + 1) },
    ]);
  });

  it("asks for the académie of a row of the file that has none", () => {
    const d = parseSchoolDirectory(annuaire({ Code_academie: "" }), lyon);
    expect(d.errors.map((e) => [e.line, e.column, e.code])).toEqual([[2, column("Code_academie"), "REQUIRED"]]);
  });

  it("does not check the rows of other académies beyond their académie", () => {
    const d = parseSchoolDirectory(annuaire({ Code_academie: "08", Identifiant_de_l_etablissement: "?", etat: "??", Statut_public_prive: "" }), lyon);
    expect(d.errors).toEqual([]);
    expect(d.ignored.OTHER_ACADEMY).toBe(1);
  });

  it("says which columns a file lacks, and reads nothing then", () => {
    const withoutUai = annuaire({}).map((r) => r.slice(1));
    expect(parseSchoolDirectory(withoutUai, lyon)).toMatchObject({ headerLine: 1, missing: ["uai"], schools: [], errors: [] });
    const noNames = annuaire({}).map((r) => r.filter((_, i) => ANNUAIRE_HEADER[i] !== "Libelle_academie"));
    expect(parseSchoolDirectory(noNames, { academy: "Lyon" }).missing).toEqual(["academyName"]);
    expect(parseSchoolDirectory(noNames, { academy: "10" }).missing).toEqual([]);
    expect(parseSchoolDirectory([], lyon)).toMatchObject({ headerLine: null, missing: ["uai", "name", "nature", "academyCode", "sector"] });
    expect(
      parseSchoolDirectory(
        [
          ["Nom", "Prénom"],
          ["Martin", "Claire"],
        ],
        lyon,
      ).missing,
    ).toEqual(["uai", "nature", "academyCode", "sector"]);
  });

  it("finds the header after a few title lines, and counts lines as the file does", () => {
    const records = [["Extraction de l'annuaire"], [], ...annuaire({ Identifiant_de_l_etablissement: "0690001A" })];
    const d = parseSchoolDirectory(records, lyon);
    expect(d.headerLine).toBe(3);
    expect(d.errors.map((e) => [e.line, e.code])).toEqual([[4, "UAI_CHECK_LETTER"]]);
  });

  it("uses the line numbers that the CSV reader gives", () => {
    const [header, row] = annuaire({ Identifiant_de_l_etablissement: "0690001A" });
    const d = parseSchoolDirectory(
      [
        { line: 1, fields: header! },
        { line: 5, fields: row! },
      ],
      lyon,
    );
    expect(d.errors.map((e) => e.line)).toEqual([5]);
  });
});

describe("the Adresse et géolocalisation export", () => {
  type GeoCells = Partial<Record<(typeof GEOLOCALISATION_HEADER)[number], string>>;
  const geo = (header: readonly string[], ...rows: GeoCells[]) => [[...header], ...rows.map((cells) => GEOLOCALISATION_HEADER.map((h) => cells[h] ?? ""))];
  const LP: GeoCells = {
    numero_uai: "0690005F",
    appellation_officielle: "Lycée professionnel Louise-Michel",
    denomination_principale: "LYCEE PROFESSIONNEL",
    patronyme_uai: "LOUISE MICHEL",
    secteur_public_prive_libe: "Public",
    libelle_commune: "Vénissieux",
    nature_uai: "320",
    nature_uai_libe: "LYCEE PROFESSIONNEL",
    etat_etablissement: "1",
    etat_etablissement_libe: "OUVERT",
    code_departement: "069",
    code_academie: "10",
    libelle_academie: "Lyon",
    secteur_prive_code_type_contrat: "99",
    secteur_prive_libelle_type_contrat: "SANS OBJET",
  };

  it("reads the same school from the field names", () => {
    const d = parseSchoolDirectory(
      geo(GEOLOCALISATION_HEADER, LP, { ...LP, numero_uai: "0690007H", etat_etablissement: "4", etat_etablissement_libe: "FERME" }),
      lyon,
    );
    expect(d.errors).toEqual([]);
    expect(d.schools.map((s) => [s.uai, s.name, s.kind, s.commune, s.state, s.sector, s.bassin])).toEqual([
      ["0690005F", "Lycée professionnel Louise-Michel", "LYCEE_PRO", "Vénissieux", "OPEN", "PUBLIC", null],
      ["0690007H", "Lycée professionnel Louise-Michel", "LYCEE_PRO", "Vénissieux", "CLOSED", "PUBLIC", null],
    ]);
  });

  it("reads it from the labels the export can put as headers", () => {
    const labels = GEOLOCALISATION_HEADER.map(
      (h) =>
        ({
          numero_uai: "Numéro d'UAI",
          appellation_officielle: "Appellation officielle",
          secteur_public_prive_libe: "Secteur Public/Privé",
          libelle_commune: "Libellé de la commune",
          nature_uai: "Code nature de l'UAI",
          nature_uai_libe: "Libellé de la nature de l'UAI",
          etat_etablissement: "Etat de l'établissement",
          code_academie: "Code académie",
          libelle_academie: "Académie",
        })[h as string] ?? h,
    );
    const d = parseSchoolDirectory(geo(labels, LP), { academy: "Lyon" });
    expect(d.errors).toEqual([]);
    expect(d.columns).toMatchObject({
      uai: "Numéro d'UAI",
      name: "Appellation officielle",
      natureCode: "Code nature de l'UAI",
      state: "Etat de l'établissement",
      academyName: "Académie",
    });
    expect(d.schools.map((s) => [s.uai, s.kind, s.sector])).toEqual([["0690005F", "LYCEE_PRO", "PUBLIC"]]);
  });

  it("makes a name of the dénomination and the patronyme when there is no other", () => {
    const header = GEOLOCALISATION_HEADER.filter((h) => h !== "appellation_officielle");
    const row = (cells: GeoCells) => header.map((h) => cells[h] ?? "");
    const d = parseSchoolDirectory([[...header], row(LP), row({ ...LP, numero_uai: "0690001B", denomination_principale: "", patronyme_uai: "" })], lyon);
    expect(d.schools.map((s) => s.name)).toEqual(["LYCEE PROFESSIONNEL LOUISE MICHEL"]);
    expect(d.errors.map((e) => [e.line, e.field, e.code])).toEqual([[3, "denomination", "REQUIRED"]]);
  });

  it("reads the private sector's contract from its code or its libellé", () => {
    const d = parseSchoolDirectory(
      geo(
        GEOLOCALISATION_HEADER,
        {
          ...LP,
          secteur_public_prive_libe: "Privé",
          secteur_prive_code_type_contrat: "31",
          secteur_prive_libelle_type_contrat: "CONTRAT D'ASSOCIATION PARTIE DES CLASSES",
        },
        {
          ...LP,
          numero_uai: "0690001B",
          secteur_public_prive_libe: "PR",
          secteur_prive_code_type_contrat: "",
          secteur_prive_libelle_type_contrat: "Hors contrat",
        },
      ),
      lyon,
    );
    expect(d.schools.map((s) => s.sector)).toEqual(["PRIVATE_UNDER_CONTRACT"]);
    expect(d.ignored.PRIVATE_WITHOUT_CONTRACT).toBe(1);
  });
});

describe("a large académie", () => {
  it("reads 1,500 schools in both layouts, leaving out exactly the rows to leave out", () => {
    for (const layout of ["annuaire", "geolocalisation"] as const) {
      const extract = generateDirectoryExtract({ schools: 1500, seed: 24, layout });
      const d = parseSchoolDirectory(extract.records, { academy: "10" });
      expect(d.errors, layout).toEqual([]);
      expect(d.schools.map((s) => [s.uai, s.name, s.kind, s.commune, s.departmentCode, s.open, s.sector])).toEqual(
        extract.schools.map((s) => [s.uai, s.name, s.kind, s.commune, s.departmentCode, s.open, s.sector]),
      );
      expect(d.ignored).toMatchObject(extract.ignored);
    }
  });
});
