import { describe, expect, it } from "vitest";
import { compareMembers, type CurrentMember } from "../../src/domain/directory/member-changes.js";
import { parsePeople, type DirectoryPerson } from "../../src/domain/directory/people.js";
import { generateDirectoryExtract, generateStaffList } from "../helpers/directory-files.js";

const HEADER = ["Nom", "Prénom", "Courriel", "Fonction", "Rattachement"];
const list = (...rows: string[][]) => [HEADER, ...rows];

describe("the staff list", () => {
  it("gives each person the role of their function and the place it needs", () => {
    const p = parsePeople(
      list(
        ["Martin", "Claire", "Claire.Martin@ac-lyon.fr", "Professeure", "0690001B"],
        ["Bernard", "Julie", "julie.bernard@ac-lyon.fr", "Conseillère principale d'éducation", "0690001b"],
        ["Laurent", "Sophie", "mailto:sophie.laurent@ac-lyon.fr", "Coordonnatrice MLDS", "nord"],
        ["Faure", "Élise", "<elise.faure@ac-lyon.fr>", "IA-DASEN", "69"],
        ["Roux", "Nathalie", "nathalie.roux@ac-lyon.fr", "SAIO", ""],
        ["Diallo", "Amina", "amina.diallo@ac-lyon.fr", "PSY-EN", "0690001B, 0690002C / 0690003D"],
      ),
    );
    expect(p.errors).toEqual([]);
    expect(p.people).toEqual<DirectoryPerson[]>([
      {
        lines: [2],
        email: "claire.martin@ac-lyon.fr",
        lastName: "Martin",
        firstName: "Claire",
        displayName: "Claire Martin",
        function: "Professeure",
        role: "STAFF",
        attachment: { kind: "SCHOOL", uais: ["0690001B"] },
      },
      {
        lines: [3],
        email: "julie.bernard@ac-lyon.fr",
        lastName: "Bernard",
        firstName: "Julie",
        displayName: "Julie Bernard",
        function: "Conseillère principale d'éducation",
        role: "CPE",
        attachment: { kind: "SCHOOL", uais: ["0690001B"] },
      },
      {
        lines: [4],
        email: "sophie.laurent@ac-lyon.fr",
        lastName: "Laurent",
        firstName: "Sophie",
        displayName: "Sophie Laurent",
        function: "Coordonnatrice MLDS",
        role: "COORDINATOR",
        attachment: { kind: "DISTRICT", bassinCode: "NORD" },
      },
      {
        lines: [5],
        email: "elise.faure@ac-lyon.fr",
        lastName: "Faure",
        firstName: "Élise",
        displayName: "Élise Faure",
        function: "IA-DASEN",
        role: "DSDEN",
        attachment: { kind: "DEPARTMENT", departmentCode: "069" },
      },
      {
        lines: [6],
        email: "nathalie.roux@ac-lyon.fr",
        lastName: "Roux",
        firstName: "Nathalie",
        displayName: "Nathalie Roux",
        function: "SAIO",
        role: "ADMIN",
        attachment: { kind: "ACADEMY" },
      },
      {
        lines: [7],
        email: "amina.diallo@ac-lyon.fr",
        lastName: "Diallo",
        firstName: "Amina",
        displayName: "Amina Diallo",
        function: "PSY-EN",
        role: "PSYEN",
        attachment: { kind: "SCHOOL", uais: ["0690001B", "0690002C", "0690003D"] },
      },
    ]);
  });

  it("matches the columns loosely, a UPN column included", () => {
    const p = parsePeople([
      ["Liste des personnels, rentrée 2026"],
      ["NOM D'USAGE", "Prénom usuel", "User Principal Name", "Fonction exercée", "Rattachement (UAI, bassin ou département)"],
      ["Martin", "Claire", "claire.martin@ac-lyon.fr", "Enseignante", "0690001B"],
    ]);
    expect(p.headerLine).toBe(2);
    expect(p.columns).toEqual({
      lastName: "NOM D'USAGE",
      firstName: "Prénom usuel",
      email: "User Principal Name",
      function: "Fonction exercée",
      attachment: "Rattachement (UAI, bassin ou département)",
    });
    expect(p.people.map((x) => [x.lines, x.role])).toEqual([[[3], "STAFF"]]);
  });

  it("reports an unknown function with its line and column", () => {
    const p = parsePeople(list(["Martin", "Claire", "claire.martin@ac-lyon.fr", "Cuisinière", "0690001B"]));
    expect(p.people).toEqual([]);
    expect(p.errors).toEqual([{ line: 2, column: 4, header: "Fonction", field: "function", code: "UNKNOWN_FUNCTION", value: "Cuisinière" }]);
  });

  it.each([
    ["a school role without a UAI", "Professeur", "NORD", "EXPECTED_SCHOOL", "NORD"],
    ["a school role without anything", "CPE", "", "REQUIRED", undefined],
    ["a school role with a wrong check letter", "Proviseur", "0690001A", "UAI_CHECK_LETTER", "0690001A"],
    ["a school role with a malformed UAI", "Infirmière", "069001B", "EXPECTED_SCHOOL", "069001B"],
    ["a bassin role with a UAI", "Coordonnateur MLDS", "0690001B", "EXPECTED_BASSIN", "0690001B"],
    ["a bassin role without a bassin", "IEN-IO", "", "REQUIRED", undefined],
    ["a DSDEN role with a bassin", "DASEN", "NORD", "EXPECTED_DEPARTMENT", "NORD"],
    ["an admin with a school", "SAIO", "0690001B", "EXPECTED_ACADEMY", "0690001B"],
  ])("refuses %s", (_, fn, attachment, code, value) => {
    const p = parsePeople(list(["Martin", "Claire", "claire.martin@ac-lyon.fr", fn, attachment]));
    expect(p.people).toEqual([]);
    expect(p.errors).toEqual([{ line: 2, column: 5, header: "Rattachement", field: "attachment", code, ...(value !== undefined ? { value } : {}) }]);
  });

  it("lets an admin's rattachement name the académie", () => {
    for (const attachment of ["", "Académie", "rectorat", "10", "Lyon", "Académie de Lyon"]) {
      const p = parsePeople(list(["Roux", "Nathalie", "nathalie.roux@ac-lyon.fr", "SAIO", attachment]), { academy: ["10", "Lyon"] });
      expect(p.errors, attachment).toEqual([]);
    }
    const admin = (attachment: string, academy: string) =>
      parsePeople(list(["Roux", "Nathalie", "nathalie.roux@ac-lyon.fr", "SAIO", attachment]), { academy }).errors.map((e) => e.code);
    expect(admin("Grenoble", "Lyon")).toEqual(["EXPECTED_ACADEMY"]);
    expect(admin("08", "10")).toEqual(["EXPECTED_ACADEMY"]);
    expect(admin("Lyon", "Lyon")).toEqual([]);
    // Given by its code only, the académie is not recognised by its name.
    expect(admin("Lyon", "10")).toEqual(["EXPECTED_ACADEMY"]);
  });

  it("checks the rattachement against the académie's places when it is given them", () => {
    const known = { uais: new Set(["0690001B"]), bassins: [{ code: "NORD", name: "Bassin Nord" }], departmentCodes: new Set(["069"]) };
    const p = parsePeople(
      list(
        ["A", "Un", "un@ac-lyon.fr", "Professeur", "0690001B"],
        ["B", "Deux", "deux@ac-lyon.fr", "Professeur", "0690002C"],
        ["C", "Trois", "trois@ac-lyon.fr", "Coordonnateur MLDS", "Bassin Nord"],
        ["D", "Quatre", "quatre@ac-lyon.fr", "Coordonnateur MLDS", "SUD"],
        ["E", "Cinq", "cinq@ac-lyon.fr", "DASEN", "042"],
      ),
      { known },
    );
    expect(p.people.map((x) => [x.email, x.attachment])).toEqual([
      ["un@ac-lyon.fr", { kind: "SCHOOL", uais: ["0690001B"] }],
      ["trois@ac-lyon.fr", { kind: "DISTRICT", bassinCode: "NORD" }],
    ]);
    expect(p.errors.map((e) => [e.line, e.code, e.value])).toEqual([
      [3, "UNKNOWN_SCHOOL", "0690002C"],
      [5, "UNKNOWN_BASSIN", "SUD"],
      [6, "UNKNOWN_DEPARTMENT", "042"],
    ]);
  });

  it("refuses missing names, a name with digits and a malformed e-mail, without echoing the address", () => {
    const p = parsePeople(
      list(
        ["", "Claire", "claire.martin@ac-lyon.fr", "Professeur", "0690001B"],
        ["Martin2", "Claire", "claire.martin@ac-lyon.fr", "Professeur", "0690001B"],
        ["Martin", "Claire", "claire.martin@", "Professeur", "0690001B"],
        ["Martin", "Claire", "", "Professeur", "0690001B"],
      ),
    );
    expect(p.errors).toEqual([
      { line: 2, column: 1, header: "Nom", field: "lastName", code: "REQUIRED" },
      { line: 3, column: 1, header: "Nom", field: "lastName", code: "INVALID_NAME", value: "Martin2" },
      { line: 4, column: 3, header: "Courriel", field: "email", code: "INVALID_EMAIL" },
      { line: 5, column: 3, header: "Courriel", field: "email", code: "REQUIRED" },
    ]);
  });

  it("says which columns a list lacks", () => {
    expect(
      parsePeople([
        ["Nom", "Prénom", "Courriel"],
        ["Martin", "Claire", "c@ac-lyon.fr"],
      ]).missing,
    ).toEqual(["function", "attachment"]);
    expect(parsePeople([]).missing).toEqual(["lastName", "firstName", "email", "function", "attachment"]);
  });
});

