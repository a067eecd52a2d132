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
  LEGACY_PLAN_ACTION_CODES,
  catalogueFor,
  isKnownPlanActionCode,
  mayValidateAction,
  ownerOfAction,
  partnersFor,
  planOwnerOf,
  validatorOf,
  type PlanActionCode,
  type PlanActionStatus,
  type PlanOwner,
  type SuggestionInput,
} from "../../src/domain/plan-catalogue.js";
import { SIGNAL_CODES, type SignalCode } from "../../src/domain/signals.js";

describe("catalogue", () => {
  it("lists the school measures and the MLDS modules once each", () => {
    expect(catalogueFor("SCHOOL", 15)).toEqual([
      "TUTORING",
      "PPRE",
      "TIMETABLE_ADJUSTMENT",
      "PUPIL_FAMILY_INTERVIEW",
      "PSYEN_FOLLOW_UP",
      "SOCIAL_WORKER_FOLLOW_UP",
      "NURSE_FOLLOW_UP",
      "EDUCATIONAL_COMMISSION",
      "ALLIANCE_EDUCATIVE",
      "MINI_STAGE",
      "PAFI",
    ]);
    expect(catalogueFor("MLDS", 17)).toEqual([
      "SITUATION_INTERVIEW",
      "SAS_WELCOME",
      "REMOBILISATION",
      "REMISE_A_NIVEAU",
      "INTERNSHIP",
      "MOREA",
      "MICRO_LYCEE",
      "EMPLOYMENT_SUPPORT",
      "PARTNER_REFERRAL",
    ]);
    expect(PLAN_ACTIONS).toHaveLength(new Set(PLAN_ACTION_CODES).size);
    expect(PLAN_ACTION_CODES.map(ownerOfAction).filter((o) => o === "SCHOOL")).toHaveLength(11);
  });

  it("offers the MLDS catalogue only once the case was referred to the MLDS", () => {
    expect(planOwnerOf({ escalatedToMlds: false })).toBe("SCHOOL");
    expect(planOwnerOf({ escalatedToMlds: true })).toBe("MLDS");
  });

  it("offers age-bound actions only within their ages", () => {
    expect(catalogueFor("MLDS", 15)).not.toContain("EMPLOYMENT_SUPPORT");
    expect(catalogueFor("MLDS", 16)).toContain("EMPLOYMENT_SUPPORT");
    expect(catalogueFor("MLDS", null)).not.toContain("EMPLOYMENT_SUPPORT");
  });

  it("offers EPIDE from 18 to 25 only, and the other partners within their ages", () => {
    expect(partnersFor(17)).toEqual(["MISSION_LOCALE", "CIO", "E2C", "SERVICE_CIVIQUE"]);
    expect(partnersFor(18)).toEqual(["MISSION_LOCALE", "CIO", "E2C", "EPIDE", "SERVICE_CIVIQUE"]);
    expect(partnersFor(25)).toContain("EPIDE");
    expect(partnersFor(26)).toEqual(["CIO"]);
    expect(partnersFor(15)).toEqual(["CIO"]);
  });

  it("keeps the codes of the former catalogue readable but never offers them", () => {
    for (const legacy of LEGACY_PLAN_ACTION_CODES) {
      expect(isKnownPlanActionCode(legacy)).toBe(true);
      expect(isPlanActionCode(legacy)).toBe(false);
      expect([...catalogueFor("SCHOOL", 17), ...catalogueFor("MLDS", 17)]).not.toContain(legacy);
    }
    expect(isPartner("PSAD")).toBe(false);
  });

  it("asks the IEN-IO of the case's bassin, and no one else, to validate a PAFI", () => {
    expect(validatorOf("PAFI")).toBe("IEN_IO");
    expect(validatorOf("TUTORING")).toBeNull();
    const c = { districtId: "nord" };
    expect(mayValidateAction({ role: "IEN_IO", districtId: "nord" }, { type: "PAFI" }, c)).toBe(true);
    expect(mayValidateAction({ role: "IEN_IO", districtId: "sud" }, { type: "PAFI" }, c)).toBe(false);
    expect(mayValidateAction({ role: "IEN_IO", districtId: null }, { type: "PAFI" }, c)).toBe(false);
    expect(mayValidateAction({ role: "COORDINATOR", districtId: "nord" }, { type: "PAFI" }, c)).toBe(false);
    expect(mayValidateAction({ role: "IEN_IO", districtId: "nord" }, { type: "TUTORING" }, c)).toBe(false);
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
    expect(PARTNERS).toEqual(["MISSION_LOCALE", "CIO", "E2C", "EPIDE", "SERVICE_CIVIQUE"]);
    expect(isPartner("E2C")).toBe(true);
    expect(isPartner("POLE_EMPLOI")).toBe(false);
  });

  it("lists the outcomes of the national follow-up of early school leavers; a move is no outcome", () => {
    expect(OUTCOMES).toEqual([
      "BACK_IN_TRAINING",
      "KEPT_IN_TRAINING",
      "APPRENTICESHIP",
      "VOCATIONAL_TRAINING",
      "EMPLOYMENT",
      "CIVIC_SERVICE",
      "DIPLOMA",
      "PARTNER_REFERRAL",
      "SUPPORT_REFUSED",
      "NO_SOLUTION",
      "LOST_CONTACT",
      "DISMISSED",
    ]);
    expect(closingOutcomeSchema.safeParse("MOVED_AWAY").success).toBe(false);
    expect(CLOSING_OUTCOMES).not.toContain("MOVED_AWAY");
  });

  it("keeps DISMISSED for « Clore : pas d'accompagnement nécessaire », out of the outcomes a closure may pick", () => {
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
    ["school, nothing special: an interview with the pupil and family", { signals: [], age: 14, inSchool: true }, ["PUPIL_FAMILY_INTERVIEW"]],
    ["school, orientation subie: the psy-EN", { signals: ["ORIENTATION_SUBIE"], age: 15, inSchool: true }, ["PUPIL_FAMILY_INTERVIEW", "PSYEN_FOLLOW_UP"]],
    ["school, falling grades: PPRE", { signals: ["FALLING_GRADES"], age: 13, inSchool: true }, ["PPRE", "PUPIL_FAMILY_INTERVIEW"]],
    ["school, learning difficulties: PPRE", { signals: ["LEARNING_DIFFICULTIES"], age: 13, inSchool: true }, ["PPRE", "PUPIL_FAMILY_INTERVIEW"]],
    [
      "school, work not done: tutoring and PPRE",
      { signals: ["WORK_NOT_DONE", "FALLING_GRADES"], age: 13, inSchool: true },
      ["TUTORING", "PPRE", "PUPIL_FAMILY_INTERVIEW"],
    ],
    [
      "school, asks to change course: mini-stage",
      { signals: ["WANTS_TO_CHANGE_COURSE"], age: 15, inSchool: true },
      ["PUPIL_FAMILY_INTERVIEW", "PSYEN_FOLLOW_UP", "MINI_STAGE"],
    ],
    ["MLDS, exam failed: MOREA", { signals: ["EXAM_FAILED"], age: 18, inSchool: true, owner: "MLDS" }, ["SITUATION_INTERVIEW", "MOREA"]],
    ["MLDS, 16 and out of school: sas", { signals: [], age: 16, inSchool: false, owner: "MLDS" }, ["SITUATION_INTERVIEW", "SAS_WELCOME"]],
    ["MLDS, 15 and out of school: no sas yet", { signals: [], age: 15, inSchool: false, owner: "MLDS" }, ["SITUATION_INTERVIEW"]],
    ["MLDS, unknown age out of school: no sas", { signals: [], age: null, inSchool: false, owner: "MLDS" }, ["SITUATION_INTERVIEW"]],
    [
      "MLDS, 17 who no longer comes counts as out of school",
      { signals: ["STOPPED_COMING"], age: 17, inSchool: true, owner: "MLDS" },
      ["SITUATION_INTERVIEW", "SAS_WELCOME"],
    ],
    [
      "MLDS, everything at once, in catalogue order",
      { signals: ["EXAM_FAILED", "NOT_ASSIGNED", "FALLING_GRADES"], age: 19, inSchool: true, owner: "MLDS" },
      ["SITUATION_INTERVIEW", "SAS_WELCOME", "REMISE_A_NIVEAU", "MOREA"],
    ],
  ])("%s", (_, input, expected) => {
    expect(suggestActions(input)).toEqual(expected);
  });

  it("suggests only from the plan owner's catalogue, repeats nothing and follows the catalogue", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<SignalCode>(...SIGNAL_CODES)),
        fc.option(fc.integer({ min: 10, max: 25 })),
        fc.boolean(),
        fc.constantFrom<PlanOwner>("SCHOOL", "MLDS"),
        (signals, age, inSchool, owner) => {
          const actions = suggestActions({ signals, age, inSchool, owner });
          expect(actions).toContain(owner === "SCHOOL" ? "PUPIL_FAMILY_INTERVIEW" : "SITUATION_INTERVIEW");
          for (const a of actions) expect(ownerOfAction(a)).toBe(owner);
          expect(new Set(actions).size).toBe(actions.length);
          const positions = actions.map((a) => PLAN_ACTION_CODES.indexOf(a));
          expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        },
      ),
    );
  });
});
