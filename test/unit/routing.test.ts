import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ageOn, concernsMlds, routeCase, type ChannelTarget, type RoutingInput } from "../../src/domain/routing.js";

const DISTRICT: ChannelTarget = { teamId: "team-mlds", channelId: "district-d1" };
const FALLBACK: ChannelTarget = { teamId: "team-saio", channelId: "fallback" };

const base: RoutingInput = {
  schoolId: "S1",
  districtId: "D1",
  pupilAge: 17,
  escalatedToMlds: false,
  referentIds: ["r1", "r2"],
  districtChannel: DISTRICT,
  fallbackChannel: FALLBACK,
};

describe("routeCase", () => {
  it.each<[string, Partial<RoutingInput>, string[], ChannelTarget[]]>([
    ["16 or over goes to the district channel", { pupilAge: 16 }, ["r1", "r2"], [DISTRICT]],
    ["17 goes to the district channel", {}, ["r1", "r2"], [DISTRICT]],
    ["unknown age counts as MLDS", { pupilAge: null }, ["r1", "r2"], [DISTRICT]],
    ["under 16 stays with the school", { pupilAge: 15 }, ["r1", "r2"], []],
    ["under 16 escalated reaches the MLDS", { pupilAge: 14, escalatedToMlds: true }, ["r1", "r2"], [DISTRICT]],
    ["no district channel: académie fallback", { districtChannel: null }, ["r1", "r2"], [FALLBACK]],
    ["no channel at all: référents only", { districtChannel: null, fallbackChannel: null }, ["r1", "r2"], []],
    ["under 16 without référent: fallback so nobody misses it", { pupilAge: 12, referentIds: [] }, [], [FALLBACK]],
    ["16+ without référent: district channel only", { referentIds: [] }, [], [DISTRICT]],
    ["16+ without référent nor district channel: fallback", { referentIds: [], districtChannel: null }, [], [FALLBACK]],
    ["nothing configured at all: nobody", { referentIds: [], districtChannel: null, fallbackChannel: null }, [], []],
    ["under 16, no référent, no fallback: nobody", { pupilAge: 12, referentIds: [], fallbackChannel: null }, [], []],
    ["a référent listed twice is told once", { referentIds: ["r1", "r1", "r2"] }, ["r1", "r2"], [DISTRICT]],
  ])("%s", (_, overrides, members, channels) => {
    expect(routeCase({ ...base, ...overrides })).toEqual({ notifyMemberIds: members, channels });
  });

  it("always tells every référent and posts in at most one channel", () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 5, max: 30 })),
        fc.boolean(),
        fc.array(fc.constantFrom("r1", "r2", "r3")),
        fc.option(fc.constant(DISTRICT)),
        fc.option(fc.constant(FALLBACK)),
        (pupilAge, escalatedToMlds, referentIds, districtChannel, fallbackChannel) => {
          const routing = routeCase({ ...base, pupilAge, escalatedToMlds, referentIds, districtChannel, fallbackChannel });
          expect(new Set(routing.notifyMemberIds)).toEqual(new Set(referentIds));
          expect(routing.channels.length).toBeLessThanOrEqual(1);
          if (!concernsMlds(pupilAge, escalatedToMlds) && referentIds.length > 0) {
            expect(routing.channels).toEqual([]);
          }
        },
      ),
    );
  });
});

describe("ageOn", () => {
  const on = new Date("2026-11-28T10:00:00Z");

  it.each<[string, number, Date | null, Date, number]>([
    ["birthday passed this year", 2010, new Date("2010-03-15"), on, 16],
    ["birthday later this year", 2010, new Date("2010-12-15"), on, 15],
    ["on the birthday", 2010, new Date("2010-11-28"), on, 16],
    ["the day before the birthday", 2010, new Date("2010-11-29"), on, 15],
    ["birth year only: age reached this calendar year", 2010, null, on, 16],
    ["birth year only, in January", 2010, null, new Date("2026-01-05T10:00:00Z"), 16],
    // 23:30 UTC on 31 December is already New Year's Day in Paris.
    ["birth year only, Paris already in the new year", 2010, null, new Date("2026-12-31T23:30:00Z"), 17],
    ["birthday reached on Paris clocks before UTC", 2010, new Date("2010-11-29"), new Date("2026-11-28T23:30:00Z"), 16],
    ["born on 29 February, not a leap year", 2008, new Date("2008-02-29"), new Date("2026-02-28T12:00:00Z"), 17],
    ["born on 29 February, 1 March", 2008, new Date("2008-02-29"), new Date("2026-03-01T12:00:00Z"), 18],
    ["an invalid birth date falls back to the year", 2010, new Date("not a date"), on, 16],
  ])("%s", (_, birthYear, birthDate, when, expected) => {
    expect(ageOn(birthYear, birthDate, when)).toBe(expected);
  });

  it("with only the year, never gives less than the exact age", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1990-01-01"), max: new Date("2020-12-31"), noInvalidDate: true }),
        fc.date({ min: new Date("2021-01-01"), max: new Date("2040-12-31"), noInvalidDate: true }),
        (birth, when) => {
          const birthDate = new Date(Date.UTC(birth.getUTCFullYear(), birth.getUTCMonth(), birth.getUTCDate()));
          const exact = ageOn(birthDate.getUTCFullYear(), birthDate, when);
          const fromYear = ageOn(birthDate.getUTCFullYear(), null, when);
          expect(fromYear - exact).toBeGreaterThanOrEqual(0);
          expect(fromYear - exact).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});
