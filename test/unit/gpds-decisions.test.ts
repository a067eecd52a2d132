import { describe, expect, it } from "vitest";
import { GPDS_DECISIONS, decisionSetsReview, reviewDayAfterDecision, statusAfterDecision, summaryDue } from "../../src/domain/gpds.js";
import { CASE_STATUSES } from "../../src/domain/lifecycle.js";
import { atParis, schoolCalendar } from "../../src/domain/school-days.js";
import { parseHolidays } from "../../src/domain/weekly-digest.js";

const parsed = parseHolidays("2026-12-19..2027-01-03,2027-02-06..2027-02-21");
if (!parsed.ok) throw new Error(parsed.problem);
const calendar = schoolCalendar(parsed.ranges);

describe("GPDS decisions: what each does to a case", () => {
  // Rows: the case's status; columns: the decisions in GPDS_DECISIONS' order; "x": not applicable.
  const EXPECTED: Record<(typeof CASE_STATUSES)[number], string[]> = {
    //               SCHOOL_MEASURES  REFER_TO_MLDS     KEEP_WATCHING    CLOSE_NO_SUPPORT POSTPONE
    NEW: ["PLAN_ACTIVE", "NEW", "ACKNOWLEDGED", "CLOSED", "NEW"],
    ACKNOWLEDGED: ["PLAN_ACTIVE", "ACKNOWLEDGED", "ACKNOWLEDGED", "CLOSED", "ACKNOWLEDGED"],
    INFO_REQUESTED: ["PLAN_ACTIVE", "INFO_REQUESTED", "ACKNOWLEDGED", "CLOSED", "INFO_REQUESTED"],
    PLAN_ACTIVE: ["PLAN_ACTIVE", "PLAN_ACTIVE", "PLAN_ACTIVE", "CLOSED", "PLAN_ACTIVE"],
    // A review due: measures again put the plan back in force; keeping watch leaves the review to do.
    REVIEW_DUE: ["PLAN_ACTIVE", "REVIEW_DUE", "REVIEW_DUE", "CLOSED", "REVIEW_DUE"],
    CLOSED: ["x", "x", "x", "x", "x"],
  };
  it.each(CASE_STATUSES.flatMap((s) => GPDS_DECISIONS.map((d, i) => [s, d, i] as const)))("%s + %s", (status, decision, i) => {
    const expected = EXPECTED[status][i]!;
    expect(statusAfterDecision(decision, status)).toBe(expected === "x" ? null : expected);
  });

  it("sets a review for school measures and keeping watch only", () => {
    expect(GPDS_DECISIONS.filter(decisionSetsReview)).toEqual(["SCHOOL_MEASURES", "KEEP_WATCHING"]);
  });
});

describe("the review date of a decision: the next GPDS, on a school day", () => {
  it("takes the next meeting day", () => {
    expect(reviewDayAfterDecision("2027-01-26", "2027-02-09", calendar)).toBe("2027-01-26");
  });
  it("moves a next meeting that falls in the holidays (the calendar changed since) to the first school day", () => {
    expect(reviewDayAfterDecision("2027-02-09", "2027-03-01", calendar)).toBe("2027-02-22");
  });
  it("falls back to the usual default without a next meeting", () => {
    expect(reviewDayAfterDecision(null, "2027-02-09", calendar)).toBe("2027-02-09");
  });
});

describe("the séance closes by itself from the day after the meeting (Paris)", () => {
  it.each([
    [atParis("2027-01-12", 23, 59), false],
    [atParis("2027-01-13", 0, 0), true],
    [atParis("2027-01-11", 12), false],
  ])("at %s: %s", (now, due) => {
    expect(summaryDue("2027-01-12", now)).toBe(due);
  });
});
