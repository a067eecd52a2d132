/* eslint-disable no-control-regex -- the test looks for control characters. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cleanStrings, cleanText, commandText, hasControlCharacters, safeText } from "../../src/domain/safe-text.js";

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
const anyText = fc.string({ unit: "binary", maxLength: 60 });

describe("cleanText: what may cross a boundary", () => {
  it.each([
    ["2nde\u00001", "2nde1"],
    ["Absences\u0000?", "Absences?"],
    ["Cla\u0007ire\u001B[31m", "Claire[31m"],
    ["Léa\u202EtnoPuD", "LéatnoPuD"],
    ["deux\nlignes\tet\r\nune", "deux lignes et une"],
  ])("%j -> %j on one line", (input, expected) => {
    expect(cleanText(input)).toBe(expected);
  });

  it("keeps tab and line breaks where a text may hold several lines", () => {
    expect(cleanText("a\u0000\tb\r\nc\rd", { lines: true })).toBe("a\tb\nc\nd");
  });

  it("never leaves a control character, keeps every other character, and is idempotent", () => {
    fc.assert(
      fc.property(anyText, fc.boolean(), (s, lines) => {
        const out = cleanText(s, { lines });
        expect(out).not.toMatch(CONTROL);
        expect(cleanText(out, { lines })).toBe(out);
        // Nothing but controls (and line breaks turned into spaces) is touched.
        expect(out.replace(/[ \t\n]/g, "")).toBe(s.replace(new RegExp(CONTROL.source, "g"), "").replace(/[ \t\n\r]/g, ""));
      }),
    );
  });

  it("reads commands without invisible marks (right-to-left mark, zero-width space)", () => {
    expect(commandText("\u200Fstatut\u200B D-2026-0001\u200E")).toBe("statut D-2026-0001");
  });
});

describe("safeText: the one schema of a text field", () => {
  it("strips, trims and checks lengths", () => {
    const s = safeText({ max: 5 });
    expect(s.parse("  a\u0000b  ")).toBe("ab");
    expect(s.safeParse("abcdef").success).toBe(false);
    expect(safeText({ min: 1 }).safeParse("\u0000 ").success).toBe(false);
  });

  it("refuses a control character when asked to (a CSV cell)", () => {
    const r = safeText({ controls: "refuse" }).safeParse("Du\u0000rand");
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe("CONTROL_CHARACTER");
    expect(hasControlCharacters("tab\tnewline\n")).toBe(false);
  });

  it("refuses what is not a string", () => {
    for (const v of [null, 3, {}, ["a"]]) expect(safeText().safeParse(v).success).toBe(false);
  });
});

describe("cleanStrings: a whole payload", () => {
  it("cleans every string, keys included, at any depth, and leaves the rest", () => {
    const payload = JSON.parse('{"a\\u0000":"x\\u0000y","n":3,"list":[{"deep":"\\u0001z\\nw"}],"__proto__":{"admin":"\\u0000"}}');
    const out = cleanStrings(payload) as Record<string, any>;
    expect(out.a).toBe("xy");
    expect(out.n).toBe(3);
    expect(out.list[0].deep).toBe("z\nw");
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it("leaves no control character anywhere in any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (v) => {
        const strings: string[] = [];
        JSON.stringify(cleanStrings(v), (key, value: unknown) => {
          strings.push(key);
          if (typeof value === "string") strings.push(value);
          return value;
        });
        for (const s of strings) expect(s).not.toMatch(CONTROL);
      }),
    );
  });
});
