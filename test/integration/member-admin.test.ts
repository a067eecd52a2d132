import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type Actor, type Services } from "../../src/services/index.js";
import { createStore } from "../../src/store/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { fillCases, prismaRunner } from "../helpers/case-fill.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";
import { seedDemo } from "../../src/services/demo-academie.js";

const aad = (name: string) => DEMO_PEOPLE.find((p) => p.displayName === name)!.aadObjectId;

describe.each(DATABASE_KINDS)("administration of people (%s)", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let services: Services;
  let admin: Actor;
  let sophie: Actor;
  let newCoordinator: string;

  const who = async (name: string) => (await services.members.identify(DEMO_TENANT_ID, aad(name)))!;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    const store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    services = createServices(store);
    admin = await who("Nathalie Roux");
    sophie = await who("Sophie Laurent");
    await fillCases(prismaRunner(db.prisma), 120);
    // Sophie (Bassin Nord's coordinator) holds exactly 40 open cases of her bassin.
    const nord = sophie.districtId!;
    const open = await db.kysely.selectFrom("Case").select("id").where("districtId", "=", nord).where("status", "!=", "CLOSED").orderBy("id").execute();
    expect(open.length).toBeGreaterThanOrEqual(40);
    await db.kysely.updateTable("Case").set({ assigneeId: null }).where("assigneeId", "=", sophie.memberId).execute();
    await db.kysely
      .updateTable("Case")
      .set({ assigneeId: sophie.memberId })
      .where(
        "id",
        "in",
        open.slice(0, 40).map((c) => c.id),
      )
      .execute();
    newCoordinator = randomUUID();
    await db.kysely
      .insertInto("Member")
      .values({
        id: newCoordinator,
        tenantId: DEMO_TENANT_ID,
        aadObjectId: "aad-new-coordinator",
        displayName: "Nouveau Coordonnateur",
        email: "nouveau@demo.repere.fr",
        role: "COORDINATOR",
        districtId: nord,
        updatedAt: new Date(),
      })
      .execute();
    await db.kysely
      .insertInto("ConversationRef")
      .values({
        conversationId: "a:new-coordinator",
        kind: "PERSONAL",
        tenantId: DEMO_TENANT_ID,
        aadObjectId: "aad-new-coordinator",
        serviceUrl: "http://x",
        reference: JSON.stringify({}),
        updatedAt: new Date(),
      })
      .execute();
  });
  afterAll(async () => db?.drop());

  it("finds people whatever the accents and capitals typed or stored", async () => {
    const id = randomUUID();
    await db.kysely
      .insertInto("Member")
      .values({ id, tenantId: DEMO_TENANT_ID, displayName: "Mathis LEFÈVRE", email: "Mathis.L@demo.repere.fr", role: "HEAD", updatedAt: new Date() })
      .execute();
    const coeur = randomUUID();
    await db.kysely
      .insertInto("Member")
      .values({ id: coeur, tenantId: DEMO_TENANT_ID, displayName: "Élodie Lecœur-D’Arc", role: "STAFF", updatedAt: new Date() })
      .execute();
    const names = async (query: string) => {
      const found = await services.memberAdmin.find(admin, query);
      return found.ok ? found.people.map((p) => p.displayName) : found.reason;
    };
    try {
      // The demo's proviseur, Olivier Lefèvre, is found too.
      for (const query of ["Lefevre", "lefèvre", "LEFEVRE"]) expect((await names(query)) as string[], query).toEqual(["Mathis LEFÈVRE", "Olivier Lefèvre"]);
      for (const query of ["mathis lefévre", "mathis.l@"]) expect(await names(query), query).toEqual(["Mathis LEFÈVRE"]);
      for (const query of ["elodie", "ÉLODIE", "lecoeur", "Lecœur", "d'arc", "d’arc"]) expect(await names(query), query).toEqual(["Élodie Lecœur-D’Arc"]);
      expect(await names("lefebvre")).toEqual([]);
    } finally {
      await db.kysely.deleteFrom("Member").where("id", "in", [id, coeur]).execute();
    }
  });

  it("finds people within the actor's reach only", async () => {
    expect(await services.memberAdmin.find(admin, "sophie")).toMatchObject({
      ok: true,
      people: [{ displayName: "Sophie Laurent", role: "COORDINATOR", openCases: 40 }],
    });
    expect(await services.memberAdmin.find(sophie, "sophie")).toEqual({ ok: false, reason: "FORBIDDEN" });
    const head = randomUUID();
    await db.kysely
      .insertInto("Member")
      .values({ id: head, tenantId: DEMO_TENANT_ID, aadObjectId: "aad-head", displayName: "Chef Hugo", role: "HEAD", updatedAt: new Date() })
      .execute();
    const school = await db.kysely.selectFrom("School").select("id").where("uai", "=", "0690001B").executeTakeFirstOrThrow();
    await db.kysely.insertInto("MemberSchool").values({ memberId: head, schoolId: school.id }).execute();
    const chef = (await services.members.identify(DEMO_TENANT_ID, "aad-head"))!;
    const seen = await services.memberAdmin.find(chef, "");
    if (!seen.ok) throw new Error(seen.reason);
    // The school's people; not its psy-EN, who also works in another school and is the admin's to manage.
    expect(seen.people.map((p) => p.displayName).sort()).toEqual(["Chef Hugo", "Claire Martin", "Julie Bernard", "Karim Benali", "Olivier Lefèvre"]);
    // A chef d'établissement may not make someone an admin, nor touch a coordinator.
    const claire = seen.people.find((p) => p.displayName === "Claire Martin")!;
    expect(await services.memberAdmin.change(chef, claire.id, { role: "ADMIN" })).toEqual({ ok: false, reason: "FORBIDDEN" });
    expect(await services.memberAdmin.deactivate(chef, sophie.memberId)).toEqual({ ok: false, reason: "FORBIDDEN" });
    const changed = await services.memberAdmin.change(chef, claire.id, { role: "CPE", schoolIds: [school.id] });
    expect(changed).toMatchObject({ ok: true, member: { role: "CPE" } });
    expect(await db.prisma.memberEvent.findMany({ where: { memberId: claire.id, actorId: { not: null } }, select: { kind: true, actorId: true } })).toEqual([
      { kind: "ROLE_CHANGED", actorId: chef.memberId },
    ]);
  });

  it("refuses to deactivate someone who holds cases, hands all 40 over in one action, then deactivates", async () => {
    expect(await services.memberAdmin.deactivate(admin, sophie.memberId)).toEqual({ ok: false, reason: "HOLDS_CASES", openCases: 40 });
    const before = await db.kysely.selectFrom("CaseEvent").select("id").where("type", "=", "ASSIGNED").execute();

    const done = await services.memberAdmin.handOver(admin, sophie.memberId, newCoordinator);
    if (!done.ok) throw new Error(done.reason);
    expect(done.references).toHaveLength(40);
    expect(done.skipped).toEqual([]);
    expect(await db.kysely.selectFrom("Case").select("id").where("assigneeId", "=", sophie.memberId).where("status", "!=", "CLOSED").execute()).toEqual([]);
    expect(await db.kysely.selectFrom("Case").select("id").where("assigneeId", "=", newCoordinator).execute()).toHaveLength(40);
    const events = await db.kysely.selectFrom("CaseEvent").select(["actorId", "data"]).where("type", "=", "ASSIGNED").execute();
    expect(events.length - before.length).toBe(40);
    expect(events.at(-1)).toMatchObject({ actorId: admin.memberId, data: { assigneeId: newCoordinator, from: sophie.memberId, handover: true } });
    expect(await db.prisma.memberEvent.findFirstOrThrow({ where: { memberId: sophie.memberId, kind: "CASES_HANDED_OVER" } })).toMatchObject({
      actorId: admin.memberId,
      detail: { to: newCoordinator, count: 40 },
    });
    const told = await db.kysely.selectFrom("OutboxMessage").select("payload").where("conversationId", "=", "a:new-coordinator").execute();
    expect(told).toHaveLength(1);
    expect(told[0]!.payload).toMatchObject({ render: { view: "casesHandedOver", fromName: "Sophie Laurent" } });

    expect(await services.memberAdmin.handOver(admin, sophie.memberId, newCoordinator)).toEqual({ ok: false, reason: "NOTHING_TO_HAND_OVER" });
    expect(await services.memberAdmin.deactivate(admin, sophie.memberId)).toEqual({ ok: true });
    expect(await services.members.identify(DEMO_TENANT_ID, aad("Sophie Laurent"))).toBeNull();
    expect(await db.prisma.memberEvent.findFirstOrThrow({ where: { memberId: sophie.memberId, kind: "DEACTIVATED" } })).toMatchObject({
      actorId: admin.memberId,
    });
  });

  it("hands over only to someone who can hold the cases", async () => {
    const marc = await who("Marc Petit");
    expect(await services.memberAdmin.handOver(admin, newCoordinator, (await who("Claire Martin")).memberId)).toEqual({
      ok: false,
      reason: "TARGET_CANNOT_HOLD",
    });
    // Marc coordinates Bassin Sud: Bassin Nord's cases stay where they are.
    const r = await services.memberAdmin.handOver(admin, newCoordinator, marc.memberId);
    expect(r).toMatchObject({ ok: true, references: [] });
    if (r.ok) expect(r.skipped).toHaveLength(40);
  });
});
