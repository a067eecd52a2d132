import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/services/index.js";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { cardText, execute, person, personalMessage, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";
import { DATABASE_KINDS } from "../helpers/database.js";
import { csvBytes, listRow } from "../helpers/import-files.js";

/** The coordinators' « campagne d'appels » in Teams: who sees the phone numbers, the call recorded
 *  from the card, and the link to the CSV for the PSAD. */

const sophie = person("Sophie Laurent"); // coordinator, Bassin Nord
const karim = person("Karim Benali"); // référent, Lycée Victor-Hugo
const personalOf = (p: Person) => ({ conversationId: `a:personal-${p.aadObjectId}`, type: "personal" as const });
const CHANNEL = DEMO_CHANNELS[0];

describe.each(DATABASE_KINDS)("the call campaign through the bot, on the %s database", (kind) => {
  let bot: TestBot;
  let now = new Date("2026-09-15T08:00:00Z");
  const db = () => bot.app.store.db.prisma;

  beforeAll(async () => {
    bot = await startTestBot({ clock: () => now, database: kind });
    const services = bot.app.services;
    const actor = (await services.members.identify(DEMO_TENANT_ID, sophie.aadObjectId)) as Actor;
    const rows = [
      listRow({ nom: "Durand", prenom: "Léa", naissance: "15/03/2009", uai: "0690001B", motif: "non affecté", telephone: "06 11 22 33 44" }),
      listRow({ nom: "Martin", prenom: "Hugo", naissance: "02/05/2008", uai: "0690001B", telephone: "07 55 44 33 22" }),
    ];
    const preview = await services.imports.preview({ kind: "member", actor }, { name: "siei.csv", bytes: csvBytes(rows) });
    if (!preview.ok) throw new Error(JSON.stringify(preview));
    await services.imports.confirm({ kind: "member", actor }, preview.preview.batchId);
  });
  afterAll(async () => bot?.stop());

  it("answers the coordinator a card with the phone numbers, in the personal chat only", async () => {
    const { cards, texts } = await bot.say(sophie, "campagne d'appels");
    expect(texts).toEqual([]);
    const card = cardText(cards[0]);
    expect(card).toContain("Campagne d'appels · listes importées");
    expect(card).toContain("2 jeune(s) à appeler · page 1 sur 1");
    expect(card).toContain("L. D. · D-2026-0001 · Lycée Victor-Hugo");
    expect(card).toContain("06 11 22 33 44");
    expect(card).toContain("Noter l'appel");
    // Full names never: initials and the reference.
    expect(card).not.toContain("Durand");

    // In a channel, nothing is listed: every member would read the numbers.
    const inChannel = personalMessage(bot.connector.url, sophie, { text: "campagne d'appels" });
    inChannel.conversation = { id: CHANNEL.channelId, conversationType: "channel", isGroup: true, tenantId: (inChannel.conversation as any).tenantId };
    inChannel.channelData = { ...(inChannel.channelData as object), team: { id: CHANNEL.teamId }, channel: { id: CHANNEL.channelId } };
    const before = bot.connector.sent.length;
    await bot.post(inChannel);
    const sent = bot.connector.sent.slice(before);
    expect(sent.map((a) => a.body.text)).toEqual([
      "La campagne d'appels montre des numéros de téléphone : ouvrez-la dans votre conversation privée avec Repère.",
    ]);
    expect(JSON.stringify(sent)).not.toContain("06 11");
  });

  it("says no to a référent, and refuses a forged « Noter l'appel » from them", async () => {
    const { cards, texts } = await bot.say(karim, "call campaign");
    expect(cards).toEqual([]);
    expect(texts).toEqual(["La campagne d'appels et l'export vers la PSAD sont réservés aux coordonnateurs MLDS, pour leur bassin."]);
    const lea = await db().case.findUniqueOrThrow({ where: { reference: "D-2026-0001" } });
    const answer = await execute(bot, karim, personalOf(karim), "calls.record", { caseId: lea.id, page: "1", [`outcome_${lea.id}`]: "REFUSED" });
    expect(cardText(answer)).toContain("réservés aux coordonnateurs MLDS");
    expect(JSON.stringify(answer)).not.toContain("06 11");
    expect(await db().callAttempt.count()).toBe(0);
  });

  it("records the calls from the card: unreachable, then reached, and the list follows", async () => {
    const lea = await db().case.findUniqueOrThrow({ where: { reference: "D-2026-0001" } });
    now = new Date("2026-09-21T09:00:00Z");
    let card = await execute(bot, sophie, personalOf(sophie), "calls.record", {
      caseId: lea.id,
      page: "1",
      [`outcome_${lea.id}`]: "UNREACHABLE",
      [`calledAt_${lea.id}`]: "2026-09-21",
      [`note_${lea.id}`]: "Messagerie",
    });
    let text = cardText(card);
    expect(text).toContain("Appel noté pour D-2026-0001 : Injoignable (1 tentative). Le jeune reste dans la liste.");
    expect(text).toContain("1 tentative · dernier appel le 21 septembre 2026 : Injoignable");

    // A date to come is refused with a way to fix it.
    card = await execute(bot, sophie, personalOf(sophie), "calls.record", {
      caseId: lea.id,
      [`outcome_${lea.id}`]: "REACHED",
      [`calledAt_${lea.id}`]: "2026-12-01",
    });
    expect(cardText(card)).toContain("Date d'appel non valide : choisissez aujourd'hui ou un jour de l'année écoulée, pas une date à venir.");

    card = await execute(bot, sophie, personalOf(sophie), "calls.record", { caseId: lea.id, [`outcome_${lea.id}`]: "REACHED" });
    text = cardText(card);
    expect(text).toContain("Appel noté pour D-2026-0001 : Joint.");
    expect(text).toContain("1 jeune(s) à appeler");
    expect(text).not.toContain("D-2026-0001 · Lycée");
    expect((await db().callAttempt.findMany({ where: { caseId: lea.id } })).map((c) => c.outcome).sort()).toEqual(["REACHED", "UNREACHABLE"]);

    // The history names the calls, never the note.
    const history = await bot.app.store.db.prisma.caseEvent.findMany({ where: { caseId: lea.id, type: "CALL_RECORDED" } });
    expect(history).toHaveLength(2);
    expect(JSON.stringify(history.map((e) => e.data))).not.toContain("Messagerie");
  });

  it("gives the coordinator a signed link to the CSV for the PSAD", async () => {
    const { cards } = await bot.say(sophie, "export psad");
    const card = cards[0];
    expect(cardText(card)).toContain("Export vers la PSAD · Bassin Nord");
    const url = new URL(card.actions[0].url);
    const res = await fetch(`${bot.url}${url.pathname}${url.search}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="repere-psad-2026-09-21\.csv"/);
    const csv = (await res.text()).replace(/^\uFEFF/, "");
    expect(csv.split("\r\n").slice(0, 3)).toEqual([
      "INE;nom;prénom;date de naissance;code situation;libellé situation;date de la situation",
      ";Durand;Léa;15/03/2009;EN_COURS;Suivi en cours;21/09/2026",
      ";Martin;Hugo;02/05/2008;EN_COURS;Suivi en cours;15/09/2026",
    ]);
    expect(await db().dataExport.findFirstOrThrow({ where: { kind: "PSAD" } })).toMatchObject({ downloads: 1, rowCount: 2 });
    // The référent gets no link.
    expect((await bot.say(karim, "export psad")).cards).toEqual([]);
  });
});
