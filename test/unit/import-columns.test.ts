import fc from "fast-check";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import {
  fieldOfHeader,
  findHeaderRow,
  headerKey,
  IMPORT_FIELDS,
  matchColumns,
  parseCalendarDate,
  signalForMotif,
  validateRows,
  type ImportField,
  type RowError,
} from "../../src/domain/import-columns.js";
import { decodeText, detectDelimiter, readCsv } from "../../src/services/import-file.js";

const TODAY = new Date("2026-09-15T08:00:00Z");
const HEADER = ["Nom", "Prénom", "Date de naissance", "INE", "UAI", "Dernière formation", "Date de sortie", "Motif", "Téléphone"];

describe("column names are matched loosely", () => {
  it.each<[string, ImportField | null]>([
    ["Nom", "lastName"],
    ["NOM", "lastName"],
    ["Nom de famille", "lastName"],
    ["nom_eleve", "lastName"],
    ["Nom d'usage", "lastName"],
    ["Prénom", "firstName"],
    ["PRENOM", "firstName"],
    ["Prénom(s)", "firstName"],
    ["Date de naissance", "birthDate"],
    ["DATE_NAISSANCE", "birthDate"],
    ["Date de naissance (JJ/MM/AAAA)", "birthDate"],
    ["Né(e) le", "birthDate"],
    ["date naiss.", "birthDate"],
    ["Date of birth", "birthDate"],
    ["INE", "ine"],
    ["N° INE", "ine"],
    ["INE élève", "ine"],
    ["UAI", "uai"],
    ["Code UAI", "uai"],
    ["RNE", "uai"],
    ["Dernier établissement (UAI)", "uai"],
    ["UAI établissement d'origine", "uai"],
    ["Dernière formation", "lastTraining"],
    ["Formation suivie", "lastTraining"],
    ["MEF", "lastTraining"],
    ["Date de sortie", "exitDate"],
    ["Date sortie formation", "exitDate"],
    ["Motif de sortie", "motif"],
    ["Situation", "motif"],
    ["Téléphone", "phone"],
    ["Tél. responsable légal", "phone"],
    ["Portable", "phone"],
    ["E-mail", "email"],
    ["Courriel", "email"],
    ["Mail famille", "email"],
    // one slip of the keyboard on a long enough name
    ["Prenon", "firstName"],
    ["Date de naisance", "birthDate"],
    // not ours
    ["Sexe", null],
    ["Nom établissement", null],
    ["Adresse", null],
    ["", null],
  ])("%j -> %s", (header, field) => {
    expect(fieldOfHeader(header)).toBe(field);
  });

  it("ignores case, accents, punctuation, spacing and filler words", () => {
    expect(headerKey("  Date de naissance de l'élève (JJ/MM/AAAA) ")).toBe("datenaissance");
    expect(headerKey("\uFEFFN° INE")).toBe("nine");
  });

  it("recognises every field whatever the case, accents and separators of a known spelling", () => {
    const spellings: [string, ImportField][] = [
      ["nom", "lastName"],
      ["prénom", "firstName"],
      ["date de naissance", "birthDate"],
      ["INE", "ine"],
      ["code UAI", "uai"],
      ["dernière formation", "lastTraining"],
      ["date de sortie", "exitDate"],
      ["motif", "motif"],
      ["téléphone", "phone"],
      ["courriel", "email"],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...spellings),
        fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
        fc.constantFrom(" ", "_", "-", ".", "  "),
        ([spelling, field], upper, sep) => {
          const mangled = [...spelling]
            .map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c))
            .join("")
            .replace(/ /g, sep);
          expect(fieldOfHeader(mangled)).toBe(field);
        },
      ),
    );
  });

  it("maps the columns of a file, preferring the more specific name, and lists the rest", () => {
    const m = matchColumns(["Établissement", "Nom", "Prénom", "Né(e) le", "UAI", "Sexe", "Téléphone jeune", "Téléphone famille", "E-mail", ""]);
    expect(m.columns).toEqual({ lastName: 1, firstName: 2, birthDate: 3, uai: 4 });
    expect(m.headers).toMatchObject({ uai: "UAI", birthDate: "Né(e) le" });
    expect(m.contactColumns).toEqual([6, 7, 8]);
    expect(m.missing).toEqual([]);
    expect(m.ignored).toEqual(["Établissement", "Sexe"]);
  });

  it("names the required columns a file lacks", () => {
    expect(matchColumns(["Nom", "Classe", "Motif"]).missing).toEqual(["firstName", "birthDate", "uai"]);
    expect(IMPORT_FIELDS).toContain("email");
  });

  it("finds the header after title lines", () => {
    const records = [["Extraction SIEI du 01/09/2026"], [], ["Bassin Nord", ""], HEADER, ["Durand", "Léa"]];
    expect(findHeaderRow(records)).toBe(3);
    expect(
      findHeaderRow([
        ["a", "b"],
        ["Nom", "Prénom"],
      ]),
    ).toBe(1); // the most complete one
  });
});

