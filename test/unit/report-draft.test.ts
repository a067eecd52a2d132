import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { validateNotes, validatePupil, validateSignals, validateStepsTaken } from "../../src/domain/report-draft.js";

const ctx = { allowedSchoolIds: ["school-a", "school-b"], currentYear: 2026 };
const pupil = { lastName: " Dupont ", firstName: "Léa", className: "2nde  3", schoolId: "school-a", birthDate: "20/12/2010" };

describe("pupil step", () => {
  it("accepts a complete pupil and tidies spaces", () => {
    expect(validatePupil(pupil, ctx)).toEqual({
      ok: true,
      value: { lastName: "Dupont", firstName: "Léa", className: "2nde 3", schoolId: "school-a", birthYear: 2010, birthDate: "2010-12-20" },
    });
  });

  it.each([
    [{ lastName: "" }, { lastName: "required" }],
    [{ firstName: "x".repeat(61) }, { firstName: "tooLong" }],
    [{ lastName: "<script>" }, { lastName: "invalidName" }],
    [{ className: "x".repeat(21) }, { className: "tooLong" }],
    [{ schoolId: "school-z" }, { schoolId: "unknownSchool" }],
    [{ birthDate: "31/12/1994" }, { birthDate: "birthYearRange" }],
    [{ birthDate: "01/01/2017" }, { birthDate: "birthYearRange" }],
    [{ birthDate: "01/01/1995" }, {}],
    [{ birthDate: "2016-12-31" }, {}],
    [{ birthDate: "20.12.2010" }, {}],
    [{ birthDate: "2010" }, { birthDate: "birthDateInvalid" }],
    [{ birthDate: "31/02/2010" }, { birthDate: "birthDateInvalid" }],
    [{ birthDate: "12/20/2010" }, { birthDate: "birthDateInvalid" }],
    [{ birthDate: "" }, { birthDate: "required" }],
    [{ lastName: "N'Diaye-Le Gall", firstName: "Anne-Sophie" }, {}],
  ])("%o -> %o", (change, errors) => {
    const r = validatePupil({ ...pupil, ...change }, ctx);
    if (Object.keys(errors).length === 0) expect(r.ok).toBe(true);
    else expect(r).toMatchObject({ ok: false, errors });
  });

  it("keeps every typed value when it refuses", () => {
    const r = validatePupil({ ...pupil, birthDate: "abc" }, ctx);
    expect(r).toMatchObject({ ok: false, values: { lastName: " Dupont ", firstName: "Léa", className: "2nde  3", schoolId: "school-a", birthDate: "abc" } });
  });

  it("never throws, whatever is submitted", () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const r = validatePupil(input, ctx);
        expect(typeof r.ok).toBe("boolean");
      }),
    );
  });
});

describe("signals step", () => {
  it("collects the ticked signals in catalogue order (their notes come with the next card)", () => {
    const r = validateSignals({ signal_PASSIVITY: "true", note_PASSIVITY: " Dort en cours ", signal_LATENESS: "true", signal_INCIDENTS: "false" });
    expect(r).toEqual({ ok: true, value: { signals: [{ code: "LATENESS" }, { code: "PASSIVITY" }] } });
  });

  it("counts half-days as the unjustified-absences signal", () => {
    expect(validateSignals({ absenceHalfDays: "6" })).toEqual({ ok: true, value: { signals: [{ code: "UNJUSTIFIED_ABSENCES" }], absenceHalfDays: 6 } });
  });

  it.each([
    [{}, { signals: "atLeastOneSignal" }],
    [{ signal_LATENESS: "yes" }, { signals: "unknownSignal" }],
    [{ signal_VAPING: "true" }, { signals: "unknownSignal" }],
    [{ absenceHalfDays: "-2" }, { absenceHalfDays: "halfDaysRange" }],
    [{ absenceHalfDays: "201" }, { absenceHalfDays: "halfDaysRange" }],
  ])("%o -> %o", (input, errors) => {
    expect(validateSignals(input)).toMatchObject({ ok: false, errors });
  });

  it("leaves the half-day count optional for a teacher: the CPE completes it", () => {
    expect(validateSignals({ signal_UNJUSTIFIED_ABSENCES: "true" })).toEqual({ ok: true, value: { signals: [{ code: "UNJUSTIFIED_ABSENCES" }] } });
    expect(validateSignals({ signal_UNJUSTIFIED_ABSENCES: "true" }, { halfDaysRequired: true })).toMatchObject({
      ok: false,
      errors: { absenceHalfDays: "halfDaysRequired" },
    });
    expect(validateSignals({ signal_UNJUSTIFIED_ABSENCES: "true", absenceHalfDays: "5" }, { halfDaysRequired: true })).toEqual({
      ok: true,
      value: { signals: [{ code: "UNJUSTIFIED_ABSENCES" }], absenceHalfDays: 5 },
    });
  });

  it("never throws, whatever is submitted", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.constant(null))), (input) => {
        expect(typeof validateSignals(input).ok).toBe("boolean");
      }),
    );
  });
});

describe("notes of the ticked signals", () => {
  const ticked = [{ code: "LATENESS" as const }, { code: "PASSIVITY" as const }];

  it("keeps a note per ticked signal, trimmed, and none for an empty field", () => {
    expect(validateNotes({ note_PASSIVITY: " Dort   en cours ", note_LATENESS: "" }, ticked)).toEqual({
      ok: true,
      value: [{ code: "LATENESS" }, { code: "PASSIVITY", note: "Dort en cours" }],
    });
  });

  it.each([
    [{ note_LATENESS: "n".repeat(201) }, { note_LATENESS: "noteTooLong" }],
    [{ note_WITHDRAWAL: "Seul à la récréation" }, { signals: "unknownSignal" }],
    [{ note_VAPING: "x" }, { signals: "unknownSignal" }],
  ])("%o -> %o", (input, errors) => {
    expect(validateNotes(input, ticked)).toMatchObject({ ok: false, errors });
  });

  it("never throws, whatever is submitted", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.constant(null))), (input) => {
        expect(typeof validateNotes(input, ticked).ok).toBe("boolean");
      }),
    );
  });
});

describe("steps-taken step", () => {
  it("accepts the steps, an urgency and optional observations", () => {
    expect(validateStepsTaken({ stepsTaken: "GPDS_MEETING,FAMILY_CONTACTED,GPDS_MEETING", urgency: "3", observations: "" })).toEqual({
      ok: true,
      value: { stepsTaken: ["GPDS_MEETING", "FAMILY_CONTACTED"], urgency: 3 },
    });
  });

  it.each([
    [{ urgency: "" }, { urgency: "required" }],
    [{ urgency: "4" }, { urgency: "unknownChoice" }],
    [{ urgency: "1", stepsTaken: "CALLED_POLICE" }, { stepsTaken: "unknownChoice" }],
    [{ urgency: "1", observations: "o".repeat(501) }, { observations: "observationsTooLong" }],
  ])("%o -> %o", (input, errors) => {
    expect(validateStepsTaken(input)).toMatchObject({ ok: false, errors });
  });
});
