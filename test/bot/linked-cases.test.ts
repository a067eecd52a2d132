import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import type { Actor } from "../../src/services/index.js";
import { BOT, cardText, person, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";
import { DATABASE_KINDS } from "../helpers/database.js";

/** Issue 26, one record per young person: pupils are recorded per school, and the same young
 *  person reported in two schools of the bassin (the same folded names and full birth date, or
 *  the same INE) reads as one timeline in `statut`, for those allowed to see each part. */

const karim = person("Karim Benali"); // référent, Lycée Victor-Hugo (0690001B, Bassin Nord)
const ines = person("Inès Moreau"); // référent, 0690002C (Bassin Nord)
const thomas = person("Thomas Girard"); // teacher, 0690002C and 0690003D
const sophie = person("Sophie Laurent"); // coordinator, Bassin Nord
const NORD = DEMO_CHANNELS[0];
const BORN = `${new Date().getFullYear() - 17}-03-15`;

describe.each(DATABASE_KINDS)("a young person's cases in two schools, on the %s database", (kind) => {
  let bot: TestBot;
  let counter = 0;
  const refs: Record<string, string> = {};
  const actorOf = async (p: Person) => (await bot.app.services.members.identify(DEMO_TENANT_ID, p.aadObjectId)) as Actor;

  async function report(by: Person, uai: string, pupil: { lastName: string; firstName: string; birthDate: string }): Promise<string> {
    const actor = await actorOf(by);
    const school = (await bot.app.services.reports.reportingSchools(actor)).find((s) => s.uai === uai)!;
    const outcome = await bot.app.services.reports.submit(
      actor,
      {
        pupil: { ...pupil, className: "2nde 1", schoolId: school.id, birthYear: Number(pupil.birthDate.slice(0, 4)) },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 2 },
      },
      `linked-${kind}-${++counter}`,
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    return outcome.recorded.reference;
  }

  /** The status card's text in the person's personal chat. */
  async function status(who: Person, reference: string, locale?: string): Promise<string> {
    const r = await bot.say(who, `statut ${reference}`, locale ? { locale } : undefined);
    return [...r.texts, ...r.cards.map(cardText)].join("\n");
  }

  beforeAll(async () => {
    bot = await startTestBot({ database: kind });
    // At Victor-Hugo last year, then at the lycée of 0690002C: two pupil rows, one young person
    // (the accents and the hyphen fold as the duplicate check folds them).
    refs.before = await report(karim, "0690001B", { lastName: "Lefèvre-Martin", firstName: "Chloé", birthDate: BORN });
    refs.now = await report(thomas, "0690002C", { lastName: "Lefevre Martin", firstName: "Chloe", birthDate: BORN });
    // The same names, another birth date: someone else.
    refs.namesake = await report(thomas, "0690003D", { lastName: "Lefèvre-Martin", firstName: "Chloé", birthDate: `${new Date().getFullYear() - 17}-11-02` });
  }, 120_000);

  afterAll(async () => bot?.stop());

  it("shows the coordinator of the bassin, who may see both schools, the earlier case with the current one, and not a namesake", async () => {
    const text = await status(sophie, refs.now!);
    expect(text).toContain("Autres dossiers de ce jeune");
    expect(text).toContain(refs.before!);
    expect(text).toContain("Lycée Victor-Hugo");
    expect(text).not.toContain(refs.namesake!);
    // And the other way round.
    const back = await status(sophie, refs.before!);
    expect(back).toContain(refs.now!);
    expect(back).not.toContain(refs.namesake!);
  });

  it("says it in English when Teams is in English", async () => {
    const english = await status(sophie, refs.now!, "en-US");
    expect(english).toContain("This young person's other cases");
    expect(english).toContain(refs.before!);
  });

  it("shows nothing of the other school to its référent or to the teacher who reported here", async () => {
    for (const who of [ines, thomas]) {
      const text = await status(who, refs.now!);
      expect(text, who.displayName).toContain(refs.now!);
      expect(text, who.displayName).not.toContain(refs.before!);
      expect(text, who.displayName).not.toContain("Autres dossiers");
    }
  });

  it("links nothing in a channel, where the answer carries no name", async () => {
    const before = bot.connector.sent.length;
    const res = await bot.post({
      type: "message",
      id: `linked-chan-${kind}`,
      timestamp: new Date().toISOString(),
      serviceUrl: bot.connector.url,
      channelId: "msteams",
      from: { id: `29:${sophie.aadObjectId}`, name: sophie.displayName, aadObjectId: sophie.aadObjectId },
      recipient: BOT,
      conversation: { id: `${NORD.channelId};messageid=linked`, conversationType: "channel", isGroup: true, tenantId: DEMO_TENANT_ID },
      channelData: { tenant: { id: DEMO_TENANT_ID }, team: { id: NORD.teamId }, channel: { id: NORD.channelId } },
      locale: "fr-FR",
      text: `<at>${BOT.name}</at> statut ${refs.now}`,
      entities: [{ type: "mention", text: `<at>${BOT.name}</at>`, mentioned: { id: BOT.id, name: BOT.name } }],
    });
    expect(res.status).toBeLessThan(300);
    const sent = JSON.stringify(bot.connector.sent.slice(before).map((a) => a.body));
    expect(sent).toContain(refs.now!);
    expect(sent).not.toContain(refs.before!);
  });

  it("reads as one timeline in the history: the other case's events carry its reference, for who may read both", async () => {
    const lines = (await bot.say(sophie, `historique ${refs.now}`)).cards.map(cardText).join("\n");
    expect(lines).toContain(`Historique · ${refs.now}`);
    expect(lines).toContain(`${refs.before} · Fiche de repérage (Karim Benali)`);
    expect(lines).toContain("Fiche de repérage (Thomas Girard)");
    expect(lines).not.toContain(refs.namesake!);
    // Reading it is a consultation of the other case too.
    const db = bot.app.store.db.kysely;
    const viewed = await db
      .selectFrom("CaseEvent as e")
      .innerJoin("Case as c", "c.id", "e.caseId")
      .select("e.actorId")
      .where("c.reference", "=", refs.before!)
      .where("e.type", "=", "HISTORY_VIEWED")
      .execute();
    expect(viewed.map((v) => v.actorId)).toContain((await actorOf(sophie)).memberId);
    // The référent of the current school reads its own case's history only.
    const own = (await bot.say(ines, `historique ${refs.now}`)).cards.map(cardText).join("\n");
    expect(own).toContain("Fiche de repérage (Thomas Girard)");
    expect(own).not.toContain(refs.before!);
  });

  it("stops linking a pupil once anonymised at retention", async () => {
    const db = bot.app.store.db.kysely;
    const before = await db.selectFrom("Case").select("pupilId").where("reference", "=", refs.before!).executeTakeFirstOrThrow();
    await db.updateTable("Pupil").set({ anonymizedAt: new Date() }).where("id", "=", before.pupilId).execute();
    expect(await status(sophie, refs.now!)).not.toContain(refs.before!);
  });
});
