import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DirectorySchoolService } from "../../src/services/directory-schools.js";
import { createStore } from "../../src/store/index.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";
import { bassinsFileOf, generateDirectoryExtract } from "../helpers/directory-files.js";

const SAMPLE = readFileSync("data/samples/annuaire-education.csv");
const BASSINS = readFileSync("data/samples/bassins.csv");
const system = { kind: "system" as const };
const file = (name: string, text: string | Buffer) => ({ name, bytes: typeof text === "string" ? new TextEncoder().encode(text) : new Uint8Array(text) });
const sampleText = SAMPLE.toString("utf8");
const lines = sampleText.trimEnd().split("\n");

/** The sample with one line's cell replaced (columns counted from 0). */
function withCell(uai: string, column: number, value: string): string {
  return `${lines
    .map((l) =>
      l.startsWith(uai)
        ? l
            .split(";")
            .map((c, i) => (i === column ? value : c))
            .join(";")
        : l,
    )
    .join("\n")}\n`;
}
const NAME = 1;
const STATE = 56;
const BASSIN_CODE = 67;
const BASSIN_NAME = 68;

describe.each(DATABASE_KINDS)("directory import of schools (%s)", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let service: DirectorySchoolService;

  beforeEach(async () => {
    db = await openTestDatabase(kind);
    service = new DirectorySchoolService(createStore(db), () => new Date("2026-12-06T10:00:00Z"));
  });
  afterEach(async () => {
    await db.drop();
  });

  async function importFile(text: string | Buffer, bassins?: string | Buffer) {
    const outcome = await service.preview(system, {
      academy: "10",
      file: file("annuaire.csv", text),
      bassins: bassins === undefined ? null : file("bassins.csv", bassins),
    });
    if (!outcome.ok) throw new Error(outcome.reason);
    const done = await service.confirm(system, outcome.preview.importId);
    return { preview: outcome.preview, done };
  }

  it("creates the académie's schools and bassins, then recognises them: a re-import creates nothing and updates names and states", async () => {
    const first = await importFile(SAMPLE, BASSINS);
    expect(first.preview).toMatchObject({ kept: 7, create: 7, update: 0, unchanged: 0, closed: 1, newBassins: ["NORD", "SUD"], errors: [], withoutBassin: [] });
    expect(first.preview.ignored).toMatchObject({ OTHER_ACADEMY: 1, FIRST_DEGREE: 1, PRIVATE_WITHOUT_CONTRACT: 1, OTHER_NATURE: 1 });
    expect(first.done).toMatchObject({ ok: true, result: { created: 7, newBassins: 2 } });
    expect(await db.prisma.school.count()).toBe(7);
    const nord = await db.prisma.district.findUniqueOrThrow({ where: { code: "NORD" } });
    expect(nord).toMatchObject({ name: "Bassin Nord", departmentCode: "069" });
    expect(await db.prisma.school.findUniqueOrThrow({ where: { uai: "0690003D" } })).toMatchObject({
      name: "Collège Jules-Ferry",
      kind: "COLLEGE",
      academyCode: "10",
      departmentCode: "069",
      state: "OPEN",
      districtId: nord.id,
    });
    expect(await db.prisma.directoryImport.findFirstOrThrow({ where: { status: "APPLIED" } })).toMatchObject({
      kind: "SCHOOLS",
      rows: null,
      academyCode: "10",
    });

    const same = await importFile(SAMPLE, BASSINS);
    expect(same.preview).toMatchObject({ create: 0, update: 0, unchanged: 7, newBassins: [] });

    const renamed = withCell("0690003D", NAME, "Collège Jules-Ferry (cité scolaire)").replace(/^(0690006G.*?;)OUVERT;/m, "$1FERME;");
    const again = await importFile(renamed, BASSINS);
    expect(again.preview).toMatchObject({ create: 0, update: 2, unchanged: 5, closed: 2 });
    expect(await db.prisma.school.count()).toBe(7);
    expect(await db.prisma.district.count()).toBe(2);
    expect(await db.prisma.school.findUniqueOrThrow({ where: { uai: "0690003D" } })).toMatchObject({ name: "Collège Jules-Ferry (cité scolaire)" });
    expect(await db.prisma.school.findUniqueOrThrow({ where: { uai: "0690006G" } })).toMatchObject({ state: "CLOSED" });
  });

  it("keeps a closed school's cases and history", async () => {
    await importFile(SAMPLE, BASSINS);
    const school = await db.prisma.school.findUniqueOrThrow({ where: { uai: "0690006G" } });
    const pupil = await db.prisma.pupil.create({ data: { schoolId: school.id, lastName: "Test", firstName: "Léa", nameKey: "test lea", birthYear: 2011 } });
    await db.prisma.case.create({
      data: {
        reference: "D-2026-0001",
        pupilId: pupil.id,
        schoolId: school.id,
        districtId: school.districtId,
        status: "NEW",
        source: "REPORT",
        urgency: 2,
      } as never,
    });
    await importFile(withCell("0690006G", STATE, "FERME"), BASSINS);
    expect(await db.prisma.school.findUniqueOrThrow({ where: { uai: "0690006G" } })).toMatchObject({ state: "CLOSED" });
    expect(await db.prisma.case.count({ where: { schoolId: school.id } })).toBe(1);
    expect(await db.prisma.pupil.count({ where: { schoolId: school.id } })).toBe(1);
  });

  it("changes nothing when a file has errors, and says where they are", async () => {
    await importFile(SAMPLE, BASSINS);
    const bad = withCell("0690003D", NAME, "Collège renommé").replace("0690004E;", "0690004X;");
    const outcome = await service.preview(system, { academy: "10", file: file("annuaire.csv", bad), bassins: null });
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.preview.errors).toEqual([
      { file: "schools", line: 5, column: 1, header: "Identifiant_de_l_etablissement", code: "UAI_CHECK_LETTER", value: "0690004X" },
    ]);
    expect(await service.confirm(system, outcome.preview.importId)).toEqual({ ok: false, reason: "HAS_ERRORS" });
    expect(await db.prisma.school.findUniqueOrThrow({ where: { uai: "0690003D" } })).toMatchObject({ name: "Collège Jules-Ferry" });
    expect(await db.prisma.directoryImport.findUniqueOrThrow({ where: { id: outcome.preview.importId } })).toMatchObject({ status: "CANCELLED", rows: null });
  });

  it("lists a new school without a bassin and does not create it; a known school keeps its bassin", async () => {
    const noBassin = lines
      .slice()
      .join("\n")
      .split("\n")
      .map((l) =>
        l.startsWith("0690005F") || l.startsWith("0690003D")
          ? l
              .split(";")
              .map((c, i) => (i === BASSIN_CODE || i === BASSIN_NAME ? "" : c))
              .join(";")
          : l,
      )
      .join("\n");
    await importFile(lines.filter((l) => !l.startsWith("0690005F")).join("\n"));
    const { preview } = await importFile(noBassin);
    expect(preview.withoutBassin).toEqual([{ line: 6, uai: "0690005F", name: "Lycée professionnel Louise-Michel" }]);
    expect(preview.create).toBe(0);
    expect(await db.prisma.school.findUnique({ where: { uai: "0690005F" } })).toBeNull();
    expect(await db.prisma.school.findUniqueOrThrow({ where: { uai: "0690003D" }, include: { district: true } })).toMatchObject({ district: { code: "NORD" } });
  });

  it("lists the schools that will have no owner: no référent or head, no route for their cases", async () => {
    const first = await importFile(SAMPLE, BASSINS);
    // Six open schools, nobody yet.
    expect(first.preview.ownerlessCount).toBe(6);
    expect(first.preview.ownerless[0]).toEqual({ uai: "0690003D", name: "Collège Jules-Ferry", districtCode: "NORD", noLead: true, noRoute: true });
    const nord = await db.prisma.district.findUniqueOrThrow({ where: { code: "NORD" } });
    const hugo = await db.prisma.school.findUniqueOrThrow({ where: { uai: "0690001B" } });
    await db.prisma.member.create({ data: { displayName: "Coord", role: "COORDINATOR", districtId: nord.id } });
    await db.prisma.member.create({ data: { displayName: "Réf", role: "REFERENT", schools: { create: { schoolId: hugo.id } } } });
    const inactive = await db.prisma.member.create({ data: { displayName: "Ancien", role: "HEAD", active: false } });
    await db.prisma.memberSchool.create({
      data: { memberId: inactive.id, schoolId: (await db.prisma.school.findUniqueOrThrow({ where: { uai: "0690003D" } })).id },
    });
    const list = await service.ownerless("10");
    expect(list.map((s) => [s.uai, s.noLead, s.noRoute])).toEqual([
      ["0690003D", true, false],
      ["0690002C", true, false],
      ["0690006G", true, true],
      ["0690005F", true, true],
      ["0690004E", true, true],
    ]);
  });

  it("imports 300 generated schools of the « Adresse et géolocalisation » layout", async () => {
    const extract = generateDirectoryExtract({ schools: 300, seed: 7, layout: "geolocalisation" });
    const { preview, done } = await importFile(extract.csv, bassinsFileOf(extract.schools).csv);
    expect(preview.errors).toEqual([]);
    expect(preview.create).toBe(300);
    expect(done.ok).toBe(true);
    expect(await db.prisma.school.count()).toBe(300);
  });
});
