import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { addSchoolDays, nextAugust31After, parisCalendarDate, schoolDaysBetween, schoolYearOf } from "../../src/domain/school-year.js";

/** Paris weekday (0 = Sunday) and wall-clock time, computed independently of the module. */
function parisView(date: Date): { weekday: string; time: string } {
  const weekday = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", weekday: "short" }).format(date);
  const time = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/Paris",
    hourCycle: "h23",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).format(date);
  return { weekday, time };
}

const someInstant = fc.date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2035-12-31T00:00:00Z"), noInvalidDate: true });

describe("schoolYearOf", () => {
  it.each([
    ["2026-11-28T10:00:00Z", "2026-2027"],
    ["2027-01-01T10:00:00Z", "2026-2027"],
    ["2027-06-30T10:00:00Z", "2026-2027"],
    ["2026-08-31T12:00:00Z", "2025-2026"],
    ["2026-08-31T21:59:59Z", "2025-2026"], // 23:59:59 in Paris
    ["2026-08-31T22:00:00Z", "2026-2027"], // midnight, 1 September in Paris
    ["2026-09-01T00:00:00Z", "2026-2027"],
  ])("%s is in %s", (iso, label) => {
    const year = schoolYearOf(new Date(iso));
    expect(year.label).toBe(label);
    expect(year.end).toBe(year.start + 1);
    expect(label).toBe(`${year.start}-${year.end}`);
  });
});

describe("parisCalendarDate", () => {
  it.each([
    ["2026-11-28T23:30:00Z", { year: 2026, month: 11, day: 29 }],
    ["2026-12-31T23:00:00Z", { year: 2027, month: 1, day: 1 }],
    ["2026-07-14T21:59:00Z", { year: 2026, month: 7, day: 14 }],
  ])("%s -> %j", (iso, expected) => {
    expect(parisCalendarDate(new Date(iso))).toEqual(expected);
  });
});

describe("nextAugust31After", () => {
  it.each([
    ["2026-11-28T10:00:00Z", "2027-08-31T21:59:59.999Z"],
    ["2027-03-01T10:00:00Z", "2027-08-31T21:59:59.999Z"],
    ["2026-08-31T10:00:00Z", "2026-08-31T21:59:59.999Z"],
    ["2026-08-31T22:30:00Z", "2027-08-31T21:59:59.999Z"], // already 1 September in Paris
  ])("%s -> %s", (iso, expected) => {
    expect(nextAugust31After(new Date(iso)).toISOString()).toBe(expected);
  });

  it("is the last moment of 31 August in Paris, after the date and within a year", () => {
    fc.assert(
      fc.property(someInstant, (date) => {
        const limit = nextAugust31After(date);
        expect(limit.getTime()).toBeGreaterThan(date.getTime());
        expect(limit.getTime() - date.getTime()).toBeLessThanOrEqual(366 * 86_400_000);
        expect(parisCalendarDate(limit)).toMatchObject({ month: 8, day: 31 });
        expect(parisCalendarDate(new Date(limit.getTime() + 1))).toMatchObject({ month: 9, day: 1 });
      }),
    );
  });
});

