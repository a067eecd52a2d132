import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anonymizedEventData, isRetentionOver, retentionCutoff, retentionLimit, startOfParisDay, type RetentionPolicy } from "../../src/domain/retention.js";
import { parisCalendarDate } from "../../src/domain/school-year.js";

const SCHOOL_YEAR: RetentionPolicy = { kind: "endOfSchoolYear" };

describe("retention limits", () => {
  it.each([
    // closed on, checked at, still kept?
    ["2026-03-10T10:00:00Z", "2026-08-31T21:59:59Z", true], // 23:59:59 on 31 August in Paris
    ["2026-03-10T10:00:00Z", "2026-08-31T22:00:00Z", false], // midnight: the new school year
    ["2026-08-31T21:00:00Z", "2026-08-31T21:59:00Z", true], // closed on the last evening of the year
    ["2026-08-31T22:30:00Z", "2027-08-31T21:00:00Z", true], // closed at 00:30 on 1 September: a whole year
    ["2026-08-31T22:30:00Z", "2027-08-31T22:00:00Z", false],
    ["2026-12-20T10:00:00Z", "2027-08-31T21:00:00Z", true], // winter time at closure, summer time at the limit
  ])("a case closed at %s is %s at %s", (closed, at, kept) => {
    expect(isRetentionOver(new Date(closed), new Date(at), SCHOOL_YEAR)).toBe(!kept);
  });

  it("keeps a case a number of days after its closure when RETENTION is a number of days", () => {
    const closed = new Date("2026-05-01T08:00:00Z");
    expect(retentionLimit(closed, { kind: "days", days: 30 })).toEqual(new Date("2026-05-31T08:00:00Z"));
    expect(isRetentionOver(closed, new Date("2026-05-31T08:00:00Z"), { kind: "days", days: 30 })).toBe(false);
    expect(isRetentionOver(closed, new Date("2026-05-31T08:00:00.001Z"), { kind: "days", days: 30 })).toBe(true);
  });

  const instant = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true });
  const policy = fc.oneof(
    fc.constant(SCHOOL_YEAR),
    fc.integer({ min: 1, max: 3650 }).map((days): RetentionPolicy => ({ kind: "days", days })),
  );

  it("agrees with the cutoff the database is asked with: due exactly when closed before it", () => {
    fc.assert(
      fc.property(instant, instant, policy, (closedAt, now, p) => {
        expect(isRetentionOver(closedAt, now, p)).toBe(closedAt.getTime() < retentionCutoff(now, p).getTime());
      }),
      { numRuns: 300 },
    );
  });

  it("never ends before the closure, and by default within the school year of the closure", () => {
    fc.assert(
      fc.property(instant, (closedAt) => {
        const limit = retentionLimit(closedAt, SCHOOL_YEAR);
        expect(limit.getTime()).toBeGreaterThan(closedAt.getTime());
        expect(limit.getTime() - closedAt.getTime()).toBeLessThanOrEqual(366 * 86_400_000);
        const end = parisCalendarDate(limit);
        expect([end.month, end.day]).toEqual([8, 31]);
      }),
      { numRuns: 200 },
    );
  });

  it("starts each Paris day at midnight, Paris time", () => {
    fc.assert(
      fc.property(instant, (now) => {
        const start = startOfParisDay(now);
        expect(start.getTime()).toBeLessThanOrEqual(now.getTime());
        expect(parisCalendarDate(start)).toEqual(parisCalendarDate(now));
        expect(parisCalendarDate(new Date(start.getTime() - 1))).not.toEqual(parisCalendarDate(now));
      }),
      { numRuns: 200 },
    );
  });
});

describe("anonymised event data", () => {
  it("drops every free text and keeps codes, statuses and ids", () => {
    expect(
      anonymizedEventData({
        from: "NEW",
        to: "CLOSED",
        reason: "Décès d'un parent",
        question: "?",
        answer: "!",
        comment: "c",
        objective: "o",
        description: "d",
        company: "Garage",
        type: "INTERNSHIP",
        assigneeId: "m-1",
        families: ["ATTENDANCE"],
      }),
    ).toEqual({
      from: "NEW",
      to: "CLOSED",
      type: "INTERNSHIP",
      assigneeId: "m-1",
      families: ["ATTENDANCE"],
    });
  });
});
