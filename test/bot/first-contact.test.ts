import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { cardText, execute, person, startTestBot, type TestBot } from "../helpers/bot-harness.js";

/** A person of the staff list writes to the bot for the first time: Teams says who they are. */
describe("first contact", () => {
  let bot: TestBot;
  const lea = { aadObjectId: "00000000-0000-4000-8000-00000000f001", displayName: "Léa Nouvelle", email: "", role: "STAFF" as const };
  const leaOtherAccount = { aadObjectId: "00000000-0000-4000-8000-00000000f002", displayName: "Léa Nouvelle (2)", email: "", role: "STAFF" as const };
  const stranger = { aadObjectId: "00000000-0000-4000-8000-00000000f003", displayName: "Inconnu Total", email: "", role: "STAFF" as const };
  const flaky = { aadObjectId: "00000000-0000-4000-8000-00000000f004", displayName: "Paul Listé", email: "", role: "STAFF" as const };
  const ines = { aadObjectId: "00000000-0000-4000-8000-00000000f005", displayName: "Inès Clic", email: "", role: "STAFF" as const };
  const unknownCard = "Vous n'êtes pas encore inscrit(e) dans Repère";

  async function listed(email: string, uai: string, role: "REFERENT" | "STAFF") {
    const db = bot.app.store.db.kysely;
    const id = randomUUID();
    await db.insertInto("Member").values({ id, displayName: email, email, role, updatedAt: new Date() }).execute();
    const school = await db.selectFrom("School").select("id").where("uai", "=", uai).executeTakeFirstOrThrow();
    await db.insertInto("MemberSchool").values({ memberId: id, schoolId: school.id }).execute();
    return id;
  }
  const member = (id: string) =>
    bot.app.store.db.kysely.selectFrom("Member").select(["tenantId", "aadObjectId", "boundAt"]).where("id", "=", id).executeTakeFirstOrThrow();
  const events = (id: string) => bot.app.store.db.kysely.selectFrom("MemberEvent").select(["kind", "actorId"]).where("memberId", "=", id).execute();

  beforeAll(async () => {
    bot = await startTestBot();
  });
  afterAll(async () => bot?.stop());

  it("recognises a listed person by their UPN at their first message, binds them once and goes on with the turn", async () => {
    const id = await listed("lea.nouvelle@demo.repere.fr", "0690001B", "REFERENT");
    bot.connector.members.set(`29:${lea.aadObjectId}`, {
      id: `29:${lea.aadObjectId}`,
      name: lea.displayName,
      aadObjectId: lea.aadObjectId,
      userPrincipalName: "Lea.Nouvelle@demo.repere.fr",
      email: "lea.n@autre.fr",
    });
    const first = await bot.say(lea, "signaler");
    expect(first.cards.map(cardText).join("\n")).not.toContain(unknownCard);
    expect(first.cards.map(cardText).join("\n")).toContain("Lycée Victor-Hugo");
    expect(await member(id)).toMatchObject({ tenantId: DEMO_TENANT_ID, aadObjectId: lea.aadObjectId, boundAt: expect.any(Date) });
    expect(await events(id)).toEqual([{ kind: "BOUND", actorId: null }]);

    // Known from now on without asking Teams again.
    bot.connector.members.delete(`29:${lea.aadObjectId}`);
    await bot.say(lea, "annuler");
    const again = await bot.say(lea, "aide");
    expect(cardText(again.cards[0])).toContain("Aide de Repère");
    expect(await events(id)).toHaveLength(1);
  });

  it("never binds a member already bound to another Teams identity", async () => {
    bot.connector.members.set(`29:${leaOtherAccount.aadObjectId}`, {
      id: "x",
      aadObjectId: leaOtherAccount.aadObjectId,
      userPrincipalName: "lea.nouvelle@demo.repere.fr",
    });
    const r = await bot.say(leaOtherAccount, "signaler");
    expect(cardText(r.cards[0])).toContain(unknownCard);
    const bound = await bot.app.store.db.kysely
      .selectFrom("Member")
      .select("aadObjectId")
      .where("email", "=", "lea.nouvelle@demo.repere.fr")
      .executeTakeFirstOrThrow();
    expect(bound.aadObjectId).toBe(lea.aadObjectId);
  });

  it("leaves someone not on the list unknown, with the usual answer", async () => {
    bot.connector.members.set(`29:${stranger.aadObjectId}`, { id: "x", userPrincipalName: "inconnu@ailleurs.fr", email: "inconnu@ailleurs.fr" });
    const r = await bot.say(stranger, "signaler");
    expect(cardText(r.cards[0])).toContain(unknownCard);
  });

  it("answers as for anyone unknown when Teams' members API fails, and recognises them once it answers", async () => {
    const id = await listed("paul.liste@demo.repere.fr", "0690002C", "STAFF");
    bot.connector.members.set(`29:${flaky.aadObjectId}`, { status: 500 });
    const failed = await bot.say(flaky, "signaler");
    expect(cardText(failed.cards[0])).toContain(unknownCard);
    expect(await member(id)).toMatchObject({ aadObjectId: null });
    bot.connector.members.set(`29:${flaky.aadObjectId}`, { id: "x", userPrincipalName: "PAUL.LISTE@demo.repere.fr" });
    const ok = await bot.say(flaky, "aide");
    expect(cardText(ok.cards[0])).toContain("Aide de Repère");
    expect(await member(id)).toMatchObject({ aadObjectId: flaky.aadObjectId });
  });

  it("recognises a listed person whose first activity is a button on a card, and answers the button as theirs", async () => {
    // A case at Victor-Hugo, reported by a teacher there.
    const claire = (await bot.app.services.members.identify(DEMO_TENANT_ID, person("Claire Martin").aadObjectId))!;
    const [school] = await bot.app.services.reports.reportingSchools(claire);
    const reported = await bot.app.services.reports.submit(
      claire,
      {
        pupil: { lastName: "Garnier", firstName: "Zoé", className: "2de 1", schoolId: school!.id, birthYear: new Date().getFullYear() - 15 },
        signals: { signals: [{ code: "LATENESS", note: "Arrive en retard" }] },
        steps: { stepsTaken: [], urgency: 2, observations: "" },
      },
      "first-contact-invoke",
    );
    if (!reported.ok) throw new Error(reported.reason);
    // The school's new référent, on the list, presses a button of the case card before ever writing.
    const id = await listed("ines.clic@demo.repere.fr", "0690001B", "REFERENT");
    bot.connector.members.set(`29:${ines.aadObjectId}`, {
      id: `29:${ines.aadObjectId}`,
      aadObjectId: ines.aadObjectId,
      userPrincipalName: "ines.clic@demo.repere.fr",
    });
    const card = await execute(bot, ines, { conversationId: `a:personal-${ines.aadObjectId}`, type: "personal" }, "case.refresh", {
      caseId: reported.recorded.caseId,
    });
    const text = cardText(card);
    expect(text).toContain(reported.recorded.reference);
    expect(text).not.toContain("inscrit");
    expect(await member(id)).toMatchObject({ tenantId: DEMO_TENANT_ID, aadObjectId: ines.aadObjectId, boundAt: expect.any(Date) });
    expect(await events(id)).toEqual([{ kind: "BOUND", actorId: null }]);
  });
});
