import { describe, expect, it } from "vitest";
import { validatePupil, withinLimits, type CompleteDraft } from "../../src/domain/report-draft.js";

/** The class is shown on the channel card: a short code, not a place where a full name or a link
 *  could be typed and reach everyone in the channel. Letters, digits, spaces, « ° » and hyphens,
 *  20 characters at most. */

const ctx = { allowedSchoolIds: ["s1"], currentYear: 2026 };
const pupil = (className: string) => ({ lastName: "Dupont", firstName: "Léa", className, schoolId: "s1", birthDate: "20/12/2010" });

describe("the class of a reported pupil", () => {
  it.each(["2nde 3", "1re STMG", "Tle°2", "3e-B", "CAP 1 ECMS", "TleBacPro MELEC 2"])("accepts %j", (className) => {
    const r = validatePupil(pupil(className), ctx);
    expect(r.ok && r.value.className).toBe(className);
  });

  it.each(["[x](https://e.x)", "Léa Dupont, 2nde 3!", "2nde_3", "**2nde**", "2nde/3", "<b>2</b>", "°2nde", "-2nde", "2nde 3 (Mme Martin)"])(
    "refuses %j",
    (className) => {
      const r = validatePupil(pupil(className), ctx);
      expect(r.ok ? null : r.errors.className).toBe("invalidClass");
    },
  );

  it("is checked again where a report is recorded", () => {
    const draft = (className: string): CompleteDraft => ({
      pupil: { lastName: "Dupont", firstName: "Léa", className, schoolId: "s1", birthYear: 2010 },
      signals: { signals: [{ code: "LATENESS" }] },
      steps: { stepsTaken: [], urgency: 2 },
    });
    expect(withinLimits(draft("2nde 3"))).toBe(true);
    expect(withinLimits(draft("[x](https://e.x)"))).toBe(false);
  });
});
