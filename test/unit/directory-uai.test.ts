import { describe, expect, it } from "vitest";
import { checkUai, departmentCode, departmentOfUai, looksLikeUai, uaiCheckLetter } from "../../src/domain/directory/uai.js";

describe("the UAI check letter", () => {
  // UAIs published by the ministry (open data, data.education.gouv.fr) and seen in public code.
  it.each(["0010001W", "0040533H", "0881529J", "6200088B", "0752529S", "0442953W", "0756036D"])("accepts the real UAI %s", (uai) => {
    expect(uaiCheckLetter(uai.slice(0, 7))).toBe(uai[7]);
    expect(checkUai(uai)).toEqual({ ok: true, uai });
  });

  it("never uses I, O or Q, and uses each of the 23 other letters", () => {
    const letters = new Set(Array.from({ length: 23 }, (_, i) => uaiCheckLetter(String(690000 + i).padStart(7, "0"))));
    expect(letters.size).toBe(23);
    for (const l of ["I", "O", "Q"]) expect(letters.has(l)).toBe(false);
  });

  it.each([
    ["0010001X", "UAI_CHECK_LETTER"], // one letter off
    ["0010002W", "UAI_CHECK_LETTER"], // one digit off
    ["0100001W", "UAI_CHECK_LETTER"], // two digits swapped
    ["001001W", "INVALID_UAI"],
    ["00100011", "INVALID_UAI"],
    ["W0010001", "INVALID_UAI"],
    ["", "INVALID_UAI"],
  ])("refuses %s (%s)", (text, code) => {
    expect(checkUai(text)).toEqual({ ok: false, code });
  });

  it("reads a UAI however it was typed", () => {
    expect(checkUai(" 0010001w ")).toEqual({ ok: true, uai: "0010001W" });
    expect(checkUai("001 0001 W")).toEqual({ ok: true, uai: "0010001W" });
    expect(looksLikeUai("0010001x")).toBe(true);
    expect(looksLikeUai("NORD")).toBe(false);
  });

  it("reports the demo académie's UAIs with their right letter", () => {
    // src/store/demo-seed.ts writes 0690001A…0690006F; their check letters are B…G.
    expect(["0690001", "0690002", "0690003", "0690004", "0690005", "0690006"].map((d) => d + uaiCheckLetter(d))).toEqual([
      "0690001B",
      "0690002C",
      "0690003D",
      "0690004E",
      "0690005F",
      "0690006G",
    ]);
  });
});

describe("départements", () => {
  it.each([
    ["69", "069"],
    ["069", "069"],
    [" 1 ", "001"],
    ["2A", "02A"],
    ["02b", "02B"],
    ["971", "971"],
    ["976", "976"],
  ])("reads %j as %s", (text, code) => {
    expect(departmentCode(text)).toBe(code);
  });

  it.each(["", "0", "20", "96", "500", "2C", "Rhône", "NORD"])("refuses %j", (text) => {
    expect(departmentCode(text)).toBeNull();
  });

  it("takes a school's département from its UAI, Corsica included", () => {
    expect(departmentOfUai("0690001B")).toBe("069");
    expect(departmentOfUai("6200088B")).toBe("02A");
    expect(departmentOfUai("7200001A")).toBe("02B");
    expect(departmentOfUai("9710001A")).toBe("971");
  });
});
