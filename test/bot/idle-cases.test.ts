import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import type { Actor } from "../../src/services/index.js";
import { cardText, execute, person, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";
import { DATABASE_KINDS } from "../helpers/database.js";
import { Conversation } from "../helpers/conversation.js";

// Issue 26, open cases end too: an open case nobody touched for 6 months (IDLE_CASE_MONTHS), or of
// a young person past 25, is proposed for closure in the personal chat of who follows it, once;
// « Garder ouvert » resets the clock; « Clore (perdu de vue) » closes it; without an answer,
// Repère closes it « perdu de vue » 30 days later and tells the follower.

const claire = person("Claire Martin"); // teacher, Lycée Victor-Hugo
const karim = person("Karim Benali"); // référent décrochage, Lycée Victor-Hugo
const sophie = person("Sophie Laurent"); // MLDS coordinator, Bassin Nord
const personalOf = (p: Person) => ({ conversationId: `a:personal-${p.aadObjectId}`, type: "personal" as const });

/** The test clock: the cases are reported on Monday 4 January 2027. */
const REPORTED = new Date("2027-01-04T09:00:00Z");
let now = REPORTED;

/** Finds the Action.Execute of a card by its title and returns its data. */
function executeData(card: unknown, title: string): Record<string, unknown> {
  let found: Record<string, unknown> | null = null;
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== "object") return;
    const o = n as Record<string, unknown>;
    if (!found && o.type === "Action.Execute" && o.title === title) found = o.data as Record<string, unknown>;
    Object.values(o).forEach(walk);
  };
  walk(card);
  if (!found) throw new Error(`no "${title}" on the card:\n${cardText(card)}`);
  return found;
}

