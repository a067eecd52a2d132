import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { BOT, cardText, person, personalMessage, startTestBot, type TestBot } from "../helpers/bot-harness.js";

const claire = person("Claire Martin");

describe("the bot over HTTP, in local mode", () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot();
  });
  afterAll(async () => bot?.stop());

  it("answers « aide » with the help card in French", async () => {
    const { cards, texts } = await bot.say(claire, "aide");
    expect(texts).toEqual([]);
    expect(cards).toHaveLength(1);
    expect(cardText(cards[0])).toContain("Aide de Repère");
    expect(cardText(cards[0])).toContain("mes signalements");
  });

  it("lists in « aide » what the caller's role may use: follow-up for a coordinator, administration for an admin only", async () => {
    const teacher = cardText((await bot.say(claire, "aide")).cards[0]);
    expect(teacher).not.toContain("statistiques");
    expect(teacher).not.toContain("export dossiers");
    const coordinator = cardText((await bot.say(person("Sophie Laurent"), "aide")).cards[0]);
    expect(coordinator).toContain("statistiques (ou stats 2026-2027, stats ce mois)");
    expect(coordinator).toContain("export dossiers");
    expect(coordinator).toContain("envoyez un fichier CSV");
    expect(coordinator).not.toContain("effacer élève");
    const admin = cardText((await bot.say(person("Nathalie Roux"), "aide")).cards[0]);
    expect(admin).toContain("effacer élève D-2026-0042");
    expect(admin).toContain("canal MLDS NORD");
  });

  it("asks which case when « statut » comes alone, as Teams' command list inserts it", async () => {
    const { texts } = await bot.say(claire, "Statut");
    expect(texts).toEqual(["De quel dossier ? Donnez sa référence ou le nom de l'élève, par exemple « statut D-2026-0042 » ou « statut Dupont »."]);
  });

  it("answers « help » in English when the Teams locale is English", async () => {
    const { cards } = await bot.say(claire, "Help", { locale: "en-US" });
    expect(cardText(cards[0])).toContain("Repère help");
    expect(cardText(cards[0])).toContain("my reports");
  });

  it("answers the help button of a card (Action.Submit) with the help card", async () => {
    const { cards } = await bot.submit(claire, { action: "help" });
    expect(cardText(cards[0])).toContain("Aide de Repère");
  });

  it("answers what it does not understand with a short hint, never silence", async () => {
    for (const text of ["la cantine est fermée demain ?", "ok"]) {
      const { texts, cards } = await bot.say(claire, text);
      expect(cards).toEqual([]);
      expect(texts).toHaveLength(1);
      expect(texts[0]).toContain("Je n'ai pas compris");
      expect(texts[0]).toContain("aide");
    }
  });

  it("greets, thanks, reads a bare pupil name as « statut » and a sentence with « signaler » as the command", async () => {
    const actor = (await bot.app.services.members.identify(DEMO_TENANT_ID, claire.aadObjectId))!;
    const [school] = await bot.app.services.reports.reportingSchools(actor);
    const reported = await bot.app.services.reports.submit(
      actor,
      {
        pupil: { lastName: "Gauthier", firstName: "Maël", className: "2nde 1", schoolId: school!.id, birthYear: new Date().getFullYear() - 16 },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 1 },
      },
      "foundation-bare-name",
    );
    if (!reported.ok) throw new Error(reported.reason);
    const transcript: [string, (r: { cards: any[]; texts: string[] }) => void][] = [
      [
        "bonjour",
        (r) =>
          expect(r.texts).toEqual([
            "Bonjour Claire ! Écrivez « signaler » pour repérer un élève, « mes signalements » pour suivre vos fiches de repérage, ou « aide » pour voir ce que je sais faire.",
          ]),
      ],
      ["merci", (r) => expect(r.texts[0]).toContain("Avec plaisir")],
      ["👍", (r) => expect(r.texts[0]).toContain("Avec plaisir")],
      ["Maël Gauthier", (r) => expect(cardText(r.cards[0])).toContain(reported.recorded.reference)],
      ["gauthier", (r) => expect(cardText(r.cards[0])).toContain(reported.recorded.reference)],
      ["je voudrais signaler un élève", (r) => expect(cardText(r.cards[0])).toContain("Étape 1 sur 4")],
    ];
    for (const [text, check] of transcript) {
      const r = await bot.say(claire, text);
      try {
        check(r);
      } catch (err) {
        (err as Error).message = `« ${text} »: ${(err as Error).message}\n--- bot sent:\n${r.texts.join("\n")}\n${r.cards.map(cardText).join("\n")}`;
        throw err;
      }
    }
    await bot.say(claire, "annuler");
    expect((await bot.say(claire, "thanks", { locale: "en-US" })).texts[0]).toContain("You're welcome");
  });

  it("greets a person who opens a personal chat with the welcome card, and remembers the chat", async () => {
    const activity = {
      ...personalMessage(bot.connector.url, claire, {}),
      type: "conversationUpdate",
      membersAdded: [{ id: `29:${claire.aadObjectId}`, aadObjectId: claire.aadObjectId }],
    };
    const before = bot.connector.sent.length;
    const res = await bot.post(activity);
    expect(res.status).toBeLessThan(300);
    const card = bot.connector.cards().at(-1);
    expect(bot.connector.sent.length).toBe(before + 1);
    expect(cardText(card)).toContain("Bienvenue dans Repère");
    expect(cardText(card)).toContain("Repérer un élève");
    const stored = await bot.app.store.conversations.personalChatOf(claire.aadObjectId);
    expect(stored).toMatchObject({
      conversationId: `a:personal-${claire.aadObjectId}`,
      kind: "PERSONAL",
      serviceUrl: bot.connector.url,
      tenantId: DEMO_TENANT_ID,
    });
  });

  it("greets once when the app is installed in a personal chat, and keeps the locale the person's messages gave", async () => {
    const karim = person("Karim Benali");
    await bot.say(karim, "aide", { locale: "en-US" });
    const base = personalMessage(bot.connector.url, karim, {});
    const before = bot.connector.sent.length;
    await bot.post({ ...base, id: "install-karim", type: "installationUpdate", action: "add", locale: undefined });
    await bot.post({
      ...base,
      id: "added-karim",
      type: "conversationUpdate",
      membersAdded: [{ id: `29:${karim.aadObjectId}`, aadObjectId: karim.aadObjectId }],
      locale: undefined,
    });
    const welcomes = bot.connector.sent.slice(before);
    expect(welcomes).toHaveLength(1);
    expect(cardText(welcomes[0]!.body.attachments![0]!.content)).toContain("Welcome to Repère"); // the locale his messages gave
    expect((await bot.app.store.conversations.personalChatOf(karim.aadObjectId))?.reference.locale).toBe("en-US");
  });

  it("greets in the language of the client that installs it, in a personal chat and in a team, as the Agents Playground and Teams send the events", async () => {
    // Teams and the Playground: an installationUpdate that carries the client's locale, then a
    // conversationUpdate that carries none.
    const marc = person("Marc Petit");
    const base = personalMessage(bot.connector.url, marc, { locale: "en-US" });
    const clientInfo = [{ type: "clientInfo", locale: "en-US" }];
    let before = bot.connector.sent.length;
    await bot.post({ ...base, id: "install-marc", type: "installationUpdate", action: "add", entities: clientInfo });
    await bot.post({
      ...base,
      id: "added-marc",
      type: "conversationUpdate",
      membersAdded: [{ id: `29:${marc.aadObjectId}`, aadObjectId: marc.aadObjectId }, { id: BOT.id }],
      locale: undefined,
    });
    const personal = bot.connector.sent.slice(before);
    expect(personal).toHaveLength(1);
    expect(cardText(personal[0]!.body.attachments![0]!.content)).toContain("Welcome to Repère");

    const teamId = "19:team-english@thread.tacv2";
    const inTeam = {
      serviceUrl: bot.connector.url,
      channelId: "msteams",
      from: { id: `29:${marc.aadObjectId}`, aadObjectId: marc.aadObjectId },
      recipient: BOT,
      conversation: { id: teamId, conversationType: "channel", isGroup: true, tenantId: DEMO_TENANT_ID },
      channelData: { tenant: { id: DEMO_TENANT_ID }, team: { id: teamId }, channel: { id: teamId } },
    };
    before = bot.connector.sent.length;
    await bot.post({ ...inTeam, id: "install-team-en", type: "installationUpdate", action: "add", locale: "en-US", entities: clientInfo });
    await bot.post({ ...inTeam, id: "added-team-en", type: "conversationUpdate", membersAdded: [{ id: BOT.id }] });
    const team = bot.connector.sent.slice(before);
    expect(team).toHaveLength(1);
    expect(cardText(team[0]!.body.attachments![0]!.content)).toContain("Welcome to Repère");

    // A member event with only the client information entity (no locale field) is read the same way.
    const nathalie = person("Nathalie Roux");
    before = bot.connector.sent.length;
    await bot.post({
      ...personalMessage(bot.connector.url, nathalie, {}),
      id: "added-nathalie",
      type: "conversationUpdate",
      locale: undefined,
      entities: [{ type: "clientInfo", locale: "en-GB" }],
      membersAdded: [{ id: `29:${nathalie.aadObjectId}` }],
    });
    expect(cardText(bot.connector.sent.slice(before)[0]!.body.attachments![0]!.content)).toContain("Welcome to Repère");
  });

  it("remembers the team's channel when installed in a team, and greets the team once", async () => {
    const teamId = "19:team-test@thread.tacv2";
    const activity = {
      type: "conversationUpdate",
      id: "install-1",
      serviceUrl: bot.connector.url,
      channelId: "msteams",
      from: { id: `29:${claire.aadObjectId}`, aadObjectId: claire.aadObjectId },
      recipient: BOT,
      conversation: { id: teamId, conversationType: "channel", isGroup: true, tenantId: DEMO_TENANT_ID },
      channelData: { tenant: { id: DEMO_TENANT_ID }, team: { id: teamId, name: "MLDS" }, channel: { id: teamId }, eventType: "teamMemberAdded" },
      membersAdded: [{ id: BOT.id }],
    };
    const before = bot.connector.sent.length;
    await bot.post(activity);
    expect(bot.connector.sent.length).toBe(before + 1);
    expect(bot.connector.sent.at(-1)!.conversationId).toBe(teamId);
    expect(await bot.app.store.conversations.channel(teamId, teamId)).toMatchObject({ kind: "CHANNEL", teamId, aadObjectId: null });
  });

  it("answers in a channel thread and remembers the channel itself, not the thread", async () => {
    const teamId = "19:team-test@thread.tacv2";
    const activity = {
      type: "message",
      id: "chan-1",
      text: "<at>Repère</at> aide",
      entities: [{ type: "mention", mentioned: BOT, text: "<at>Repère</at>" }],
      serviceUrl: bot.connector.url,
      channelId: "msteams",
      from: { id: `29:${claire.aadObjectId}`, aadObjectId: claire.aadObjectId },
      recipient: BOT,
      conversation: { id: `${teamId};messageid=1700000000000`, conversationType: "channel", isGroup: true, tenantId: DEMO_TENANT_ID },
      channelData: { tenant: { id: DEMO_TENANT_ID }, team: { id: teamId }, channel: { id: teamId } },
    };
    const before = bot.connector.sent.length;
    await bot.post(activity);
    const sent = bot.connector.sent.slice(before);
    expect(sent).toHaveLength(1);
    expect(cardText(sent[0]!.body.attachments![0]!.content)).toContain("Aide de Repère");
    const stored = await bot.app.store.conversations.get(teamId);
    expect((stored!.reference as { conversation: { id: string } }).conversation.id).toBe(teamId);
  });

  it("reports a reachable database on /healthz", async () => {
    const res = await fetch(`${bot.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", database: "ok" });
  });

  it("refuses a request body that is too large", async () => {
    const res = await fetch(`${bot.url}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...personalMessage(bot.connector.url, claire, { text: "x".repeat(400_000) }) }),
    });
    expect(res.status).toBe(413);
  });
});

describe("tenant allow-list", () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ env: { ALLOWED_TENANT_IDS: "99999999-9999-4999-8999-999999999999" } });
  });
  afterAll(async () => bot?.stop());

  it("ignores activities from a tenant that is not allowed and stores nothing for them", async () => {
    const res = await bot.say(claire, "aide");
    expect(res.cards).toEqual([]);
    expect(res.texts).toEqual([]);
    expect(await bot.app.store.conversations.personalChatOf(claire.aadObjectId)).toBeNull();
  });
});

describe("FORCE_LOCALE, for demonstrations in a client that declares another language", () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ env: { FORCE_LOCALE: "fr" } });
  });
  afterAll(async () => bot?.stop());

  it("answers in French a client that says English, as the Agents Playground does", async () => {
    const { cards } = await bot.say(claire, "Help", { locale: "en-US" });
    expect(cardText(cards[0])).toContain("Aide de Repère");
    expect(cardText(cards[0])).not.toContain("Repère help");
  });
});
