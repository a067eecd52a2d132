import { describe, expect, it } from "vitest";
import { mergeBassins, parseBassins } from "../../src/domain/directory/bassins.js";
import type { DirectorySchool } from "../../src/domain/directory/schools.js";

describe("the bassins file", () => {
  it("reads UAI;code;name under any spelling of the headers", () => {
    for (const header of [
      ["UAI", "Code bassin", "Nom du bassin"],
      ["numero_uai", "code_bassin_formation", "libelle_bassin_formation"],
      ["Nom du bassin", "Code UAI", "Bassin"],
    ]) {
      const at = (f: "uai" | "code" | "name") => header.findIndex((h) => ({ uai: /uai/i, code: /^(code b|bassin$|code_b)/i, name: /nom|libelle/i })[f].test(h));
      const row = (uai: string, code: string, name: string) => {
        const r = ["", "", ""];
        r[at("uai")] = uai;
        r[at("code")] = code;
        r[at("name")] = name;
        return r;
      };
      const b = parseBassins([header, row("0690001B", "NORD", "Bassin Nord"), row("0690004E", "sud", "Bassin Sud"), row("0690006G", "SUD", "")]);
      expect(b.errors, header.join(";")).toEqual([]);
      expect(b.headerLine).toBe(1);
      expect(b.assignments).toEqual([
        { line: 2, uai: "0690001B", code: "NORD" },
        { line: 3, uai: "0690004E", code: "SUD" },
        { line: 4, uai: "0690006G", code: "SUD" },
      ]);
      expect(b.bassins).toEqual([
        { code: "NORD", name: "Bassin Nord" },
        { code: "SUD", name: "Bassin Sud" },
      ]);
    }
  });

  it("reads a file without a header line as UAI, code, name", () => {
    const b = parseBassins([
      ["0690001B", "NORD", "Bassin Nord"],
      ["0690002C", "NORD"],
    ]);
    expect(b.headerLine).toBeNull();
    expect(b.errors).toEqual([]);
    expect(b.assignments.map((a) => [a.line, a.uai, a.code])).toEqual([
      [1, "0690001B", "NORD"],
      [2, "0690002C", "NORD"],
    ]);
    expect(b.bassins).toEqual([{ code: "NORD", name: "Bassin Nord" }]);
  });

  it("names the empty column of a short line in a file without a header", () => {
    expect(parseBassins([["0690001B"]]).errors).toEqual([{ line: 1, column: 2, header: "", field: "code", code: "REQUIRED" }]);
  });

  it("gives a bassin its first name, even when it comes after the first line", () => {
    const b = parseBassins([
      ["0690001B", "NORD", ""],
      ["0690002C", "NORD", "Bassin Nord"],
    ]);
    expect(b.bassins).toEqual([{ code: "NORD", name: "Bassin Nord" }]);
  });

  it("reports each problem with its line and column", () => {
    const b = parseBassins([
      ["UAI", "Code bassin", "Nom du bassin"],
      ["0690001A", "NORD", "Bassin Nord"],
      ["069000", "NORD", "Bassin Nord"],
      ["0690002C", "", "Bassin Nord"],
      ["0690003D", "NORD", "Bassin du Nord"],
      ["0690004E", "SUD", "Bassin Sud"],
      ["0690004E", "NORD", ""],
      ["0690004E", "SUD", ""],
      ["", "SUD", ""],
      ["0690005F", "SUD", "Bassin Sud", "en trop"],
    ]);
    expect(b.errors).toEqual([
      { line: 2, column: 1, header: "UAI", field: "uai", code: "UAI_CHECK_LETTER", value: "0690001A" },
      { line: 3, column: 1, header: "UAI", field: "uai", code: "INVALID_UAI", value: "069000" },
      { line: 4, column: 2, header: "Code bassin", field: "code", code: "REQUIRED" },
      { line: 7, column: 1, header: "UAI", field: "uai", code: "DUPLICATE_UAI", value: "0690004E", otherLine: 6 },
      { line: 9, column: 1, header: "UAI", field: "uai", code: "REQUIRED" },
      { line: 10, column: 4, header: "", field: null, code: "COLUMN_COUNT", value: "4" },
    ]);
    expect(b.repeatedLines).toBe(1);
    expect(b.assignments.map((a) => a.uai)).toEqual(["0690003D", "0690004E"]);
  });

  it("names the line of a bassin's first name when a second one contradicts it", () => {
    const b = parseBassins([
      ["0690001B", "NORD", "Bassin Nord"],
      ["0690002C", "NORD", "Nord-Beaujolais"],
      ["0690003D", "nord", "BASSIN NORD"],
    ]);
    expect(b.errors.map((e) => [e.line, e.code, e.otherLine])).toEqual([[2, "CONFLICTING_BASSIN_NAME", 1]]);
    expect(b.assignments.map((a) => a.uai)).toEqual(["0690001B", "0690003D"]);
  });

  it("says what an empty file or one without the needed columns lacks", () => {
    expect(parseBassins([]).missing).toEqual(["uai", "code"]);
    expect(
      parseBassins([
        ["UAI", "Commune"],
        ["0690001B", "Givors"],
      ]).missing,
    ).toEqual(["code"]);
  });
});

const school = (uai: string, bassin: DirectorySchool["bassin"], line = 2): DirectorySchool => ({
  line,
  uai,
  name: `École ${uai}`,
  kind: "COLLEGE",
  commune: null,
  departmentCode: "069",
  academyCode: "10",
  state: "OPEN",
  open: true,
  sector: "PUBLIC",
  bassin,
});

describe("mergeBassins", () => {
  it("puts each school in the bassin the bassins file gives, over the directory's, and lists the schools left without one", () => {
    const schools = [
      school("0690001B", { code: "10011", name: "BASSIN VILLEFRANCHE" }, 2),
      school("0690002C", null, 3),
      school("0690003D", { code: "10012", name: "BASSIN LYON SUD" }, 4),
      school("0690004E", null, 5),
    ];
    const file = parseBassins([
      ["0690001B", "NORD", "Bassin Nord"],
      ["0690002C", "NORD"],
      ["0380001V", "NORD"],
    ]);
    const merged = mergeBassins(schools, file);
    expect(merged.schools.map((s) => [s.uai, s.bassin])).toEqual([
      ["0690001B", { code: "NORD", name: "Bassin Nord" }],
      ["0690002C", { code: "NORD", name: "Bassin Nord" }],
      ["0690003D", { code: "10012", name: "BASSIN LYON SUD" }],
      ["0690004E", null],
    ]);
    expect(merged.bassins).toEqual([
      { code: "NORD", name: "Bassin Nord" },
      { code: "10012", name: "BASSIN LYON SUD" },
    ]);
    expect(merged.withoutBassin).toEqual([{ line: 5, uai: "0690004E", name: "École 0690004E" }]);
    expect(merged.notInDirectory).toEqual([{ line: 3, uai: "0380001V", code: "NORD" }]);
    expect(merged.replaced).toEqual([{ uai: "0690001B", from: "10011", to: "NORD" }]);
  });

  it("keeps the directory's bassins when there is no bassins file", () => {
    const merged = mergeBassins([school("0690001B", { code: "NORD", name: null }), school("0690002C", { code: "NORD", name: "Bassin Nord" })], null);
    expect(merged.bassins).toEqual([{ code: "NORD", name: "Bassin Nord" }]);
    expect(merged.schools.map((s) => s.bassin)).toEqual([
      { code: "NORD", name: "Bassin Nord" },
      { code: "NORD", name: "Bassin Nord" },
    ]);
    expect(merged.withoutBassin).toEqual([]);
  });
});
