import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type Services } from "../../src/services/index.js";
import { createStore } from "../../src/store/index.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";
import { seedPlaces, type PlaceIds } from "../helpers/directory-places.js";
import { generateDirectoryExtract, generateStaffList } from "../helpers/directory-files.js";

const SAMPLE = readFileSync("data/samples/personnels.csv");
const HEADER = "Nom;Prénom;Courriel;Fonction;Rattachement";
const file = (name: string, lines: string[]) => ({ name, bytes: Buffer.from([HEADER, ...lines].join("\n") + "\n") });

describe.each(DATABASE_KINDS)("staff list import (%s)", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let services: Services;
  let places: PlaceIds;
  const system = { kind: "system" as const };

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    places = await seedPlaces(db);
    services = createServices(createStore(db));
  });
  afterAll(async () => db?.drop());

  it("refuses a file with errors, naming line and column, and changes nothing", async () => {
    const outcome = await services.directoryPeople.preview(
      system,
      file("erreurs.csv", [
        "Martin;Claire;claire.martin@ac-demo.fr;Professeure;0690001B",
        "Durand;Paul;paul.durand@ac-demo.fr;Jardinier;0690001B",
        "Leroy;Anne;anne.leroy@ac-demo.fr;CPE;0690999Z",
        "Simon;Léo;leo.simon@ac-demo.fr;Coordonnateur MLDS;EST",
      ]),
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.preview.importId).toBeNull();
    expect(outcome.preview.errors.map((e) => [e.line, e.column, e.code])).toEqual([
      [3, 4, "UNKNOWN_FUNCTION"],
      [4, 5, expect.stringMatching(/UNKNOWN_SCHOOL|UAI_CHECK_LETTER/)],
      [5, 5, "UNKNOWN_BASSIN"],
    ]);
    expect(await db.prisma.member.count()).toBe(0);
    expect(await db.prisma.directoryImport.count()).toBe(0);
  });

  it("creates the sample list's people with their roles and places, audited, then finds nothing new", async () => {
    const outcome = await services.directoryPeople.preview(system, { name: "personnels.csv", bytes: SAMPLE });
    if (!outcome.ok) throw new Error(outcome.reason);
    const p = outcome.preview;
    expect(p.errors).toEqual([]);
    expect(p).toMatchObject({ rows: 16, people: 15, toCreate: 15, toUpdate: [], unchanged: 0, toDeactivate: [] });
    expect(p.byRole).toMatchObject({ STAFF: 2, REFERENT: 2, COORDINATOR: 2, ADMIN: 1, HEAD: 2, DSDEN: 1, IEN_IO: 1 });
    expect(p.importId).not.toBeNull();
    expect(await db.prisma.member.count()).toBe(0);

    const done = await services.directoryPeople.confirm(system, p.importId!);
    expect(done).toMatchObject({ ok: true, result: { created: 15, updated: 0, unchanged: 0 } });
    const thomas = await db.prisma.member.findUniqueOrThrow({
      where: { email: "thomas.girard@demo.repere.fr" },
      include: { schools: { include: { school: true } } },
    });
    expect(thomas).toMatchObject({ displayName: "Thomas Girard", role: "STAFF", function: "PLP", tenantId: null, aadObjectId: null, active: true });
    expect(thomas.schools.map((s) => s.school.uai).sort()).toEqual(["0690002C", "0690003D"]);
    expect(await db.prisma.member.findUniqueOrThrow({ where: { email: "sophie.laurent@demo.repere.fr" } })).toMatchObject({
      role: "COORDINATOR",
      districtId: places.districts.get("NORD"),
    });
    expect(await db.prisma.member.findUniqueOrThrow({ where: { email: "elise.faure@demo.repere.fr" } })).toMatchObject({
      role: "DSDEN",
      departmentCode: "069",
      districtId: null,
    });
    expect(await db.prisma.memberEvent.count({ where: { kind: "CREATED", actorId: null } })).toBe(15);
    expect(await db.prisma.directoryImport.findUniqueOrThrow({ where: { id: p.importId! } })).toMatchObject({ kind: "PEOPLE", status: "APPLIED", rows: null });

    expect(await services.directoryPeople.confirm(system, p.importId!)).toEqual({ ok: false, reason: "ALREADY_APPLIED" });
    const again = await services.directoryPeople.preview(system, { name: "personnels.csv", bytes: SAMPLE });
    if (!again.ok) throw new Error(again.reason);
    expect(again.preview).toMatchObject({ importId: null, toCreate: 0, toUpdate: [], unchanged: 15 });
    expect(await db.prisma.member.count()).toBe(15);
  });

  it("updates roles and places, reactivates, and only proposes to deactivate who is missing", async () => {
    await db.prisma.member.update({ where: { email: "luc.fontaine@demo.repere.fr" }, data: { active: false } });
    const lines = readFileSync("data/samples/personnels.csv", "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .filter((l) => !l.startsWith("Roux;"))
      .map((l) => (l.startsWith("Martin;Claire") ? "Martin;Claire;claire.martin@demo.repere.fr;CPE;0690004E" : l));
    const outcome = await services.directoryPeople.preview(system, file("personnels-2.csv", lines));
    if (!outcome.ok) throw new Error(outcome.reason);
    const p = outcome.preview;
    expect(p.toUpdate).toEqual([
      { line: 2, displayName: "Claire Martin", email: "claire.martin@demo.repere.fr", role: "CPE", changes: ["ROLE", "PLACE"] },
      expect.objectContaining({ displayName: "Luc Fontaine", changes: ["REACTIVATE"] }),
    ]);
    expect(p.toDeactivate).toEqual([{ displayName: "Nathalie Roux", email: "nathalie.roux@demo.repere.fr", role: "ADMIN", openCases: 0 }]);

    const done = await services.directoryPeople.confirm(system, p.importId!);
    expect(done).toMatchObject({ ok: true, result: { created: 0, updated: 2, reactivated: 1, missing: 1 } });
    const claire = await db.prisma.member.findUniqueOrThrow({
      where: { email: "claire.martin@demo.repere.fr" },
      include: { schools: true, events: { orderBy: { createdAt: "asc" } } },
    });
    expect(claire.role).toBe("CPE");
    expect(claire.schools.map((s) => s.schoolId)).toEqual([places.schools.get("0690004E")]);
    expect(claire.events.map((e) => e.kind)).toEqual(["CREATED", "ROLE_CHANGED", "PLACE_CHANGED"]);
    expect(claire.events[1]!.detail).toMatchObject({ from: "STAFF", to: "CPE" });
    expect(await db.prisma.member.findUniqueOrThrow({ where: { email: "luc.fontaine@demo.repere.fr" } })).toMatchObject({ active: true });
    expect(await db.prisma.member.findUniqueOrThrow({ where: { email: "nathalie.roux@demo.repere.fr" } })).toMatchObject({ active: true });
    expect(await db.prisma.memberEvent.count({ where: { kind: "REACTIVATED" } })).toBe(1);
  });

  it("lets only the académie's admins import, and gives DSDEN members their département", async () => {
    await db.prisma.member.update({ where: { email: "elise.faure@demo.repere.fr" }, data: { tenantId: "t", aadObjectId: "aad-elise" } });
    const elise = await services.members.identify("t", "aad-elise");
    expect(elise).toMatchObject({ role: "DSDEN", departmentCode: "069" });
    expect(await services.directoryPeople.preview({ kind: "member", actor: elise! }, { name: "personnels.csv", bytes: SAMPLE })).toEqual({
      ok: false,
      reason: "FORBIDDEN",
    });
    await db.prisma.member.update({ where: { email: "nathalie.roux@demo.repere.fr" }, data: { tenantId: "t", aadObjectId: "aad-nathalie" } });
    const admin = await services.members.identify("t", "aad-nathalie");
    const outcome = await services.directoryPeople.preview(
      { kind: "member", actor: admin! },
      file("un.csv", ["Neuf;Jean;jean.neuf@demo.repere.fr;Professeur;0690007H"]),
    );
    expect(outcome).toMatchObject({ ok: true, preview: { toCreate: 1 } });
    if (!outcome.ok) return;
    expect(await services.directoryPeople.confirm(system, outcome.preview.importId!)).toEqual({ ok: false, reason: "FORBIDDEN" });
    expect(await services.directoryPeople.confirm({ kind: "member", actor: admin! }, outcome.preview.importId!)).toMatchObject({
      ok: true,
      result: { created: 1 },
    });
    expect(await db.prisma.memberEvent.findFirstOrThrow({ where: { member: { email: "jean.neuf@demo.repere.fr" } } })).toMatchObject({
      kind: "CREATED",
      actorId: admin!.memberId,
    });
  });
});

