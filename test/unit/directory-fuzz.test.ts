import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseBassins } from "../../src/domain/directory/bassins.js";
import { parsePeople } from "../../src/domain/directory/people.js";
import type { DirectoryError } from "../../src/domain/directory/records.js";
import { parseSchoolDirectory } from "../../src/domain/directory/schools.js";
import { checkUai } from "../../src/domain/directory/uai.js";
import { ANNUAIRE_HEADER, GEOLOCALISATION_HEADER } from "../helpers/directory-files.js";

// Whatever the cells, the directory parsers never throw, and every error points at a line of the
// input and a column within it (a spreadsheet can show the cell).

const interesting = [
  "",
  " ",
  "\t",
  "0690001B",
  "0690001A",
  "069000",
  "6200088B",
  "0010001w",
  "10",
  "010",
  "08",
  "Lyon",
  "Grenoble",
  "340",
  "300",
  "306",
  "320",
  "370",
  "151",
  "390",
  "307",
  "999",
  "COLLEGE",
  "LYCEE POLYVALENT",
  "Ecole",
  "Lycée",
  "Public",
  "Privé",
  "PR",
  "-",
  "10",
  "30",
  "99",
  "HORS CONTRAT",
  "OUVERT",
  "FERME",
  "A OUVRIR",
  "4",
  "069",
  "2A",
  "Rhône",
  "NORD",
  "SUD",
  "Bassin Nord",
  "Professeur",
  "CPE",
  "Principal adjoint",
  "IEN-IO",
  "DASEN",
  "SAIO",
  "Cuisinier",
  "claire.martin@ac-lyon.fr",
  "CLAIRE.MARTIN@AC-LYON.FR",
  "pas un mail",
  "Martin",
  "Élise",
  "O'Neil",
  "X2",
  "UAI",
  "Nom",
  "Prénom",
  "Courriel",
  "Fonction",
  "Rattachement",
  "Code bassin",
  "Nom du bassin",
  "code_nature",
  "Libellé nature",
  "\uFEFFUAI",
  "a;b",
  '"',
  "\n",
  "𝓤𝓐𝓘",
  "ǅ",
];
const cell = fc.oneof(fc.constantFrom(...interesting), fc.string({ maxLength: 12 }), fc.string({ unit: "grapheme", maxLength: 6 }));
const row = (min: number, max: number) => fc.array(cell, { minLength: min, maxLength: max });

/** Records as a CSV reader gives them: sometimes plain rows, sometimes numbered with gaps. */
function withLines(rows: string[][], gaps: boolean) {
  if (!gaps) return { input: rows, lines: rows.map((_, i) => i + 1) };
  let line = 0;
  const input = rows.map((fields, i) => ({ line: (line += 1 + (i % 3)), fields }));
  return { input, lines: input.map((r) => r.line) };
}

/** `layoutWidth`: a file without a header line has the columns of its fixed layout, so a missing
 *  cell of a short row is still named by its column (the bassin's code in column B). */
function expectPointsIntoInput(
  errors: readonly DirectoryError<string, string>[],
  rows: readonly (readonly string[])[],
  lines: readonly number[],
  layoutWidth = 0,
) {
  const widest = Math.max(layoutWidth, ...rows.map((r) => r.length));
  for (const e of errors) {
    expect(lines, JSON.stringify(e)).toContain(e.line);
    expect(e.column, JSON.stringify(e)).toBeGreaterThanOrEqual(1);
    expect(e.column, JSON.stringify(e)).toBeLessThanOrEqual(Math.max(widest, 1));
    if (e.otherLine !== undefined) expect(lines).toContain(e.otherLine);
  }
}

describe("parseSchoolDirectory, whatever the cells", () => {
  const annuaireRow = fc
    .tuple(
      row(60, 75),
      fc.constantFrom("10", "08", "", " 10 ", "Lyon"),
      fc.constantFrom("340", "300", "151", "390", "307", "", "abc"),
      fc.constantFrom("Public", "Privé", "", "-"),
    )
    .map(([cells, academy, nature, sector]) => {
      const r = [...cells];
      r[ANNUAIRE_HEADER.indexOf("Code_academie")] = academy;
      r[ANNUAIRE_HEADER.indexOf("code_nature")] = nature;
      r[ANNUAIRE_HEADER.indexOf("Statut_public_prive")] = sector;
      return r;
    });

  it("never throws, and points every error at a cell of the input", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(row(0, 8), { maxLength: 15 }),
          fc.array(annuaireRow, { maxLength: 12 }).map((rows) => [[...ANNUAIRE_HEADER], ...rows]),
          fc.array(row(30, 40), { maxLength: 12 }).map((rows) => [[...GEOLOCALISATION_HEADER], ...rows]),
        ),
        fc.boolean(),
        fc.constantFrom("10", "Lyon", "", "académie de Grenoble"),
        (rows, gaps, academy) => {
          const { input, lines } = withLines(rows, gaps);
          const d = parseSchoolDirectory(input, { academy });
          expectPointsIntoInput(d.errors, rows, lines);
          for (const s of d.schools) expect(checkUai(s.uai)).toEqual({ ok: true, uai: s.uai });
          const ignored = Object.values(d.ignored).reduce((a, b) => a + b, 0);
          if (d.missing.length === 0) expect(d.schools.length + ignored + new Set(d.errors.map((e) => e.line)).size).toBe(d.rows);
        },
      ),
      { numRuns: 200 },
    );
    // About 2 s on a quiet machine: rows of 60 to 75 cells, each header compared with every spelling.
  }, 120_000);
});

describe("parseBassins, whatever the cells", () => {
  it("never throws, and points every error at a cell of the input", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(row(0, 5), { maxLength: 15 }),
          fc.array(row(0, 5), { maxLength: 15 }).map((rows) => [["UAI", "Code bassin", "Nom du bassin"], ...rows]),
          fc.array(fc.tuple(fc.constantFrom("0690001B", "0690002C", "0690001A", "x", ""), cell, cell), { maxLength: 15 }),
        ),
        fc.boolean(),
        (rows, gaps) => {
          const { input, lines } = withLines(rows, gaps);
          const b = parseBassins(input);
          expectPointsIntoInput(b.errors, rows, lines, b.headerLine === null ? 3 : 0);
          for (const a of b.assignments) expect(checkUai(a.uai).ok).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("parsePeople, whatever the cells", () => {
  it("never throws, and points every error at a cell of the input", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(row(0, 7), { maxLength: 15 }),
          fc.array(row(3, 7), { maxLength: 15 }).map((rows) => [["Nom", "Prénom", "Courriel", "Fonction", "Rattachement"], ...rows]),
        ),
        fc.boolean(),
        fc.option(fc.constantFrom("10", "Lyon"), { nil: undefined }),
        (rows, gaps, academy) => {
          const { input, lines } = withLines(rows, gaps);
          const p = parsePeople(input, academy === undefined ? {} : { academy, known: { uais: new Set(["0690001B"]) } });
          expectPointsIntoInput(p.errors, rows, lines);
          for (const person of p.people) {
            expect(person.email).toBe(person.email.toLowerCase());
            expect(person.lines.every((l) => lines.includes(l))).toBe(true);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
