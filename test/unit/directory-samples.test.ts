// The committed sample files (data/samples/) are what a new académie copies: they must always
// import, and say the same as the demo académie of src/store/demo-seed.ts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { mergeBassins, parseBassins } from "../../src/domain/directory/bassins.js";
import { parsePeople } from "../../src/domain/directory/people.js";
import { parseSchoolDirectory } from "../../src/domain/directory/schools.js";
import { checkUai } from "../../src/domain/directory/uai.js";
import { readCsv } from "../../src/services/import-file.js";
import { DEMO_DISTRICTS, DEMO_PEOPLE, DEMO_SCHOOLS } from "../../src/store/demo-seed.js";
import { ANNUAIRE_HEADER } from "../helpers/directory-files.js";

function sample(name: string) {
  const csv = readCsv(readFileSync(new URL(`../../data/samples/${name}`, import.meta.url)));
  if (!csv.ok) throw new Error(`${name}: ${csv.reason}`);
  return csv;
}

const directory = parseSchoolDirectory(sample("annuaire-education.csv").records, { academy: "Lyon" });
const bassinFile = parseBassins(sample("bassins.csv").records);
const merged = mergeBassins(directory.schools, bassinFile);
const people = parsePeople(sample("personnels.csv").records, {
  academy: ["10", "Lyon"],
  known: { uais: new Set(merged.schools.map((s) => s.uai)), bassins: merged.bassins, departmentCodes: new Set(merged.schools.map((s) => s.departmentCode)) },
});

describe("data/samples/annuaire-education.csv", () => {
  it("has the real header of the Annuaire de l'éducation export, separated by semicolons", () => {
    const csv = sample("annuaire-education.csv");
    expect(csv.delimiter).toBe(";");
    expect(csv.encoding).toBe("utf-8");
    expect(csv.records[0]!.fields).toEqual([...ANNUAIRE_HEADER]);
  });

  it("imports the six demo schools and a closed collège, without an error", () => {
    expect(directory.missing).toEqual([]);
    expect(directory.errors).toEqual([]);
    const open = directory.schools.filter((s) => s.open);
    expect(open.map((s) => [s.uai, s.name, s.kind, s.commune, s.bassin?.code])).toEqual(DEMO_SCHOOLS.map((s) => [s.uai, s.name, s.kind, s.city, s.district]));
    expect(directory.schools.filter((s) => !s.open).map((s) => [s.name, s.kind, s.state])).toEqual([["Collège Louis-Pasteur", "COLLEGE", "CLOSED"]]);
    for (const s of directory.schools) expect([s.departmentCode, s.academyCode, s.sector]).toEqual(["069", "10", "PUBLIC"]);
  });

  it("leaves out an école, a private lycée without contract, a collège of another académie and a lycée agricole", () => {
    expect(directory.rows).toBe(11);
    expect(directory.ignored).toEqual({
      OTHER_ACADEMY: 1,
      FIRST_DEGREE: 1,
      SECTION: 0,
      OTHER_NATURE: 1,
      PRIVATE_WITHOUT_CONTRACT: 1,
      PRIVATE_CONTRACT_UNKNOWN: 0,
      REPEATED_LINE: 0,
    });
    expect(directory.ignoredNatures.map((n) => n.label)).toEqual(["ECOLE DE NIVEAU ELEMENTAIRE", "LYCEE ENS GENERAL TECHNO PROF AGRICOLE"]);
  });

  it("gives valid UAIs only, check letter included", () => {
    for (const r of sample("annuaire-education.csv").records.slice(1)) expect(checkUai(r.fields[0]!).ok, r.fields[0]).toBe(true);
  });
});

describe("data/samples/bassins.csv", () => {
  it("puts every imported school in the demo's bassins", () => {
    expect(bassinFile.errors).toEqual([]);
    expect(bassinFile.bassins).toEqual(DEMO_DISTRICTS.map((d) => ({ code: d.code, name: d.name })));
    expect(merged.withoutBassin).toEqual([]);
    expect(merged.notInDirectory).toEqual([]);
    expect(merged.replaced).toEqual([]);
    expect(merged.bassins).toEqual(DEMO_DISTRICTS.map((d) => ({ code: d.code, name: d.name })));
  });
});

describe("data/samples/personnels.csv", () => {
  it("imports every line, checked against the sample schools and bassins", () => {
    expect(people.missing).toEqual([]);
    expect(people.errors).toEqual([]);
  });

  it("holds the seven demo people with their roles, e-mails and places", () => {
    const byEmail = new Map(people.people.map((p) => [p.email, p]));
    for (const demo of DEMO_PEOPLE) {
      const p = byEmail.get(demo.email);
      expect(p, demo.email).toBeDefined();
      expect([p!.displayName, p!.role], demo.email).toEqual([demo.displayName, demo.role]);
      const place =
        p!.attachment.kind === "SCHOOL" ? { schools: p!.attachment.uais } : p!.attachment.kind === "DISTRICT" ? { district: p!.attachment.bassinCode } : {};
      const demoPlace = demo.schools ? { schools: demo.schools } : demo.district ? { district: demo.district } : {};
      expect(place, demo.email).toEqual(demoPlace);
    }
  });

  it("shows the new roles too, and a person on two lines for two schools", () => {
    expect(new Set(people.people.map((p) => p.role))).toEqual(
      new Set(["STAFF", "CPE", "HEAD", "REFERENT", "PSYEN", "SOCIAL_WORKER", "NURSE", "COORDINATOR", "IEN_IO", "DSDEN", "ADMIN"]),
    );
    expect(people.people.find((p) => p.email === "thomas.girard@demo.repere.fr")!.lines).toEqual([7, 8]);
  });
});
