import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { neutralizeCsvCell } from "../../src/domain/csv-cell.js";
import { translator } from "../../src/teams/i18n.js";
import { casesCsv } from "../../src/teams/stats/stats-views.js";

/** A cell that a spreadsheet would read as a formula is written as text (OWASP, CSV injection):
 *  every cell starting with =, +, -, @, tab or carriage return is prefixed with a quote, whatever
 *  follows. « -2+3+cmd|' /C calc'!A0 » went through when a digit followed the minus. */

const FORMULA_START = /^[=+\-@\t\r]/;
const read = (b: Buffer) => parse(b.subarray(3).toString("utf8"), { delimiter: ";" }) as string[][];
const risky = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.tuple(fc.constantFrom("=", "+", "-", "@", "\t", "\r", "-2+3", "+1", "@SUM(", "=cmd|"), fc.string({ maxLength: 20 })).map(([a, b]) => a + b),
);

describe("CSV cells", () => {
  it.each(["-2+3+cmd|' /C calc'!A0", "=1+1", "+33 6 12 34 56 78", "-1", "@SUM(A1)", "\t=1", "\r=1"])("%j is written as text", (cell) => {
    expect(neutralizeCsvCell(cell)).toBe(`'${cell}`);
  });

  it("never starts with a formula character, and loses nothing", () => {
    fc.assert(
      fc.property(risky, (s) => {
        const out = neutralizeCsvCell(s);
        expect(out).not.toMatch(FORMULA_START);
        expect(out === s || out === `'${s}`).toBe(true);
        if (!FORMULA_START.test(s)) expect(out).toBe(s);
      }),
    );
  });

  it("hold in every CSV the product writes, read back as a spreadsheet would", () => {
    fc.assert(
      fc.property(fc.array(risky, { minLength: 1, maxLength: 5 }), (names) => {
        const file = casesCsv(
          translator("fr"),
          names.map((schoolName, i) => ({
            reference: `D-2026-${String(i).padStart(4, "0")}`,
            uai: "0690001B",
            schoolName,
            status: "NEW",
            urgency: 1,
            escalatedToMlds: false,
            openedAt: new Date("2026-10-01T08:00:00Z"),
            takenInChargeAt: null,
            planOpenedAt: null,
            nextReviewAt: null,
            closedAt: null,
            outcome: null,
          })),
        );
        for (const row of read(file)) for (const cell of row) expect(cell).not.toMatch(FORMULA_START);
      }),
    );
  });
});
