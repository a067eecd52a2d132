import { describe, expect, it } from "vitest";
import { agendaDue, agendaSendFrom, parseGpdsCommand, recurringDates } from "../../src/domain/gpds.js";
import { schoolCalendar } from "../../src/domain/school-days.js";
import { parisTime } from "../../src/domain/school-year.js";
import { parseHolidays } from "../../src/domain/weekly-digest.js";

const parsed = parseHolidays("2026-12-19..2027-01-03,2027-02-06..2027-02-21,2027-04-03..2027-04-18,2027-07-03..2027-08-31");
if (!parsed.ok) throw new Error(parsed.problem);
const calendar = schoolCalendar(parsed.ranges);

describe("gpds commands", () => {
  it.each([
    ["gpds", { kind: "show", uai: null }],
    ["GPDS ici", { kind: "registerSpace", uai: null }],
    ["<at>Repère</at> gpds here", { kind: "registerSpace", uai: null }],
    ["gpds 12/01/2027", { kind: "add", uai: null, dates: ["2027-01-12"] }],
    ["gpds 26/1/27 et 12.01.2027", { kind: "add", uai: null, dates: ["2027-01-12", "2027-01-26"] }],
    ["gpds 0690001B 2027-01-12", { kind: "add", uai: "0690001B", dates: ["2027-01-12"] }],
    ["gpds tous les 3 semaines à partir du 12/01/2027", { kind: "recurring", uai: null, everyWeeks: 3, from: "2027-01-12" }],
    ["gpds toutes les 2 semaines dès le 12/01/2027", { kind: "recurring", uai: null, everyWeeks: 2, from: "2027-01-12" }],
    ["gpds every 4 weeks from 2027-01-12", { kind: "recurring", uai: null, everyWeeks: 4, from: "2027-01-12" }],
    ["gpds annuler 12/01/2027", { kind: "cancel", uai: null, dates: ["2027-01-12"] }],
    ["gpds 31/02/2027", { kind: "invalid", uai: null, problem: "DATE" }],
    ["gpds tous les 20 semaines à partir du 12/01/2027", { kind: "invalid", uai: null, problem: "WEEKS" }],
    ["gpds demain matin", { kind: "invalid", uai: null, problem: "FORM" }],
  ] as const)("%s", (text, expected) => {
    expect(parseGpdsCommand(text)).toEqual(expected);
  });

  it("leaves other messages alone", () => {
    expect(parseGpdsCommand("statut D-2026-0042")).toBeNull();
    expect(parseGpdsCommand("le gpds de mardi")).toBeNull();
    expect(parseGpdsCommand(`gpds ${"1".repeat(400)}`)).toBeNull();
  });
});

describe("GPDS dates and agendas", () => {
  it("repeats every N weeks until the summer, leaving out the holidays and public holidays", () => {
    expect(recurringDates("2027-03-29", 2, calendar)).toEqual([
      // 29/03 is the lundi de Pâques, 12/04 in the spring holidays.
      "2027-04-26",
      "2027-05-10",
      "2027-05-24",
      "2027-06-07",
      "2027-06-21",
    ]);
  });

  it("posts the agenda two school days before the meeting, from 7:00, until the meeting day", () => {
    // Tuesday 12 January 2027: Friday 8 January. Thursday 12 November 2026: Monday 9 (the 11 is a holiday).
    expect(agendaSendFrom("2027-01-12", calendar).toISOString()).toBe(parisTime(2027, 1, 8, 7).toISOString());
    expect(agendaSendFrom("2026-11-12", calendar).toISOString()).toBe(parisTime(2026, 11, 9, 7).toISOString());
    // Monday 4 January 2027, back from Noël: the last two school days before are in December.
    expect(agendaSendFrom("2027-01-04", calendar).toISOString()).toBe(parisTime(2026, 12, 17, 7).toISOString());
    expect(agendaDue("2027-01-12", parisTime(2027, 1, 8, 6, 59), calendar)).toBe(false);
    expect(agendaDue("2027-01-12", parisTime(2027, 1, 8, 7), calendar)).toBe(true);
    expect(agendaDue("2027-01-12", parisTime(2027, 1, 12, 17), calendar)).toBe(true);
    expect(agendaDue("2027-01-12", parisTime(2027, 1, 13, 8), calendar)).toBe(false);
  });
});
