import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  SMALL_COUNT_LABEL,
  formatCount,
  matchesDistrict,
  median,
  medianOfHistogram,
  monthPeriod,
  monthsOf,
  parseExportCommand,
  parseStatsScope,
  protectCount,
  protectMedian,
  protectShare,
  schoolYearPeriod,
} from "../../src/domain/statistics.js";

const NOW = new Date("2026-11-30T07:05:00Z"); // Monday 30 November 2026, 8:05 in Paris

describe("the small-number rule", () => {
  it("hides counts of 1 to 4 outside a school, shows 0 and 5 and more", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 120].map((n) => protectCount(n, true))).toEqual([0, null, null, null, null, 5, 6, 120]);
    expect([1, 4].map((n) => formatCount(n, true))).toEqual(["< 5", "< 5"]);
    expect(SMALL_COUNT_LABEL).toBe("< 5");
  });

  it("shows every count to a référent on their own school", () => {
    expect([0, 1, 4, 5].map((n) => protectCount(n, false))).toEqual([0, 1, 4, 5]);
    expect(formatCount(3, false)).toBe("3");
  });

  it("never shows a hidden count, whatever the count", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (n) => {
        const shown = protectCount(n, true);
        return shown === null ? n >= 1 && n <= 4 : shown === n && (n === 0 || n >= 5);
      }),
    );
  });

  it("gives a share only over 5 cases or more when protected, and never over nothing", () => {
    expect(protectShare(1, 2, true)).toBeNull();
    expect(protectShare(1, 2, false)).toBe(0.5);
    expect(protectShare(2, 5, true)).toBe(0.4);
    expect(protectShare(0, 0, false)).toBeNull();
  });

  it("gives a median only over 5 cases or more when protected", () => {
    expect(protectMedian(3, 4, true)).toBeNull();
    expect(protectMedian(3, 4, false)).toBe(3);
    expect(protectMedian(3, 5, true)).toBe(3);
    expect(protectMedian(null, 10, true)).toBeNull();
  });
});

describe("medians", () => {
  it("takes the middle value, or the mean of the two middle values", () => {
    expect(median([])).toBeNull();
    expect(median([4])).toBe(4);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([0.5, 1, 2, 3, 4])).toBe(2);
    expect(median([1, 2, 3, 5])).toBe(2.5);
  });

  it("from a histogram, as from the values it stands for", () => {
    expect(medianOfHistogram([])).toBeNull();
    expect(medianOfHistogram([{ value: 2, count: 3 }])).toBe(2);
    expect(
      medianOfHistogram([
        { value: 5, count: 1 },
        { value: 1, count: 1 },
        { value: 2, count: 1 },
        { value: 3, count: 1 },
      ]),
    ).toBe(2.5);
    fc.assert(
      fc.property(
        fc.array(fc.record({ value: fc.integer({ min: 0, max: 400 }).map((v) => v / 10), count: fc.integer({ min: 0, max: 6 }) }), { maxLength: 30 }),
        (buckets) => {
          const values = buckets.flatMap((b) => Array.from({ length: b.count }, () => b.value));
          expect(medianOfHistogram(buckets)).toBe(median(values));
        },
      ),
    );
  });
});