describe("a staff list of 5,000 people", () => {
  it("is applied whole over 1,500 schools, then read again without any change", async () => {
    const db = await openTestDatabase("postgres");
    try {
      const extract = generateDirectoryExtract({ schools: 1_500, seed: 7 });
      await seedPlaces(db, {
        bassins: extract.bassins,
        schools: extract.schools.map((s) => ({ uai: s.uai, name: s.name, bassin: s.bassinCode, departmentCode: s.departmentCode })),
      });
      const departments = [...new Set(extract.schools.map((s) => s.departmentCode))];
      const list = generateStaffList({ people: 5_000, seed: 7, schools: extract.schools, bassins: extract.bassins, departments });
      const services = createServices(createStore(db));
      const system = { kind: "system" as const };
      const p = await services.directoryPeople.preview(system, { name: "personnels.csv", bytes: Buffer.from(list.csv) });
      if (!p.ok) throw new Error(p.reason);
      expect(p.preview.errors).toEqual([]);
      expect(p.preview.toCreate).toBe(5_000);
      expect(await services.directoryPeople.confirm(system, p.preview.importId!)).toMatchObject({ ok: true, result: { created: 5_000 } });
      expect(await db.prisma.member.count()).toBe(5_000);
      expect(await db.prisma.memberEvent.count({ where: { kind: "CREATED" } })).toBe(5_000);
      const twoSchools = list.people.filter((x) => x.uais.length === 2);
      expect(twoSchools.length).toBeGreaterThan(0);
      expect(await db.prisma.memberSchool.count()).toBe(list.people.reduce((n, x) => n + x.uais.length, 0));
      const again = await services.directoryPeople.preview(system, { name: "personnels.csv", bytes: Buffer.from(list.csv) });
      expect(again).toMatchObject({ ok: true, preview: { importId: null, toCreate: 0, toUpdate: [], unchanged: 5_000 } });
    } finally {
      await db.drop();
    }
  });
});
