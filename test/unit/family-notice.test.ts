import { describe, expect, it } from "vitest";
import { parseAdminCommand } from "../../src/domain/admin-commands.js";
import { familyNoticeHtml, familyNoticeSections, isFamilyNoticeCommand, parseAcademySettingCommand } from "../../src/domain/family-notice.js";
import { agreementFor, EMPTY_FAMILY, missingAgreement, parseFamilyInput } from "../../src/domain/families.js";

describe("académie settings commands", () => {
  it.each([
    ["académie responsable Le Recteur, Académie d'Exemple", { kind: "setAcademySetting", key: "controller", value: "Le Recteur, Académie d'Exemple" }],
    ["Academie DPO dpo@ac-exemple.fr", { kind: "setAcademySetting", key: "dpoContact", value: "dpo@ac-exemple.fr" }],
    ["academy purpose To prevent dropping out", { kind: "setAcademySetting", key: "purpose", value: "To prevent dropping out" }],
    ["académie finalité Prévenir", { kind: "setAcademySetting", key: "purpose", value: "Prévenir" }],
    ["académie conservation Deux ans", { kind: "setAcademySetting", key: "retention", value: "Deux ans" }],
    ["<at>Repère</at> académie droits Écrire au DPO", { kind: "setAcademySetting", key: "rights", value: "Écrire au DPO" }],
    ["académie réglages", { kind: "showAcademySettings" }],
    ["academy settings", { kind: "showAcademySettings" }],
    ["notice famille", { kind: "familyNotice" }],
    ["Family notice", { kind: "familyNotice" }],
  ])("%s", (text, expected) => {
    expect(parseAdminCommand(text)).toEqual(expected);
  });

  it("keeps a long text whole, and refuses what is not a setting", () => {
    const long = "x".repeat(900);
    expect(parseAcademySettingCommand(`académie destinataires ${long}`)).toEqual({ kind: "setAcademySetting", key: "recipients", value: long });
    for (const text of ["académie dpo", "académie couleur bleu", "academie", "canal academie", "notice", `académie dpo ${"x".repeat(1200)}`])
      expect(parseAcademySettingCommand(text), text).toBeNull();
    expect(parseAdminCommand("canal academie")).toEqual({ kind: "routeFallbackHere" });
    expect(isFamilyNoticeCommand("notice famille Dupont")).toBe(false);
  });
});

describe("the notice for families", () => {
  it("says what the académie set, defaults elsewhere, and that the controller and the DPO are to be completed", () => {
    const sections = familyNoticeSections({ dpoContact: "dpo@ac-exemple.fr" });
    expect(sections.map((s) => s.title)).toEqual([
      "Responsable du traitement",
      "Pourquoi ces informations sont recueillies",
      "Quelles informations",
      "Qui peut les consulter",
      "Combien de temps elles sont conservées",
      "Vos droits",
      "Délégué à la protection des données",
    ]);
    expect(sections[0]!.text).toBe("À compléter par l'académie.");
    expect(sections[6]!.text).toBe("dpo@ac-exemple.fr");
    expect(sections[5]!.text).toContain("CNIL");
  });

  it("escapes every setting in the page", () => {
    const html = familyNoticeHtml({ controller: `<script>alert("x")</script> & Cie` });
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Cie");
    expect(html.startsWith('<!doctype html>\n<html lang="fr">')).toBe(true);
  });
});

describe("the family form and the agreements", () => {
  const NOW = new Date("2026-11-20T10:00:00Z");

  it("keeps only what changes, and refuses days to come, before the previous school year, or a meeting without who", () => {
    expect(parseFamilyInput({ informedAt: "2026-11-20", metAt: "", metBy: " " }, EMPTY_FAMILY, NOW)).toEqual({
      ok: true,
      change: { informedAt: new Date("2026-11-20T00:00:00Z") },
    });
    expect(parseFamilyInput({ informedAt: "2026-11-21" }, EMPTY_FAMILY, NOW)).toEqual({ ok: false, field: "informedAt" });
    expect(parseFamilyInput({ informedAt: "2025-09-01" }, EMPTY_FAMILY, NOW)).toMatchObject({ ok: true });
    expect(parseFamilyInput({ informedAt: "2025-08-31" }, EMPTY_FAMILY, NOW)).toEqual({ ok: false, field: "informedAt" });
    expect(parseFamilyInput({ metAt: "2026-11-19" }, EMPTY_FAMILY, NOW)).toEqual({ ok: false, field: "metBy" });
    expect(parseFamilyInput({ metBy: "CPE" }, EMPTY_FAMILY, NOW)).toEqual({ ok: false, field: "metAt" });
    expect(parseFamilyInput({ metBy: "CPE" }, { ...EMPTY_FAMILY, metAt: new Date("2026-11-19T00:00:00Z") }, NOW)).toEqual({
      ok: true,
      change: { metBy: "CPE" },
    });
    expect(parseFamilyInput({ metBy: "x".repeat(101), metAt: "2026-11-19" }, EMPTY_FAMILY, NOW)).toEqual({ ok: false, field: "metBy" });
    expect(parseFamilyInput({}, EMPTY_FAMILY, NOW)).toEqual({ ok: false, field: "empty" });
    expect(parseFamilyInput({ youngPersonAgreedAt: "2026-13-01" }, EMPTY_FAMILY, NOW)).toEqual({ ok: false, field: "youngPersonAgreedAt" });
  });

  it("asks the young person's agreement for every MLDS module, the family's for a PAFI, none for other school measures", () => {
    expect(agreementFor("REMOBILISATION")).toBe("YOUNG_PERSON");
    expect(agreementFor("PARTNER_REFERRAL")).toBe("YOUNG_PERSON");
    expect(agreementFor("PAFI")).toBe("FAMILY");
    expect(agreementFor("TUTORING")).toBeNull();
    expect(agreementFor("PERSONAL_PROJECT")).toBeNull();
    expect(missingAgreement("PAFI", { ...EMPTY_FAMILY, youngPersonAgreedAt: NOW })).toBe("FAMILY");
    expect(missingAgreement("PAFI", { ...EMPTY_FAMILY, familyAgreedAt: NOW })).toBeNull();
    expect(missingAgreement("MOREA", { ...EMPTY_FAMILY, familyAgreedAt: NOW })).toBe("YOUNG_PERSON");
  });
});
