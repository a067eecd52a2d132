import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import type { Actor } from "../../src/services/index.js";
import { BOT, cardText, person, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";
import { walk } from "../helpers/cards.js";

/** The message extension « Rechercher un dossier » and the unfurling of case links, as Teams invokes
 *  them (composeExtension/query, composeExtension/queryLink): the cases the person may see, and
 *  only the channel-safe card of each (reference, school, class, initials, status). */

const claire = person("Claire Martin"); // teacher, Lycée Victor-Hugo (Nord), reports the cases
const karim = person("Karim Benali"); // référent, Lycée Victor-Hugo
const sophie = person("Sophie Laurent"); // coordinator, Nord
const marc = person("Marc Petit"); // coordinator, Sud
const thomas = person("Thomas Girard"); // teacher of two other Nord schools
const HOST = "repere.ac-exemple.fr";
const YEAR = new Date().getFullYear();
const stranger = { aadObjectId: "00000000-0000-4000-8000-0000000009ff", displayName: "Inconnu" };

type Where = "personal" | "channel" | "groupChat";
let counter = 0;

function extensionInvoke(serviceUrl: string, who: { aadObjectId: string; displayName: string }, where: Where, name: string, value: unknown, locale = "fr-FR") {
  const conversationId = where === "personal" ? `a:personal-${who.aadObjectId}` : where === "channel" ? "19:some-team@thread.tacv2" : "19:group@thread.v2";
  return {
    type: "invoke",
    name,
    id: `me-${Date.now()}-${++counter}`,
    timestamp: new Date().toISOString(),
    serviceUrl,
    channelId: "msteams",
    from: { id: `29:${who.aadObjectId}`, name: who.displayName, aadObjectId: who.aadObjectId },
    recipient: BOT,
    conversation: { id: conversationId, conversationType: where, tenantId: DEMO_TENANT_ID, ...(where === "personal" ? {} : { isGroup: true }) },
    channelData: { tenant: { id: DEMO_TENANT_ID } },
    locale,
    value,
  };
}

type Answer = { type: string; text?: string; attachments?: { contentType: string; content: any; preview?: any }[] };

describe("the message extension and case links", () => {
  let bot: TestBot;
  let n = 0;
  const actorOf = async (p: Person) => (await bot.app.services.members.identify(DEMO_TENANT_ID, p.aadObjectId)) as Actor;

  async function invoke(who: { aadObjectId: string; displayName: string }, where: Where, name: string, value: unknown, locale?: string): Promise<Answer> {
    const res = await bot.post(extensionInvoke(bot.connector.url, who, where, name, value, locale));
    expect(res.status).toBe(200);
    return ((await res.json()) as { composeExtension: Answer }).composeExtension;
  }
  const search = (who: { aadObjectId: string; displayName: string }, where: Where, typed: string, locale?: string) =>
    invoke(
      who,
      where,
      "composeExtension/query",
      { commandId: "searchCase", parameters: [{ name: "query", value: typed }], queryOptions: { skip: 0, count: 25 } },
      locale,
    );
  const unfurl = (who: { aadObjectId: string; displayName: string }, where: Where, url: string) => invoke(who, where, "composeExtension/queryLink", { url });

  async function report(lastName: string, age: number): Promise<string> {
    const reporter = await actorOf(claire);
    const [school] = await bot.app.services.reports.reportingSchools(reporter);
    const r = await bot.app.services.reports.submit(
      reporter,
      {
        pupil: { lastName, firstName: "Léon", className: "1re 2", schoolId: school!.id, birthYear: YEAR - age },
        signals: { signals: [{ code: "LATENESS", note: "Note sur la famille" }] },
        steps: { stepsTaken: [], urgency: 2, observations: "Observation confidentielle" },
      },
      `me-${++n}`,
    );
    if (!r.ok) throw new Error(r.reason);
    return r.recorded.reference;
  }

  /** The one card of an answer, checked to be channel-safe. */
  function onlyCard(answer: Answer, lastName: string): any {
    expect(answer.type).toBe("result");
    expect(answer.attachments).toHaveLength(1);
    const attachment = answer.attachments![0]!;
    expect(attachment.contentType).toBe("application/vnd.microsoft.card.adaptive");
    const json = JSON.stringify(attachment);
    for (const secret of [lastName, "Léon", String(YEAR - 17), String(YEAR - 14), "Note sur la famille", "Observation confidentielle", "Claire Martin"])
      expect(json, `shows ${secret}`).not.toContain(secret);
    let buttons = 0;
    walk(attachment.content, (o) => {
      if (typeof o.type === "string" && o.type.startsWith("Action.")) buttons++;
    });
    expect(buttons).toBe(0);
    return attachment.content;
  }

  let older: string;
  let younger: string;

  beforeAll(async () => {
    bot = await startTestBot({ env: { PUBLIC_BASE_URL: `https://${HOST}` } });
    older = await report("Vasseur", 17);
    younger = await report("Jolivet", 14);
  });
  afterAll(async () => bot?.stop());

  it("finds a case by its reference for who may see it, as the channel-safe card", async () => {
    const card = onlyCard(await search(sophie, "channel", older.toLowerCase()), "Vasseur");
    expect(cardText(card)).toContain(older);
    expect(cardText(card)).toContain("Lycée Victor-Hugo · 1re 2 · L. V.");
    expect(cardText(card)).toContain("Repéré");
    // In English for an English client.
    const english = onlyCard(await search(sophie, "personal", older, "en-GB"), "Vasseur");
    expect(cardText(english)).toContain("Reported");
  });

  it("finds nothing for who may not see the case, whether it exists or not", async () => {
    const forMarc = await search(marc, "channel", older);
    const forThomas = await search(thomas, "personal", older);
    const none = await search(sophie, "personal", `D-${YEAR}-9999`);
    for (const answer of [forMarc, forThomas]) {
      expect(answer.type).toBe("message");
      expect(answer.attachments ?? []).toEqual([]);
    }
    expect(forMarc.text).toBe(`Aucun dossier ${older} parmi ceux que vous pouvez voir.`);
    expect(none.text).toBe(`Aucun dossier D-${YEAR}-9999 parmi ceux que vous pouvez voir.`);
  });

  it("searches names in a personal chat only, and still inserts no name", async () => {
    const found = await search(karim, "personal", "vasseur");
    onlyCard(found, "Vasseur");
    expect(cardText(found.attachments![0]!.content)).toContain(older);
    for (const where of ["channel", "groupChat"] as const) {
      const refused = await search(karim, where, "Vasseur");
      expect(refused.type).toBe("message");
      expect(refused.text).toContain("seule la référence");
      expect(JSON.stringify(refused)).not.toContain(older);
    }
    // Someone else's pupil is not found by name.
    expect((await search(marc, "personal", "Vasseur")).attachments ?? []).toEqual([]);
  });

  it("keeps a school's under-16 case out of channels, as the chat's queries do", async () => {
    const personal = onlyCard(await search(karim, "personal", younger), "Jolivet");
    expect(cardText(personal)).toContain(younger);
    expect((await search(karim, "channel", younger)).attachments ?? []).toEqual([]);
    expect((await search(sophie, "personal", younger)).attachments ?? []).toEqual([]);
  });

  it("hints what to type, and answers someone unknown without searching", async () => {
    expect((await search(karim, "personal", "")).text).toBe("Tapez la référence d'un dossier (D-2026-0042) ou le nom d'un élève.");
    expect((await search(karim, "channel", " ", "en-US")).text).toBe("Type a case reference (D-2026-0042). Names can be searched in a personal chat only.");
    const unknown = await search(stranger, "personal", older);
    expect(unknown.type).toBe("message");
    expect(JSON.stringify(unknown)).not.toContain(older);
  });

  it("unfurls a case link to the channel-safe card for who may see the case, and to nothing for others", async () => {
    const link = `https://${HOST}/dossiers/${older}`;
    const card = onlyCard(await unfurl(sophie, "channel", link), "Vasseur");
    expect(cardText(card)).toContain(older);
    expect(cardText(card)).toContain("Lycée Victor-Hugo · 1re 2 · L. V.");
    onlyCard(await unfurl(claire, "personal", link), "Vasseur"); // who reported it
    for (const [who, where, url] of [
      [marc, "channel", link],
      [thomas, "personal", link],
      [stranger, "personal", link],
      [sophie, "channel", `https://${HOST}/dossiers/D-${YEAR}-9999`],
      [sophie, "channel", `https://elsewhere.example.fr/dossiers/${older}`],
      [sophie, "channel", `http://${HOST}/dossiers/${older}`],
      [sophie, "channel", `https://${HOST}/autre/${older}`],
      [karim, "channel", `https://${HOST}/dossiers/${younger}`],
    ] as const) {
      const answer = await unfurl(who, where, url);
      expect(answer, `${who.displayName} ${url}`).toEqual({ type: "result", attachmentLayout: "list", attachments: [] });
    }
    onlyCard(await unfurl(karim, "personal", `https://${HOST}/dossiers/${younger}`), "Jolivet");
  });

  it("leads a case link opened in a browser to the app's tab, the same way whether the case exists or not", async () => {
    for (const reference of [older, older.toLowerCase(), `D-${YEAR}-9999`]) {
      const res = await fetch(`${bot.url}/dossiers/${reference}`, { redirect: "manual" });
      expect(res.status, reference).toBe(302);
      expect(res.headers.get("location")).toBe(`/tab/?case=${reference.toUpperCase()}`);
      expect(await res.text()).not.toContain("Vasseur");
    }
    for (const wrong of ["Vasseur", "D-2026", "%E0%A4%A"])
      expect((await fetch(`${bot.url}/dossiers/${wrong}`, { redirect: "manual" })).status, wrong).toBe(404);
  });
});
