import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nameKey } from "../../src/domain/text.js";
import {
  isVisible,
  isWaitingFor,
  latenessOf,
  mldsAgeLimit,
  nameSearchTokens,
  newCaseLateBefore,
  reachesMldsAge,
  visibilityOf,
  type VisibleCase,
} from "../../src/domain/case-queries.js";
import { OPERATIONS, can, type Actor } from "../../src/domain/permissions.js";
import { ROLES } from "../../src/domain/roles.js";
import { MLDS_MIN_AGE, ageOn } from "../../src/domain/routing.js";
import { parisTime } from "../../src/domain/school-year.js";

// The chat queries filter cases in SQL from `visibilityOf`; these properties keep it equal to `can()`.

const members = ["m1", "m2", "m3"];
const schools = ["S1", "S2", "S3"];
const districts = ["D1", "D2"];

const actorArb: fc.Arbitrary<Actor> = fc.record(
  {
    memberId: fc.constantFrom(...members),
    role: fc.constantFrom(...ROLES),
    schoolIds: fc.subarray(schools),
    districtId: fc.option(fc.constantFrom(...districts), { nil: null }),
    holdsCases: fc.boolean(),
  },
  { requiredKeys: ["memberId", "role", "schoolIds", "districtId"] },
);

const dateArb = (from: string, to: string) => fc.date({ min: new Date(from), max: new Date(to), noInvalidDate: true });

const birthArb = fc.record({
  schoolId: fc.constantFrom(...schools),
  districtId: fc.constantFrom(...districts),
  reporterIds: fc.subarray(members),
  assigneeId: fc.option(fc.constantFrom(...members), { nil: null }),
  escalatedToMlds: fc.boolean(),
  birthYear: fc.integer({ min: 2000, max: 2020 }),
  // Birth dates are calendar dates, stored at UTC midnight.
  birthDate: fc.option(
    fc.integer({ min: Date.UTC(2000, 0, 1) / 86_400_000, max: Date.UTC(2020, 11, 31) / 86_400_000 }).map((d) => new Date(d * 86_400_000)),
    { nil: null },
  ),
});

const caseArb: fc.Arbitrary<VisibleCase> = fc.record({
  schoolId: fc.constantFrom(...schools),
  districtId: fc.constantFrom(...districts),
  reporterIds: fc.subarray(members),
  assigneeId: fc.option(fc.constantFrom(...members), { nil: null }),
  escalatedToMlds: fc.boolean(),
  ageAtReport: fc.option(fc.integer({ min: 10, max: 25 }), { nil: null }),
});

/** Recording the family is done on one case, never asked of a list: its rule for coordinators
 *  (only once the GPDS has referred the case) is checked per case by can(), not by visibility. */
const LISTED_OPERATIONS = OPERATIONS.filter((op) => op !== "RECORD_FAMILY");

describe("visibilityOf", () => {
  it("says of every case what can() says, for every role and operation", () => {
    fc.assert(
      fc.property(actorArb, caseArb, fc.constantFrom(...LISTED_OPERATIONS), dateArb("2020-01-01", "2036-12-31"), (actor, c, op, now) => {
        // Who holds no case holds this one neither.
        fc.pre(!(actor.holdsCases === false && c.assigneeId === actor.memberId));
        // Urgent: whether a coordinator may act before the GPDS decides is not a matter of
        // visibility (the à traiter list applies it: store/case-queries.ts waitingFor).
        const allowed = can(actor, op, { ...c, pupilAge: c.ageAtReport, urgency: 3 });
        const v = visibilityOf(actor, op, now);
        expect(v === null ? false : isVisible(v, c)).toBe(allowed);
      }),
      { numRuns: 5000 },
    );
  });

  it("looks for the cases assigned to a member unless they are known to hold none", () => {
    const teacher = { memberId: "t", role: "STAFF", schoolIds: ["S1"], districtId: null } as const;
    expect(visibilityOf({ ...teacher, schoolIds: [...teacher.schoolIds] }, "VIEW_STATUS", new Date())?.alsoAssignedTo).toBe("t");
    expect(visibilityOf({ ...teacher, schoolIds: [], holdsCases: true }, "VIEW_STATUS", new Date())?.alsoAssignedTo).toBe("t");
    expect(visibilityOf({ ...teacher, schoolIds: [], holdsCases: false }, "VIEW_STATUS", new Date())?.alsoAssignedTo).toBeNull();
  });

  it("is null for what a role never may do", () => {
    expect(visibilityOf({ memberId: "a", role: "ADMIN", schoolIds: [], districtId: null }, "VIEW_DETAILS", new Date())).toBeNull();
    expect(visibilityOf({ memberId: "t", role: "STAFF", schoolIds: ["S1"], districtId: null }, "TRIAGE", new Date())).toBeNull();
  });
});

