import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { latenessOf, newCaseLateBefore } from "../../src/domain/case-queries.js";
import {
  addSchoolDaysTo,
  defaultReviewDate,
  noSchoolReason,
  parisDay,
  publicHolidays,
  reviewLateBefore,
  schoolCalendar,
  schoolDayOnOrAfter,
  schoolDaysBetween,
  atParis,
} from "../../src/domain/school-days.js";
import { parseHolidays } from "../../src/domain/weekly-digest.js";
import { parisTime } from "../../src/domain/school-year.js";

// The 2026-2027 school year as an académie of zone A would configure it (SCHOOL_HOLIDAYS): Toussaint,
// Noël, winter, spring, and the « pont de l'Ascension » (the Friday after Ascension, no classes).
const parsed = parseHolidays("2026-10-17..2026-11-01,2026-12-19..2027-01-03,2027-02-06..2027-02-21,2027-04-03..2027-04-18,2027-05-07");
if (!parsed.ok) throw new Error(parsed.problem);
const calendar = schoolCalendar(parsed.ranges);
const noHolidays = schoolCalendar();

describe("French public holidays (from @socialgouv/jours-feries)", () => {
  it("knows the fixed and the moving holidays of 2026-2027, without those of Alsace-Moselle", () => {
    const autumn = publicHolidays(2026);
    expect(autumn.get("2026-11-01")).toBe("Toussaint");
    expect(autumn.get("2026-11-11")).toBe("Armistice");
    expect(autumn.get("2026-12-25")).toBe("Noël");
    expect(autumn.has("2026-12-26")).toBe(false); // Saint Étienne: Alsace-Moselle only
    const spring = publicHolidays(2027);
    expect(spring.get("2027-01-01")).toBe("Jour de l'an");
    expect(spring.get("2027-03-29")).toBe("Lundi de Pâques"); // Easter is 28 March 2027
    expect(spring.get("2027-05-06")).toBe("Ascension");
    expect(spring.get("2027-05-17")).toBe("Lundi de Pentecôte");
    expect(spring.get("2027-05-08")).toBe("Victoire des alliés");
    expect(spring.get("2027-07-14")).toBe("Fête Nationale");
    expect(spring.has("2027-03-26")).toBe(false); // Vendredi Saint: Alsace-Moselle only
    expect(spring.size).toBe(11);
  });
});

describe("school days", () => {
  it.each([
    ["2026-11-11", "PUBLIC_HOLIDAY"], // 11 novembre, a Wednesday
    ["2026-11-07", "WEEKEND"],
    ["2026-10-21", "SCHOOL_HOLIDAYS"], // Toussaint holidays
    ["2026-12-21", "SCHOOL_HOLIDAYS"], // Noël holidays
    ["2027-03-29", "PUBLIC_HOLIDAY"], // lundi de Pâques, outside the spring holidays
    ["2027-05-06", "PUBLIC_HOLIDAY"], // Ascension
    ["2027-05-07", "SCHOOL_HOLIDAYS"], // pont de l'Ascension, configured as a single day
    ["2027-05-17", "PUBLIC_HOLIDAY"], // lundi de Pentecôte
    ["2026-11-02", null], // back after Toussaint
    ["2027-01-04", null], // back after Noël
    ["2027-05-18", null],
  ] as const)("%s: %s", (day, reason) => {
    expect(noSchoolReason(day, calendar)).toBe(reason);
  });

  it("knows public holidays even without configured school holidays", () => {
    expect(noSchoolReason("2026-11-11", noHolidays)).toBe("PUBLIC_HOLIDAY");
    expect(noSchoolReason("2026-10-21", noHolidays)).toBeNull();
  });

  it.each([
    ["2026-11-10", 1, "2026-11-12"], // over the 11 novembre
    ["2026-10-16", 1, "2026-11-02"], // over the Toussaint holidays
    ["2026-12-18", 2, "2027-01-05"], // Friday before Noël: two school days later is back in January
    ["2027-05-05", 1, "2027-05-10"], // over Ascension and its pont
    ["2027-05-14", 1, "2027-05-18"], // over the lundi de Pentecôte
    ["2027-03-30", -1, "2027-03-26"], // back over the lundi de Pâques
    ["2027-01-05", -2, "2026-12-18"], // back over Noël
    ["2026-11-07", 1, "2026-11-09"], // from a Saturday, the next school day
  ] as const)("%s moved by %i school days is %s", (from, n, expected) => {
    expect(addSchoolDaysTo(from, n, calendar)).toBe(expected);
  });

  it("counts the school days between two instants, holidays left out", () => {
    // Friday 18 December 2026 to Tuesday 5 January 2027: Monday 4 and Tuesday 5.
    expect(schoolDaysBetween(parisTime(2026, 12, 18, 10), parisTime(2027, 1, 5, 10), calendar)).toBe(2);
    expect(schoolDaysBetween(parisTime(2027, 1, 5, 10), parisTime(2026, 12, 18, 10), calendar)).toBe(-2);
    // Week of the 11 novembre: four school days from Monday to the next Monday.
    expect(schoolDaysBetween(parisTime(2026, 11, 9), parisTime(2026, 11, 16), calendar)).toBe(4);
  });

  it("lands on a school day, and counts back to where it started", () => {
    const day = fc.integer({ min: 0, max: 2 * 365 }).map((n) => parisDay(new Date(Date.UTC(2026, 8, 1) + n * 86_400_000)));
    fc.assert(
      fc.property(day, fc.integer({ min: 1, max: 40 }), (from, n) => {
        const to = addSchoolDaysTo(from, n, calendar);
        expect(noSchoolReason(to, calendar)).toBeNull();
        expect(schoolDaysBetween(atParis(from, 12), atParis(to, 12), calendar)).toBe(n);
      }),
    );
  });
});

