import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardText, invokeActivity, person, startTestBot, type TestBot } from "../helpers/bot-harness.js";
import { createLogger } from "../../src/logging.js";

/** The whole value of a card action is parsed before anything reads it: a verb sent as an object
 *  (or a number, or nothing) is refused as an invalid card, not a TypeError answered with the
 *  generic error and logged as a failure. */

const sophie = person("Sophie Laurent");

describe("the value of a card action", () => {
  let bot: TestBot;
  const errors: string[] = [];
  beforeAll(async () => {
    bot = await startTestBot({ logger: createLogger("error", { write: (line: string) => void errors.push(line) }) });
    await bot.say(sophie, "aide");
  });
  afterAll(async () => bot?.stop());

  it("is refused as an invalid card when its verb or data have the wrong shape", async () => {
    const where = { conversationId: `a:personal-${sophie.aadObjectId}`, type: "personal" as const };
    for (const action of [
      { type: "Action.Execute", verb: { startsWith: "case." }, data: {} },
      { type: "Action.Execute", verb: ["case.refresh"], data: {} },
      { type: "Action.Execute", verb: 42, data: {} },
      { type: "Action.Execute", data: { caseId: "x" } },
      { type: "Action.Execute", verb: "case.refresh", data: "not an object" },
      { type: "Action.Execute", verb: "x".repeat(10_000), data: {} },
    ]) {
      const activity = invokeActivity(bot.connector.url, sophie, where, "case.refresh", {});
      activity.value = { action, trigger: "manual" };
      const res = await bot.post(activity);
      expect(res.status, JSON.stringify(action).slice(0, 60)).toBe(200);
      const body = (await res.json()) as { value: unknown };
      expect(cardText(body.value), JSON.stringify(action).slice(0, 60)).toContain("Cette carte n'est pas valide");
    }
    expect(errors).toEqual([]);
  });
});