describe("a person on several lines", () => {
  it("merges the lines of a person who works in several schools in the same role", () => {
    const p = parsePeople(
      list(
        ["Girard", "Thomas", "thomas.girard@ac-lyon.fr", "PLP", "0690002C"],
        ["Martin", "Claire", "claire.martin@ac-lyon.fr", "Professeure", "0690001B"],
        ["Girard", "Thomas", "Thomas.Girard@ac-lyon.fr", "Professeur", "0690003D, 0690002C"],
      ),
    );
    expect(p.errors).toEqual([]);
    expect(p.people.map((x) => [x.email, x.lines, x.function, x.attachment])).toEqual([
      ["thomas.girard@ac-lyon.fr", [2, 4], "PLP", { kind: "SCHOOL", uais: ["0690002C", "0690003D"] }],
      ["claire.martin@ac-lyon.fr", [3], "Professeure", { kind: "SCHOOL", uais: ["0690001B"] }],
    ]);
  });

  it("names the first line of any other repetition", () => {
    const p = parsePeople(
      list(
        ["Girard", "Thomas", "thomas.girard@ac-lyon.fr", "Professeur", "0690002C"],
        ["Girard", "Thomas", "thomas.girard@ac-lyon.fr", "Enseignant", "0690002C"],
        ["Girard", "Thomas", "thomas.girard@ac-lyon.fr", "Référent décrochage", "0690002C"],
        ["Laurent", "Sophie", "sophie.laurent@ac-lyon.fr", "Coordonnatrice MLDS", "NORD"],
        ["Laurent", "Sophie", "sophie.laurent@ac-lyon.fr", "Coordonnatrice MLDS", "nord"],
        ["Laurent", "Sophie", "sophie.laurent@ac-lyon.fr", "Coordonnatrice MLDS", "SUD"],
      ),
    );
    expect(p.errors).toEqual([
      { line: 3, column: 3, header: "Courriel", field: "email", code: "DUPLICATE_PERSON", otherLine: 2 },
      { line: 4, column: 4, header: "Fonction", field: "function", code: "CONFLICTING_ROLES", value: "Référent décrochage", otherLine: 2 },
      { line: 6, column: 3, header: "Courriel", field: "email", code: "DUPLICATE_PERSON", otherLine: 5 },
      { line: 7, column: 5, header: "Rattachement", field: "attachment", code: "SEVERAL_PLACES", value: "SUD", otherLine: 5 },
    ]);
    expect(p.people.map((x) => x.lines)).toEqual([[2], [5]]);
  });
});

