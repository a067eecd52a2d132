import { describe, expect, it } from "vitest";
import {
  callRecordSchema,
  displayPhone,
  normalizeEmail,
  normalizePhone,
  parseCallCommand,
  PSAD_SITUATIONS,
  psadSituationOf,
} from "../../src/domain/call-campaign.js";
import { OUTCOMES, LEGACY_OUTCOMES } from "../../src/domain/plan-catalogue.js";

describe("phone numbers and e-mails of a campaign list", () => {
  it.each([
    ["06 12 34 56 78", "+33612345678"],
    ["06.12.34.56.78", "+33612345678"],
    ["06-12-34-56-78", "+33612345678"],
    ["0612345678", "+33612345678"],
    ["+33 6 12 34 56 78", "+33612345678"],
    ["+33 (0)6 12 34 56 78", "+33612345678"],
    ["0033612345678", "+33612345678"],
    ["612345678", "+33612345678"],
    ["01 23 45 67 89", "+33123456789"],
    ["+262 692 12 34 56", "+262692123456"],
    ["+32 470 12 34 56", "+32470123456"],
  ])("reads %s as %s", (raw, e164) => {
    expect(normalizePhone(raw)).toBe(e164);
  });

  it.each(["", "12", "06 12 34 56", "00 12 34 56 78", "=1+2", "06 12 34 56 78 90 12 34", "tel: 06 12 34 56 78", "+33 0 12 34 56 78", "0612345678abc"])(
    "refuses %j",
    (raw) => {
      expect(normalizePhone(raw)).toBeNull();
    },
  );

  it("shows a French number as people write it", () => {
    expect(displayPhone("+33612345678")).toBe("06 12 34 56 78");
    expect(displayPhone("+262692123456")).toBe("+262692123456");
  });

  it("checks and lower-cases e-mail addresses", () => {
    expect(normalizeEmail(" Lea.Durand@Exemple.FR ")).toBe("lea.durand@exemple.fr");
    for (const bad of ["", "lea", "lea@", "@exemple.fr", "lea durand@exemple.fr", '=HYPERLINK("x")@a.fr', `${"a".repeat(250)}@exemple.fr`])
      expect(normalizeEmail(bad), bad).toBeNull();
  });
});

describe("the call campaign's commands", () => {
  it.each([
    ["campagne d'appels", { kind: "callList", page: 1 }],
    ["Campagne d’appels", { kind: "callList", page: 1 }],
    ["campagne appels page 3", { kind: "callList", page: 3 }],
    ["<at>Repère</at> campagne d'appels p 2", { kind: "callList", page: 2 }],
    ["call campaign page 2", { kind: "callList", page: 2 }],
    ["export psad", { kind: "exportPsad" }],
    ["Export PSAD", { kind: "exportPsad" }],
  ])("reads %j", (text, command) => {
    expect(parseCallCommand(text)).toEqual(command);
  });

  it.each(["campagne", "campagne d'appels page zéro", "campagne d'appels page 0", "campagne d'appels page 99999", "export", "export stats", "statut Dupont"])(
    "does not take %j for one",
    (text) => {
      expect(parseCallCommand(text)).toBeNull();
    },
  );
});

describe("the « Noter l'appel » form", () => {
  const now = new Date("2026-09-22T21:30:00Z"); // 23:30 in Paris, still the 22nd
  const schema = callRecordSchema(now);

  it("defaults the date to today in Paris and drops an empty note", () => {
    expect(schema.parse({ outcome: "REACHED", calledAt: "", note: "  " })).toEqual({ outcome: "REACHED", calledAt: "2026-09-22", note: null });
  });

  it("refuses an unknown outcome, a date to come, a date that is no day, a note too long", () => {
    expect(schema.safeParse({ outcome: "MAYBE" }).success).toBe(false);
    expect(schema.safeParse({ outcome: "REACHED", calledAt: "2026-09-23" }).error?.issues[0]?.message).toBe("FUTURE");
    expect(schema.safeParse({ outcome: "REACHED", calledAt: "2026-02-30" }).error?.issues[0]?.message).toBe("DATE");
    expect(schema.safeParse({ outcome: "REACHED", calledAt: "2025-09-01" }).error?.issues[0]?.message).toBe("TOO_OLD");
    expect(schema.safeParse({ outcome: "REACHED", note: "x".repeat(201) }).success).toBe(false);
  });
});

describe("the situation sent back to the PSAD", () => {
  const open = { closed: false, outcome: null, closedOn: null, updatedOn: "2026-09-20" } as const;

  it("gives every outcome a code of the table", () => {
    for (const outcome of [...OUTCOMES, ...LEGACY_OUTCOMES]) {
      const s = psadSituationOf({ closed: true, outcome, closedOn: "2026-10-01", lastCall: null, updatedOn: "2026-10-01" });
      expect(Object.keys(PSAD_SITUATIONS)).toContain(s.code);
      expect(s.on).toBe("2026-10-01");
    }
    expect(psadSituationOf({ closed: true, outcome: "APPRENTICESHIP", closedOn: "2026-10-01", lastCall: null, updatedOn: "2026-10-02" }).code).toBe(
      "APPRENTISSAGE",
    );
  });

  it("reads an open case by its last call, else « suivi en cours »", () => {
    expect(psadSituationOf({ ...open, lastCall: null })).toEqual({ code: "EN_COURS", label: "Suivi en cours", on: "2026-09-20" });
    expect(psadSituationOf({ ...open, lastCall: { outcome: "UNREACHABLE", on: "2026-09-21" } })).toMatchObject({ code: "INJOIGNABLE", on: "2026-09-21" });
    expect(psadSituationOf({ ...open, lastCall: { outcome: "REFUSED", on: "2026-09-21" } }).code).toBe("REFUS");
    expect(psadSituationOf({ ...open, lastCall: { outcome: "APPOINTMENT", on: "2026-09-21" } }).code).toBe("RENDEZ_VOUS");
    expect(psadSituationOf({ ...open, lastCall: { outcome: "REACHED", on: "2026-09-21" } }).code).toBe("EN_COURS");
  });
});
