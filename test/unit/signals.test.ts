import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  ABSENCE_ALERT_THRESHOLD,
  SIGNALS,
  SIGNAL_CODES,
  SIGNAL_FAMILIES,
  STEPS_TAKEN,
  URGENCY_LEVELS,
  absenceAlert,
  familiesOf,
  isSignalCode,
  isStepTaken,
  isUrgency,
  signalCodeSchema,
  signalFamily,
  type SignalCode,
  type SignalFamily,
} from "../../src/domain/signals.js";

describe("signal catalogue", () => {
  const expected: Record<SignalFamily, SignalCode[]> = {
    ATTENDANCE: ["UNJUSTIFIED_ABSENCES", "LATENESS", "INTERMITTENT_ABSENCES", "STOPPED_COMING", "ABSENT_DURING_PLACEMENT"],
    ENGAGEMENT: ["WORK_NOT_DONE", "EQUIPMENT_FORGOTTEN", "PASSIVITY", "DISENGAGED_INSIDE", "WANTS_TO_STOP"],
    RESULTS: ["FALLING_GRADES", "EXAM_FAILED", "LEARNING_DIFFICULTIES"],
    BEHAVIOUR: ["INCIDENTS", "WITHDRAWAL"],
    ORIENTATION: ["ORIENTATION_SUBIE", "NO_PLAN", "NOT_ASSIGNED", "WANTS_TO_CHANGE_COURSE", "NO_PLACEMENT_FOUND"],
  };

  it.each(Object.entries(expected))("%s holds its signals", (family, codes) => {
    for (const code of codes) expect(signalFamily(code)).toBe(family);
  });

  it("has unique codes and only known families", () => {
    expect(new Set(SIGNAL_CODES).size).toBe(SIGNALS.length);
    for (const s of SIGNALS) expect(SIGNAL_FAMILIES).toContain(s.family);
  });

  it("every family has at least one signal", () => {
    expect(familiesOf([...SIGNAL_CODES])).toEqual([...SIGNAL_FAMILIES]);
  });

  it.each([
    ["LATENESS", true],
    ["NOT_ASSIGNED", true],
    ["lateness", false],
    ["ATTENDANCE", false],
    ["", false],
    [42, false],
    [null, false],
    ["__proto__", false],
  ])("isSignalCode(%j) is %s", (x, expectedResult) => {
    expect(isSignalCode(x)).toBe(expectedResult);
    expect(signalCodeSchema.safeParse(x).success).toBe(expectedResult);
  });

  it("signalFamily rejects a code smuggled past the type system", () => {
    expect(() => signalFamily("BOGUS" as SignalCode)).toThrow(RangeError);
  });
});

describe("familiesOf", () => {
  it.each<[SignalCode[], SignalFamily[]]>([
    [[], []],
    [["LATENESS"], ["ATTENDANCE"]],
    [
      ["NO_PLAN", "LATENESS", "UNJUSTIFIED_ABSENCES"],
      ["ATTENDANCE", "ORIENTATION"],
    ],
    [
      ["WITHDRAWAL", "FALLING_GRADES", "PASSIVITY", "INCIDENTS"],
      ["ENGAGEMENT", "RESULTS", "BEHAVIOUR"],
    ],
  ])("%j -> %j", (codes, families) => {
    expect(familiesOf(codes)).toEqual(families);
  });

  it("is unique and in catalogue order whatever the input order", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SIGNAL_CODES)), (codes) => {
        const families = familiesOf(codes);
        const positions = families.map((f) => SIGNAL_FAMILIES.indexOf(f));
        expect(new Set(families).size).toBe(families.length);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        expect(new Set(families)).toEqual(new Set(codes.map(signalFamily)));
      }),
    );
  });
});

describe("absenceAlert", () => {
  it("uses the legal threshold of 4 half-days", () => {
    expect(ABSENCE_ALERT_THRESHOLD).toBe(4);
  });

  it.each([
    [undefined, false],
    [0, false],
    [3, false],
    [4, true],
    [5, true],
    [40, true],
    [Number.NaN, false],
  ])("%s half-days -> %s", (halfDays, alert) => {
    expect(absenceAlert(halfDays)).toBe(alert);
  });
});

describe("steps taken and urgency", () => {
  it("lists the usual steps, with the social worker or nurse, the PPRE and the absenteeism referral", () => {
    expect(STEPS_TAKEN).toEqual([
      "FAMILY_CONTACTED",
      "INTERVIEW_PP_CPE",
      "GPDS_MEETING",
      "PSYEN_INTERVIEW",
      "SOCIAL_WORKER_OR_NURSE",
      "PPRE",
      "ABSENTEEISM_REFERRAL",
    ]);
    expect(isStepTaken("GPDS_MEETING")).toBe(true);
    expect(isStepTaken("PHONE_CALL")).toBe(false);
  });

  it.each([
    [1, true],
    [2, true],
    [3, true],
    [0, false],
    [4, false],
    [1.5, false],
    ["1", false],
  ])("isUrgency(%j) is %s", (x, expectedResult) => {
    expect(URGENCY_LEVELS).toEqual([1, 2, 3]);
    expect(isUrgency(x)).toBe(expectedResult);
  });
});