describe("a large académie", () => {
  it("reads a staff list of 5,000 people over 1,500 schools", () => {
    const extract = generateDirectoryExtract({ schools: 1500, seed: 3 });
    const staff = generateStaffList({
      people: 5000,
      seed: 4,
      schools: extract.schools,
      bassins: extract.bassins,
      departments: ["001", "007", "026", "042", "069"],
    });
    const known = { uais: new Set(extract.schools.map((s) => s.uai)), bassins: extract.bassins, departmentCodes: new Set(["001", "007", "026", "042", "069"]) };
    const p = parsePeople(staff.records, { academy: "10", known });
    expect(p.errors).toEqual([]);
    expect(p.people).toHaveLength(5000);
    expect(p.rows).toBe(staff.lines);
    const byEmail = new Map(p.people.map((x) => [x.email, x]));
    for (const g of staff.people) {
      const x = byEmail.get(g.email)!;
      expect(x.role, g.email).toBe(g.role);
      if (x.attachment.kind === "SCHOOL") expect(x.attachment.uais).toEqual(g.uais);
      if (x.attachment.kind === "DISTRICT") expect(x.attachment.bassinCode).toBe(g.bassinCode);
      if (x.attachment.kind === "DEPARTMENT") expect(x.attachment.departmentCode).toBe(g.departmentCode);
    }
  });

  it("generates the same files from the same seed, and other files from another", () => {
    const a = generateDirectoryExtract({ schools: 50, seed: 1 });
    expect(generateDirectoryExtract({ schools: 50, seed: 1 }).csv).toBe(a.csv);
    expect(generateDirectoryExtract({ schools: 50, seed: 2 }).csv).not.toBe(a.csv);
    const s = (seed: number) => generateStaffList({ people: 100, seed, schools: a.schools, bassins: a.bassins, departments: ["069"] }).csv;
    expect(s(5)).toBe(s(5));
    expect(s(5)).not.toBe(s(6));
  });
});

