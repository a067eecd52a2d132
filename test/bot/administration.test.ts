import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import type { Actor } from "../../src/services/index.js";
import { BOT, cardText, execute, person, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";

const nathalie = person("Nathalie Roux"); // académie admin
const sophie = person("Sophie Laurent"); // coordinator, not an admin
const marc = person("Marc Petit"); // coordinator of Bassin Sud
const SUD_TEAM = "19:team-mlds-sud@thread.tacv2";

function channelMessage(bot: TestBot, who: Person, text: string) {
  return bot.post({
    type: "message",
    id: `m-${Math.random()}`,
    text: `<at>Repère</at> ${text}`,
    entities: [{ type: "mention", mentioned: BOT, text: "<at>Repère</at>" }],
    serviceUrl: bot.connector.url,
    channelId: "msteams",
    from: { id: `29:${who.aadObjectId}`, aadObjectId: who.aadObjectId, name: who.displayName },
    recipient: BOT,
    conversation: { id: SUD_TEAM, conversationType: "channel", isGroup: true, tenantId: DEMO_TENANT_ID },
    channelData: { tenant: { id: DEMO_TENANT_ID }, team: { id: SUD_TEAM, name: "MLDS Sud" }, channel: { id: SUD_TEAM, name: "Général" } },
    locale: "fr-FR",
  });
}

describe("académie administration from Teams", () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot();
    for (const p of [nathalie, marc]) await bot.say(p, "aide");
  });
  afterAll(async () => bot?.stop());

  it("lets an admin make a team channel the destination of a district's cases, and routes there", async () => {
    await channelMessage(bot, sophie, "canal MLDS SUD");
    expect(bot.connector.texts().at(-1)).toBe("Cette commande est réservée aux administrateurs de l'académie.");
    await channelMessage(bot, nathalie, "canal MLDS SUDD");
    expect(bot.connector.texts().at(-1)).toContain("Aucun bassin n'a le code « SUDD »");
    await channelMessage(bot, nathalie, "canal MLDS SUD");
    expect(bot.connector.texts().at(-1)).toBe("C'est noté : les dossiers de Bassin Sud seront publiés dans ce canal.");

    const reporter = (await bot.app.services.members.identify(DEMO_TENANT_ID, marc.aadObjectId)) as Actor;
    const school = (await bot.app.services.reports.reportingSchools(reporter)).find((s) => s.uai === "0690004E")!;
    const outcome = await bot.app.services.reports.submit(
      reporter,
      {
        pupil: { lastName: "Sud", firstName: "Ali", className: "2nde 1", schoolId: school.id, birthYear: new Date().getFullYear() - 17 },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 1 },
      },
      "admin-route-1",
    );
    expect(outcome.ok).toBe(true);
    bot.connector.clear();
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    expect(bot.connector.sent.some((s) => s.conversationId === SUD_TEAM && s.method === "POST")).toBe(true);
  });

  it("lists the sends Teams refused for good, to admins only, and sends one again on request", async () => {
    const reporter = (await bot.app.services.members.identify(DEMO_TENANT_ID, marc.aadObjectId)) as Actor;
    const school = (await bot.app.services.reports.reportingSchools(reporter)).find((s) => s.uai === "0690004E")!;
    await bot.app.services.reports.submit(
      reporter,
      {
        pupil: { lastName: "Refuse", firstName: "Bob", className: "2nde 1", schoolId: school.id, birthYear: new Date().getFullYear() - 17 },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 1 },
      },
      "admin-failed-1",
    );
    bot.connector.respond = () => ({
      status: 403,
      body: { error: { code: "BotNotInConversationRoster", message: "The bot is not part of the conversation roster." } },
    });
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    bot.connector.respond = () => ({ status: 200 });

    const refused = await bot.say(sophie, "envois en échec");
    expect(refused.texts[0]).toBe("Cette commande est réservée aux administrateurs de l'académie.");
    const listed = await bot.say(nathalie, "envois en échec");
    const text = cardText(listed.cards[0]);
    expect(text).toContain("Envois en échec");
    expect(text).toContain("HTTP 403");
    expect(text).not.toContain("Refuse"); // no pupil name in the admin's list
    const failed = await bot.app.store.db.prisma.outboxMessage.findFirstOrThrow({ where: { status: "FAILED" } });
    const done = await execute(bot, nathalie, { conversationId: `a:personal-${nathalie.aadObjectId}`, type: "personal" }, "outbox.requeue", {
      outboxId: failed.id,
    });
    expect(cardText(done)).toContain("Envoi remis en file");
    expect((await bot.app.store.db.prisma.outboxMessage.findUniqueOrThrow({ where: { id: failed.id } })).status).toBe("PENDING");
    const forbidden = await execute(bot, sophie, { conversationId: `a:personal-${sophie.aadObjectId}`, type: "personal" }, "outbox.requeue", {
      outboxId: failed.id,
    });
    expect(cardText(forbidden)).toContain("réservée aux administrateurs");
  });

  it("puts every failed send back at once on an admin's request, to admins only", async () => {
    // Teams refuses two notices to a personal chat.
    const chat = `a:personal-${nathalie.aadObjectId}`;
    for (const text of ["notice 1", "notice 2"])
      await bot.app.store.outbox.enqueue({ conversationId: chat, kind: "post", payload: { activity: { type: "message", text } } });
    bot.connector.respond = (a) => (a.conversationId === chat ? { status: 403 } : { status: 200 });
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    bot.connector.respond = () => ({ status: 200 });
    const failedBefore = await bot.app.store.db.prisma.outboxMessage.count({ where: { status: "FAILED" } });
    expect(failedBefore).toBeGreaterThanOrEqual(2);

    expect(cardText((await bot.say(nathalie, "envois en échec")).cards[0])).toContain("renvoyer les envois en échec");
    expect((await bot.say(sophie, "renvoyer les envois en échec")).texts).toEqual(["Cette commande est réservée aux administrateurs de l'académie."]);
    expect(await bot.app.store.db.prisma.outboxMessage.count({ where: { status: "FAILED" } })).toBe(failedBefore);
    const done = await bot.say(nathalie, "renvoyer les envois en échec");
    expect(done.texts).toEqual([`${failedBefore} envois remis en file, dans l'ordre de chaque conversation : ils partent dans quelques minutes.`]);
    expect(await bot.app.store.db.prisma.outboxMessage.count({ where: { status: "FAILED" } })).toBe(0);
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    expect(await bot.app.store.db.prisma.outboxMessage.count({ where: { status: { not: "SENT" } } })).toBe(0);
    expect((await bot.say(nathalie, "renvoyer les envois en échec")).texts).toEqual(["Aucun envoi en échec à renvoyer."]);
  });
});
