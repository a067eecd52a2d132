import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILE_DOWNLOAD_INFO } from "../../src/teams/imports/import-handler.js";
import { person, personalMessage, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";

/** A file sent to the bot names a download URL that the server fetches: an attacker could name one
 *  of the server's own addresses, directly or through a redirect, and read the answer back in the
 *  preview's « Colonnes lues » (server-side request forgery). */

const sophie = person("Sophie Laurent"); // coordinator: may import lists

describe("downloading a list sent in Teams", () => {
  let teamsLike: TestBot;
  let local: TestBot;
  let server: http.Server;
  let base = "";

  async function send(bot: TestBot, who: Person, downloadUrl: string, name = "liste.csv") {
    const activity = personalMessage(bot.connector.url, who, {});
    activity.attachments = [
      {
        contentType: FILE_DOWNLOAD_INFO,
        contentUrl: "https://contoso.sharepoint.com/personal/x",
        name,
        content: { downloadUrl, uniqueId: "u", fileType: "csv" },
      },
    ];
    const before = bot.connector.sent.length;
    const res = await bot.post(activity);
    expect(res.status).toBe(200);
    return bot.connector.sent
      .slice(before)
      .map((a) => JSON.stringify(a.body))
      .join("\n");
  }

  beforeAll(async () => {
    // What an attacker would point at: an internal service, and a redirect to it.
    // (restify, loaded with the bot, makes writeHead return nothing: no chaining here.)
    server = http.createServer((req, res) => {
      if (req.url === "/redirect") res.writeHead(302, { location: `${base}/internal` });
      else if (req.url === "/internal") res.writeHead(200, { "content-type": "text/plain" });
      else res.writeHead(404);
      res.end(req.url === "/internal" ? '{"secret":"internal-token-42"}\n' : undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    teamsLike = await startTestBot();
    local = await startTestBot({ env: { IMPORT_DOWNLOAD_ALLOW_LOOPBACK: "true" } });
    for (const bot of [teamsLike, local]) await bot.say(sophie, "aide");
  });
  afterAll(async () => {
    await teamsLike?.stop();
    await local?.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("fetches nothing from this machine or its network, directly or through a redirect", async () => {
    let requests = 0;
    server.on("request", () => requests++);
    for (const url of [
      `${base}/internal`,
      `${base}/redirect`,
      `${teamsLike.url}/healthz`,
      "http://169.254.169.254/latest/meta-data/",
      "https://10.0.0.7/list.csv",
    ]) {
      const answer = await send(teamsLike, sophie, url);
      expect(answer, url).toContain("Repère ne télécharge que les fichiers envoyés dans Teams");
      expect(answer, url).not.toContain("internal-token-42");
      expect(answer, url).not.toContain("Colonnes lues");
    }
    expect(requests).toBe(0);
  });

  it("never repeats back content that is not a list, even from an allowed address", async () => {
    const direct = await send(local, sophie, `${base}/internal`);
    expect(direct).not.toContain("internal-token-42");
    expect(direct).toContain("la première ligne ne ressemble pas à des titres de colonnes");
    const health = await send(local, sophie, `${local.url}/healthz`);
    expect(health).not.toContain("status");
    expect(health).toContain("CSV");
  });
});
