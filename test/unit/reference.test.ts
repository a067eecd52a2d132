import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { REFERENCE_PATTERN, findReference, formatReference, normalizeReference, parseReference } from "../../src/domain/reference.js";

describe("formatReference", () => {
  it.each([
    [2026, 42, "D-2026-0042"],
    [2026, 1, "D-2026-0001"],
    [2026, 9999, "D-2026-9999"],
    [2026, 10000, "D-2026-10000"],
    [2027, 123456, "D-2027-123456"],
  ])("(%i, %i) -> %s", (year, n, expected) => {
    expect(formatReference(year, n)).toBe(expected);
  });

  it.each([
    [26, 1],
    [2026, 0],
    [2026, -3],
    [2026, 1.5],
    [2026.5, 1],
    [2026, Number.NaN],
  ])("refuses (%s, %s)", (year, n) => {
    expect(() => formatReference(year, n)).toThrow(RangeError);
  });
});

describe("parseReference", () => {
  it.each([
    ["D-2026-0042", { year: 2026, number: 42 }],
    ["d-2026-42", { year: 2026, number: 42 }],
    ["  D-2026-0042  ", { year: 2026, number: 42 }],
    ["D-2026-10000", { year: 2026, number: 10000 }],
    ["D-2026-00042", { year: 2026, number: 42 }],
    ["D-2026-0000", null],
    ["D-26-0042", null],
    ["D-2026", null],
    ["D2026-0042", null],
    ["X-2026-0042", null],
    ["D-2026-0042 bis", null],
    ["statut D-2026-0042", null],
    ["D-2026-1234567890", null],
    ["", null],
  ])("%j -> %j", (text, expected) => {
    expect(parseReference(text)).toEqual(expected);
  });

  it("reads back what it formats", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 9999 }), fc.integer({ min: 1, max: 999_999_999 }), (year, n) => {
        expect(parseReference(formatReference(year, n))).toEqual({ year, number: n });
      }),
    );
  });

  it("never throws", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => parseReference(s) === null || true));
  });
});

describe("normalizeReference", () => {
  it.each([
    ["d-2026-42", "D-2026-0042"],
    [" D-2026-0042 ", "D-2026-0042"],
    ["Dupont", null],
  ])("%j -> %j", (text, expected) => {
    expect(normalizeReference(text)).toBe(expected);
  });
});

describe("REFERENCE_PATTERN and findReference", () => {
  it("is not global, so repeated use gives the same answer", () => {
    expect(REFERENCE_PATTERN.global).toBe(false);
    expect(REFERENCE_PATTERN.sticky).toBe(false);
    const text = "voir D-2026-0042";
    expect(REFERENCE_PATTERN.test(text)).toBe(true);
    expect(REFERENCE_PATTERN.test(text)).toBe(true);
  });

  it.each([
    ["Peux-tu regarder D-2026-0042 stp ?", "D-2026-0042"],
    ["(d-2026-7)", "D-2026-0007"],
    ["premier D-2026-0001 puis D-2026-0002", "D-2026-0001"],
    ["AD-2026-0042", null],
    ["D-2026-0042X", null],
    ["aucune référence", null],
  ])("%j -> %j", (text, expected) => {
    expect(findReference(text)).toBe(expected);
  });
});