describe("dates", () => {
  it.each([
    ["15/03/2009", { year: 2009, month: 3, day: 15 }],
    ["5/3/2009", { year: 2009, month: 3, day: 5 }],
    ["15-03-2009", { year: 2009, month: 3, day: 15 }],
    ["15.03.2009", { year: 2009, month: 3, day: 15 }],
    ["2009-03-15", { year: 2009, month: 3, day: 15 }],
    ["2009-03-15 00:00:00", { year: 2009, month: 3, day: 15 }],
    ["2009-03-15T00:00:00Z", { year: 2009, month: 3, day: 15 }],
    ["15/03/2009 00:00", { year: 2009, month: 3, day: 15 }],
    ["29/02/2008", { year: 2008, month: 2, day: 29 }],
  ])("reads %s", (text, date) => {
    expect(parseCalendarDate(text)).toEqual(date);
  });

  it.each(["31/02/2009", "29/02/2009", "15/13/2009", "15/03/09", "2009/15/03", "mars 2009", "", "15032009"])("refuses %j", (text) => {
    expect(parseCalendarDate(text)).toBeNull();
  });
});

describe("the motif becomes a weak signal", () => {
  it.each([
    ["non affecté", "NOT_ASSIGNED"],
    ["Non affecté(e) après procédure", "NOT_ASSIGNED"],
    ["Sans affectation", "NOT_ASSIGNED"],
    ["Orientation subie", "ORIENTATION_SUBIE"],
    ["Réorientation souhaitée", "ORIENTATION_SUBIE"],
    ["Échec au CAP", "EXAM_FAILED"],
    ["Exclusion définitive", "INCIDENTS"],
    ["Absentéisme", "UNJUSTIFIED_ABSENCES"],
    ["Abandon", "NO_PLAN"],
    ["Rupture de contrat d'apprentissage", "NO_PLAN"],
    ["", "NO_PLAN"],
  ])("%j -> %s", (motif, code) => {
    expect(signalForMotif(motif || null)).toBe(code);
  });
});