describe("compareMembers", () => {
  const person = (email: string, role: DirectoryPerson["role"], attachment: DirectoryPerson["attachment"]): DirectoryPerson => ({
    lines: [2],
    email,
    lastName: "X",
    firstName: "Y",
    displayName: "Y X",
    function: "f",
    role,
    attachment,
  });
  const member = (id: string, email: string | null, role: CurrentMember["role"], place: Partial<CurrentMember> = {}): CurrentMember => ({
    id,
    email,
    role,
    active: true,
    schoolUais: [],
    districtCode: null,
    departmentCode: null,
    ...place,
  });

  it("sorts the new list into people to create, to update, unchanged, and members missing from it", () => {
    const people = [
      person("new@ac-lyon.fr", "STAFF", { kind: "SCHOOL", uais: ["0690001B"] }),
      person("same@ac-lyon.fr", "STAFF", { kind: "SCHOOL", uais: ["0690001B", "0690002C"] }),
      person("promoted@ac-lyon.fr", "CPE", { kind: "SCHOOL", uais: ["0690001B"] }),
      person("moved@ac-lyon.fr", "COORDINATOR", { kind: "DISTRICT", bassinCode: "SUD" }),
      person("back@ac-lyon.fr", "DSDEN", { kind: "DEPARTMENT", departmentCode: "069" }),
      person("admin@ac-lyon.fr", "ADMIN", { kind: "ACADEMY" }),
      person("became-ien@ac-lyon.fr", "IEN_IO", { kind: "DISTRICT", bassinCode: "NORD" }),
    ];
    const current = [
      member("m-same", "Same@AC-Lyon.fr", "STAFF", { schoolUais: ["0690002C", "0690001B"] }),
      member("m-promoted", "promoted@ac-lyon.fr", "STAFF", { schoolUais: ["0690001B"] }),
      member("m-moved", "moved@ac-lyon.fr", "COORDINATOR", { districtCode: "nord" }),
      member("m-back", "back@ac-lyon.fr", "DSDEN", { departmentCode: "069", active: false }),
      member("m-admin", "admin@ac-lyon.fr", "ADMIN"),
      member("m-ien", "became-ien@ac-lyon.fr", "STAFF", { schoolUais: ["0690001B"] }),
      member("m-gone", "gone@ac-lyon.fr", "REFERENT", { schoolUais: ["0690001B"] }),
      member("m-left", "left@ac-lyon.fr", "STAFF", { schoolUais: ["0690001B"], active: false }),
      member("m-teams", null, "STAFF", { schoolUais: ["0690001B"] }),
    ];
    const c = compareMembers(people, current);
    expect(c.toCreate.map((p) => p.email)).toEqual(["new@ac-lyon.fr"]);
    expect(c.unchanged.map((u) => u.memberId)).toEqual(["m-same", "m-admin"]);
    expect(c.toUpdate.map((u) => [u.memberId, u.changes])).toEqual([
      ["m-promoted", ["ROLE"]],
      ["m-moved", ["PLACE"]],
      ["m-back", ["REACTIVATE"]],
      ["m-ien", ["ROLE", "PLACE"]],
    ]);
    // Never deleted: proposed for deactivation (already deactivated members are left alone).
    expect(c.missing.map((m) => m.id)).toEqual(["m-gone"]);
    expect(c.withoutEmail.map((m) => m.id)).toEqual(["m-teams"]);
  });

  it("matches an active member rather than a deactivated one with the same e-mail", () => {
    const c = compareMembers(
      [person("a@ac-lyon.fr", "STAFF", { kind: "SCHOOL", uais: ["0690001B"] })],
      [
        member("old", "a@ac-lyon.fr", "STAFF", { schoolUais: ["0690001B"], active: false }),
        member("current", "a@ac-lyon.fr", "STAFF", { schoolUais: ["0690001B"] }),
      ],
    );
    expect(c.unchanged.map((u) => u.memberId)).toEqual(["current"]);
    expect(c.missing).toEqual([]);
  });

  it("finds nothing to do when the list imported is read again", () => {
    const extract = generateDirectoryExtract({ schools: 100, seed: 9 });
    const staff = parsePeople(generateStaffList({ people: 400, seed: 10, schools: extract.schools, bassins: extract.bassins, departments: ["069"] }).records);
    const current = staff.people.map((p, i) =>
      member(`m${i}`, p.email, p.role, {
        schoolUais: p.attachment.kind === "SCHOOL" ? [...p.attachment.uais].reverse() : [],
        districtCode: p.attachment.kind === "DISTRICT" ? p.attachment.bassinCode : null,
        departmentCode: p.attachment.kind === "DEPARTMENT" ? p.attachment.departmentCode : null,
      }),
    );
    const c = compareMembers(staff.people, current);
    expect([c.toCreate.length, c.toUpdate.length, c.missing.length, c.unchanged.length]).toEqual([0, 0, 0, 400]);
  });
});
