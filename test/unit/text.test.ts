import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { initials, levenshtein, nameKey, normalizeText, typoDistance } from "../../src/domain/text.js";

describe("normalizeText", () => {
  it.each([
    ["  Léa   DUPONT-Martin ", "lea dupont-martin"],
    ["Élodie", "elodie"],
    ["ÇA VA", "ca va"],
    ["Zoë Noël", "zoe noel"],
    ["Cœur Lætitia", "coeur laetitia"],
    ["d’Almeida", "d'almeida"],
    ["O\u2018Neil", "o'neil"],
    ["jean\u00A0marc", "jean marc"], // non-breaking space from a French keyboard
    ["jean\u202Fmarc", "jean marc"],
    ["tab\tand\nnewline", "tab and newline"],
    ["zero\u200Bwidth", "zerowidth"],
    ["snake_case", "snake_case"],
    ["Jean--Marc", "jean--marc"],
    ["ＤＵＰＯＮＴ", "dupont"], // full-width letters pasted from another keyboard
    ["", ""],
    ["   ", ""],
  ])("%j -> %j", (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });

  const anyText = fc.string({ unit: "binary", maxLength: 40 });

  it("is idempotent", () => {
    fc.assert(fc.property(anyText, (s) => normalizeText(normalizeText(s)) === normalizeText(s)));
  });

  it("leaves no capitals, combining marks, doubled or outer spaces", () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const n = normalizeText(s);
        return n === n.toLowerCase() && !/\p{M}/u.test(n) && !/\s\s/.test(n) && n === n.trim();
      }),
    );
  });

  it("ignores case and accents of French letters", () => {
    const french = fc.string({ unit: fc.constantFrom(..."aàâäbcçdeéèêëiîïoôöuùûüyÿAÀÂÉÈÊÎÔÛÇ -".split("")) });
    fc.assert(fc.property(french, (s) => normalizeText(s.toUpperCase()) === normalizeText(s.toLowerCase())));
  });
});

describe("nameKey", () => {
  it.each([
    ["Dupont", "Léa", "dupont lea"],
    ["  DUPONT ", " lea", "dupont lea"],
    ["Dupont-Martin", "Jean Marc", "dupont martin jean marc"],
    ["Lefèvre Nguyen", "Léa", "lefevre nguyen lea"],
    ["N’Diaye", "Awa", "ndiaye awa"],
    ["Lefèvre - Nguyen", "Léa", "lefevre nguyen lea"],
    ["", "Léa", "lea"],
  ])("(%j, %j) -> %j", (last, first, expected) => {
    expect(nameKey(last, first)).toBe(expected);
  });

  it("matches the same pupil typed differently", () => {
    expect(nameKey("DUPONT", "LÉA")).toBe(nameKey("dupont", "Lea"));
    expect(nameKey("Lefèvre-Nguyen", "Anh")).toBe(nameKey("Lefèvre Nguyen", "Anh"));
    expect(nameKey("N'Diaye", "Awa")).toBe(nameKey("Ndiaye", "Awa"));
  });

  it("keeps last and first name apart", () => {
    expect(nameKey("Martin", "Paul")).not.toBe(nameKey("Paul", "Martin"));
  });
});

describe("initials", () => {
  it.each([
    ["Léa", "Dupont", "L. D."],
    ["Jean-Marc", "Dupont", "J.-M. D."],
    ["Jean-Marc", "Dupont-Martin", "J.-M. D.-M."],
    ["Marie Claire", "Dupont", "M. C. D."],
    ["élodie", "durand", "É. D."],
    ["", "Dupont", "D."],
    ["Léa", "  ", "L."],
    ["", "", ""],
    ["Jean--Marc", "Dupont", "J.-M. D."],
    ["Anne-", "N'Diaye", "A. N."],
  ])("(%j, %j) -> %j", (first, last, expected) => {
    expect(initials(first, last)).toBe(expected);
  });

  it("never reveals more than one letter per name part", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (first, last) => {
        const parts = initials(first, last)
          .split(/[ -]/)
          .filter((p) => p !== "");
        return parts.every((p) => Array.from(p).length === 2 && p.endsWith("."));
      }),
    );
  });
});

describe("levenshtein", () => {
  it.each([
    ["", "", 0],
    ["abc", "", 3],
    ["", "abc", 3],
    ["statut", "statut", 0],
    ["statu", "statut", 1],
    ["stauts", "status", 2], // a swap is two edits for plain Levenshtein
    ["kitten", "sitting", 3],
    ["dupont", "dupond", 1],
    ["léa", "lea", 1],
    ["🙂a", "a", 1], // counted in code points, not UTF-16 units
  ])("(%j, %j) = %i", (a, b, expected) => {
    expect(levenshtein(a, b)).toBe(expected);
  });

  const word = fc.string({ maxLength: 12 });

  it("is a distance: zero on itself, symmetric, triangle inequality", () => {
    fc.assert(
      fc.property(word, word, word, (a, b, c) => {
        expect(levenshtein(a, a)).toBe(0);
        expect(levenshtein(a, b)).toBe(levenshtein(b, a));
        expect(levenshtein(a, c)).toBeLessThanOrEqual(levenshtein(a, b) + levenshtein(b, c));
      }),
    );
  });

  it("lies between the length difference and the longer length", () => {
    fc.assert(
      fc.property(word, word, (a, b) => {
        const d = levenshtein(a, b);
        const [la, lb] = [Array.from(a).length, Array.from(b).length];
        return d >= Math.abs(la - lb) && d <= Math.max(la, lb);
      }),
    );
  });
});

describe("typoDistance", () => {
  it.each([
    ["stauts", "status", 1],
    ["signalemnts", "signalements", 1],
    ["statu", "statut", 1],
    ["ab", "ba", 1],
    ["abc", "ca", 3],
    ["same", "same", 0],
  ])("(%j, %j) = %i", (a, b, expected) => {
    expect(typoDistance(a, b)).toBe(expected);
  });

  it("never exceeds levenshtein and is symmetric", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        return typoDistance(a, b) <= levenshtein(a, b) && typoDistance(a, b) === typoDistance(b, a);
      }),
    );
  });
});
