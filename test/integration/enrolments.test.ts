import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type Services } from "../../src/services/index.js";
import { createStore } from "../../src/store/index.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";
import { seedPlaces, type PlaceIds } from "../helpers/directory-places.js";

describe.each(DATABASE_KINDS)("self-enrolment (%s)", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let services: Services;
  let places: PlaceIds;
  const T = "tenant-1";

  async function member(p: { name: string; role: "HEAD" | "REFERENT" | "ADMIN" | "STAFF"; uai?: string; chat?: boolean }) {
    const id = randomUUID();
    const aad = `aad-${id}`;
    await db.kysely.insertInto("Member").values({ id, tenantId: T, aadObjectId: aad, displayName: p.name, role: p.role, updatedAt: new Date() }).execute();
    if (p.uai)
      await db.kysely
        .insertInto("MemberSchool")
        .values({ memberId: id, schoolId: places.schools.get(p.uai)! })
        .execute();
    if (p.chat !== false) await chat(aad);
    return (await services.members.identify(T, aad))!;
  }
  async function chat(aad: string) {
    await db.kysely
      .insertInto("ConversationRef")
      .values({
        conversationId: `a:${aad}`,
        kind: "PERSONAL",
        tenantId: T,
        aadObjectId: aad,
        serviceUrl: "http://x",
        reference: JSON.stringify({}),
        updatedAt: new Date(),
      })
      .execute();
  }
  const applicant = (n: string) => ({
    tenantId: T,
    aadObjectId: `aad-applicant-${n}`,
    displayName: `Candidat ${n}`,
    email: `Candidat.${n}@demo.repere.fr`,
    locale: "fr-FR",
  });
  const sends = () => db.kysely.selectFrom("OutboxMessage").select(["conversationId", "payload"]).orderBy("createdAt").execute();

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    places = await seedPlaces(db, {
      schools: [
        { uai: "0690001B", name: "Lycée Victor-Hugo", city: "Villefranche", bassin: "NORD" },
        { uai: "0690003D", name: "Collège Jules-Ferry", city: "Belleville", bassin: "NORD" },
        { uai: "0690006G", name: "Collège Jean-Jaurès", city: "Givors", bassin: "SUD", state: "CLOSED" },
      ],
    });
    services = createServices(createStore(db));
  });
  afterAll(async () => db?.drop());

  it("finds open schools by name, UAI or commune, accents aside", async () => {
    expect((await services.enrolments.searchSchools("victor hugo")).map((s) => s.uai)).toEqual(["0690001B"]);
    expect((await services.enrolments.searchSchools("0690003")).map((s) => s.uai)).toEqual(["0690003D"]);
    expect((await services.enrolments.searchSchools("villefranche")).map((s) => s.uai)).toEqual(["0690001B"]);
    expect((await services.enrolments.searchSchools("Collège")).map((s) => s.uai)).toEqual(["0690003D"]);
    expect(await services.enrolments.searchSchools("givors")).toEqual([]);
  });

  it("asks the school's head and référent, and the head's approval makes a member of the role asked", async () => {
    const head = await member({ name: "Chef Hugo", role: "HEAD", uai: "0690001B" });
    const referent = await member({ name: "Réf Hugo", role: "REFERENT", uai: "0690001B" });
    await member({ name: "Prof Hugo", role: "STAFF", uai: "0690001B" });
    await member({ name: "Chef Ferry", role: "HEAD", uai: "0690003D" });
    const a = applicant("a");
    await chat(a.aadObjectId);
    const asked = await services.enrolments.enrol(a, { function: "Conseillère principale d'éducation", schoolId: places.schools.get("0690001B")! });
    if (!asked.ok) throw new Error(asked.reason);
    expect(asked).toMatchObject({
      approversTold: 2,
      enrolment: { status: "PENDING", role: "CPE", email: "candidat.a@demo.repere.fr", schoolName: "Lycée Victor-Hugo" },
    });
    expect((await sends()).map((s) => s.conversationId).sort()).toEqual([`a:aad-${head.memberId}`, `a:aad-${referent.memberId}`].sort());
    // Still unknown: nothing about pupils until approved.
    expect(await services.members.identify(T, a.aadObjectId)).toBeNull();
    expect(await services.enrolments.enrol(a, { function: "CPE", schoolId: places.schools.get("0690001B")! })).toMatchObject({
      ok: false,
      reason: "ALREADY_PENDING",
    });

    const otherHead = (await services.members.identify(T, `aad-${(await db.prisma.member.findFirstOrThrow({ where: { displayName: "Chef Ferry" } })).id}`))!;
    expect(await services.enrolments.decide(otherHead, asked.enrolment.id, "APPROVED")).toEqual({ ok: false, reason: "FORBIDDEN" });
    const done = await services.enrolments.decide(head, asked.enrolment.id, "APPROVED");
    expect(done).toMatchObject({ ok: true, enrolment: { status: "APPROVED", decidedByName: "Chef Hugo" } });
    const m = await services.members.identify(T, a.aadObjectId);
    expect(m).toMatchObject({ role: "CPE", schoolIds: [places.schools.get("0690001B")] });
    expect(await db.prisma.memberEvent.findFirstOrThrow({ where: { memberId: m!.memberId } })).toMatchObject({ kind: "ENROLLED", actorId: head.memberId });
    expect((await sends()).at(-1)).toMatchObject({
      conversationId: `a:${a.aadObjectId}`,
      payload: { render: { view: "enrolmentDecision", enrolmentId: asked.enrolment.id } },
    });
    // The référent's card is now stale: pressing it says it was decided.
    expect(await services.enrolments.decide(referent, asked.enrolment.id, "REFUSED")).toMatchObject({
      ok: false,
      reason: "ALREADY_DECIDED",
      enrolment: { status: "APPROVED" },
    });
  });

  it("sends bassin roles and schools without head or référent to the admins; a refusal makes no member", async () => {
    const admin = await member({ name: "Admin Académie", role: "ADMIN" });
    const b = applicant("b");
    const mlds = await services.enrolments.enrol(b, { function: "Coordonnatrice MLDS", bassinCode: "nord" });
    if (!mlds.ok) throw new Error(mlds.reason);
    expect(mlds).toMatchObject({ approversTold: 1, enrolment: { role: "COORDINATOR", districtId: places.districts.get("NORD") } });
    const head = (await services.members.identify(T, `aad-${(await db.prisma.member.findFirstOrThrow({ where: { displayName: "Chef Hugo" } })).id}`))!;
    expect(await services.enrolments.decide(head, mlds.enrolment.id, "APPROVED")).toEqual({ ok: false, reason: "FORBIDDEN" });
    expect(await services.enrolments.decide(admin, mlds.enrolment.id, "REFUSED")).toMatchObject({ ok: true, enrolment: { status: "REFUSED" } });
    expect(await services.members.identify(T, b.aadObjectId)).toBeNull();

    expect(await services.enrolments.enrol(applicant("c"), { function: "Jardinier", schoolId: places.schools.get("0690001B")! })).toEqual({
      ok: false,
      reason: "UNKNOWN_FUNCTION",
    });
    expect(await services.enrolments.enrol(applicant("c"), { function: "Professeur", schoolId: places.schools.get("0690006G")! })).toEqual({
      ok: false,
      reason: "SCHOOL_CLOSED",
    });
    expect(await services.enrolments.enrol(applicant("c"), { function: "Professeur" })).toEqual({ ok: false, reason: "PLACE_REQUIRED" });
  });
});