describe("the MLDS age limit", () => {
  it("agrees with ageOn for birth dates and birth years, 29 February included", () => {
    fc.assert(
      fc.property(birthArb, dateArb("2020-01-01", "2120-12-31"), (c, now) => {
        expect(reachesMldsAge(c.birthYear, c.birthDate, mldsAgeLimit(now))).toBe(ageOn(c.birthYear, c.birthDate, now) >= MLDS_MIN_AGE);
      }),
      { numRuns: 5000 },
    );
    const leapBirth = new Date(Date.UTC(2012, 1, 29));
    for (const [day, expected] of [
      [parisTime(2028, 2, 28, 12), false],
      [parisTime(2028, 2, 29, 12), true],
    ] as const) {
      expect(reachesMldsAge(2012, leapBirth, mldsAgeLimit(day))).toBe(expected);
    }
  });

  it("reads the day on Paris clocks", () => {
    // 31 December 2025 at 23:30 UTC is already 1 January 2026 in Paris.
    expect(mldsAgeLimit(new Date("2025-12-31T23:30:00Z"))).toEqual({ bornOnOrBefore: "2010-01-01", birthYearAtMost: 2010 });
    // A date PostgreSQL accepts even when 16 years before was no leap year (2100 is not one).
    expect(mldsAgeLimit(parisTime(2116, 2, 29, 12))).toEqual({ bornOnOrBefore: "2100-02-28", birthYearAtMost: 2100 });
  });
});

describe("à traiter and en retard", () => {
  it("waits for the triager on new, information and review cases, and on taken cases held by them or nobody", () => {
    expect(isWaitingFor("me", { status: "NEW", assigneeId: "other" })).toBe(true);
    expect(isWaitingFor("me", { status: "INFO_REQUESTED", assigneeId: "other" })).toBe(true);
    expect(isWaitingFor("me", { status: "REVIEW_DUE", assigneeId: null })).toBe(true);
    expect(isWaitingFor("me", { status: "ACKNOWLEDGED", assigneeId: null })).toBe(true);
    expect(isWaitingFor("me", { status: "ACKNOWLEDGED", assigneeId: "me" })).toBe(true);
    expect(isWaitingFor("me", { status: "ACKNOWLEDGED", assigneeId: "other" })).toBe(false);
    expect(isWaitingFor("me", { status: "PLAN_ACTIVE", assigneeId: "me" })).toBe(false);
    expect(isWaitingFor("me", { status: "CLOSED", assigneeId: null })).toBe(false);
  });

  it.each([
    ["Wednesday 9:00, reported Monday 9:00", parisTime(2026, 3, 4, 9, 1), parisTime(2026, 3, 2, 9), true],
    ["Wednesday 8:59, reported Monday 9:00", parisTime(2026, 3, 4, 8, 59), parisTime(2026, 3, 2, 9), false],
    ["Monday noon, reported Friday 9:00 (a weekend between)", parisTime(2026, 3, 9, 12), parisTime(2026, 3, 6, 9), false],
    ["Tuesday 9:01, reported Friday 9:00", parisTime(2026, 3, 10, 9, 1), parisTime(2026, 3, 6, 9), true],
  ])("a new case on %s: late %s", (_what, now, createdAt, late) => {
    expect(createdAt.getTime() < newCaseLateBefore(now).getTime()).toBe(late);
    expect(latenessOf({ status: "NEW", createdAt, nextReviewAt: null }, now)).toBe(late ? "NOT_TAKEN_IN_CHARGE" : null);
    expect(latenessOf({ status: "ACKNOWLEDGED", createdAt, nextReviewAt: null }, now)).toBeNull();
  });

  it("is late once the review date has passed, unless the case is closed", () => {
    const now = parisTime(2026, 3, 10, 9);
    const createdAt = parisTime(2026, 1, 5, 9);
    expect(latenessOf({ status: "PLAN_ACTIVE", createdAt, nextReviewAt: parisTime(2026, 3, 9, 9) }, now)).toBe("REVIEW_PASSED");
    expect(latenessOf({ status: "REVIEW_DUE", createdAt, nextReviewAt: parisTime(2026, 3, 9, 9) }, now)).toBe("REVIEW_PASSED");
    expect(latenessOf({ status: "PLAN_ACTIVE", createdAt, nextReviewAt: parisTime(2026, 3, 11, 9) }, now)).toBeNull();
    expect(latenessOf({ status: "CLOSED", createdAt, nextReviewAt: parisTime(2026, 3, 9, 9) }, now)).toBeNull();
  });
});

describe("nameSearchTokens", () => {
  it.each([
    ["Dupont", ["dupont"]],
    ["Léa DUPONT", ["lea", "dupont"]],
    ["  L. Dupont ", ["l", "dupont"]],
    ["Dupont-Martin", ["dupont", "martin"]],
    ["d’Artagnan", ["dartagnan"]],
    ["Cœur Zoé", ["coeur", "zoe"]],
    ["Dupont dupont", ["dupont"]],
    ["- ' .", []],
    ["a b c d e f g", ["a", "b", "c", "d", "e"]],
  ])("%s -> %j", (name, tokens) => {
    expect(nameSearchTokens(name)).toEqual(tokens);
  });

  it("every token of a name appears in the name's key", () => {
    expect(nameSearchTokens("Léa Dupont").every((t) => "dupont lea".includes(t))).toBe(true);
    for (const typed of ["Moreau-Lefèvre", "Moreau Lefèvre", "Zoé Moreau-Lefèvre"]) {
      expect(
        nameSearchTokens(typed).every((t) => nameKey("Moreau-Lefèvre", "Zoé").includes(t)),
        typed,
      ).toBe(true);
    }
  });
});
