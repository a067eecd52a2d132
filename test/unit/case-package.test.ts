import { describe, expect, it } from "vitest";
import {
  academieNamed,
  academieOfSchool,
  canonicalJson,
  CASE_PACKAGE_LIMITS,
  parseAcademieExportCommand,
  type CasePackageContent,
} from "../../src/domain/case-package.js";
import { packageDigest, readPackage as readCasePackage, sealPackage } from "../../src/services/case-package-digest.js";

const AT = "2026-12-07T09:30:00.000Z";
const content = (): CasePackageContent => ({
  format: "repere-case-transfer",
  version: 1,
  exportedAt: AT,
  fromAcademie: { code: "10", name: "Lyon" },
  toAcademie: { code: "08", name: "Grenoble" },
  case: { reference: "D-2026-0042", status: "ACKNOWLEDGED", urgency: 2, openedAt: AT, escalatedToMlds: false, outOfSchool: false },
  pupil: { lastName: "Durand", firstName: "Léa", birthYear: 2009, birthDate: "2009-03-15", ine: null, className: "1re 4" },
  destinationUai: "0380001A",
  reports: [
    {
      at: AT,
      urgency: 2,
      absenceHalfDays: 6,
      stepsTaken: ["FAMILY_CONTACTED"],
      observations: "Déménage à Grenoble",
      outOfSchool: false,
      signals: [{ code: "LATENESS", note: null }],
    },
  ],
  plan: [{ type: "TUTORING", description: "Tutorat", status: "IN_PROGRESS", startDate: "2026-11-20", endDate: null }],
  history: [{ at: AT, type: "REPORTED", role: "STAFF", summary: "Fiche de repérage" }],
});
const bytes = (o: unknown) => new TextEncoder().encode(typeof o === "string" ? o : JSON.stringify(o, null, 2));

describe("the case package between académies", () => {
  it("digests the canonical JSON: key order and spaces do not matter, values do", () => {
    expect(canonicalJson({ b: 1, a: [{ d: null, c: "é" }] })).toBe('{"a":[{"c":"é","d":null}],"b":1}');
    const sealed = sealPackage(content());
    expect(sealed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const reordered = Object.fromEntries(Object.entries(sealed).reverse());
    expect(packageDigest(reordered)).toBe(sealed.digest);
    expect(packageDigest({ ...sealed, pupil: { ...sealed.pupil, firstName: "Lou" } })).not.toBe(sealed.digest);
  });

  it("reads a sealed package, and refuses what is changed, foreign, of another version, too big or not JSON", () => {
    const sealed = sealPackage(content());
    const read = readCasePackage(bytes(sealed));
    expect(read).toMatchObject({ ok: true, package: { pupil: { firstName: "Léa" }, destinationUai: "0380001A" } });
    expect(readCasePackage(bytes({ ...sealed, case: { ...sealed.case, urgency: 3 } }))).toEqual({ ok: false, reason: "DIGEST" });
    expect(readCasePackage(bytes({ ...sealed, digest: undefined }))).toEqual({ ok: false, reason: "DIGEST" });
    expect(readCasePackage(bytes({ ...sealed, format: "repere-pupil-export/1" }))).toEqual({ ok: false, reason: "NOT_A_PACKAGE" });
    expect(readCasePackage(bytes({ ...sealed, version: 2 }))).toEqual({ ok: false, reason: "VERSION" });
    expect(readCasePackage(bytes([sealed]))).toEqual({ ok: false, reason: "NOT_A_PACKAGE" });
    expect(readCasePackage(bytes("{"))).toEqual({ ok: false, reason: "NOT_JSON" });
    expect(readCasePackage(new Uint8Array([0xff, 0xfe, 0x00]))).toEqual({ ok: false, reason: "NOT_JSON" });
    expect(readCasePackage(new Uint8Array(CASE_PACKAGE_LIMITS.maxBytes + 1))).toEqual({ ok: false, reason: "TOO_BIG" });
    // Sealed but invalid (an unknown signal code, a wrong reference): refused, naming the field.
    const bad = sealPackage({ ...content(), reports: [{ ...content().reports[0]!, signals: [{ code: "NOPE" as never, note: null }] }] });
    expect(readCasePackage(bytes(bad))).toMatchObject({ ok: false, reason: "INVALID", field: "reports.0.signals.0.code" });
  });

  it("cleans hostile text: control and bidirectional characters go, lengths hold", () => {
    const hostile = sealPackage({ ...content(), pupil: { ...content().pupil, lastName: "Du\u202Erand\u0000" } });
    const read = readCasePackage(bytes(hostile));
    expect(read.ok && read.package.pupil.lastName).toBe("Durand");
    const long = sealPackage({ ...content(), pupil: { ...content().pupil, lastName: "x".repeat(101) } });
    expect(readCasePackage(bytes(long))).toMatchObject({ ok: false, reason: "INVALID", field: "pupil.lastName" });
  });

  it("names académies as people write them, and finds a school's", () => {
    expect(academieNamed("Grenoble")).toEqual({ code: "08", name: "Grenoble" });
    expect(academieNamed("l'académie de Nancy-Metz")).toEqual({ code: "12", name: "Nancy-Metz" });
    expect(academieNamed("ORLEANS TOURS")).toEqual({ code: "18", name: "Orléans-Tours" });
    expect(academieNamed("la réunion")).toEqual({ code: "28", name: "La Réunion" });
    expect(academieNamed("8")).toEqual({ code: "08", name: "Grenoble" });
    expect(academieNamed("Atlantide")).toBeNull();
    expect(academieOfSchool({ academyCode: "10", departmentCode: null })).toEqual({ code: "10", name: "Lyon" });
    expect(academieOfSchool({ academyCode: null, departmentCode: "038" })).toEqual({ code: "08", name: "Grenoble" });
    expect(academieOfSchool({ academyCode: null, departmentCode: null })).toBeNull();
  });

  it("reads the export command in French and English", () => {
    expect(parseAcademieExportCommand("exporter D-2026-0042 vers Grenoble")).toEqual({
      kind: "exportToAcademie",
      reference: "D-2026-0042",
      academie: "Grenoble",
    });
    expect(parseAcademieExportCommand("Exporter le dossier d-2026-42 vers l'académie de Lyon.")).toMatchObject({
      reference: "D-2026-0042",
      academie: "l'académie de Lyon",
    });
    expect(parseAcademieExportCommand("export case D-2026-0042 to Nancy-Metz")).toMatchObject({ academie: "Nancy-Metz" });
    expect(parseAcademieExportCommand("export eleve D-2026-0042")).toBeNull();
    expect(parseAcademieExportCommand("export stats vers Lyon")).toBeNull();
    expect(parseAcademieExportCommand("exporter D-2026-0042")).toBeNull();
  });
});
