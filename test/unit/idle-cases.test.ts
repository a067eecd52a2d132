import { describe, expect, it } from "vitest";
import { CLOSURE_NOTICE_DAYS, closureReason, idleSince, noticeOver, pastMldsAge, reopenableByReport } from "../../src/domain/idle-cases.js";

/** Issue 26: open cases end too. The rules the daily job applies, and the year within which a new
 *  report may reopen a closed case. */

const at = (iso: string) => new Date(iso);
const now = at("2027-06-15T08:00:00Z");

describe("idle open cases", () => {
  it("counts months as calendar months, never past the end of a short month", () => {
    expect(idleSince(now, 6).toISOString()).toBe("2026-12-15T08:00:00.000Z");
    expect(idleSince(at("2027-08-31T10:00:00Z"), 6).toISOString()).toBe("2027-02-28T10:00:00.000Z");
    expect(idleSince(at("2027-03-10T10:00:00Z"), 12).toISOString()).toBe("2026-03-10T10:00:00.000Z");
  });

  it("proposes a case untouched for 6 months, not one touched the day after", () => {
    const pupil = { birthYear: 2010, birthDate: at("2010-05-01T00:00:00Z"), anonymized: false };
    expect(closureReason({ ...pupil, lastActivityAt: at("2026-12-15T07:59:00Z") }, now, 6)).toBe("IDLE");
    expect(closureReason({ ...pupil, lastActivityAt: at("2026-12-16T08:00:00Z") }, now, 6)).toBeNull();
    // The configured period is honoured (IDLE_CASE_MONTHS).
    expect(closureReason({ ...pupil, lastActivityAt: at("2026-12-16T08:00:00Z") }, now, 3)).toBe("IDLE");
  });

  it("proposes the case of a young person past 25 whatever its activity, from the day after their 26th birthday", () => {
    const active = { lastActivityAt: now, anonymized: false };
    expect(closureReason({ ...active, birthYear: 2001, birthDate: at("2001-06-15T00:00:00Z") }, now)).toBe("AGE");
    expect(closureReason({ ...active, birthYear: 2001, birthDate: at("2001-06-16T00:00:00Z") }, now)).toBeNull();
    expect(pastMldsAge(2002, at("2002-01-01T00:00:00Z"), now)).toBe(false);
  });

  it("« Garder ouvert » on a young person past 25 holds for the same period as activity", () => {
    const c = { lastActivityAt: at("2027-05-01T00:00:00Z"), birthYear: 2000, birthDate: at("2000-01-01T00:00:00Z"), anonymized: false };
    expect(closureReason({ ...c, keptOpenAt: at("2027-05-01T00:00:00Z") }, now)).toBeNull();
    expect(closureReason({ ...c, keptOpenAt: at("2026-11-01T00:00:00Z") }, now)).toBe("AGE");
  });

  it("with only a birth year, waits until even a 31 December birthday is past 25", () => {
    expect(pastMldsAge(2001, null, now)).toBe(false);
    expect(pastMldsAge(2000, null, now)).toBe(true);
  });

  it("never proposes a case whose pupil is no longer named", () => {
    expect(closureReason({ lastActivityAt: at("2020-01-01T00:00:00Z"), birthYear: 1990, birthDate: null, anonymized: true }, now)).toBeNull();
  });

  it("closes after the notice of 30 days, not a minute before", () => {
    expect(CLOSURE_NOTICE_DAYS).toBe(30);
    const proposed = at("2027-05-16T08:00:00Z");
    expect(noticeOver(proposed, at("2027-06-15T07:59:00Z"))).toBe(false);
    expect(noticeOver(proposed, at("2027-06-15T08:00:00Z"))).toBe(true);
  });
});

describe("reopening by a new report", () => {
  it("within a year of the closure, while the case still names the pupil", () => {
    expect(reopenableByReport({ closedAt: at("2027-03-15T08:00:00Z"), anonymized: false }, now)).toBe(true);
    expect(reopenableByReport({ closedAt: at("2026-05-15T08:00:00Z"), anonymized: false }, now)).toBe(false);
    expect(reopenableByReport({ closedAt: at("2027-03-15T08:00:00Z"), anonymized: true }, now)).toBe(false);
    expect(reopenableByReport({ closedAt: null, anonymized: false }, now)).toBe(false);
  });
});
