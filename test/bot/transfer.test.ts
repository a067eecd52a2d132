import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import type { Actor } from "../../src/services/index.js";
import { cardText, execute, installInTeam, person, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";
import { findAction } from "../helpers/cards.js";
import { DATABASE_KINDS } from "../helpers/database.js";

// Issue 26: a case follows a young person who changes school within the académie. A 17-year-old of
// the Lycée Victor-Hugo (Bassin Nord) moves to the LP Louise-Michel (Bassin Sud): the référent of
// Victor-Hugo transfers the case from its card; the LP's GPDS and the Sud coordinators get it, the
// Nord people no longer act on it and only learn that it left, and when; the reporter is told it went
// to another school of the académie, without its name.

const claire = person("Claire Martin"); // teacher, Lycée Victor-Hugo (Bassin Nord), the reporter
const karim = person("Karim Benali"); // référent, Lycée Victor-Hugo
const sophie = person("Sophie Laurent"); // coordinator, Bassin Nord
const marc = person("Marc Petit"); // coordinator, Bassin Sud
const ines = person("Inès Moreau"); // référent, LP Jean-Moulin (Bassin Nord)
const thomas = person("Thomas Girard"); // teacher, LP Jean-Moulin and Collège Jules-Ferry (Bassin Nord)
// The LP Louise-Michel's référent, added for these tests (the demo has none in Bassin Sud).
const yasmine = { aadObjectId: "aad-lm-referent", displayName: "Yasmine Haddad", email: "yasmine@lm.test", role: "REFERENT", schools: ["0690005F"] } as Person;

const NORD = DEMO_CHANNELS[0];
const SUD = { teamId: "19:demo-team-sud@thread.tacv2", channelId: "19:demo-team-sud@thread.tacv2" };
const inNord = { conversationId: NORD.channelId, type: "channel" as const, teamId: NORD.teamId };
const personalOf = (p: Person) => ({ conversationId: `a:personal-${p.aadObjectId}`, type: "personal" as const });
const YEAR = new Date().getFullYear();
/** The day of the transfer as the cards write it (the transfer is dated by the database's clock,
 *  as the events it is compared with: the bot runs on the real clock here). */
const today = () => new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", day: "numeric", month: "long", year: "numeric" }).format(new Date());

describe.each(DATABASE_KINDS)("transferring a case to another school of the académie (issue 26), on the %s database", (kind) => {
  let bot: TestBot;
  let counter = 0;
  const db = () => bot.app.store.db.prisma;
  const k = () => bot.app.store.db.kysely;
  const schoolId = async (uai: string) => (await k().selectFrom("School").select("id").where("uai", "=", uai).executeTakeFirstOrThrow()).id;
  const version = async (caseId: string) => (await db().case.findUniqueOrThrow({ where: { id: caseId } })).version;
  const actorOf = async (p: Person) => (await bot.app.services.members.identify(DEMO_TENANT_ID, p.aadObjectId)) as Actor;
  const drain = async () => {
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
  };
  const said = async (who: Person, text: string) => {
    const r = await bot.say(who, text);
    return [...r.texts, ...r.cards.map(cardText)].join("\n");
  };

  /** Claire's fiche de repérage about a 17-year-old of the Lycée Victor-Hugo. */
  async function report(lastName: string): Promise<{ caseId: string; reference: string }> {
    const claireActor = await actorOf(claire);
    const [school] = await bot.app.services.reports.reportingSchools(claireActor);
    const outcome = await bot.app.services.reports.submit(
      claireActor,
      {
        pupil: { lastName, firstName: "Léa", className: "1re 4", schoolId: school!.id, birthYear: YEAR - 17 },
        signals: { signals: [{ code: "LATENESS", note: "Arrive en retard tous les matins" }, { code: "NO_PLAN" }] },
        steps: { stepsTaken: ["FAMILY_CONTACTED"], urgency: 2, observations: "Veut partir en lycée professionnel" },
      },
      `transfer-${kind}-${++counter}`,
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    return { caseId: outcome.recorded.caseId, reference: outcome.recorded.reference };
  }

  beforeAll(async () => {
    bot = await startTestBot({ database: kind });
    // The coordinators act on the 16+ at once here (the bassin's setting: test/bot/gpds-process.test.ts).
    await k().updateTable("District").set({ mldsAccess: "IMMEDIATE" }).execute();
    const sud = await k().selectFrom("District").select("id").where("code", "=", "SUD").executeTakeFirstOrThrow();
    await k()
      .insertInto("RoutingChannel")
      .values({ id: randomUUID(), districtId: sud.id, teamId: SUD.teamId, channelId: SUD.channelId, name: "MLDS Bassin Sud - Général" })
      .execute();
    const id = randomUUID();
    await k()
      .insertInto("Member")
      .values({ id, tenantId: DEMO_TENANT_ID, aadObjectId: yasmine.aadObjectId, displayName: yasmine.displayName, role: "REFERENT", updatedAt: new Date() })
      .execute();
    await k()
      .insertInto("MemberSchool")
      .values({ memberId: id, schoolId: await schoolId("0690005F") })
      .execute();
    await installInTeam(bot, sophie, NORD);
    await installInTeam(bot, marc, SUD);
    for (const p of [claire, karim, sophie, marc, ines, yasmine, thomas]) await bot.say(p, "aide");
  }, 120_000);
  afterAll(async () => bot?.stop());

  it("moves a 17-year-old's case from a lycée of Bassin Nord to a LP of Bassin Sud, as each side should see it", async () => {
    const { caseId, reference } = await report("Transferee");
    // Karim takes it in charge; Sophie looks at its details: both took part in it at Victor-Hugo.
    expect(cardText(await execute(bot, karim, personalOf(karim), "case.takeCharge", { caseId, version: await version(caseId) }))).toContain(
      "Dossier pris en charge par Karim Benali.",
    );
    await execute(bot, sophie, personalOf(sophie), "case.details", { caseId });
    await drain();

    // « Transférer » on the card Karim received, then the school found by what he types.
    const received = bot.connector.sent
      .filter((a) => a.conversationId === `a:personal-${karim.aadObjectId}`)
      .flatMap((a) => (a.body.attachments ?? []).map((x) => x.content))
      .filter((x) => cardText(x).includes(reference));
    expect(received.some((x) => findAction(x, (a) => a.title === "Transférer") !== null)).toBe(true);
    const card = await execute(bot, karim, personalOf(karim), "case.refresh", { caseId });
    expect(findAction(card, (a) => a.title === "Transférer")).not.toBeNull();
    expect(findAction(card, (a) => a.verb === "case.transferSearch")).not.toBeNull();
    const form = await execute(bot, karim, personalOf(karim), "case.transferSearch", { caseId, version: await version(caseId), schoolQuery: "louise michel" });
    expect(cardText(form)).toContain("Transférer le dossier " + reference);
    expect(cardText(form)).toContain("Lycée professionnel Louise-Michel – 0690005F – Vénissieux");
    const lm = await schoolId("0690005F");

    // No reason: the form again, with the school still chosen, and nothing changed.
    const noReason = await execute(bot, karim, personalOf(karim), "case.transfer", {
      caseId,
      version: await version(caseId),
      schoolQuery: "louise michel",
      toSchoolId: lm,
      reason: "  ",
    });
    expect(cardText(noReason)).toContain("Indiquez le motif du transfert");
    expect(findAction(noReason, (a) => a.verb === "case.transfer")).not.toBeNull();

    const v = await version(caseId);
    const transferred = await execute(bot, karim, personalOf(karim), "case.transfer", {
      caseId,
      version: v,
      schoolQuery: "louise michel",
      toSchoolId: lm,
      reason: "Inscrit en CAP au LP Louise-Michel à la rentrée de janvier",
    });
    expect(cardText(transferred)).toContain("Dossier transféré vers Lycée professionnel Louise-Michel.");
    // Karim no longer sees the case: his answer is a notice, not the case's card.
    expect(findAction(transferred, (a) => a.verb === "case.takeCharge")).toBeNull();

    const c = await db().case.findUniqueOrThrow({ where: { id: caseId }, include: { pupil: true, events: true, transfers: true, school: true } });
    expect(c).toMatchObject({ status: "NEW", assigneeId: null, schoolId: lm, version: v + 1 });
    expect(c.pupil.schoolId).toBe(lm);
    expect(c.transfers).toHaveLength(1);
    expect(c.transfers[0]).toMatchObject({
      toSchoolId: lm,
      reason: "Inscrit en CAP au LP Louise-Michel à la rentrée de janvier",
      byId: (await actorOf(karim)).memberId,
    });
    // The history stays one: the report, the taking in charge, the transfer.
    expect(c.events.map((e) => e.type)).toEqual(expect.arrayContaining(["REPORTED", "TAKEN_IN_CHARGE", "DETAILS_VIEWED", "TRANSFERRED"]));

    // Sends: the LP's référent and the Sud coordinators get the card; the Nord cards become the
    // read-only line; Claire is told, in her personal chat.
    const sends = await db().outboxMessage.findMany({ where: { caseId, status: "PENDING" } });
    const posts = sends.filter((s) => s.kind === "post" && (s.payload as any).render.view === "caseCard").map((s) => s.conversationId);
    expect(posts.sort()).toEqual([SUD.channelId, `a:personal-${yasmine.aadObjectId}`].sort());
    const retired = sends.filter((s) => (s.payload as any).render.view === "caseTransferred").map((s) => s.conversationId);
    expect(retired.sort()).toEqual([NORD.channelId, `a:personal-${karim.aadObjectId}`].sort());
    bot.connector.clear();
    await drain();
    const toClaire = bot.connector.sent.filter((a) => a.conversationId === `a:personal-${claire.aadObjectId}`).map((a) => a.body.text ?? "");
    expect(toClaire.join("\n")).toContain(
      `Le dossier ${reference} ouvert par votre fiche de repérage a été transféré vers un autre établissement de l'académie`,
    );
    expect(toClaire.join("\n")).not.toMatch(/Louise|Vénissieux|0690005F/);
    const nordCard = bot.connector.sent.find((a) => a.conversationId === NORD.channelId && a.method === "PUT");
    expect(cardText(nordCard?.body.attachments?.[0]?.content)).toContain(
      `Dossier ${reference} transféré vers un autre établissement de l'académie le ${today()}.`,
    );
    expect(JSON.stringify(nordCard?.body)).not.toMatch(/Louise|Vénissieux/);
    const lmCard = bot.connector.sent.find((a) => a.conversationId === `a:personal-${yasmine.aadObjectId}`);
    expect(cardText(lmCard?.body.attachments?.[0]?.content)).toContain("Lycée professionnel Louise-Michel");

    // Nord no longer acts: Karim from his former card, Sophie from the Nord channel's.
    const current = await version(caseId);
    expect(cardText(await execute(bot, karim, personalOf(karim), "case.takeCharge", { caseId, version: current }))).toContain("Action refusée");
    expect(cardText(await execute(bot, sophie, inNord, "case.takeCharge", { caseId, version: current }))).toContain("Action refusée");
    expect(cardText(await execute(bot, sophie, personalOf(sophie), "case.requestInfo", { caseId, version: current, question: "Des nouvelles ?" }))).toContain(
      "Action refusée",
    );
    expect(await version(caseId)).toBe(current);

    // Sud takes it in charge: Marc sees its card with the buttons, Yasmine takes it.
    const marcCard = await execute(bot, marc, personalOf(marc), "case.refresh", { caseId });
    expect(findAction(marcCard, (a) => a.verb === "case.takeCharge")).not.toBeNull();
    expect(cardText(await execute(bot, yasmine, personalOf(yasmine), "case.takeCharge", { caseId, version: current }))).toContain(
      "Dossier pris en charge par Yasmine Haddad.",
    );

    // « statut » at Nord: transferred, on that day, to another school; nothing of where nor since.
    for (const who of [karim, sophie, claire]) {
      const answer = await said(who, `statut ${reference}`);
      expect(answer, who.displayName).toContain(`Le dossier ${reference} a été transféré le ${today()} vers un autre établissement de l'académie`);
      expect(answer, who.displayName).not.toMatch(/Louise|Yasmine|Pris en charge/);
    }
    // Someone of Nord who had nothing to do with it: as if it did not exist.
    expect(await said(ines, `statut ${reference}`)).toContain(`Je ne trouve pas de dossier ${reference}`);
    // Sud sees the case itself.
    expect(await said(marc, `statut ${reference}`)).toContain("Lycée professionnel Louise-Michel");

    // Karim's history stops at the transfer: his own taking in charge, not Yasmine's.
    const history = await said(karim, `historique ${reference}`);
    expect(history).toContain("Karim Benali");
    expect(history).not.toContain("Yasmine Haddad");
    expect(history).not.toContain("Dossier transféré");
    // Marc's is the whole of it.
    const whole = await said(marc, `historique ${reference}`);
    expect(whole).toContain("Dossier transféré vers un autre établissement");
    expect(whole).toContain("Yasmine Haddad");
  });

  it("keeps a coordinator who may still act where the case goes (same bassin), and updates the bassin's channel card in place", async () => {
    const { caseId } = await report("Memebassin");
    await execute(bot, sophie, inNord, "case.takeCharge", { caseId, version: await version(caseId) });
    await drain();
    const jm = await schoolId("0690002C");
    const done = await execute(bot, sophie, personalOf(sophie), "case.transfer", {
      caseId,
      version: await version(caseId),
      toSchoolId: jm,
      reason: "Réorientation en seconde professionnelle",
    });
    expect(cardText(done)).toContain("Dossier transféré vers Lycée professionnel Jean-Moulin : vous continuez à le suivre.");
    const c = await db().case.findUniqueOrThrow({ where: { id: caseId } });
    expect(c).toMatchObject({ status: "ACKNOWLEDGED", assigneeId: (await actorOf(sophie)).memberId, schoolId: jm });
    const sends = await db().outboxMessage.findMany({ where: { caseId, status: "PENDING" } });
    const byConversation = (id: string) => sends.filter((s) => s.conversationId === id).map((s) => `${s.kind}:${(s.payload as any).render.view}`);
    expect(byConversation(NORD.channelId)).toEqual(["update:caseCard"]);
    expect(byConversation(`a:personal-${karim.aadObjectId}`)).toEqual(["update:caseTransferred"]);
    expect(byConversation(`a:personal-${ines.aadObjectId}`)).toEqual(["post:caseCard"]);
  });

  it("names the receiving school to a reporter who works there", async () => {
    const thomasActor = await actorOf(thomas);
    const julesFerry = await schoolId("0690003D");
    const r = await bot.app.services.reports.submit(
      thomasActor,
      {
        pupil: { lastName: "Collegien", firstName: "Noé", className: "3e 1", schoolId: julesFerry, birthYear: YEAR - 16 },
        signals: { signals: [{ code: "NO_PLAN" }] },
        steps: { stepsTaken: [], urgency: 2 },
      },
      `transfer-${kind}-thomas`,
    );
    if (!r.ok) throw new Error(r.reason);
    const { caseId, reference } = r.recorded;
    const jm = await schoolId("0690002C");
    await execute(bot, sophie, personalOf(sophie), "case.transfer", {
      caseId,
      version: await version(caseId),
      toSchoolId: jm,
      reason: "Entrée en seconde professionnelle",
    });
    const notice = await db().outboxMessage.findFirstOrThrow({ where: { caseId, conversationId: `a:personal-${thomas.aadObjectId}` } });
    expect(notice.payload).toMatchObject({ render: { view: "transferNotice", named: true } });
    bot.connector.clear();
    await drain();
    const toThomas = bot.connector.sent.filter((a) => a.conversationId === `a:personal-${thomas.aadObjectId}`).map((a) => a.body.text ?? "");
    expect(toThomas.join("\n")).toContain(`Le dossier ${reference} ouvert par votre fiche de repérage a été transféré vers Lycée professionnel Jean-Moulin`);
  });

  it("does not deliver, where the case left, its cards that were still waiting to be sent", async () => {
    const { caseId } = await report("Pressee");
    // Not yet delivered: the card to Karim's chat and to the Nord channel.
    const waiting = await db().outboxMessage.findMany({ where: { caseId, status: "PENDING" } });
    expect(waiting.map((s) => s.conversationId).sort()).toEqual([NORD.channelId, `a:personal-${karim.aadObjectId}`].sort());
    await execute(bot, karim, personalOf(karim), "case.transfer", {
      caseId,
      version: await version(caseId),
      toSchoolId: await schoolId("0690005F"),
      reason: "Parti au LP Louise-Michel",
    });
    const left = await db().outboxMessage.findMany({
      where: { caseId, status: "PENDING", conversationId: { in: [NORD.channelId, `a:personal-${karim.aadObjectId}`] } },
    });
    expect(left).toEqual([]);
    bot.connector.clear();
    await drain();
    expect(bot.connector.sent.filter((a) => a.conversationId === NORD.channelId || a.conversationId === `a:personal-${karim.aadObjectId}`)).toEqual([]);
  });

  it("refuses a transfer by a teacher, to a closed school, to the same school, or on a card that is out of date, changing nothing", async () => {
    const { caseId } = await report("Refusee");
    const v = await version(caseId);
    const lm = await schoolId("0690005F");
    const reason = "Déménagement de la famille";
    // A teacher forges the invoke.
    expect(cardText(await execute(bot, claire, personalOf(claire), "case.transfer", { caseId, version: v, toSchoolId: lm, reason }))).toContain(
      "Action refusée",
    );
    // A closed school takes no case (and is not offered).
    const closed = await schoolId("0690006G");
    await k().updateTable("School").set({ state: "CLOSED" }).where("id", "=", closed).execute();
    const search = await execute(bot, karim, personalOf(karim), "case.transferSearch", { caseId, version: v, schoolQuery: "Jean-Jaurès" });
    expect(cardText(search)).toContain("Aucun établissement ouvert de l'académie ne correspond à « Jean-Jaurès »");
    expect(cardText(await execute(bot, karim, personalOf(karim), "case.transfer", { caseId, version: v, toSchoolId: closed, reason }))).toContain(
      "Choisissez un établissement ouvert de l'académie",
    );
    expect(cardText(await execute(bot, karim, personalOf(karim), "case.transfer", { caseId, version: v, toSchoolId: "not-a-school", reason }))).toContain(
      "Choisissez un établissement ouvert de l'académie",
    );
    const own = await schoolId("0690001B");
    expect(cardText(await execute(bot, karim, personalOf(karim), "case.transfer", { caseId, version: v, toSchoolId: own, reason }))).toContain(
      "Le dossier est déjà suivi dans cet établissement",
    );
    // Someone acted since the card was shown: the case as it is now, nothing transferred.
    await execute(bot, karim, personalOf(karim), "case.takeCharge", { caseId, version: v });
    const stale = await execute(bot, karim, personalOf(karim), "case.transfer", { caseId, version: v, toSchoolId: lm, reason });
    expect(cardText(stale)).toContain("Ce dossier a changé entre-temps");
    expect(cardText(stale)).toContain("Karim Benali");
    const c = await db().case.findUniqueOrThrow({ where: { id: caseId }, include: { transfers: true, events: true } });
    expect(c.schoolId).toBe(own);
    expect(c.transfers).toHaveLength(0);
    expect(c.events.map((e) => e.type)).not.toContain("TRANSFERRED");
    // And from a channel, never: the form is the personal card's.
    expect(cardText(await execute(bot, sophie, inNord, "case.transfer", { caseId, version: await version(caseId), toSchoolId: lm, reason }))).toContain(
      "Action refusée",
    );
  });
});
