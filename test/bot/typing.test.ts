import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { person, personalMessage, startTestBot, type TestBot } from "../helpers/bot-harness.js";

/** Slow answers (statistics and their charts, exports, a file's preview) show the typing indicator
 *  while they are prepared; quick ones do not. */

const karim = person("Karim Benali"); // référent, Lycée Victor-Hugo
const sophie = person("Sophie Laurent"); // coordinator, Nord

describe("the typing indicator", () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot();
  });
  afterAll(async () => bot?.stop());

  /** The types of the activities the bot sent during one message of `who`. */
  async function sentFor(who: typeof karim, text: string): Promise<string[]> {
    const before = bot.connector.sent.length;
    const res = await bot.post(personalMessage(bot.connector.url, who, { text }));
    expect(res.status).toBeLessThan(300);
    return bot.connector.sent.slice(before).map((a) => String(a.body.type));
  }

  it("shows it first while the statistics and an export are prepared", async () => {
    for (const [who, text] of [
      [karim, "statistiques"],
      [sophie, "stats"],
      [sophie, "export stats"],
    ] as const) {
      const types = await sentFor(who, text);
      expect(types[0], text).toBe("typing");
      expect(types.slice(1), text).toContain("message");
    }
  });

  it("shows it first while a file sent to the bot is read for its preview", async () => {
    const activity = personalMessage(bot.connector.url, sophie, {});
    activity.attachments = [
      {
        contentType: "application/vnd.microsoft.teams.file.download.info",
        name: "liste-rentree.csv",
        content: { downloadUrl: `${bot.connector.url}/files/liste-rentree.csv`, uniqueId: "u-liste", fileType: "csv" },
      },
    ];
    const before = bot.connector.sent.length;
    expect((await bot.post(activity)).status).toBeLessThan(300);
    const types = bot.connector.sent.slice(before).map((a) => String(a.body.type));
    expect(types[0]).toBe("typing");
    expect(types.slice(1)).toContain("message");
  });

  it("does not show it for quick answers", async () => {
    for (const text of ["aide", "mes signalements", "bonjour"]) expect(await sentFor(karim, text), text).not.toContain("typing");
  });
});