describe("periods and scopes after « statistiques »", () => {
  const ok = (text: string | undefined) => {
    const r = parseStatsScope(text, NOW);
    if (!r.ok) throw new Error(`${text}: ${r.problem}`);
    return r.request;
  };

  it("defaults to the current school year and the caller's own scope", () => {
    const r = ok(undefined);
    expect(r.target).toEqual({ kind: "own" });
    expect(r.period).toEqual({ kind: "schoolYear", label: "2026-2027", from: new Date("2026-08-31T22:00:00Z"), to: new Date("2027-08-31T22:00:00Z") });
  });

  it("reads school years, months, « ce mois » and « mois dernier », in French or English", () => {
    expect(ok("2025-2026").period.label).toBe("2025-2026");
    expect(ok("ce mois").period).toEqual({ kind: "month", label: "2026-11", from: new Date("2026-10-31T23:00:00Z"), to: new Date("2026-11-30T23:00:00Z") });
    expect(ok("this month").period.label).toBe("2026-11");
    expect(ok("mois dernier").period.label).toBe("2026-10");
    expect(ok("last month").period.label).toBe("2026-10");
    expect(ok("Novembre 2025").period.label).toBe("2025-11");
    expect(ok("décembre").period.label).toBe("2025-12"); // the latest December that has begun
    expect(ok("2026-09").period.label).toBe("2026-09");
    expect(ok("cette année").period.label).toBe("2026-2027");
    expect(parseStatsScope("mois dernier", new Date("2027-01-15T10:00:00Z"))).toMatchObject({ ok: true, request: { period: { label: "2026-12" } } });
  });

  it("reads a UAI, a district or the académie, with a period in any order", () => {
    expect(ok("0690001b")).toMatchObject({ target: { kind: "school", uai: "0690001B" } });
    expect(ok("Bassin Nord 2025-2026")).toMatchObject({ target: { kind: "district", name: "nord" }, period: { label: "2025-2026" } });
    expect(ok("ce mois sud")).toMatchObject({ target: { kind: "district", name: "sud" }, period: { label: "2026-11" } });
    expect(ok("Académie")).toMatchObject({ target: { kind: "academy" } });
  });

  it("refuses periods that are not ones, and scopes that cannot be names", () => {
    for (const text of ["2026-2028", "2026-13", "2026", "ce mois mois dernier", "2025-2026 2026-2027"]) {
      expect(parseStatsScope(text, NOW), text).toEqual({ ok: false, problem: "PERIOD" });
    }
    expect(parseStatsScope("<script>", NOW)).toEqual({ ok: false, problem: "SCOPE" });
  });

  it("never throws, even on words that name Object's own properties", () => {
    // Not months: « constructor » is taken as a district name to look up, like any other word.
    for (const s of ["__proto__", "constructor", "toString", "valueOf 2026"]) {
      const parsed = parseStatsScope(s, NOW);
      expect(parsed.ok && parsed.request.period.kind === "month").toBe(false);
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        expect(() => parseStatsScope(s, NOW)).not.toThrow();
      }),
    );
  });

  it("matches a district by code or name, with or without « bassin »", () => {
    const nord = { code: "NORD", name: "Bassin Nord" };
    expect(["nord", "NORD", "Bassin Nord", "bassin nord"].every((x) => matchesDistrict(x, nord))).toBe(true);
    expect(matchesDistrict("sud", nord)).toBe(false);
  });

  it("lists the months of a period up to now, on Paris clocks", () => {
    expect(monthsOf(schoolYearPeriod(2026), NOW)).toEqual(["2026-09", "2026-10", "2026-11"]);
    expect(monthsOf(schoolYearPeriod(2025), NOW)).toHaveLength(12);
    expect(monthsOf(monthPeriod(2026, 11), NOW)).toEqual(["2026-11"]);
    // 1 September 0:30 in Paris is still 31 August in UTC.
    expect(monthsOf(schoolYearPeriod(2026), new Date("2026-08-31T22:30:00Z"))).toEqual(["2026-09"]);
  });
});

describe("export commands", () => {
  it("reads « export stats » and « export dossiers » with an optional scope", () => {
    expect(parseExportCommand("export stats")).toEqual({ kind: "stats" });
    expect(parseExportCommand("Exporter les statistiques 2025-2026")).toEqual({ kind: "stats", scope: "2025-2026" });
    expect(parseExportCommand("export dossiers")).toEqual({ kind: "cases" });
    expect(parseExportCommand("exporter mes dossiers ce mois")).toEqual({ kind: "cases", scope: "ce mois" });
    expect(parseExportCommand("export cases")).toEqual({ kind: "cases" });
    expect(parseExportCommand("<at>Repère</at> export stats")).toEqual({ kind: "stats" });
  });

  it("leaves everything else alone", () => {
    for (const text of ["export eleve D-2026-0042", "stats", "exporter", "export", "statistiques export"]) expect(parseExportCommand(text), text).toBeNull();
  });
});
