import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { cardText, execute, person, startTestBot, type TestBot } from "../helpers/bot-harness.js";
import { fillCases, prismaRunner } from "../helpers/case-fill.js";
import { findAction } from "../helpers/cards.js";

/** An admin finds a coordinator who leaves, hands their cases over and deactivates them. */
describe("administration of people in Teams", () => {
  let bot: TestBot;
  const nathalie = person("Nathalie Roux");
  const sophie = person("Sophie Laurent");
  const personal = (p: { aadObjectId: string }) => ({ conversationId: `a:personal-${p.aadObjectId}`, type: "personal" as const });
  let held = 0;

  beforeAll(async () => {
    bot = await startTestBot();
    const db = bot.app.store.db;
    await fillCases(prismaRunner(db.prisma), 60);
    const sophieId = (await db.kysely.selectFrom("Member").select("id").where("aadObjectId", "=", sophie.aadObjectId).executeTakeFirstOrThrow()).id;
    held = (await db.kysely.selectFrom("Case").select("id").where("assigneeId", "=", sophieId).where("status", "!=", "CLOSED").execute()).length;
    const district = (await db.kysely.selectFrom("District").select("id").where("code", "=", "NORD").executeTakeFirstOrThrow()).id;
    await db.kysely
      .insertInto("Member")
      .values({
        id: randomUUID(),
        tenantId: DEMO_TENANT_ID,
        aadObjectId: "aad-successor",
        displayName: "Élise Relève",
        role: "COORDINATOR",
        districtId: district,
        updatedAt: new Date(),
      })
      .execute();
  });
  afterAll(async () => bot?.stop());

  it("finds, refuses to deactivate while cases are held, hands them over in one action, then deactivates", async () => {
    expect(held).toBeGreaterThan(0);
    expect((await bot.say(person("Claire Martin"), "personnes sophie")).texts).toEqual([
      "La gestion des personnes est réservée aux administrateurs de l'académie et aux chefs d'établissement (pour leur établissement).",
    ]);
    const list = await bot.say(nathalie, "personnes sophie");
    expect(cardText(list.cards[0])).toContain(`Coordonnateur MLDS · NORD · sophie.laurent@demo.repere.fr · ${held} dossier(s) en charge`);
    const open = findAction(list.cards[0], (a) => a.verb === "member.open");
    const detail = await execute(bot, nathalie, personal(nathalie), open.verb, open.data);
    expect(cardText(detail)).toContain("Élise Relève · Coordonnateur MLDS");

    const deactivate = findAction(detail, (a) => a.verb === "member.deactivate");
    const refused = await execute(bot, nathalie, personal(nathalie), deactivate.verb, deactivate.data);
    expect(cardText(refused)).toContain(`Impossible de désactiver cette personne : elle suit encore ${held} dossier(s). Transmettez-les d'abord.`);

    const successor = detail.body.flatMap((b: any) => b.items ?? []).find((i: any) => i.id === "toId").choices[0].value;
    const handOver = findAction(refused, (a) => a.verb === "member.handOver");
    const handed = await execute(bot, nathalie, personal(nathalie), handOver.verb, { ...handOver.data, toId: successor });
    expect(cardText(handed)).toContain(`${held} dossier(s) transmis à Élise Relève.`);

    const gone = await execute(bot, nathalie, personal(nathalie), deactivate.verb, deactivate.data);
    expect(cardText(gone)).toContain("Personne désactivée : son historique est conservé.");
    expect(cardText((await bot.say(sophie, "signaler")).cards[0])).toContain("Vous n'êtes pas encore inscrit(e) dans Repère");
  });

  it("moves a person to another role and place from their card: a teacher becomes the SUD bassin's IEN-IO", async () => {
    const list = await bot.say(nathalie, "personnes girard");
    const open = findAction(list.cards[0], (a) => a.verb === "member.open");
    const detail = await execute(bot, nathalie, personal(nathalie), open.verb, open.data);
    const field = (card: any, id: string) => card.body.flatMap((b: any) => b.items ?? []).find((i: any) => i.id === id);
    // The place as the staff list writes it, ready to edit.
    expect(field(detail, "place").value).toBe("0690002C 0690003D");
    const save = findAction(detail, (a) => a.verb === "member.changeRole");

    const wrong = await execute(bot, nathalie, personal(nathalie), save.verb, { ...save.data, role: "IEN_IO", place: "0690001A" });
    expect(cardText(wrong)).toContain("Rattachement « 0690001A » refusé : cette fonction s'exerce dans un bassin : indiquez le code du bassin.");
    const unknown = await execute(bot, nathalie, personal(nathalie), save.verb, { ...save.data, role: "IEN_IO", place: "OUEST" });
    expect(cardText(unknown)).toContain("Rattachement « OUEST » refusé : bassin inconnu.");

    const moved = await execute(bot, nathalie, personal(nathalie), save.verb, { ...save.data, role: "IEN_IO", place: "Bassin Sud" });
    expect(cardText(moved)).toContain("Rôle et rattachement enregistrés");
    expect(field(moved, "place").value).toBe("SUD");
    const db = bot.app.store.db;
    const thomas = await db.kysely
      .selectFrom("Member as m")
      .innerJoin("District as d", "d.id", "m.districtId")
      .select(["m.id", "m.role", "d.code"])
      .where("m.email", "=", "thomas.girard@demo.repere.fr")
      .executeTakeFirstOrThrow();
    expect([thomas.role, thomas.code]).toEqual(["IEN_IO", "SUD"]);
    expect(await db.kysely.selectFrom("MemberSchool").select("schoolId").where("memberId", "=", thomas.id).execute()).toEqual([]);
    const events = await db.kysely.selectFrom("MemberEvent").select("kind").where("memberId", "=", thomas.id).where("actorId", "is not", null).execute();
    expect(events.map((e) => e.kind).sort()).toEqual(["PLACE_CHANGED", "ROLE_CHANGED"]);
  });
});