describe("rows are validated one by one, every problem with its line and column", () => {
  const mapping = matchColumns(HEADER);
  const row = (cells: Partial<Record<"nom" | "prenom" | "naissance" | "ine" | "uai" | "formation" | "sortie" | "motif" | "tel", string>>, line = 2) => ({
    line,
    fields: [
      cells.nom ?? "Durand",
      cells.prenom ?? "Léa",
      cells.naissance ?? "15/03/2009",
      cells.ine ?? "",
      cells.uai ?? "0690001B",
      cells.formation ?? "",
      cells.sortie ?? "",
      cells.motif ?? "",
      cells.tel ?? "",
    ],
  });
  const validate = (...records: { line: number; fields: string[] }[]) => validateRows(records, mapping, { today: TODAY, headerLength: HEADER.length });
  const errorsOf = (...records: { line: number; fields: string[] }[]) => validate(...records).errors;

  it("reads a valid row, tidying spaces and case", () => {
    const r = validate(
      row({ nom: "  Durand   Martin ", ine: "12345 6789 ab", uai: "0690001b", formation: "CAP Cuisine", sortie: "30/06/2026", motif: "non affecté" }),
    );
    expect(r.errors).toEqual([]);
    expect(r.rows).toEqual([
      {
        line: 2,
        lastName: "Durand Martin",
        firstName: "Léa",
        nameKey: "durand martin lea",
        birthDate: "2009-03-15",
        birthYear: 2009,
        ine: "123456789AB",
        uai: "0690001B",
        lastTraining: "CAP Cuisine",
        exitDate: "2026-06-30",
        motif: "non affecté",
        signal: "NOT_ASSIGNED",
        phone: null,
        email: null,
      },
    ]);
  });

  it.each<[string, Parameters<typeof row>[0], Omit<RowError, "line">]>([
    ["a missing name", { nom: " " }, { field: "lastName", column: "Nom", code: "REQUIRED" }],
    ["a missing first name", { prenom: "" }, { field: "firstName", column: "Prénom", code: "REQUIRED" }],
    ["a missing birth date", { naissance: "" }, { field: "birthDate", column: "Date de naissance", code: "REQUIRED" }],
    ["a missing school", { uai: "" }, { field: "uai", column: "UAI", code: "REQUIRED" }],
    ["a name too long", { nom: "A".repeat(61) }, { field: "lastName", column: "Nom", code: "TOO_LONG", value: `${"A".repeat(39)}…` }],
    [
      "a last training too long",
      { formation: "x".repeat(101) },
      { field: "lastTraining", column: "Dernière formation", code: "TOO_LONG", value: `${"x".repeat(39)}…` },
    ],
    ["a motif too long", { motif: "m".repeat(201) }, { field: "motif", column: "Motif", code: "TOO_LONG", value: `${"m".repeat(39)}…` }],
    ["a name with digits", { nom: "Durand2" }, { field: "lastName", column: "Nom", code: "INVALID_NAME", value: "Durand2" }],
    ["an impossible date", { naissance: "31/02/2009" }, { field: "birthDate", column: "Date de naissance", code: "INVALID_DATE", value: "31/02/2009" }],
    ["a two-digit year", { naissance: "15/03/09" }, { field: "birthDate", column: "Date de naissance", code: "INVALID_DATE", value: "15/03/09" }],
    [
      "a child too young for the list",
      { naissance: "01/01/2020" },
      { field: "birthDate", column: "Date de naissance", code: "IMPLAUSIBLE_BIRTH_DATE", value: "01/01/2020" },
    ],
    [
      "an adult too old for the list",
      { naissance: "01/01/1990" },
      { field: "birthDate", column: "Date de naissance", code: "IMPLAUSIBLE_BIRTH_DATE", value: "01/01/1990" },
    ],
    ["an exit date to come", { sortie: "01/10/2026" }, { field: "exitDate", column: "Date de sortie", code: "INVALID_EXIT_DATE", value: "01/10/2026" }],
    ["an exit date before birth", { sortie: "01/01/2008" }, { field: "exitDate", column: "Date de sortie", code: "INVALID_EXIT_DATE", value: "01/01/2008" }],
    ["an unreadable exit date", { sortie: "juin" }, { field: "exitDate", column: "Date de sortie", code: "INVALID_EXIT_DATE", value: "juin" }],
    ["a short INE", { ine: "12345" }, { field: "ine", column: "INE", code: "INVALID_INE", value: "12345" }],
    ["an INE without its key letter", { ine: "12345678901" }, { field: "ine", column: "INE", code: "INVALID_INE", value: "12345678901" }],
    ["a malformed UAI", { uai: "069001A" }, { field: "uai", column: "UAI", code: "INVALID_UAI", value: "069001A" }],
  ])("reports %s", (_what, cells, error) => {
    const r = validate(row(cells, 7));
    expect(r.errors).toEqual([{ line: 7, ...error }]);
    expect(r.rows).toEqual([]);
  });

  it("reports every faulty column of a row, in the file's order", () => {
    expect(errorsOf(row({ nom: "", naissance: "hier", uai: "X" })).map((e) => [e.column, e.code])).toEqual([
      ["Nom", "REQUIRED"],
      ["Date de naissance", "INVALID_DATE"],
      ["UAI", "INVALID_UAI"],
    ]);
  });

  it("reports a row with more filled cells than columns, and accepts trailing empty cells", () => {
    const shifted = { line: 3, fields: [...row({}).fields, "en trop"] };
    expect(errorsOf(shifted)).toEqual([{ line: 3, field: null, column: "", code: "COLUMN_COUNT", value: "10" }]);
    expect(validate({ line: 3, fields: [...row({}).fields, "", " "] }).errors).toEqual([]);
  });

  it("reports a young person listed twice, by INE or by school, names and birth year", () => {
    const errors = errorsOf(
      row({ ine: "123456789AB" }, 2),
      row({ nom: "Autre", ine: "123456789AB" }, 3),
      row({ nom: "Petit", prenom: "Noé" }, 4),
      row({ nom: "PETIT", prenom: "noe", naissance: "2009-01-01" }, 5),
    );
    expect(errors).toEqual([
      { line: 3, field: "ine", column: "INE", code: "DUPLICATE_IN_FILE", value: "2" },
      { line: 5, field: "lastName", column: "Nom", code: "DUPLICATE_IN_FILE", value: "4" },
    ]);
  });

  it("skips empty rows and keeps a phone number normalised to E.164", () => {
    const r = validate(row({ tel: "06 12 34 56 78" }), { line: 3, fields: ["", "", ""] });
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]).toMatchObject({ phone: "+33612345678", email: null });
    expect(r.contacts).toEqual({ phones: 1, emails: 0, invalidPhones: 0, invalidEmails: 0 });
    expect(validate(row({})).contacts).toEqual({ phones: 0, emails: 0, invalidPhones: 0, invalidEmails: 0 });
  });

  it("reads the phone formats of French lists and drops what is no number or address", () => {
    const header = ["Nom", "Prénom", "Date de naissance", "UAI", "Téléphone", "Portable", "Courriel"];
    const mapping = matchColumns(header);
    const rec = (line: number, tel: string, mobile: string, mail: string) => ({
      line,
      fields: [`Nom${String.fromCharCode(96 + line)}`, "Léa", "15/03/2009", "0690001B", tel, mobile, mail],
    });
    const r = validateRows(
      [
        rec(2, "06.12.34.56.78", "", " Lea.Martin@Example.fr "),
        rec(3, "+33 (0)6 12 34 56 79", "", ""),
        rec(4, "0033 7 12 34 56 70", "", "pas-une-adresse"),
        rec(5, "612345671", "", ""),
        rec(6, '=HYPERLINK("x")', "07 00 00 00 01", ""),
        rec(7, "12", "", ""),
        rec(8, "+262 692 12 34 56", "", ""),
      ],
      mapping,
      { today: TODAY, headerLength: header.length },
    );
    expect(r.errors).toEqual([]);
    expect(r.rows.map((x) => [x.phone, x.email])).toEqual([
      ["+33612345678", "lea.martin@example.fr"],
      ["+33612345679", null],
      ["+33712345670", null],
      ["+33612345671", null],
      ["+33700000001", null],
      [null, null],
      ["+262692123456", null],
    ]);
    expect(r.contacts).toEqual({ phones: 6, emails: 1, invalidPhones: 1, invalidEmails: 1 });
  });
});

