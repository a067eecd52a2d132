import { describe, expect, it } from "vitest";
import { digestDue, digestWeekOf, inHolidays, parseHolidays } from "../../src/domain/weekly-digest.js";

describe("when the weekly digest is due", () => {
  it("is due on Monday from 8:00 in Paris, in winter time (UTC+1)", () => {
    expect(digestDue(new Date("2026-11-30T06:59:59Z"))).toBeNull(); // 7:59:59
    expect(digestDue(new Date("2026-11-30T07:00:00Z"))?.weekStart).toBe("2026-11-30");
    expect(digestDue(new Date("2026-11-30T22:59:00Z"))?.weekStart).toBe("2026-11-30"); // 23:59
    expect(digestDue(new Date("2026-11-30T23:00:00Z"))).toBeNull(); // Tuesday 0:00
  });

  it("and in summer time (UTC+2)", () => {
    expect(digestDue(new Date("2027-06-07T05:59:00Z"))).toBeNull();
    expect(digestDue(new Date("2027-06-07T06:00:00Z"))?.weekStart).toBe("2027-06-07");
  });

  it("is not due on other days, whatever the hour", () => {
    for (const day of ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05", "2026-12-06"]) {
      expect(digestDue(new Date(`${day}T09:00:00Z`)), day).toBeNull();
    }
  });

  it("is skipped on a Monday within the school holidays", () => {
    const parsed = parseHolidays("2026-12-19..2027-01-03, 2027-02-06..2027-02-21");
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(digestDue(new Date("2026-12-21T08:00:00Z"), parsed.ranges)).toBeNull();
    expect(digestDue(new Date("2026-12-28T08:00:00Z"), parsed.ranges)).toBeNull();
    expect(digestDue(new Date("2027-01-04T08:00:00Z"), parsed.ranges)?.weekStart).toBe("2027-01-04");
    expect(digestDue(new Date("2026-12-14T08:00:00Z"), parsed.ranges)?.weekStart).toBe("2026-12-14");
  });

  it("names the week by its Monday and bounds last week and this week on Paris clocks", () => {
    const w = digestWeekOf(new Date("2026-12-03T15:00:00Z")); // a Thursday
    expect(w).toEqual({
      weekStart: "2026-11-30",
      lastWeekFrom: new Date("2026-11-22T23:00:00Z"),
      weekFrom: new Date("2026-11-29T23:00:00Z"),
      weekTo: new Date("2026-12-06T23:00:00Z"),
      sendAt: new Date("2026-11-30T07:00:00Z"),
    });
    // Across the change to summer time (28 March 2027): the week is still Monday to Monday.
    const spring = digestWeekOf(new Date("2027-03-29T10:00:00Z"));
    expect(spring.lastWeekFrom).toEqual(new Date("2027-03-21T23:00:00Z"));
    expect(spring.weekFrom).toEqual(new Date("2027-03-28T22:00:00Z"));
  });
});

describe("the holiday calendar", () => {
  it("reads ranges and single days, both ends included", () => {
    const r = parseHolidays("2026-10-17..2026-11-01;2026-11-11");
    expect(r).toEqual({
      ok: true,
      ranges: [
        { from: "2026-10-17", to: "2026-11-01" },
        { from: "2026-11-11", to: "2026-11-11" },
      ],
    });
    if (!r.ok) return;
    expect(inHolidays("2026-11-01", r.ranges)).toBe(true);
    expect(inHolidays("2026-11-02", r.ranges)).toBe(false);
    expect(inHolidays("2026-11-11", r.ranges)).toBe(true);
  });

  it("refuses what is not a calendar", () => {
    for (const text of ["2026-12-19..2026-12-01", "2026-02-30", "19/12/2026", "2026-12-19..2027-01-03..2027-01-04"]) {
      expect(parseHolidays(text).ok, text).toBe(false);
    }
    expect(parseHolidays("")).toEqual({ ok: true, ranges: [] });
  });
});
