import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  CLOSING_OUTCOMES,
  OUTCOMES,
  PARTNERS,
  PLAN_ACTIONS,
  PLAN_ACTION_CODES,
  PLAN_ACTION_STATUSES,
  applyActionStatus,
  closingOutcomeSchema,
  isPartner,
  isPlanActionCode,
  requirementsOf,
  suggestActions,
  type PlanActionCode,
  type PlanActionStatus,
  type SuggestionInput,
} from "../../src/domain/plan-catalogue.js";
import { SIGNAL_CODES, type SignalCode } from "../../src/domain/signals.js";

describe("catalogue", () => {
  it("lists the MLDS actions once each", () => {
    expect(PLAN_ACTION_CODES).toEqual([
      "SITUATION_INTERVIEW",
      "PSYEN_INTERVIEW",
      "TUTORING",
      "REMOBILISATION_SAS",
      "INTERNSHIP",
      "MOREA",
      "PAFI",
      "MICRO_LYCEE",
      "PERSONAL_PROJECT",
      "EMPLOYMENT_SUPPORT",
      "PARTNER_REFERRAL",
    ]);
    expect(PLAN_ACTIONS).toHaveLength(new Set(PLAN_ACTION_CODES).size);
  });

  it.each<[PlanActionCode, string[]]>([
    ["INTERNSHIP", ["company", "dates"]],
    ["PARTNER_REFERRAL", ["partner"]],
    ["SITUATION_INTERVIEW", []],
    ["MOREA", []],
  ])("%s requires %j", (code, requires) => {
    expect(requirementsOf(code)).toEqual(requires);
  });

  it.each([
    ["TUTORING", true],
    ["tutoring", false],
    ["MISSION_LOCALE", false],
  ])("isPlanActionCode(%j) is %s", (x, expected) => {
    expect(isPlanActionCode(x)).toBe(expected);
  });

  it("knows the partners", () => {
    expect(PARTNERS).toEqual(["MISSION_LOCALE", "CIO", "PSAD", "E2C", "EPIDE", "SERVICE_CIVIQUE"]);
    expect(isPartner("E2C")).toBe(true);
    expect(isPartner("POLE_EMPLOI")).toBe(false);
  });

  it("keeps DISMISSED for classer sans suite, out of the outcomes a closure may pick", () => {
    expect(OUTCOMES).toContain("DISMISSED");
    expect(CLOSING_OUTCOMES).toEqual(OUTCOMES.filter((o) => o !== "DISMISSED"));
    expect(closingOutcomeSchema.safeParse("DISMISSED").success).toBe(false);
    expect(closingOutcomeSchema.safeParse("APPRENTICESHIP").success).toBe(true);
  });
});

describe("applyActionStatus, every pair", () => {
  const allowed: [PlanActionStatus, PlanActionStatus][] = [
    ["PLANNED", "IN_PROGRESS"],
    ["PLANNED", "DONE"],
    ["PLANNED", "ABANDONED"],
    ["IN_PROGRESS", "DONE"],
    ["IN_PROGRESS", "ABANDONED"],
  ];
  const pairs = PLAN_ACTION_STATUSES.flatMap((from) => PLAN_ACTION_STATUSES.map((to) => [from, to] as const));

  it.each(pairs)("%s -> %s", (from, to) => {
    const ok = allowed.some(([f, t]) => f === from && t === to);
    expect(applyActionStatus(from, to)).toEqual(ok ? { ok: true, to } : { ok: false, reason: "INVALID_TRANSITION" });
  });
});

describe("suggestActions", () => {
  it.each<[string, SuggestionInput, PlanActionCode[]]>([
    ["nothing special: an interview", { signals: [], age: 14, inSchool: true }, ["SITUATION_INTERVIEW"]],
    [
      "orientation subie: psychologist and personal project",
      { signals: ["ORIENTATION_SUBIE"], age: 15, inSchool: true },
      ["SITUATION_INTERVIEW", "PSYEN_INTERVIEW", "PERSONAL_PROJECT"],
    ],
    ["exam failed: MOREA", { signals: ["EXAM_FAILED"], age: 18, inSchool: true }, ["SITUATION_INTERVIEW", "MOREA"]],
    ["falling grades: tutoring", { signals: ["FALLING_GRADES"], age: 13, inSchool: true }, ["SITUATION_INTERVIEW", "TUTORING"]],
    [
      "work not done and falling grades: tutoring once",
      { signals: ["WORK_NOT_DONE", "FALLING_GRADES"], age: 13, inSchool: true },
      ["SITUATION_INTERVIEW", "TUTORING"],
    ],
    ["16 and out of school: sas", { signals: [], age: 16, inSchool: false }, ["SITUATION_INTERVIEW", "REMOBILISATION_SAS"]],
    ["15 and out of school: no sas yet", { signals: [], age: 15, inSchool: false }, ["SITUATION_INTERVIEW"]],
    ["unknown age out of school: no sas", { signals: [], age: null, inSchool: false }, ["SITUATION_INTERVIEW"]],
    [
      "17 not assigned at the rentrée counts as out of school",
      { signals: ["NOT_ASSIGNED"], age: 17, inSchool: true },
      ["SITUATION_INTERVIEW", "PSYEN_INTERVIEW", "REMOBILISATION_SAS", "PERSONAL_PROJECT"],
    ],
    [
      "everything at once, in catalogue order",
      { signals: ["EXAM_FAILED", "NO_PLAN", "WORK_NOT_DONE", "LATENESS"], age: 19, inSchool: false },
      ["SITUATION_INTERVIEW", "PSYEN_INTERVIEW", "TUTORING", "REMOBILISATION_SAS", "MOREA", "PERSONAL_PROJECT"],
    ],
    ["attendance alone adds nothing", { signals: ["LATENESS", "UNJUSTIFIED_ABSENCES"], age: 15, inSchool: true }, ["SITUATION_INTERVIEW"]],
  ])("%s", (_, input, expected) => {
    expect(suggestActions(input)).toEqual(expected);
  });

  it("starts with the interview, repeats nothing and follows the catalogue", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<SignalCode>(...SIGNAL_CODES)),
        fc.option(fc.integer({ min: 10, max: 25 })),
        fc.boolean(),
        (signals, age, inSchool) => {
          const actions = suggestActions({ signals, age, inSchool });
          expect(actions[0]).toBe("SITUATION_INTERVIEW");
          expect(new Set(actions).size).toBe(actions.length);
          const positions = actions.map((a) => PLAN_ACTION_CODES.indexOf(a));
          expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        },
      ),
    );
  });
});
