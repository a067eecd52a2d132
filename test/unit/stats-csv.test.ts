import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import type { StatsView } from "../../src/services/statistics.js";
import { schoolYearPeriod } from "../../src/domain/statistics.js";
import { translator } from "../../src/teams/i18n.js";
import { casesCsv, statsCsv } from "../../src/teams/stats/stats-views.js";

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const read = (b: Buffer) => parse(b.subarray(3).toString("utf8"), { delimiter: ";" }) as string[][];

const view: StatsView = {
  scope: { kind: "district", label: "Bassin Nord", uais: [] },
  period: schoolYearPeriod(2026),
  protect: true,
  generatedAt: new Date("2026-11-30T07:05:00Z"),
  months: [
    { month: "2026-09", count: 12 },
    { month: "2026-10", count: null },
  ],
  openedTotal: 14,
  openByStatus: [
    { status: "NEW", count: null },
    { status: "ACKNOWLEDGED", count: 0 },
    { status: "INFO_REQUESTED", count: 0 },
    { status: "PLAN_ACTIVE", count: 7 },
    { status: "REVIEW_DUE", count: null },
  ],
  openTotal: 10,
  signalFamilies: [
    { family: "ATTENDANCE", count: 9 },
    { family: "ENGAGEMENT", count: null },
    { family: "RESULTS", count: 0 },
    { family: "BEHAVIOUR", count: 0 },
    { family: "ORIENTATION", count: 5 },
  ],
  outcomes: [{ kind: "APPRENTICESHIP", count: null }],
  closedTotal: null,
  takeInCharge: { medianDays: 2.5, cases: 11 },
  toPlan: { medianDays: null, cases: null },
  overdue: { withPlan: 8, overdue: null, share: 0.25 },
  schools: [{ uai: "0690001B", name: "Lycée Victor-Hugo", opened: 10, open: 7, withPlan: 6, overdue: null, share: null }],
};

describe("CSV exports", () => {
  it("are UTF-8 with a byte-order mark and « ; » between fields, accents intact", () => {
    const file = statsCsv(translator("fr"), "fr", view);
    expect(file.subarray(0, 3)).toEqual(BOM);
    const text = file.subarray(3).toString("utf8");
    expect(text).toContain("Délai médian fiche de repérage → prise en charge (jours);;2.5");
    expect(text).toContain("Lycée Victor-Hugo");
    expect(text.split("\r\n")[0]).toBe("Indicateur;Détail;Valeur");
  });

  it("give the aggregates with the small-number rule applied", () => {
    const rows = read(statsCsv(translator("fr"), "fr", view));
    const value = (indicator: string, detail: string) => rows.find((r) => r[0] === indicator && r[1] === detail)?.[2];
    expect(value("Dossiers ouverts par mois", "2026-09")).toBe("12");
    expect(value("Dossiers ouverts par mois", "2026-10")).toBe("< 5");
    expect(value("Dossiers en cours par statut", "Repéré")).toBe("< 5");
    expect(value("Familles de signaux", "Assiduité")).toBe("9");
    expect(value("Issues des dossiers clos", "Apprentissage")).toBe("< 5");
    expect(value("Délai médian prise en charge → plan (jours)", "")).toBe("");
    expect(value("Part des plans au bilan dépassé (%)", "")).toBe("25.0");
    expect(value("Établissement · Bilan dépassé", "0690001B Lycée Victor-Hugo")).toBe("< 5");
    expect(rows.every((r) => r.length === 3)).toBe(true);
  });

  it("list cases with their reference, school, status, dates and outcome, nothing else", () => {
    const file = casesCsv(translator("fr"), [
      {
        reference: "D-2026-0042",
        uai: "0690001B",
        schoolName: "Lycée Victor-Hugo",
        status: "CLOSED",
        urgency: 2,
        escalatedToMlds: true,
        openedAt: new Date("2026-09-04T22:30:00Z"),
        takenInChargeAt: new Date("2026-09-06T08:00:00Z"),
        planOpenedAt: null,
        nextReviewAt: new Date("2026-10-01T08:00:00Z"),
        closedAt: new Date("2026-11-01T10:00:00Z"),
        outcome: "APPRENTICESHIP",
      },
      {
        reference: "D-2026-0043",
        uai: "0690002C",
        schoolName: '=HYPERLINK("x")',
        status: "NEW",
        urgency: 3,
        escalatedToMlds: false,
        openedAt: new Date("2026-11-02T10:00:00Z"),
        takenInChargeAt: null,
        planOpenedAt: null,
        nextReviewAt: null,
        closedAt: null,
        outcome: null,
      },
    ]);
    expect(file.subarray(0, 3)).toEqual(BOM);
    const rows = read(file);
    expect(rows[0]).toEqual([
      "Référence",
      "UAI",
      "Établissement",
      "Statut",
      "Vigilance",
      "Confié à la MLDS",
      "Repéré le",
      "Pris en charge le",
      "Plan ouvert le",
      "Prochain bilan",
      "Clos le",
      "Issue",
    ]);
    // Dates are Paris calendar days: 22:30 UTC on 4 September is the 5th in Paris.
    expect(rows[1]).toEqual([
      "D-2026-0042",
      "0690001B",
      "Lycée Victor-Hugo",
      "Clos",
      "2",
      "oui",
      "2026-09-05",
      "2026-09-06",
      "",
      "",
      "2026-11-01",
      "Apprentissage",
    ]);
    expect(rows[2]![2]).toBe('\'=HYPERLINK("x")'); // never a formula in Excel
    expect(rows[2]!.slice(3, 7)).toEqual(["Repéré", "3", "non", "2026-11-02"]);
  });

  it("speak English to an English-speaking member", () => {
    const rows = read(casesCsv(translator("en"), []));
    expect(rows[0]![0]).toBe("Reference");
  });
});
