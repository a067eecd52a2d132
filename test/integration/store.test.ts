import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createStore, type Store } from "../../src/store/index.js";
import { applyMigrations, readMigrations } from "../../src/store/migrate.js";
import { DEMO_CHANNELS, DEMO_PEOPLE, DEMO_SCHOOLS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";
import pg from "pg";
import { nameKey } from "../../src/domain/text.js";
import { seedDemo } from "../../src/services/demo-academie.js";

describe.each(DATABASE_KINDS)("store on %s", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
    store = createStore(db);
  });
  afterAll(async () => db?.drop());

  it("has applied every migration, and applying them again changes nothing", async () => {
    const names = readMigrations().map((m) => m.name);
    expect(names.length).toBeGreaterThan(0);
    const rows = await db.prisma.$queryRawUnsafe<{ migration_name: string }[]>(`SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(rows.map((r) => r.migration_name)).toEqual(names);
  });

  it("seeds the demo académie once, and only into an empty database", async () => {
    expect(await seedDemo(store, { onlyIfEmpty: true })).toBe(true);
    expect(await seedDemo(store, { onlyIfEmpty: true })).toBe(false);
    await seedDemo(store, { onlyIfEmpty: false }); // idempotent when forced
    // The sample files' six open schools and one closed collège, their two bassins, and the staff
    // list's fifteen people (one of them on two lines), all through the directory imports.
    expect(await db.prisma.school.count({ where: { state: "OPEN" } })).toBe(6);
    expect(await db.prisma.school.count({ where: { state: "CLOSED" } })).toBe(1);
    expect(await db.prisma.district.count()).toBe(2);
    expect(await db.prisma.member.count()).toBe(15);
    expect(await db.prisma.directoryImport.count({ where: { status: "APPLIED" } })).toBe(2);
    const kinds = new Set((await db.prisma.school.findMany()).map((s) => s.kind));
    expect(kinds).toEqual(new Set(["LYCEE_GT", "LYCEE_PRO", "COLLEGE"]));
    const roles = new Set((await db.prisma.member.findMany()).map((m) => m.role));
    expect(roles.size).toBe(11);
    // The Playground's people are bound to its Teams identities, the others wait for their first message.
    const bound = await db.prisma.member.findMany({ where: { aadObjectId: { not: null } }, select: { email: true } });
    expect(bound.map((m) => m.email).sort()).toEqual(DEMO_PEOPLE.map((p) => p.email).sort());
  });

  it("finds a member by Teams identity with their scope", async () => {
    const claire = await store.members.findByAad(DEMO_TENANT_ID, DEMO_PEOPLE[0]!.aadObjectId);
    expect(claire).toMatchObject({ displayName: "Claire Martin", role: "STAFF" });
    expect(claire!.schoolIds).toHaveLength(1);
    expect(await store.members.findByAad("another-tenant", DEMO_PEOPLE[0]!.aadObjectId)).toBeNull();
  });

  it("remembers conversation references and finds a person's personal chat", async () => {
    const reference = { conversation: { id: "a:1" }, serviceUrl: "http://x", bot: { id: "b" } };
    await store.conversations.upsert({
      conversationId: "a:1",
      kind: "PERSONAL",
      tenantId: DEMO_TENANT_ID,
      aadObjectId: "aad-1",
      teamId: null,
      channelId: null,
      serviceUrl: "http://x",
      reference,
    });
    await store.conversations.upsert({
      conversationId: "a:1",
      kind: "PERSONAL",
      tenantId: DEMO_TENANT_ID,
      aadObjectId: "aad-1",
      teamId: null,
      channelId: null,
      serviceUrl: "http://y",
      reference,
    });
    const found = await store.conversations.personalChatOf("aad-1");
    expect(found).toMatchObject({ conversationId: "a:1", serviceUrl: "http://y", reference });
  });

  it("brings name keys stored by earlier versions to the folded form, so that duplicates are found (migration name_key_fold)", async () => {
    const claire = (await store.members.findByAad(DEMO_TENANT_ID, DEMO_PEOPLE[0]!.aadObjectId))!;
    const schoolId = claire.schoolIds[0]!;
    // Keys as earlier versions wrote them: hyphens and apostrophes kept.
    const earlier = [
      { lastName: "Lefèvre-Nguyen", firstName: "Anh", nameKey: "lefevre-nguyen anh", sameAs: ["Lefèvre Nguyen", "Anh"] },
      { lastName: "N'Diaye", firstName: "Awa-Marie", nameKey: "n'diaye awa-marie", sameAs: ["Ndiaye", "Awa Marie"] },
      { lastName: "Dupont", firstName: "Léon", nameKey: "dupont leon", sameAs: ["DUPONT", "Léon"] },
    ] as const;
    for (const [i, p] of earlier.entries()) {
      await store.cases.recordReport({
        submissionKey: `name-key-fold-${i}`,
        reporterId: claire.id,
        schoolId,
        pupil: { lastName: p.lastName, firstName: p.firstName, nameKey: p.nameKey, birthYear: 2009, className: "1re 1" },
        signals: [{ code: "LATENESS", family: "ATTENDANCE" }],
        stepsTaken: [],
        urgency: 1,
        year: 2026,
      });
    }
    const find = (p: (typeof earlier)[number]) => store.cases.findOpenCaseForPupil({ schoolId, nameKey: nameKey(p.sameAs[0], p.sameAs[1]), birthYear: 2009 });
    expect(await find(earlier[0])).toBeNull(); // what the issue saw
    const migration = readMigrations().find((m) => m.name.endsWith("_name_key_fold"))!;
    await db.prisma.$executeRawUnsafe(migration.sql);
    for (const p of earlier) expect(await find(p), p.lastName).not.toBeNull();
    const keys = await db.prisma.pupil.findMany({
      where: { lastName: { in: earlier.map((p) => p.lastName) } },
      select: { lastName: true, firstName: true, nameKey: true },
    });
    for (const k of keys) expect(k.nameKey).toBe(nameKey(k.lastName, k.firstName));
  });

  it("applies a case change with its event and sends in one go, or nothing of it on a stale version", async () => {
    const claire = (await store.members.findByAad(DEMO_TENANT_ID, DEMO_PEOPLE[0]!.aadObjectId))!;
    const recorded = await store.cases.recordReport({
      submissionKey: "store-apply-1",
      reporterId: claire.id,
      schoolId: claire.schoolIds[0]!,
      pupil: { lastName: "Apply", firstName: "Test", nameKey: "apply test", birthYear: 2010, className: "3e A" },
      signals: [{ code: "UNJUSTIFIED_ABSENCES", family: "ATTENDANCE" }],
      stepsTaken: [],
      urgency: 2,
      year: 2026,
    });
    const before = (await store.caseChanges.get({ id: recorded.caseId }))!;
    const send = (dedupeKey: string) => ({ conversationId: "a:1", kind: "post" as const, render: { view: "assigned" as const, caseId: before.id }, dedupeKey });
    const taken = await store.caseChanges.apply(
      before.id,
      before.version,
      { status: "ACKNOWLEDGED", assigneeId: claire.id },
      { type: "TAKEN_IN_CHARGE", actorId: claire.id },
      [send("apply-1")],
    );
    expect(taken).toMatchObject({ status: "ACKNOWLEDGED", version: before.version + 1, assignee: { id: claire.id }, lastEvent: { type: "TAKEN_IN_CHARGE" } });
    // A field left undefined keeps its value; null empties it.
    const kept = await store.caseChanges.apply(
      before.id,
      taken.version,
      { status: "INFO_REQUESTED", assigneeId: undefined },
      { type: "INFO_REQUESTED", actorId: claire.id },
      [],
    );
    expect(kept.assignee?.id).toBe(claire.id);
    const emptied = await store.caseChanges.apply(before.id, kept.version, { assigneeId: null }, { type: "UNASSIGNED", actorId: claire.id }, []);
    expect(emptied.assignee).toBeNull();
    // What a change answers is the case as it is now stored: its new event included (the statement
    // that wrote them reads the tables as they were before it).
    expect(emptied).toMatchObject({ lastEvent: { type: "UNASSIGNED" }, infoRequest: { answered: false, askedById: claire.id } });
    expect(emptied).toEqual(await store.caseChanges.get({ id: before.id }));
    // A stale version changes nothing: no event, no send.
    const events = await db.prisma.caseEvent.count({ where: { caseId: before.id } });
    await expect(
      store.caseChanges.apply(before.id, before.version, { status: "CLOSED" }, { type: "DISMISSED", actorId: claire.id }, [send("apply-2")]),
    ).rejects.toThrow(/changed since it was read/);
    expect(await db.prisma.caseEvent.count({ where: { caseId: before.id } })).toBe(events);
    expect((await db.prisma.outboxMessage.findMany({ where: { caseId: before.id } })).map((o) => o.dedupeKey)).toEqual(["apply-1"]);
    expect((await store.caseChanges.get({ id: before.id }))!.status).toBe("INFO_REQUESTED");
  });
});

describe("migrations under concurrent starts", () => {
  it("two instances migrating the same empty database at once both succeed", async () => {
    const db = await openTestDatabase("postgres");
    try {
      const pool = new pg.Pool({ connectionString: "postgresql://postgres@127.0.0.1:5432/test", options: `-c search_path=${db.schema}_b` });
      await pool.query(`CREATE SCHEMA "${db.schema}_b"`);
      try {
        const [a, b] = await Promise.all([applyMigrations(pool), applyMigrations(pool)]);
        expect([...a, ...b]).toEqual(readMigrations().map((m) => m.name));
      } finally {
        await pool.query(`DROP SCHEMA "${db.schema}_b" CASCADE`);
        await pool.end();
      }
    } finally {
      await db.drop();
    }
  });
});

describe("demo seed and the committed Agents Playground configurations", () => {
  const configs = [".m365agentsplayground.yml", "playground/coordinator.yml", "playground/referent.yml"].map((f) => ({
    file: f,
    yml: parse(readFileSync(f, "utf8")),
  }));

  it.each(configs)("$file uses the demo tenant and only people of the demo académie, with exactly five users", ({ yml }) => {
    expect(yml.tenantId).toBe(DEMO_TENANT_ID);
    expect(yml.users).toHaveLength(5); // the Playground exits silently with any other count
    const seeded = new Map(DEMO_PEOPLE.map((p) => [p.aadObjectId, p.displayName]));
    for (const u of [yml.currentUser, ...yml.users]) expect(seeded.get(u.aadObjectId)).toBe(u.name);
  });

  it("the coordinator's Playground team is the channel where Bassin Nord's cases are routed", () => {
    const coordinator = configs[1]!.yml;
    expect(DEMO_CHANNELS.map((c) => c.teamId)).toContain(coordinator.team.id);
    expect(DEMO_PEOPLE.find((p) => p.aadObjectId === coordinator.currentUser.aadObjectId)?.role).toBe("COORDINATOR");
    expect(configs[0]!.yml.team.id).not.toBe(coordinator.team.id);
    expect(DEMO_SCHOOLS).toHaveLength(6);
  });
});