describe("default review dates", () => {
  it.each([
    ["four weeks from Monday 23 November 2026 fall in the Noël holidays", parisTime(2026, 11, 23, 15), "2027-01-04"],
    ["four weeks from Monday 19 April 2027 fall on the lundi de Pentecôte", parisTime(2027, 4, 19, 9), "2027-05-18"],
    ["four weeks from Thursday 8 April 2027 fall on the Ascension", parisTime(2027, 4, 8, 9), "2027-05-10"],
    ["four weeks from Monday 7 December 2026 fall on Monday 4 January", parisTime(2026, 12, 7, 9), "2027-01-04"],
    ["four weeks from Tuesday 1 June 2027 fall on a school day", parisTime(2027, 6, 1, 9), "2027-06-29"],
  ])("%s: %s", (_what, now, expected) => {
    const review = defaultReviewDate(now, 28, calendar);
    expect(parisDay(review)).toBe(expected);
    expect(review.toISOString()).toBe(atParis(expected).toISOString()); // midnight, Paris
  });

  it("never falls on a day without school", () => {
    const now = fc.date({ min: new Date("2026-09-01T00:00:00Z"), max: new Date("2027-07-01T00:00:00Z"), noInvalidDate: true });
    fc.assert(
      fc.property(now, fc.integer({ min: 0, max: 60 }), (at, days) => {
        expect(noSchoolReason(parisDay(defaultReviewDate(at, days, calendar)), calendar)).toBeNull();
      }),
    );
  });

  it("moves to the first school day on or after a day", () => {
    expect(schoolDayOnOrAfter("2026-11-11", calendar)).toBe("2026-11-12");
    expect(schoolDayOnOrAfter("2026-11-12", calendar)).toBe("2026-11-12");
  });
});

describe("« en retard » in school days", () => {
  it("gives a new case two school days, holidays and public holidays left out", () => {
    // Reported Tuesday 10 November 2026 at 9:00: the 11 novembre does not count, so it is late on
    // Friday 13 from 9:00, not on Thursday.
    const createdAt = parisTime(2026, 11, 10, 9);
    const late = (now: Date) => latenessOf({ status: "NEW", createdAt, nextReviewAt: null }, now, calendar);
    expect(late(parisTime(2026, 11, 12, 10))).toBeNull();
    expect(late(parisTime(2026, 11, 13, 8, 59))).toBeNull();
    expect(late(parisTime(2026, 11, 13, 9, 1))).toBe("NOT_TAKEN_IN_CHARGE");
    // Reported on the last Friday before Noël: not late during the holidays, late on 6 January.
    const beforeNoel = parisTime(2026, 12, 18, 11);
    expect(beforeNoel.getTime() < newCaseLateBefore(parisTime(2027, 1, 2, 12), calendar).getTime()).toBe(false);
    expect(beforeNoel.getTime() < newCaseLateBefore(parisTime(2027, 1, 5, 10), calendar).getTime()).toBe(false);
    expect(beforeNoel.getTime() < newCaseLateBefore(parisTime(2027, 1, 5, 12), calendar).getTime()).toBe(true);
  });

  it("makes a review due on a day without school late only from the next school day", () => {
    const createdAt = parisTime(2026, 9, 7, 9);
    const dueInHolidays = atParis("2026-10-22"); // Thursday of the Toussaint holidays
    const late = (now: Date) => latenessOf({ status: "PLAN_ACTIVE", createdAt, nextReviewAt: dueInHolidays }, now, calendar);
    expect(late(parisTime(2026, 10, 23, 10))).toBeNull();
    expect(late(parisTime(2026, 11, 1, 10))).toBeNull(); // Toussaint, a Sunday
    expect(late(parisTime(2026, 11, 2, 8))).toBe("REVIEW_PASSED"); // back at school
    // A review due on a school day is late once its date has passed, as before.
    const due = parisTime(2026, 11, 12, 9);
    expect(latenessOf({ status: "PLAN_ACTIVE", createdAt, nextReviewAt: due }, parisTime(2026, 11, 12, 8), calendar)).toBeNull();
    expect(latenessOf({ status: "PLAN_ACTIVE", createdAt, nextReviewAt: due }, parisTime(2026, 11, 12, 10), calendar)).toBe("REVIEW_PASSED");
    // On the Saturday after, a review of Friday is late, one of Saturday is not yet.
    expect(reviewLateBefore(parisTime(2026, 11, 14, 10), calendar).toISOString()).toBe(atParis("2026-11-14").toISOString());
  });
});
