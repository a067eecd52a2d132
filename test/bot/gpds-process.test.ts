import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { cardText, execute, installInTeam, person, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";
import { Conversation } from "../helpers/conversation.js";

// Issue 25: every fiche de repérage goes first to the school's GPDS; the MLDS's coordinators see the
// 16+ at once but act before the GPDS decides only as their bassin allows; referral to the MLDS is a
// GPDS decision; the age that counts is the one at the report date.

const claire = person("Claire Martin"); // teacher, Lycée Victor-Hugo (Bassin Nord)
const karim = person("Karim Benali"); // référent décrochage, Lycée Victor-Hugo
const sophie = person("Sophie Laurent"); // MLDS coordinator, Bassin Nord
const nathalie = person("Nathalie Roux"); // académie admin
// The school's chef d'établissement and CPE, added for these tests (the demo has none).
const helene = { aadObjectId: "aad-gpds-head", displayName: "Hélène Proviseure", email: "helene@gpds.test", role: "HEAD", schools: ["0690001B"] } as Person;
const paul = { aadObjectId: "aad-gpds-cpe", displayName: "Paul Cépé", email: "paul@gpds.test", role: "CPE", schools: ["0690001B"] } as Person;

const NORD = DEMO_CHANNELS[0].channelId;
const inNord = { conversationId: NORD, type: "channel" as const, teamId: DEMO_CHANNELS[0].teamId };
const personalOf = (p: Person) => ({ conversationId: `a:personal-${p.aadObjectId}`, type: "personal" as const });

/** The test clock: a Tuesday of December 2026, then the days after. */
let now = new Date("2026-12-15T09:00:00Z");

describe("the school's GPDS first, then the MLDS (issue 25)", () => {
  let bot: TestBot;
  const db = () => bot.app.store.db.prisma;
  const caseOf = (lastName: string) => db().case.findFirstOrThrow({ where: { pupil: { lastName } }, include: { pupil: true, events: true } });
  const sendsOf = async (caseId: string) => (await db().outboxMessage.findMany({ where: { caseId, kind: "post" } })).map((s) => s.conversationId);
  const version = async (caseId: string) => (await db().case.findUniqueOrThrow({ where: { id: caseId } })).version;
  const toDo = async (who: Person) => {
    const r = await bot.say(who, "à traiter");
    return [...r.texts, ...r.cards.map(cardText)].join("\n");
  };

  /** Claire fills the fiche de repérage in her personal chat, as a transcript. */
  async function report(pupil: { lastName: string; birthDate: string }, steps: { urgency: string; outOfSchool?: string }): Promise<void> {
    const c = new Conversation(bot, claire);
    expect(cardText((await c.say("signaler")).cards[0])).toContain("Date de naissance");
    const next = await c.press("Suivant", { lastName: pupil.lastName, firstName: "Léa", className: "1re 4", birthDate: pupil.birthDate });
    expect(cardText(next.cards[0])).toContain("Signaux observés");
    await c.press("Suivant", { signal_LATENESS: "true" });
    const stepsCard = await c.press("Suivant", {});
    expect(cardText(stepsCard.cards[0])).toContain("L'élève ne vient plus ou a quitté l'établissement");
    const summary = await c.press("Voir le récapitulatif", { urgency: steps.urgency, outOfSchool: steps.outOfSchool ?? "false" });
    expect(cardText(summary.cards[0])).toContain(pupil.birthDate);
    const done = await c.press("Envoyer la fiche de repérage");
    expect(cardText(done.cards.at(-1))).toContain("Fiche de repérage envoyée");
  }

  beforeAll(async () => {
    bot = await startTestBot({ clock: () => now });
    const k = bot.app.store.db.kysely;
    const school = await k.selectFrom("School").select("id").where("uai", "=", "0690001B").executeTakeFirstOrThrow();
    for (const p of [helene, paul]) {
      const id = randomUUID();
      await k
        .insertInto("Member")
        .values({ id, tenantId: DEMO_TENANT_ID, aadObjectId: p.aadObjectId, displayName: p.displayName, role: p.role, updatedAt: new Date() })
        .execute();
      await k.insertInto("MemberSchool").values({ memberId: id, schoolId: school.id }).execute();
    }
    await installInTeam(bot, sophie);
    for (const p of [claire, karim, sophie, helene, paul, nathalie]) await bot.say(p, "aide");
  }, 60_000);
  afterAll(async () => bot?.stop());

  it("asks for the birth date and refuses one that is not a date", async () => {
    const c = new Conversation(bot, claire);
    await c.say("signaler");
    const refused = await c.press("Suivant", { lastName: "Datefausse", firstName: "Léa", className: "1re 4", birthDate: "31/02/2010" });
    expect(cardText(refused.cards[0])).toContain("Indiquez la date de naissance sous la forme jj/mm/aaaa");
    await c.say("annuler");
  });

  it("walks a 17-year-old: GPDS told, coordinators see but wait, référent refers, coordinator takes charge", async () => {
    await report({ lastName: "Dixsept", birthDate: "03/05/2009" }, { urgency: "2" });
    const c = await caseOf("Dixsept");
    expect(c).toMatchObject({ ageAtReport: 17, escalatedToMlds: false, referredAt: null });
    expect(c.pupil.birthDate?.toISOString().slice(0, 10)).toBe("2009-05-03");
    // The GPDS: the référent and the chef d'établissement are told; the MLDS channel too (16+).
    expect((await sendsOf(c.id)).sort()).toEqual([NORD, personalOf(karim).conversationId, personalOf(helene).conversationId].sort());
    // The CPE, a GPDS member, sees the school's case without being told.
    expect((await bot.say(paul, `statut ${c.reference}`)).cards.map(cardText).join()).toContain(c.reference);

    // Before the GPDS decides (vigilance 2, still at school, default setting): seen, not actionable.
    const channelCard = cardText(await execute(bot, sophie, inNord, "case.refresh", { caseId: c.id }));
    expect(channelCard).toContain("En attente de l'examen par le GPDS");
    expect(await toDo(sophie)).not.toContain(c.reference);
    expect(cardText(await execute(bot, sophie, personalOf(sophie), "case.details", { caseId: c.id }))).toContain("Léa Dixsept");
    const waits = cardText(await execute(bot, sophie, inNord, "case.takeCharge", { caseId: c.id, version: await version(c.id) }));
    expect(waits).toContain("Ce dossier attend l'examen par le GPDS");
    const dismiss = cardText(await execute(bot, sophie, inNord, "case.dismiss", { caseId: c.id, version: await version(c.id), reason: "rien" }));
    expect(dismiss).toContain("Ce dossier attend l'examen par le GPDS");
    expect((await db().case.findUniqueOrThrow({ where: { id: c.id } })).status).toBe("NEW");
    expect(await toDo(karim)).toContain(c.reference);

    // The GPDS decides: the référent records the referral.
    const referred = cardText(await execute(bot, karim, personalOf(karim), "case.escalate", { caseId: c.id, version: await version(c.id) }));
    expect(referred).toContain("Orientation vers la MLDS enregistrée (décision du GPDS)");
    const after = await caseOf("Dixsept");
    const karimId = (await db().member.findFirstOrThrow({ where: { aadObjectId: karim.aadObjectId } })).id;
    expect(after).toMatchObject({ escalatedToMlds: true, referredAt: now });
    expect(after.events.find((e) => e.type === "ESCALATED")).toMatchObject({ actorId: karimId, data: { decision: "GPDS", role: "REFERENT" } });
    expect(cardText(await execute(bot, sophie, inNord, "case.refresh", { caseId: c.id }))).toContain("Orienté vers la MLDS le 15 décembre 2026");

    // Now the coordinators' « à traiter » holds it, and a coordinator takes it in charge.
    expect(await toDo(sophie)).toContain(c.reference);
    const taken = cardText(await execute(bot, sophie, inNord, "case.takeCharge", { caseId: c.id, version: await version(c.id) }));
    expect(taken).toContain("Dossier pris en charge par Sophie Laurent.");
  });

  it("walks a 15-year-old: the GPDS alone, no assignment around it, referral by the chef d'établissement", async () => {
    await report({ lastName: "Quinze", birthDate: "10/02/2011" }, { urgency: "3" });
    const c = await caseOf("Quinze");
    expect(c.ageAtReport).toBe(15);
    // Urgent, but under 16: the school's GPDS alone.
    expect((await sendsOf(c.id)).sort()).toEqual([personalOf(karim).conversationId, personalOf(helene).conversationId].sort());
    expect(await toDo(sophie)).not.toContain(c.reference);
    expect(cardText(await execute(bot, sophie, personalOf(sophie), "case.details", { caseId: c.id }))).toContain("Action refusée");

    // The référent may not hand it to a coordinator around the GPDS's decision.
    const sophieId = (await db().member.findFirstOrThrow({ where: { aadObjectId: sophie.aadObjectId } })).id;
    const assign = cardText(await execute(bot, karim, personalOf(karim), "case.assign", { caseId: c.id, version: await version(c.id), assigneeId: sophieId }));
    expect(assign).toContain("Impossible d'assigner ce dossier à un coordonnateur MLDS");
    expect((await db().case.findUniqueOrThrow({ where: { id: c.id } })).assigneeId).toBeNull();

    // The chef d'établissement records the GPDS's referral: 16 on 10 February, before 31 August.
    const referred = cardText(await execute(bot, helene, personalOf(helene), "case.escalate", { caseId: c.id, version: await version(c.id) }));
    expect(referred).toContain("Orientation vers la MLDS enregistrée");
    expect(await sendsOf(c.id)).toContain(NORD);
    expect(await toDo(sophie)).toContain(c.reference);
    const taken = cardText(await execute(bot, sophie, inNord, "case.takeCharge", { caseId: c.id, version: await version(c.id) }));
    expect(taken).toContain("Dossier pris en charge par Sophie Laurent.");
  });

  it("refuses the referral of a 13-year-old, who stays with the school's GPDS", async () => {
    await report({ lastName: "Treize", birthDate: "01/04/2013" }, { urgency: "1" });
    const c = await caseOf("Treize");
    const refused = cardText(await execute(bot, karim, personalOf(karim), "case.escalate", { caseId: c.id, version: await version(c.id) }));
    expect(refused).toContain("Orientation impossible : l'élève n'a pas 16 ans et ne les aura pas avant la fin de l'année scolaire");
    expect(await caseOf("Treize")).toMatchObject({ escalatedToMlds: false, referredAt: null });
    expect(await sendsOf(c.id)).not.toContain(NORD);
  });

  it("follows the bassin's setting: urgent or out of school by default, then at once, then only on referral", async () => {
    await report({ lastName: "Urgent", birthDate: "03/05/2009" }, { urgency: "3" });
    await report({ lastName: "Absent", birthDate: "03/05/2009" }, { urgency: "1", outOfSchool: "true" });
    await report({ lastName: "Calme", birthDate: "03/05/2009" }, { urgency: "1" });
    const [urgent, absent, calm] = [await caseOf("Urgent"), await caseOf("Absent"), await caseOf("Calme")];
    expect(absent.outOfSchool).toBe(true);
    let list = await toDo(sophie);
    expect(list).toContain(urgent.reference);
    expect(list).toContain(absent.reference);
    expect(list).not.toContain(calm.reference);

    expect((await bot.say(nathalie, "bassin NORD accès MLDS immédiat")).texts[0]).toContain("dès la fiche de repérage, sans attendre la décision du GPDS");
    list = await toDo(sophie);
    expect(list).toContain(calm.reference);

    expect((await bot.say(nathalie, "bassin NORD accès MLDS orientation")).texts[0]).toContain("qu'après l'orientation vers la MLDS");
    list = await toDo(sophie);
    for (const c of [urgent, absent, calm]) expect(list).not.toContain(c.reference);
    const waits = cardText(await execute(bot, sophie, inNord, "case.takeCharge", { caseId: urgent.id, version: await version(urgent.id) }));
    expect(waits).toContain("Ce dossier attend l'examen par le GPDS");
    // Only an admin changes it.
    expect((await bot.say(karim, "bassin NORD accès MLDS immédiat")).texts[0]).toContain("réservée aux administrateurs");
    await bot.say(nathalie, "bassin NORD accès MLDS urgent");
  });

  it("keeps a pupil born on 20 December 2010, reported on 15 December 2026 at 15, with the GPDS after 1 January", async () => {
    now = new Date("2026-12-15T10:00:00Z");
    await report({ lastName: "Decembre", birthDate: "20/12/2010" }, { urgency: "3" });
    const c = await caseOf("Decembre");
    expect(c.ageAtReport).toBe(15);
    expect(await sendsOf(c.id)).not.toContain(NORD);
    expect(await toDo(sophie)).not.toContain(c.reference);

    now = new Date("2027-01-02T10:00:00Z"); // 16 since 20 December, a new calendar year
    expect(await toDo(sophie)).not.toContain(c.reference);
    expect(cardText(await execute(bot, sophie, personalOf(sophie), "case.details", { caseId: c.id }))).toContain("Action refusée");
    expect(cardText(await execute(bot, karim, personalOf(karim), "case.refresh", { caseId: c.id }))).toContain("Moins de 16 ans : suivi par le GPDS");
    // Now 16, the GPDS may refer the pupil.
    const referred = cardText(await execute(bot, karim, personalOf(karim), "case.escalate", { caseId: c.id, version: await version(c.id) }));
    expect(referred).toContain("Orientation vers la MLDS enregistrée");
    expect(await toDo(sophie)).toContain(c.reference);
  });

  it("flags a case reported before the birth date was asked, for the GPDS to complete", async () => {
    now = new Date("2026-12-16T10:00:00Z");
    const claireActor = (await bot.app.services.members.identify(DEMO_TENANT_ID, claire.aadObjectId))!;
    const [school] = await bot.app.services.reports.reportingSchools(claireActor);
    const outcome = await bot.app.services.reports.submit(
      claireActor,
      {
        pupil: { lastName: "Ancien", firstName: "Léa", className: "1re 4", schoolId: school!.id, birthYear: 2009 },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 1 },
      },
      "gpds-old-case",
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    const card = cardText(await execute(bot, karim, personalOf(karim), "case.refresh", { caseId: outcome.recorded.caseId }));
    expect(card).toContain("Date de naissance à compléter");
    const channel = cardText(await execute(bot, sophie, inNord, "case.refresh", { caseId: outcome.recorded.caseId }));
    expect(channel).not.toContain("Date de naissance à compléter");

    // The référent completes it: the age at the report date is computed again from it.
    const caseId = outcome.recorded.caseId;
    const wrong = cardText(await execute(bot, karim, personalOf(karim), "case.setBirthDate", { caseId, version: await version(caseId), birthDate: "2009" }));
    expect(wrong).toContain("Indiquez la date de naissance sous la forme jj/mm/aaaa");
    const teacher = cardText(
      await execute(bot, claire, personalOf(claire), "case.setBirthDate", { caseId, version: await version(caseId), birthDate: "01/03/2009" }),
    );
    expect(teacher).toContain("Action refusée");
    const done = cardText(
      await execute(bot, karim, personalOf(karim), "case.setBirthDate", { caseId, version: await version(caseId), birthDate: "01/03/2009" }),
    );
    expect(done).toContain("Date de naissance enregistrée");
    expect(done).not.toContain("Date de naissance à compléter");
    const completed = await db().case.findUniqueOrThrow({ where: { id: caseId }, include: { pupil: true } });
    expect(completed.pupil.birthDate?.toISOString().slice(0, 10)).toBe("2009-03-01");
    expect(completed.ageAtReport).toBe(17);
  });
});
