import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardText, person, startTestBot, type TestBot } from "../helpers/bot-harness.js";
import { Conversation } from "../helpers/conversation.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";

const claire = person("Claire Martin");

describe("when the database becomes unreachable", () => {
  let proxy: TcpProxy;
  let bot: TestBot;
  beforeAll(async () => {
    proxy = await new TcpProxy().start();
    bot = await startTestBot({ databaseUrl: `postgresql://postgres@127.0.0.1:${proxy.port}/test` });
  });
  afterAll(async () => {
    await proxy.restore();
    await bot?.stop();
    await proxy.stop();
  });

  it("tells people to try again in a minute, reports unhealthy, and recovers by itself with nothing lost", async () => {
    const c = new Conversation(bot, claire);
    await c.say("signaler");
    await c.press("Suivant", { lastName: "Panne", firstName: "Léo", className: "2nde 1", birthYear: "2010" });
    expect(cardText(c.lastCard)).toContain("Signaux observés");
    const signals = c.lastCard;

    await proxy.cut();
    const during = await c.press("Suivant", { signal_LATENESS: "true" }, signals);
    expect(during.cards).toEqual([]);
    expect(during.texts).toEqual(["Le service est momentanément indisponible. Réessayez dans une minute : rien de ce que vous avez saisi n'est perdu."]);
    const health = await fetch(`${bot.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: "unhealthy", database: "unreachable" });

    await proxy.restore();
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    // The same card, pressed again: the report goes on from where it was.
    const after = await c.press("Suivant", { signal_LATENESS: "true" }, signals);
    expect(cardText(after.cards[0])).toContain("Précisions sur les signaux cochés");
  });
});
