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
});
