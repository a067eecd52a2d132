import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { createServices, type Actor } from "../../src/services/index.js";
import { createStore, openDatabase } from "../../src/store/index.js";
import { cardText, execute, person, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";
import { inputValues } from "../helpers/conversation.js";
import { POSTGRES_URL } from "../helpers/database.js";
import { atParis, parisDay, schoolCalendar, schoolDayOnOrAfter } from "../../src/domain/school-days.js";

const claire = person("Claire Martin");
const karim = person("Karim Benali");
const sophie = person("Sophie Laurent");
const marc = person("Marc Petit");
const YEAR = new Date().getFullYear();
const personalOf = (p: Person) => ({ conversationId: `a:personal-${p.aadObjectId}`, type: "personal" as const });

/** Finds the Action.Execute of a card by its title and the data it carries. */
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

describe("support plans edited from cards", () => {
  let bot: TestBot;
  let n = 0;
  const prisma = () => bot.app.store.db.prisma;
  const actorOf = async (p: Person) => (await bot.app.services.members.identify(DEMO_TENANT_ID, p.aadObjectId)) as Actor;
  const version = async (caseId: string) => (await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).version;

  /** A case taken in charge by Sophie, with its plan opened; returns the plan card. By default the
   *  case was referred to the MLDS (its plan offers the MLDS modules); `referred: false` keeps it
   *  with the school (school measures). */
  async function caseWithPlan(
    lastName: string,
    opts: { referred?: boolean; age?: number; by?: Person; agreements?: boolean } = {},
  ): Promise<{ caseId: string; reference: string; opened: any; card: any }> {
    const reporter = await actorOf(claire);
    const [school] = await bot.app.services.reports.reportingSchools(reporter);
    const outcome = await bot.app.services.reports.submit(
      reporter,
      {
        pupil: { lastName, firstName: "Noé", className: "1re 2", schoolId: school!.id, birthYear: YEAR - (opts.age ?? 17) },
        signals: { signals: [{ code: "NO_PLAN" }, { code: "EXAM_FAILED" }] },
        steps: { stepsTaken: [], urgency: 2 },
      },
      `plan-${++n}`,
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    const caseId = outcome.recorded.caseId;
    // The referral is the GPDS's decision (recorded elsewhere): set here as its result.
    if (opts.referred ?? true) await prisma().case.update({ where: { id: caseId }, data: { escalatedToMlds: true } });
    const by = opts.by ?? sophie;
    await execute(bot, by, personalOf(by), "case.takeCharge", { caseId, version: await version(caseId) });
    const opened = await execute(bot, by, personalOf(by), "case.openPlan", { caseId, version: await version(caseId) });
    // The young person's and the family's agreements, recorded from the case card's family form
    // (an MLDS module needs the first, a PAFI the second: "agreements before plan actions" below).
    if (opts.agreements ?? true) {
      const today = new Date().toISOString().slice(0, 10);
      const recorded = await execute(bot, by, personalOf(by), "case.recordFamily", {
        caseId,
        version: await version(caseId),
        youngPersonAgreedAt: today,
        familyAgreedAt: today,
      });
      expect(cardText(recorded)).toContain("Informations sur la famille enregistrées.");
    }
    const card = await execute(bot, by, personalOf(by), "plan.view", { caseId });
    return { caseId, reference: outcome.recorded.reference, opened, card };
  }

  beforeAll(async () => {
    bot = await startTestBot();
    // Plans, not the GPDS's decision: the coordinators act on the 16+ at once (gpds-process.test.ts).
    await bot.app.store.db.kysely.updateTable("District").set({ mldsAccess: "IMMEDIATE" }).execute();
    for (const p of [claire, karim, sophie, marc]) await bot.say(p, "aide");
  });
  afterAll(async () => bot?.stop());

  it("opens a plan with suggested first actions, pre-filled but not imposed", async () => {
    const { caseId, opened, card } = await caseWithPlan("Ouverture");
    // Opening answers with the case card (as its posted copies are about to show it), which leads to the plan.
    expect(cardText(opened)).toContain("Parcours de suivi ouvert. « Voir le parcours » pour y ajouter les premières mesures et actions");
    expect(JSON.stringify(opened)).toContain('"verb":"plan.view"');
    const text = cardText(card);
    expect(text).toContain("Parcours de suivi MLDS");
    expect(text).toContain("Suggestions pour commencer : Entretien de situation, Préparation à nouveau d'un examen (MOREA)");
    expect(text).toContain("Aucune mesure pour l'instant");
    expect(JSON.stringify(card)).toContain('"value":"SITUATION_INTERVIEW"');
    const c = await prisma().case.findUniqueOrThrow({ where: { id: caseId }, include: { plan: true } });
    expect(c.status).toBe("PLAN_ACTIVE");
    expect(c.plan).not.toBeNull();
  });

  it("adds actions from the catalogue, checking what each one requires", async () => {
    const { caseId } = await caseWithPlan("Actions");
    const add = async (fields: Record<string, string>) =>
      execute(bot, sophie, personalOf(sophie), "plan.addAction", {
        caseId,
        version: await version(caseId),
        form: "new",
        ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [`${k}__new`, v])),
      });
    expect(cardText(await add({ type: "INTERNSHIP", description: "Stage découverte" }))).toContain("Indiquez l'entreprise du stage.");
    expect(
      cardText(await add({ type: "INTERNSHIP", description: "Stage", company: "Garage Dupuis", startDate: "2026-12-10", endDate: "2026-12-01" })),
    ).toContain("après la date de début");
    expect(cardText(await add({ type: "PARTNER_REFERRAL", description: "Rendez-vous" }))).toContain(
      "Choisissez un partenaire dans la liste (selon l'âge du jeune).",
    );
    expect(cardText(await add({ type: "TELEPORTATION", description: "x" }))).toContain("Choisissez une mesure ou une action du catalogue proposé.");
    expect(cardText(await add({ type: "SITUATION_INTERVIEW", description: "" }))).toContain("La description est obligatoire");

    const ok = await add({ type: "INTERNSHIP", description: "Stage découverte", company: "Garage Dupuis", startDate: "2026-12-01", endDate: "2026-12-12" });
    expect(cardText(ok)).toContain("Action ajoutée.");
    expect(cardText(ok)).toContain("Entreprise : Garage Dupuis");
    const withPartner = await add({ type: "PARTNER_REFERRAL", description: "Rendez-vous à la mission locale", partner: "MISSION_LOCALE" });
    expect(cardText(withPartner)).toContain("Partenaire : Mission locale");
    const actions = await prisma().planAction.findMany({ where: { plan: { caseId } } });
    expect(actions.map((a) => a.type).sort()).toEqual(["INTERNSHIP", "PARTNER_REFERRAL"]);
    expect((await prisma().caseEvent.findMany({ where: { caseId, type: "PLAN_ACTION_ADDED" } })).length).toBe(2);
  });

  it("marks an action in progress, then done, offering only the possible changes", async () => {
    const { caseId } = await caseWithPlan("Statuts");
    let card = await execute(bot, sophie, personalOf(sophie), "plan.addAction", {
      caseId,
      version: await version(caseId),
      form: "new",
      type__new: "SITUATION_INTERVIEW",
      description__new: "Entretien avec la famille",
    });
    card = await execute(bot, sophie, personalOf(sophie), "plan.setActionStatus", { ...executeData(card, "En cours") });
    expect(cardText(card)).toContain("Statut de l'action mis à jour.");
    card = await execute(bot, sophie, personalOf(sophie), "plan.setActionStatus", { ...executeData(card, "Réalisée") });
    expect(cardText(card)).toContain("Réalisée");
    expect(() => executeData(card, "En cours")).toThrow(); // a done action is final
    const action = await prisma().planAction.findFirstOrThrow({ where: { plan: { caseId } } });
    expect(action.status).toBe("DONE");
    const forged = await execute(bot, sophie, personalOf(sophie), "plan.setActionStatus", {
      caseId,
      version: await version(caseId),
      actionId: action.id,
      status: "IN_PROGRESS",
    });
    expect(cardText(forged)).toContain("Ce changement n'est pas possible");
  });

  it("edits one action inline, keeping the others as they were", async () => {
    const { caseId } = await caseWithPlan("Edition");
    let card = await execute(bot, sophie, personalOf(sophie), "plan.addAction", {
      caseId,
      version: await version(caseId),
      form: "new",
      type__new: "REMISE_A_NIVEAU",
      description__new: "Tutorat en maths",
    });
    card = await execute(bot, sophie, personalOf(sophie), "plan.view", executeData(card, "Modifier"));
    const save = executeData(card, "Enregistrer");
    card = await execute(bot, sophie, personalOf(sophie), "plan.editAction", {
      ...save,
      description__edit: "Tutorat en maths et français",
      startDate__edit: "2026-12-02",
      endDate__edit: "",
      partner__edit: "",
      company__edit: "",
    });
    expect(cardText(card)).toContain("Action modifiée.");
    expect(cardText(card)).toContain("Tutorat en maths et français");
  });

  it("lets only the assignee, the district's coordinators and the school's référents edit; the reporter sees the status only", async () => {
    const { caseId } = await caseWithPlan("Droits");
    const attempt = async (who: Person) =>
      cardText(
        await execute(bot, who, personalOf(who), "plan.addAction", {
          caseId,
          version: await version(caseId),
          form: "new",
          type__new: "MOREA",
          description__new: "Préparation du bac",
        }),
      );
    expect(await attempt(claire)).toContain("Action refusée");
    expect(await attempt(marc)).toContain("Action refusée");
    expect(await attempt(karim)).toContain("Action ajoutée.");
    expect(cardText(await execute(bot, claire, personalOf(claire), "plan.view", { caseId }))).toContain("Action refusée");
    const status = await bot.app.services.triage.view(await actorOf(claire), caseId);
    expect(status.ok && status.case.status).toBe("PLAN_ACTIVE");
  });

  it("keeps every value typed in « Ajouter une action » when it is refused, so that only the missing field is to fill", async () => {
    const { caseId } = await caseWithPlan("Saisie");
    const typed = {
      type__new: "INTERNSHIP",
      description__new: "Stage découverte au garage",
      startDate__new: "2026-12-01",
      endDate__new: "2026-12-12",
      partner__new: "",
      company__new: "",
    };
    const refused = await execute(bot, sophie, personalOf(sophie), "plan.addAction", { caseId, version: await version(caseId), form: "new", ...typed });
    expect(cardText(refused)).toContain("Indiquez l'entreprise du stage.");
    expect(inputValues(refused)).toMatchObject(typed);
    // The coordinator fills in the company only: the action recorded is the one she meant.
    const added = await execute(bot, sophie, personalOf(sophie), "plan.addAction", {
      caseId,
      version: await version(caseId),
      form: "new",
      ...inputValues(refused),
      company__new: "Garage Dupuis",
    });
    expect(cardText(added)).toContain("Action ajoutée.");
    const [action] = await prisma().planAction.findMany({ where: { plan: { caseId } } });
    expect(action).toMatchObject({ type: "INTERNSHIP", description: "Stage découverte au garage", company: "Garage Dupuis" });
    // Once the plan has actions, the suggestions to start with are gone; the new form starts empty.
    expect(cardText(added)).not.toContain("Suggestions pour commencer");
    expect(inputValues(added)).toMatchObject({ description__new: "", company__new: "" });

    // The same for an action being edited: the form stays open with what was typed.
    const editing = await execute(bot, sophie, personalOf(sophie), "plan.view", { caseId, editActionId: action!.id });
    const badEdit = {
      description__edit: "Stage prolongé",
      startDate__edit: "2026-12-20",
      endDate__edit: "2026-12-10",
      partner__edit: "",
      company__edit: "Garage Dupuis",
    };
    const refusedEdit = await execute(bot, sophie, personalOf(sophie), "plan.editAction", {
      caseId,
      version: await version(caseId),
      form: "edit",
      actionId: action!.id,
      type: "INTERNSHIP",
      ...badEdit,
    });
    expect(cardText(editing)).toContain("Enregistrer");
    expect(cardText(refusedEdit)).toContain("après la date de début");
    expect(inputValues(refusedEdit)).toMatchObject(badEdit);
  });

  it("refuses to close without an outcome, with a clear message; closes with one and tells the reporter", async () => {
    const { caseId, reference } = await caseWithPlan("Cloture");
    const refused = await execute(bot, sophie, personalOf(sophie), "plan.close", { caseId, version: await version(caseId), outcome: "", comment: "" });
    expect(cardText(refused)).toContain("Pour clore le dossier, choisissez son issue");
    expect((await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe("PLAN_ACTIVE");
    const closed = await execute(bot, sophie, personalOf(sophie), "plan.close", {
      caseId,
      version: await version(caseId),
      outcome: "APPRENTICESHIP",
      comment: "Contrat signé",
    });
    expect(cardText(closed)).toContain("Dossier clos.");
    const c = await prisma().case.findUniqueOrThrow({ where: { id: caseId }, include: { outcome: true } });
    expect(c.status).toBe("CLOSED");
    expect(c.closedAt).not.toBeNull();
    expect(c.outcome).toMatchObject({ kind: "APPRENTICESHIP", comment: "Contrat signé" });
    bot.connector.clear();
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    expect(bot.connector.texts()).toContain(`Le dossier ${reference} ouvert par votre fiche de repérage est clos. Merci pour votre vigilance.`);
    // The history says how the case ended.
    expect(cardText(await execute(bot, sophie, personalOf(sophie), "case.history", { caseId }))).toContain("Dossier clos : Apprentissage (Sophie Laurent)");
  });

  it("shows the chronology with who and when, to authorised people, and records the consultation", async () => {
    const { caseId, reference } = await caseWithPlan("Chronologie");
    const card = await execute(bot, karim, personalOf(karim), "case.history", { caseId });
    const text = cardText(card);
    expect(text).toContain(`Historique · ${reference}`);
    expect(text).toContain("Fiche de repérage (Claire Martin)");
    expect(text).toContain("Pris en charge (Sophie Laurent)");
    expect(text).toContain("Parcours de suivi ouvert (Sophie Laurent)");
    expect(cardText(await execute(bot, claire, personalOf(claire), "case.history", { caseId }))).toContain("Action refusée");
    expect(await prisma().caseEvent.count({ where: { caseId, type: "HISTORY_VIEWED" } })).toBe(1);
  });

  it("reminds the assignee once when the review date passes, even with two schedulers, until a review is recorded", async () => {
    const { caseId, reference } = await caseWithPlan("Bilan");
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    await prisma().case.update({ where: { id: caseId }, data: { nextReviewAt: new Date(Date.now() - 86_400_000) } });
    await prisma().plan.update({ where: { caseId }, data: { nextReviewAt: new Date(Date.now() - 86_400_000) } });

    // Two instances (their own connection pools and services on the same database), on a school
    // day: reminders are not sent on weekends and public holidays.
    const schoolDay = atParis(schoolDayOnOrAfter(parisDay(new Date()), schoolCalendar()), 12);
    const firstDb = await openDatabase({ kind: "postgres", url: POSTGRES_URL }, { schema: bot.schema, migrate: false });
    const otherDb = await openDatabase({ kind: "postgres", url: POSTGRES_URL }, { schema: bot.schema, migrate: false });
    try {
      const first = createServices(createStore(firstDb), () => new Date(Math.max(Date.now(), schoolDay.getTime())));
      const other = createServices(createStore(otherDb), () => new Date(Math.max(Date.now(), schoolDay.getTime())));
      const [a, b] = await Promise.all([first.reviewReminders.runOnce(), other.reviewReminders.runOnce()]);
      expect(a + b).toBe(1);
      expect(await other.reviewReminders.runOnce()).toBe(0);
    } finally {
      await firstDb.close();
      await otherDb.close();
    }
    expect((await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe("REVIEW_DUE");
    bot.connector.clear();
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    const reminders = bot.connector.sent.filter(
      (s) => s.conversationId === `a:personal-${sophie.aadObjectId}` && JSON.stringify(s.body).includes(`Le bilan du dossier ${reference} est à faire`),
    );
    expect(reminders).toHaveLength(1);
    expect(cardText(reminders[0]!.body.attachments![0]!.content)).toContain("Bilan à faire");

    const next = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const reviewed = await execute(bot, sophie, personalOf(sophie), "plan.setReview", {
      caseId,
      version: await version(caseId),
      objective: "Entrée en apprentissage",
      nextReviewAt: next,
    });
    expect(cardText(reviewed)).toContain("Bilan enregistré.");
    expect((await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe("PLAN_ACTIVE");
    expect(await bot.app.services.reviewReminders.runOnce()).toBe(0);
  });

  it("does not remind on a day without school: the review of a Friday waits for Monday, the 11 novembre is skipped", async () => {
    const { caseId } = await caseWithPlan("Weekend");
    const friday = atParis("2026-11-06", 9);
    await prisma().case.update({ where: { id: caseId }, data: { nextReviewAt: friday } });
    const otherDb = await openDatabase({ kind: "postgres", url: POSTGRES_URL }, { schema: bot.schema, migrate: false });
    try {
      let now = atParis("2026-11-07", 10); // Saturday
      const services = createServices(createStore(otherDb), () => now);
      expect(await services.reviewReminders.runOnce()).toBe(0);
      now = atParis("2026-11-11", 10); // the 11 novembre
      expect(await services.reviewReminders.runOnce()).toBe(0);
      expect((await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe("PLAN_ACTIVE");
      now = atParis("2026-11-12", 8); // back at school
      expect(await services.reviewReminders.runOnce()).toBeGreaterThanOrEqual(1);
      expect((await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe("REVIEW_DUE");
    } finally {
      await otherDb.close();
    }
  });

  it("takes reviews fallen due together by batches, the earliest first: one event each, a reminder where the assignee has a chat, every case card updated", async () => {
    const cases = [await caseWithPlan("LotA"), await caseWithPlan("LotB"), await caseWithPlan("LotC")];
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    const daysAgo = [2, 3, 1];
    for (const [i, c] of cases.entries()) {
      await prisma().case.update({
        where: { id: c.caseId },
        data: { nextReviewAt: new Date(Date.now() - daysAgo[i]! * 86_400_000), ...(i === 2 ? { assigneeId: null } : {}) },
      });
    }
    await prisma().channelPost.deleteMany({ where: { caseId: { in: cases.map((c) => c.caseId) } } });
    await prisma().channelPost.create({ data: { caseId: cases[0]!.caseId, conversationId: "19:mlds-nord@thread.tacv2", activityId: "post-lot-a" } });
    const before = new Set((await prisma().outboxMessage.findMany({ select: { id: true } })).map((m) => m.id));

    const store = bot.app.store;
    const refs = (batch: { reference: string }[]) => batch.map((c) => c.reference).sort();
    expect(refs(await store.reviewReminders.claimDue(new Date(), 2))).toEqual(refs([cases[0]!, cases[1]!]));
    expect(refs(await store.reviewReminders.claimDue(new Date(), 2))).toEqual([cases[2]!.reference]);
    expect(await store.reviewReminders.claimDue(new Date(), 2)).toEqual([]);

    for (const c of cases) {
      expect((await prisma().case.findUniqueOrThrow({ where: { id: c.caseId } })).status).toBe("REVIEW_DUE");
      expect(await prisma().caseEvent.count({ where: { caseId: c.caseId, type: "REVIEW_DUE" } })).toBe(1);
    }
    const sends = (await prisma().outboxMessage.findMany()).filter((m) => !before.has(m.id));
    const line = (caseId: string, kind: string, conversationId: string, view: string) =>
      JSON.stringify([caseId, kind, conversationId, { render: { view, caseId } }]);
    expect(sends.map((m) => JSON.stringify([m.caseId, m.kind, m.conversationId, m.payload])).sort()).toEqual(
      [
        line(cases[0]!.caseId, "post", personalOf(sophie).conversationId, "planReminder"),
        line(cases[0]!.caseId, "update", "19:mlds-nord@thread.tacv2", "caseCard"),
        line(cases[1]!.caseId, "post", personalOf(sophie).conversationId, "planReminder"),
      ].sort(),
    );
  });

  it("offers the school's measures until the case is referred to the MLDS, and refuses the other catalogue", async () => {
    const { caseId, card } = await caseWithPlan("Ecole", { referred: false, age: 15, by: karim });
    const json = JSON.stringify(card);
    expect(cardText(card)).toContain("Parcours de suivi · ");
    expect(cardText(card)).not.toContain("Parcours de suivi MLDS");
    for (const code of ["PPRE", "TUTORING", "PUPIL_FAMILY_INTERVIEW", "ALLIANCE_EDUCATIVE", "MINI_STAGE", "PAFI"]) expect(json).toContain(`"value":"${code}"`);
    for (const code of ["INTERNSHIP", "MOREA", "SAS_WELCOME", "MICRO_LYCEE"]) expect(json).not.toContain(`"value":"${code}"`);
    const refused = await execute(bot, karim, personalOf(karim), "plan.addAction", {
      caseId,
      version: await version(caseId),
      form: "new",
      type__new: "MOREA",
      description__new: "Module forcé",
    });
    expect(cardText(refused)).toContain("Choisissez une mesure ou une action du catalogue proposé.");
    const ok = await execute(bot, karim, personalOf(karim), "plan.addAction", {
      caseId,
      version: await version(caseId),
      form: "new",
      type__new: "PPRE",
      description__new: "PPRE en mathématiques",
    });
    expect(cardText(ok)).toContain("Programme personnalisé de réussite éducative (PPRE)");
    expect((await prisma().planAction.findMany({ where: { plan: { caseId } } })).map((a) => a.type)).toEqual(["PPRE"]);

    // Once referred, the plan offers the MLDS modules; the school measure already in it stays.
    await prisma().case.update({ where: { id: caseId }, data: { escalatedToMlds: true } });
    const mlds = await execute(bot, karim, personalOf(karim), "plan.view", { caseId });
    expect(JSON.stringify(mlds)).toContain('"value":"MOREA"');
    expect(JSON.stringify(mlds)).not.toContain('"value":"PPRE"');
    expect(cardText(mlds)).toContain("Programme personnalisé de réussite éducative (PPRE)");
  });

  it("offers EPIDE from 18 only, and refuses it for a younger pupil", async () => {
    const young = await caseWithPlan("Epide", { age: 17 });
    expect(JSON.stringify(young.card)).not.toContain('"value":"EPIDE"');
    expect(JSON.stringify(young.card)).toContain('"value":"MISSION_LOCALE"');
    const refused = await execute(bot, sophie, personalOf(sophie), "plan.addAction", {
      caseId: young.caseId,
      version: await version(young.caseId),
      form: "new",
      type__new: "PARTNER_REFERRAL",
      description__new: "Orientation",
      partner__new: "EPIDE",
    });
    expect(cardText(refused)).toContain("Choisissez un partenaire dans la liste (selon l'âge du jeune).");
    const adult = await caseWithPlan("EpideMajeur", { age: 19 });
    expect(JSON.stringify(adult.card)).toContain('"value":"EPIDE"');
    const ok = await execute(bot, sophie, personalOf(sophie), "plan.addAction", {
      caseId: adult.caseId,
      version: await version(adult.caseId),
      form: "new",
      type__new: "PARTNER_REFERRAL",
      description__new: "Orientation",
      partner__new: "EPIDE",
    });
    expect(cardText(ok)).toContain("Partenaire : EPIDE");
  });

  it("shows the actions of the former catalogue with their label, never offering them again", async () => {
    const { caseId } = await caseWithPlan("Ancien");
    const plan = await prisma().plan.findUniqueOrThrow({ where: { caseId } });
    await prisma().planAction.create({ data: { planId: plan.id, type: "PERSONAL_PROJECT", description: "Projet", partner: "PSAD" } });
    const card = await execute(bot, sophie, personalOf(sophie), "plan.view", { caseId });
    expect(cardText(card)).toContain("Construction du projet personnel et professionnel (ancien catalogue)");
    expect(cardText(card)).toContain("Partenaire : PSAD (ancien catalogue)");
    expect(JSON.stringify(card)).not.toContain('"value":"PERSONAL_PROJECT"');
    // Editing it keeps its type and partner.
    const action = await prisma().planAction.findFirstOrThrow({ where: { planId: plan.id } });
    const edited = await execute(bot, sophie, personalOf(sophie), "plan.editAction", {
      caseId,
      version: await version(caseId),
      actionId: action.id,
      type: "PERSONAL_PROJECT",
      form: "edit",
      description__edit: "Projet revu",
      partner__edit: "PSAD",
    });
    expect(cardText(edited)).toContain("Action modifiée.");
  });

  it("asks the bassin's IEN-IO to validate a PAFI, and records their decision", async () => {
    const ienio = {
      aadObjectId: "00000000-0000-4000-8000-000000000199",
      displayName: "Hélène Fabre",
      email: "helene.fabre@demo.repere.fr",
      role: "IEN_IO",
    } as Person;
    const nord = await prisma().district.findUniqueOrThrow({ where: { code: "NORD" } });
    await prisma().member.create({
      data: {
        tenantId: DEMO_TENANT_ID,
        aadObjectId: ienio.aadObjectId,
        displayName: ienio.displayName,
        email: ienio.email,
        role: "IEN_IO",
        districtId: nord.id,
      },
    });
    await bot.say(ienio, "aide");
    const { caseId, reference } = await caseWithPlan("Pafi", { referred: false, age: 16 });
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    const added = await execute(bot, sophie, personalOf(sophie), "plan.addAction", {
      caseId,
      version: await version(caseId),
      form: "new",
      type__new: "PAFI",
      description__new: "PAFI en lycée professionnel",
    });
    expect(cardText(added)).toContain("PAFI : validation de l'IEN-IO en attente");
    const before = bot.connector.sent.length;
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    const toIen = bot.connector.sent.slice(before).find((a) => a.conversationId === personalOf(ienio).conversationId);
    const card = toIen!.body.attachments![0]!.content;
    expect(cardText(card)).toContain(`PAFI à valider · ${reference}`);
    // Initials only: the IEN-IO reads the bassin's cases, not their details.
    expect(cardText(card)).toContain("N. P.");
    expect(cardText(card)).not.toContain("Pafi");

    // A coordinator cannot validate it, even with the card's data.
    const forged = await execute(bot, sophie, personalOf(sophie), "plan.validate", { ...executeData(card, "Valider") });
    expect(cardText(forged)).not.toContain("PAFI validé");
    expect((await prisma().planAction.findFirstOrThrow({ where: { plan: { caseId } } })).validation).toBe("PENDING");

    const decided = await execute(bot, ienio, personalOf(ienio), "plan.validate", { ...executeData(card, "Valider") });
    expect(cardText(decided)).toContain("PAFI validé : votre décision est enregistrée dans le dossier.");
    expect(() => executeData(decided, "Refuser")).toThrow();
    const action = await prisma().planAction.findFirstOrThrow({ where: { plan: { caseId } } });
    expect(action.validation).toBe("VALIDATED");
    expect(action.validatedAt).not.toBeNull();
    expect(await prisma().caseEvent.count({ where: { caseId, type: "PAFI_VALIDATED" } })).toBe(1);
    // A second click changes nothing.
    const again = await execute(bot, ienio, personalOf(ienio), "plan.validate", { ...executeData(card, "Refuser") });
    expect(cardText(again)).toContain("Ce PAFI a déjà été décidé.");
    expect((await prisma().planAction.findFirstOrThrow({ where: { plan: { caseId } } })).validation).toBe("VALIDATED");
    const plan = await execute(bot, sophie, personalOf(sophie), "plan.view", { caseId });
    expect(cardText(plan)).toContain("PAFI validé par l'IEN-IO");
  });

  it("closes with the outcomes of the national follow-up, no longer with « déménagement »", async () => {
    const { caseId, card } = await caseWithPlan("Issues");
    const json = JSON.stringify(card);
    for (const o of ["VOCATIONAL_TRAINING", "CIVIC_SERVICE", "DIPLOMA", "SUPPORT_REFUSED", "LOST_CONTACT"]) expect(json).toContain(`"value":"${o}"`);
    expect(json).not.toContain('"value":"MOVED_AWAY"');
    const moved = await execute(bot, sophie, personalOf(sophie), "plan.close", { caseId, version: await version(caseId), outcome: "MOVED_AWAY", comment: "" });
    expect(cardText(moved)).toContain("Choisissez une issue dans la liste.");
    await execute(bot, sophie, personalOf(sophie), "plan.close", { caseId, version: await version(caseId), outcome: "CIVIC_SERVICE", comment: "" });
    expect((await prisma().outcome.findUniqueOrThrow({ where: { caseId } })).kind).toBe("CIVIC_SERVICE");
  });

  describe("the family and the agreements before plan actions", () => {
    const today = () => new Date().toISOString().slice(0, 10);
    /** What Teams sends when `title` is pressed after typing `fill`: the card's inputs and the button's data. */
    const pressed = (card: unknown, title: string, fill: Record<string, string> = {}) => ({ ...inputValues(card), ...fill, ...executeData(card, title) });
    const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

    it("refuses an MLDS module without the young person's agreement, offers to record it in place, then adds it", async () => {
      const { caseId } = await caseWithPlan("Accord", { agreements: false });
      const typed = { type__new: "SITUATION_INTERVIEW", description__new: "Premier entretien" };
      const refused = await execute(bot, sophie, personalOf(sophie), "plan.addAction", { caseId, version: await version(caseId), form: "new", ...typed });
      expect(cardText(refused)).toContain("Un module MLDS ne peut pas être ajouté sans l'accord du jeune");
      // What was typed stays in the form; nothing reached the plan.
      expect(inputValues(refused)).toMatchObject(typed);
      expect(await prisma().planAction.count({ where: { plan: { caseId } } })).toBe(0);

      // The plan card asks for the agreement's date right there; a day to come is refused.
      const future = pressed(refused, "Enregistrer l'accord", { youngPersonAgreedAt: tomorrow() });
      expect(future).toMatchObject({ from: "plan", agreement: "youngPersonAgreedAt" });
      const badDate = await execute(bot, sophie, personalOf(sophie), "case.recordFamily", future);
      expect(cardText(badDate)).toContain("Date de l'accord du jeune non valide");
      expect(await prisma().caseFamily.count({ where: { caseId } })).toBe(0);
      // Sent without a date: asked again, in place.
      const blank = await execute(bot, sophie, personalOf(sophie), "case.recordFamily", pressed(refused, "Enregistrer l'accord"));
      expect(cardText(blank)).toContain("Renseignez au moins une date");
      expect(executeData(blank, "Enregistrer l'accord")).toMatchObject({ agreement: "youngPersonAgreedAt" });

      const recorded = await execute(
        bot,
        sophie,
        personalOf(sophie),
        "case.recordFamily",
        pressed(refused, "Enregistrer l'accord", { youngPersonAgreedAt: today() }),
      );
      expect(cardText(recorded)).toContain("Accord enregistré : vous pouvez maintenant ajouter l'action.");
      const added = await execute(bot, sophie, personalOf(sophie), "plan.addAction", { caseId, version: await version(caseId), form: "new", ...typed });
      expect(cardText(added)).toContain("Action ajoutée.");
      const family = await prisma().caseFamily.findUniqueOrThrow({ where: { caseId } });
      expect(family.youngPersonAgreedAt?.toISOString().slice(0, 10)).toBe(today());
      expect(family.familyAgreedAt).toBeNull();
      const sophieId = (await actorOf(sophie)).memberId;
      const events = await prisma().caseEvent.findMany({ where: { caseId, type: "FAMILY_RECORDED" } });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ actorId: sophieId, data: { fields: ["youngPersonAgreedAt"], youngPersonAgreedAt: today() } });
      // The history names it, with what was recorded (in personal chat).
      const history = cardText(await execute(bot, sophie, personalOf(sophie), "case.history", { caseId }));
      expect(history).toContain("Famille : informée, rencontrée, accords enregistrés (Sophie Laurent)");
      expect(history).toMatch(/accord du jeune le \d{1,2} \S+ \d{4}/);
    });

    it("refuses a PAFI without the family's agreement, whatever the young person said", async () => {
      const { caseId } = await caseWithPlan("AccordPafi", { referred: false, age: 16, by: karim, agreements: false });
      await execute(bot, karim, personalOf(karim), "case.recordFamily", { caseId, version: await version(caseId), youngPersonAgreedAt: today() });
      // School measures need no agreement.
      const tutoring = await execute(bot, karim, personalOf(karim), "plan.addAction", {
        caseId,
        version: await version(caseId),
        form: "new",
        type__new: "TUTORING",
        description__new: "Tutorat",
      });
      expect(cardText(tutoring)).toContain("Action ajoutée.");
      const pafi = { type__new: "PAFI", description__new: "PAFI en lycée professionnel" };
      const refused = await execute(bot, karim, personalOf(karim), "plan.addAction", { caseId, version: await version(caseId), form: "new", ...pafi });
      expect(cardText(refused)).toContain("Un PAFI ne peut pas être proposé sans l'accord de la famille");
      expect(inputValues(refused)).toHaveProperty("familyAgreedAt", "");
      expect(await prisma().planAction.count({ where: { plan: { caseId }, type: "PAFI" } })).toBe(0);
      await execute(bot, karim, personalOf(karim), "case.recordFamily", pressed(refused, "Enregistrer l'accord", { familyAgreedAt: today() }));
      const added = await execute(bot, karim, personalOf(karim), "plan.addAction", { caseId, version: await version(caseId), form: "new", ...pafi });
      expect(cardText(added)).toContain("PAFI : validation de l'IEN-IO en attente");
    });

    it("records from the case card that the family was informed and met, by whom, with a clear error when something is missing", async () => {
      const { caseId } = await caseWithPlan("Famille", { referred: false, by: karim, agreements: false });
      const card = await execute(bot, karim, personalOf(karim), "case.refresh", { caseId });
      expect(cardText(card)).toContain("Famille pas encore informée");
      expect(cardText(card)).toContain("Famille et accords");
      // A meeting without who met the family: refused, what was typed is kept in the form.
      const typed = { informedAt: today(), metAt: today(), metBy: "" };
      const refused = await execute(bot, karim, personalOf(karim), "case.recordFamily", pressed(card, "Enregistrer ces dates", typed));
      expect(cardText(refused)).toContain("Indiquez qui a rencontré la famille");
      expect(inputValues(refused)).toMatchObject(typed);
      expect(await prisma().caseFamily.count({ where: { caseId } })).toBe(0);
      // Not a date at all: refused by the form's schema.
      const notADate = await execute(bot, karim, personalOf(karim), "case.recordFamily", { caseId, version: await version(caseId), informedAt: "2026-02-30" });
      expect(cardText(notADate)).toContain("Date d'information de la famille non valide");
      const empty = await execute(bot, karim, personalOf(karim), "case.recordFamily", { caseId, version: await version(caseId) });
      expect(cardText(empty)).toContain("Renseignez au moins une date");

      const ok = await execute(
        bot,
        karim,
        personalOf(karim),
        "case.recordFamily",
        pressed(refused, "Enregistrer ces dates", { metBy: "CPE et professeure principale" }),
      );
      expect(cardText(ok)).toContain("Informations sur la famille enregistrées.");
      expect(cardText(ok)).toMatch(/Famille informée le .* · rencontrée le .* \(CPE et professeure principale\)/);
      expect(await prisma().caseFamily.findUniqueOrThrow({ where: { caseId } })).toMatchObject({ metBy: "CPE et professeure principale" });
      // The same form sent again records nothing more.
      const again = await execute(bot, karim, personalOf(karim), "case.recordFamily", pressed(ok, "Enregistrer ces dates"));
      expect(cardText(again)).toContain("Rien de nouveau à enregistrer");
      expect(await prisma().caseEvent.count({ where: { caseId, type: "FAMILY_RECORDED" } })).toBe(1);
    });

    it("lets only who may record it: not the reporter, nor a coordinator before the GPDS refers the case", async () => {
      const { caseId } = await caseWithPlan("FamilleDroits", { referred: false, by: karim, agreements: false });
      for (const who of [claire, sophie, marc]) {
        const refused = await execute(bot, who, personalOf(who), "case.recordFamily", { caseId, version: await version(caseId), informedAt: today() });
        expect(cardText(refused), who.displayName).toContain("Action refusée");
      }
      // The coordinator sees no family form on a case the school keeps.
      expect(cardText(await execute(bot, sophie, personalOf(sophie), "case.refresh", { caseId }))).not.toContain("Famille et accords");
      expect(await prisma().caseFamily.count({ where: { caseId } })).toBe(0);
      // Once referred, the bassin's coordinator may.
      await prisma().case.update({ where: { id: caseId }, data: { escalatedToMlds: true } });
      const ok = await execute(bot, sophie, personalOf(sophie), "case.recordFamily", { caseId, version: await version(caseId), informedAt: today() });
      expect(cardText(ok)).toContain("Informations sur la famille enregistrées.");
    });
  });
});