describe.each(DATABASE_KINDS)("idle open cases proposed for closure, then closed « perdu de vue », on the %s database", (kind) => {
  let bot: TestBot;
  let n = 0;
  const db = () => bot.app.store.db.prisma;
  const actorOf = async (p: Person) => (await bot.app.services.members.identify(DEMO_TENANT_ID, p.aadObjectId)) as Actor;
  const version = async (caseId: string) => (await db().case.findUniqueOrThrow({ where: { id: caseId } })).version;
  /** Delivers the outbox; returns what reached each person's personal chat about a case reference. */
  const deliver = async (reference: string) => {
    bot.connector.clear();
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    return (p: Person) => bot.connector.sent.filter((s) => s.conversationId === personalOf(p).conversationId && JSON.stringify(s.body).includes(reference));
  };
  const deliveredTo = async (p: Person, reference: string) => (await deliver(reference))(p);
  const cardOf = (sent: { body: { attachments?: { content: unknown }[] } }) => sent.body.attachments![0]!.content;

  /** Claire reports a pupil on 4 January 2027; Karim takes the case in charge unless `followed: false`. */
  async function idleCase(lastName: string, opts: { birthDate?: string; followed?: boolean } = {}): Promise<{ caseId: string; reference: string }> {
    now = REPORTED;
    // Each test starts its own days: the daily job's bookkeeping of the previous one is forgotten.
    await db().jobRun.deleteMany({ where: { name: "idle-cases" } });
    const reporter = await actorOf(claire);
    const [school] = await bot.app.services.reports.reportingSchools(reporter);
    const birthDate = opts.birthDate ?? "2010-03-12";
    const r = await bot.app.services.reports.submit(
      reporter,
      {
        pupil: { lastName, firstName: "Léa", className: "2nde 1", schoolId: school!.id, birthYear: Number(birthDate.slice(0, 4)), birthDate },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 2 },
      },
      `idle-${kind}-${++n}`,
    );
    if (!r.ok) throw new Error(r.reason);
    const caseId = r.recorded.caseId;
    if (opts.followed ?? true) await execute(bot, karim, personalOf(karim), "case.takeCharge", { caseId, version: await version(caseId) });
    // What happened on the case happened on 4 January (the database stamps events with its own clock).
    await db().caseEvent.updateMany({ where: { caseId }, data: { at: REPORTED } });
    await db().case.update({ where: { id: caseId }, data: { createdAt: REPORTED } });
    // The new case's cards are delivered now: what follows is the job's.
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    return { caseId, reference: r.recorded.reference };
  }
  const proposals = (caseId: string) => db().caseEvent.count({ where: { caseId, type: "CLOSURE_PROPOSED" } });

  beforeAll(async () => {
    now = REPORTED;
    bot = await startTestBot({ clock: () => now, database: kind });
    for (const p of [claire, karim, sophie]) await bot.say(p, "aide");
  }, 120_000);
  afterAll(async () => bot?.stop());

  it("proposes an idle case once to who follows it, even if the job runs twice; « Garder ouvert » resets the clock", async () => {
    const { caseId, reference } = await idleCase("Oubliée");
    // Five months and a half: not yet idle.
    now = new Date("2027-06-20T09:00:00Z");
    await bot.app.services.idleCases.runDaily();
    expect(await proposals(caseId)).toBe(0);

    // Six months and two days without anything happening.
    now = new Date("2027-07-06T09:00:00Z");
    const first = await bot.app.services.idleCases.runDaily();
    expect(first.ran).toBe(true);
    // The same day again (another instance, the next hourly tick), then the job's work once more.
    expect((await bot.app.services.idleCases.runDaily()).ran).toBe(false);
    await bot.app.services.idleCases.runOnce();
    expect(await proposals(caseId)).toBe(1);
    const sent = await deliveredTo(karim, reference);
    expect(sent).toHaveLength(1);
    const card = cardOf(sent[0]!);
    expect(cardText(card)).toContain("Ce dossier n'a pas bougé depuis 6 mois : le clore comme « perdu de vue » ?");
    expect(cardText(card)).toContain("Léa Oubliée, 2nde 1");
    expect(cardText(card)).toContain("Sans réponse d'ici le 5 août 2027, Repère le clora comme « perdu de vue ».");
    // The next day: still proposed once, nothing sent again.
    now = new Date("2027-07-07T09:00:00Z");
    expect((await bot.app.services.idleCases.runDaily()).ran).toBe(true);
    expect(await proposals(caseId)).toBe(1);
    expect(await deliveredTo(karim, reference)).toHaveLength(0);

    // Karim keeps it open: recorded in the history, the proposal withdrawn, the clock reset.
    const kept = await execute(bot, karim, personalOf(karim), "case.keepOpen", executeData(card, "Garder ouvert"));
    expect(cardText(kept)).toContain("Dossier gardé ouvert : il vous sera reproposé s'il ne bouge pas pendant 6 mois.");
    expect(JSON.stringify(kept)).not.toContain("case.closeLostContact");
    const afterKeep = await db().case.findUniqueOrThrow({ where: { id: caseId } });
    expect(afterKeep.closureProposedAt).toBeNull();
    expect(await db().caseEvent.count({ where: { caseId, type: "KEPT_OPEN", actorId: { not: null } } })).toBe(1);
    const history = cardText(await execute(bot, karim, personalOf(karim), "case.history", { caseId }));
    expect(history).toContain("Clôture proposée (dossier sans activité ou jeune de plus de 25 ans) (Repère)");
    expect(history).toContain("Dossier gardé ouvert (Karim Benali)");

    // Past the notice of the withdrawn proposal: neither closed nor proposed again.
    now = new Date("2027-08-10T09:00:00Z");
    await bot.app.services.idleCases.runDaily();
    const later = await db().case.findUniqueOrThrow({ where: { id: caseId } });
    expect(later.status).toBe("ACKNOWLEDGED");
    expect(await proposals(caseId)).toBe(1);
    // Six months after « Garder ouvert », it is proposed again.
    now = new Date("2028-01-08T09:00:00Z");
    await bot.app.services.idleCases.runDaily();
    expect(await proposals(caseId)).toBe(2);
  });

  it("without an answer, closes the case « perdu de vue » after 30 days and tells the follower; retention then applies", async () => {
    const { caseId, reference } = await idleCase("Silencieuse");
    now = new Date("2027-07-06T09:00:00Z");
    await bot.app.services.idleCases.runDaily();
    expect(await deliveredTo(karim, reference)).toHaveLength(1);

    // 29 days later: still open.
    now = new Date("2027-08-04T09:00:00Z");
    await bot.app.services.idleCases.runDaily();
    expect((await db().case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe("ACKNOWLEDGED");

    now = new Date("2027-08-05T09:00:00Z");
    expect((await bot.app.services.idleCases.runDaily()).closed).toBeGreaterThanOrEqual(1);
    const closed = await db().case.findUniqueOrThrow({ where: { id: caseId }, include: { outcome: true, events: true } });
    expect(closed.status).toBe("CLOSED");
    expect(closed.closedAt).toEqual(now);
    expect(closed.outcome).toMatchObject({ kind: "LOST_CONTACT", decidedById: null });
    expect(closed.events.filter((e) => e.type === "CLOSED")).toEqual([
      expect.objectContaining({ actorId: null, data: { outcome: "LOST_CONTACT", automatic: true } }),
    ]);
    const told = await deliver(reference);
    // Told in a message (the case card posted in his chat is redrawn as closed besides).
    expect(told(karim).flatMap((s) => (s.body.text ? [s.body.text] : []))).toEqual([
      `Le dossier ${reference} a été clos « perdu de vue » par Repère : personne n'a répondu à la proposition de clôture dans les 30 jours. Il peut être rouvert depuis sa carte tant qu'il n'est pas anonymisé.`,
    ]);
    // The reporter hears of the closure as of any other.
    expect(told(claire)).toHaveLength(1);
    const history = cardText(await execute(bot, karim, personalOf(karim), "case.history", { caseId }));
    expect(history).toContain("Dossier clos : Perdu de vue (Repère)");
    // Run again: closed once.
    await bot.app.services.idleCases.runOnce();
    expect(await db().caseEvent.count({ where: { caseId, type: "CLOSED" } })).toBe(1);

    // Retention applies as for any closed case: anonymised after the end of the school year.
    now = new Date("2027-09-02T09:00:00Z");
    await bot.app.services.retention.run({ dryRun: false });
    expect((await db().case.findUniqueOrThrow({ where: { id: caseId } })).anonymizedAt).not.toBeNull();
  });

  it("« Clore (perdu de vue) » closes the case through the usual closing, by who follows it", async () => {
    const { caseId, reference } = await idleCase("Partie");
    now = new Date("2027-07-06T09:00:00Z");
    await bot.app.services.idleCases.runOnce();
    const [sent] = await deliveredTo(karim, reference);
    const card = cardOf(sent!);
    // Somebody who may not close the case is refused.
    expect(cardText(await execute(bot, claire, personalOf(claire), "case.closeLostContact", executeData(card, "Clore (perdu de vue)")))).toContain(
      "Action refusée",
    );
    const answered = await execute(bot, karim, personalOf(karim), "case.closeLostContact", executeData(card, "Clore (perdu de vue)"));
    expect(cardText(answered)).toContain("Dossier clos « perdu de vue ».");
    const closed = await db().case.findUniqueOrThrow({ where: { id: caseId }, include: { outcome: true } });
    expect(closed.status).toBe("CLOSED");
    expect(closed.closureProposedAt).toBeNull();
    expect(closed.outcome).toMatchObject({ kind: "LOST_CONTACT", decidedById: (await actorOf(karim)).memberId });
    // Pressed again from the same card: nothing more happens.
    const again = await execute(bot, karim, personalOf(karim), "case.closeLostContact", executeData(card, "Clore (perdu de vue)"));
    expect(cardText(again)).toContain("Ce dossier est déjà clos.");
    expect(await db().caseEvent.count({ where: { caseId, type: "CLOSED" } })).toBe(1);
  });

  it("proposes the case of a 26-year-old whatever its activity, to the school's référents when nobody follows it", async () => {
    const { caseId, reference } = await idleCase("Adulte", { birthDate: "2001-02-10", followed: false });
    now = new Date("2027-03-01T09:00:00Z");
    await bot.app.services.idleCases.runOnce();
    expect(await proposals(caseId)).toBe(1);
    const [sent] = await deliveredTo(karim, reference);
    expect(cardText(cardOf(sent!))).toContain("Ce jeune a plus de 25 ans, l'âge jusqu'auquel la MLDS accompagne : clore le dossier comme « perdu de vue » ?");
    // A 25-year-old with the same history is not.
    const young = await idleCase("Jeune", { birthDate: "2001-09-10", followed: false });
    now = new Date("2027-03-01T09:00:00Z");
    await bot.app.services.idleCases.runOnce();
    expect(await proposals(young.caseId)).toBe(0);
  });

  it("a case referred to the MLDS that nobody follows is proposed to the bassin's coordinators", async () => {
    const { caseId, reference } = await idleCase("Orientée", { followed: false });
    await db().case.update({ where: { id: caseId }, data: { escalatedToMlds: true } });
    now = new Date("2027-07-06T09:00:00Z");
    await bot.app.services.idleCases.runOnce();
    const sent = await deliver(reference);
    expect(sent(sophie)).toHaveLength(1);
    expect(sent(karim)).toHaveLength(0);
    expect(cardText(cardOf(sent(sophie)[0]!))).toContain("Ce dossier n'a pas bougé depuis 6 mois");
  });

  it("any activity after the proposal withdraws it: the case is not closed when the notice ends", async () => {
    const { caseId } = await idleCase("Réveillée");
    now = new Date("2027-07-06T09:00:00Z");
    await bot.app.services.idleCases.runOnce();
    expect((await db().case.findUniqueOrThrow({ where: { id: caseId } })).closureProposedAt).toEqual(now);
    // Karim opens the plan without answering the card.
    now = new Date("2027-07-08T09:00:00Z");
    await execute(bot, karim, personalOf(karim), "case.openPlan", { caseId, version: await version(caseId) });
    await db().caseEvent.updateMany({ where: { caseId, type: "PLAN_OPENED" }, data: { at: now } });
    now = new Date("2027-08-10T09:00:00Z");
    await bot.app.services.idleCases.runOnce();
    const c = await db().case.findUniqueOrThrow({ where: { id: caseId } });
    expect(c.status).toBe("PLAN_ACTIVE");
    expect(c.closureProposedAt).toBeNull();
    expect(await db().caseEvent.count({ where: { caseId, type: "CLOSED" } })).toBe(0);
  });

  /** A case of Claire's report, taken in charge by Karim and closed with an outcome on `closedOn`. */
  async function closedCase(lastName: string, closedOn: Date): Promise<{ caseId: string; reference: string }> {
    const c = await idleCase(lastName);
    now = closedOn;
    const closed = await bot.app.services.plans.act(await actorOf(karim), c.caseId, await version(c.caseId), {
      verb: "close",
      outcome: "KEPT_IN_TRAINING",
      comment: "",
    });
    expect(closed.ok).toBe(true);
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    return c;
  }

  /** Claire fills the pupil step of a fiche de repérage about Léa <lastName>; returns the conversation. */
  async function reportAbout(lastName: string): Promise<Conversation> {
    const c = new Conversation(bot, claire);
    await c.say("signaler");
    await c.press("Suivant", { lastName, firstName: "Léa", className: "2nde 1", birthDate: "12/03/2010" });
    return c;
  }

  it("a report on a pupil whose case closed 3 months ago proposes reopening it, and reopening joins the report", async () => {
    const { caseId, reference } = await closedCase("Revenue", new Date("2027-01-05T10:00:00Z"));
    now = new Date("2027-04-06T09:00:00Z");
    const c = await reportAbout("Revenue");
    expect(cardText(c.lastCard)).toContain(`Un dossier de cet élève a été clos le 05/01/2027 (${reference}) : le rouvrir avec cette fiche ?`);
    expect(cardText(c.lastCard)).toContain("Créer un nouveau dossier");
    await c.press("Rouvrir et joindre la fiche");
    // The choice stays in the draft, kept in the dialog state, through the following steps.
    await c.press("Suivant", { signal_LATENESS: "true", signal_WORK_NOT_DONE: "true" });
    await c.press("Suivant", {});
    await c.press("Voir le récapitulatif", { urgency: "3", outOfSchool: "false" });
    expect(cardText(c.lastCard)).toContain(`Cette fiche rouvre le dossier ${reference}, clos il y a moins d'un an, et y sera jointe.`);
    const sent = await c.press("Envoyer la fiche de repérage");
    expect(cardText(sent.cards.at(-1))).toContain(
      `Le dossier ${reference} est rouvert. Votre fiche de repérage a été ajoutée au dossier ${reference}, suivi par Karim Benali, qui en est informé(e).`,
    );

    const reopened = await db().case.findUniqueOrThrow({
      where: { id: caseId },
      include: { reports: true, outcome: true, events: { orderBy: { id: "asc" } } },
    });
    expect(reopened.status).toBe("ACKNOWLEDGED");
    expect(reopened.closedAt).toBeNull();
    expect(reopened.outcome).toBeNull();
    expect(reopened.reports).toHaveLength(2);
    expect(reopened.urgency).toBe(3);
    expect(reopened.events.slice(-2).map((e) => [e.type, e.actorId, e.data])).toEqual([
      ["REOPENED_BY_REPORT", (await actorOf(claire)).memberId, { reason: "Nouvelle fiche de repérage" }],
      ["REPORT_ADDED", (await actorOf(claire)).memberId, expect.objectContaining({ urgency: 3 })],
    ]);
    // Only one case for this pupil.
    expect(await db().case.count({ where: { pupil: { lastName: "Revenue" } } })).toBe(1);
    // Karim, who follows it, gets the usual message of a report joining his case.
    const told = (await deliver(reference))(karim).flatMap((m) => (m.body.text ? [m.body.text] : []));
    expect(told).toEqual([expect.stringContaining(`Nouvelle fiche de repérage de Claire Martin ajoutée au dossier ${reference}, que vous suivez`)]);
    // The history shows the closure, the reopening by the report and the report.
    const history = cardText(await execute(bot, karim, personalOf(karim), "case.history", { caseId }));
    expect(history).toContain("Dossier clos : Maintien en formation (Karim Benali)");
    expect(history).toContain("Dossier rouvert par une nouvelle fiche de repérage (Claire Martin)");
    expect(history).toContain("« Nouvelle fiche de repérage »");
  });

  it("a case closed 13 months ago is not proposed: the report opens a new case", async () => {
    const { caseId, reference } = await closedCase("Ancienne", new Date("2027-01-05T10:00:00Z"));
    now = new Date("2028-02-10T09:00:00Z");
    const c = await reportAbout("Ancienne");
    expect(cardText(c.lastCard)).not.toContain(reference);
    expect(cardText(c.lastCard)).toContain("Signaux");
    await c.press("Suivant", { signal_LATENESS: "true" });
    await c.press("Suivant", {});
    await c.press("Voir le récapitulatif", { urgency: "2", outOfSchool: "false" });
    const sent = await c.press("Envoyer la fiche de repérage");
    expect(cardText(sent.cards.at(-1))).not.toContain(reference);
    expect((await db().case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe("CLOSED");
    expect(await db().case.count({ where: { pupil: { lastName: "Ancienne" } } })).toBe(2);
  });

  it("« Créer un nouveau dossier » leaves the closed case closed and opens another", async () => {
    const { caseId, reference } = await closedCase("Autre", new Date("2027-01-05T10:00:00Z"));
    now = new Date("2027-03-01T09:00:00Z");
    const c = await reportAbout("Autre");
    await c.press("Créer un nouveau dossier");
    expect(cardText(c.lastCard)).toContain("Signaux");
    await c.press("Suivant", { signal_LATENESS: "true" });
    await c.press("Suivant", {});
    await c.press("Voir le récapitulatif", { urgency: "2", outOfSchool: "false" });
    expect(cardText(c.lastCard)).not.toContain(reference);
    await c.press("Envoyer la fiche de repérage");
    expect((await db().case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe("CLOSED");
    expect(await db().case.count({ where: { pupil: { lastName: "Autre" } } })).toBe(2);
  });
});