describe("addSchoolDays", () => {
  it.each([
    ["Friday + 1 is Monday", "2026-11-27T09:00:00Z", 1, "2026-11-30T09:00:00Z"],
    ["Tuesday + 1 is Wednesday (Wednesday counts)", "2026-11-24T09:00:00Z", 1, "2026-11-25T09:00:00Z"],
    ["Monday + 5 is the next Monday", "2026-11-23T09:00:00Z", 5, "2026-11-30T09:00:00Z"],
    ["Monday + 10 is two weeks later", "2026-11-23T09:00:00Z", 10, "2026-12-07T09:00:00Z"],
    ["Saturday + 1 is Monday", "2026-11-28T09:00:00Z", 1, "2026-11-30T09:00:00Z"],
    ["Sunday + 1 is Monday", "2026-11-29T09:00:00Z", 1, "2026-11-30T09:00:00Z"],
    ["+ 0 leaves the date alone, even on a Saturday", "2026-11-28T09:00:00Z", 0, "2026-11-28T09:00:00Z"],
    ["Monday - 1 is Friday", "2026-11-30T09:00:00Z", -1, "2026-11-27T09:00:00Z"],
    ["Sunday - 1 is Friday", "2026-11-29T09:00:00Z", -1, "2026-11-27T09:00:00Z"],
    // 10:00 in Paris before and after the October clock change (UTC+2 then UTC+1).
    ["keeps Paris time across the end of summer time", "2026-10-23T08:00:00Z", 1, "2026-10-26T09:00:00Z"],
    ["keeps Paris time across the start of summer time", "2026-03-27T09:00:00Z", 1, "2026-03-30T08:00:00Z"],
    // 00:30 on Saturday in Paris is still Friday in UTC.
    ["uses the Paris day, not the UTC day", "2026-11-27T23:30:00Z", 1, "2026-11-29T23:30:00Z"],
  ])("%s", (_, from, n, expected) => {
    expect(addSchoolDays(new Date(from), n).toISOString()).toBe(new Date(expected).toISOString());
  });

  it("refuses fractions of a day", () => {
    expect(() => addSchoolDays(new Date(), 1.5)).toThrow(RangeError);
  });

  it("lands on a weekday at the same Paris time", () => {
    fc.assert(
      fc.property(
        someInstant,
        fc.integer({ min: -400, max: 400 }).filter((n) => n !== 0),
        (date, n) => {
          const result = addSchoolDays(date, n);
          expect(["Sat", "Sun"]).not.toContain(parisView(result).weekday);
          // Except in the hour that does not exist on the day of the spring change, which is a Sunday.
          expect(parisView(result).time).toBe(parisView(date).time);
        },
      ),
    );
  });
});

describe("schoolDaysBetween", () => {
  it.each([
    ["Friday to Monday", "2026-11-27T09:00:00Z", "2026-11-30T09:00:00Z", 1],
    ["Monday to next Monday", "2026-11-23T09:00:00Z", "2026-11-30T09:00:00Z", 5],
    ["same day", "2026-11-23T08:00:00Z", "2026-11-23T18:00:00Z", 0],
    ["Saturday to Sunday", "2026-11-28T09:00:00Z", "2026-11-29T09:00:00Z", 0],
    ["Monday to Friday", "2026-11-23T09:00:00Z", "2026-11-27T09:00:00Z", 4],
    ["backwards is negative", "2026-11-30T09:00:00Z", "2026-11-27T09:00:00Z", -1],
    ["a school year (Sept 1 to June 30)", "2026-09-01T08:00:00Z", "2027-06-30T08:00:00Z", 216],
  ])("%s", (_, a, b, expected) => {
    expect(schoolDaysBetween(new Date(a), new Date(b))).toBe(expected);
  });

  it("undoes addSchoolDays going forward", () => {
    fc.assert(
      fc.property(someInstant, fc.integer({ min: 0, max: 800 }), (date, n) => {
        expect(schoolDaysBetween(date, addSchoolDays(date, n))).toBe(n);
      }),
    );
  });

  it("undoes addSchoolDays going back from a school day", () => {
    const onSchoolDay = someInstant.filter((d) => !["Sat", "Sun"].includes(parisView(d).weekday));
    fc.assert(
      fc.property(onSchoolDay, fc.integer({ min: -800, max: 0 }), (date, n) => {
        expect(schoolDaysBetween(date, addSchoolDays(date, n))).toBe(n);
      }),
    );
  });

  it("one school day before a weekend is the Friday", () => {
    const saturday = new Date("2026-11-28T09:00:00Z");
    expect(addSchoolDays(saturday, -1).toISOString()).toBe("2026-11-27T09:00:00.000Z");
    expect(schoolDaysBetween(saturday, addSchoolDays(saturday, -1))).toBe(0);
  });

  it("is antisymmetric and adds up", () => {
    fc.assert(
      fc.property(someInstant, someInstant, someInstant, (a, b, c) => {
        expect(schoolDaysBetween(a, b) + schoolDaysBetween(b, a)).toBe(0);
        expect(schoolDaysBetween(a, b) + schoolDaysBetween(b, c)).toBe(schoolDaysBetween(a, c));
      }),
    );
  });
});
