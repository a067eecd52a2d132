import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseAdminCommand } from "../../src/domain/admin-commands.js";

describe("administration commands", () => {
  it.each([
    ["canal MLDS NORD", { kind: "routeDistrictHere", districtCode: "NORD" }],
    ["<at>Repère</at> canal mlds sud", { kind: "routeDistrictHere", districtCode: "SUD" }],
    ["route here NORD", { kind: "routeDistrictHere", districtCode: "NORD" }],
    ["Canal académie", { kind: "routeFallbackHere" }],
    ["route here fallback", { kind: "routeFallbackHere" }],
    ["envois en échec", { kind: "failedSends" }],
    ["Failed sends", { kind: "failedSends" }],
    ["Renvoyer les envois en échec", { kind: "requeueFailedSends" }],
    ["<at>Repère</at> requeue failed sends", { kind: "requeueFailedSends" }],
    ["canal MLDS", null],
    ["canal MLDS NORD SUD", null],
    ["canal MLDS ../../x", null],
    ["statut D-2026-0042", null],
    ["", null],
  ])("%s -> %o", (text, expected) => {
    expect(parseAdminCommand(text)).toEqual(expected);
  });

  it("never throws", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = parseAdminCommand(s);
        expect(r === null || typeof r.kind === "string").toBe(true);
      }),
    );
  });
});