describe("CSV files in their encodings and separators", () => {
  const text = "Nom;Prénom;Date de naissance;UAI\r\nLefèvre;Zoé;15/03/2009;0690001B\r\n";

  it("reads UTF-8, with or without a BOM", () => {
    expect(decodeText(Buffer.from(text, "utf8"))).toEqual({ text, encoding: "utf-8" });
    expect(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]))).toEqual({ text, encoding: "utf-8" });
  });

  it("reads Windows-1252 (Excel's CSV) when the bytes are not UTF-8", () => {
    const bytes = iconv.encode(`${text}Cœur;Anaïs;01/01/2009;0690001B\r\n`, "win1252");
    expect(bytes.includes(0xe9)).toBe(true); // é as one byte
    const decoded = decodeText(bytes);
    expect(decoded.encoding).toBe("windows-1252");
    expect(decoded.text).toContain("Lefèvre;Zoé");
    expect(decoded.text).toContain("Cœur;Anaïs");
  });

  it("reads UTF-16 with its BOM (Excel's Unicode text)", () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text.replace(/;/g, "\t"), "utf-16le")]);
    const csv = readCsv(bytes);
    expect(csv).toMatchObject({ ok: true, encoding: "utf-16le", delimiter: "\t" });
    if (csv.ok) expect(csv.records[1]!.fields).toEqual(["Lefèvre", "Zoé", "15/03/2009", "0690001B"]);
  });

  it.each([
    [";", "Nom;Prénom;Né le\n"],
    [",", "Nom,Prénom,Né le\n"],
    ["\t", "Nom\tPrénom\tNé le\n"],
    [";", '"Nom, usage";Prénom;Né le\n'],
    [",", 'Nom,Prénom,"Motif; détail"\n'],
  ])("detects the separator %j", (separator, sample) => {
    expect(detectDelimiter(sample)).toBe(separator);
  });

  it("keeps line numbers right across quoted values spanning lines, empty lines and any line ending", () => {
    const csv = readCsv(Buffer.from('Nom,Motif\r\n"Durand","abandon,\nsans solution"\r\n\r\nPetit,"dit ""non"""\rMartin,x', "utf8"));
    expect(csv).toMatchObject({ ok: true, delimiter: "," });
    if (!csv.ok) return;
    expect(csv.records.map((r) => [r.line, r.fields])).toEqual([
      [1, ["Nom", "Motif"]],
      [2, ["Durand", "abandon,\nsans solution"]],
      [5, ["Petit", 'dit "non"']],
      [6, ["Martin", "x"]],
    ]);
  });

  it("says when a file is empty or not a CSV", () => {
    expect(readCsv(new Uint8Array())).toEqual({ ok: false, reason: "EMPTY" });
    expect(readCsv(Buffer.from("\r\n  \r\n"))).toEqual({ ok: false, reason: "EMPTY" });
    expect(readCsv(Buffer.from('Nom;Prénom\nDurand;"Léa\n'))).toMatchObject({ ok: false, reason: "UNREADABLE" });
  });
});
