import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGpdsCommand, type GpdsCommand } from "../../src/domain/gpds.js";
import { atParis } from "../../src/domain/school-days.js";
import { parseHolidays } from "../../src/domain/weekly-digest.js";
import { createServices, type Actor, type Services } from "../../src/services/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { createStore, type Store } from "../../src/store/index.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";
import { seedDemo } from "../../src/services/demo-academie.js";

// The school year 2026-2027 as an académie of zone A configures it.
const holidays = parseHolidays("2026-12-19..2027-01-03,2027-02-06..2027-02-21,2027-04-03..2027-04-18,2027-07-03..2027-08-31");
if (!holidays.ok) throw new Error(holidays.problem);

const aad = (name: string) => DEMO_PEOPLE.find((p) => p.displayName === name)!.aadObjectId;
const command = (text: string): GpdsCommand => parseGpdsCommand(text)!;
const PERSONAL = { conversationId: "a:personal-karim", kind: "PERSONAL" as const };
const GROUP = { conversationId: "19:gpds-victor-hugo@thread.v2", kind: "GROUP_CHAT" as const };

describe.each(DATABASE_KINDS)("GPDS meetings and agendas on the %s database", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let services: Services;
  let now = atParis("2027-01-04", 9); // Monday, back from the Noël holidays
  let karim: Actor;
  let claire: Actor;
  let thomas: Actor;

  const report = async (lastName: string, firstName: string, createdAt: Date) => {
    const [school] = await services.reports.reportingSchools(claire);
    const r = await services.reports.submit(
      claire,
      {
        pupil: { lastName, firstName, className: "2nde 1", schoolId: school!.id, birthYear: 2011 },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 1 },
      },
      `gpds-${lastName}`,
    );
    if (!r.ok) throw new Error(r.reason);
    await db.prisma.case.update({ where: { id: r.recorded.caseId }, data: { createdAt } });
    return r.recorded;
  };
  const agendas = async () =>
    (await db.prisma.outboxMessage.findMany({ orderBy: { createdAt: "asc" } }))
      .filter((m) => (m.payload as any)?.render?.view === "gpdsAgenda")
      .map((m) => ({ conversationId: m.conversationId, render: (m.payload as any).render }));

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    services = createServices(store, () => now, { schoolHolidays: holidays.ranges });
    karim = (await services.members.identify(DEMO_TENANT_ID, aad("Karim Benali")))!;
    claire = (await services.members.identify(DEMO_TENANT_ID, aad("Claire Martin")))!;
    thomas = (await services.members.identify(DEMO_TENANT_ID, aad("Thomas Girard")))!;
    // Karim's personal chat with the bot: where the agenda goes while the school has no GPDS space.
    await store.conversations.upsert({
      conversationId: "a:personal-karim",
      kind: "PERSONAL",
      tenantId: DEMO_TENANT_ID,
      aadObjectId: aad("Karim Benali"),
      teamId: null,
      channelId: null,
      serviceUrl: "http://127.0.0.1:1",
      reference: {},
    });
  }, 120_000);
  afterAll(async () => db?.drop());

  it("lets the référent set dates every N weeks, holidays left out, and shows the next ones", async () => {
    const r = await services.gpds.command(karim, command("gpds tous les 3 semaines à partir du 12/01/2027"), PERSONAL);
    expect(r).toMatchObject({ ok: true, done: "recurring", everyWeeks: 3 });
    if (!r.ok) return;
    // 12/01, 02/02, 23/02 (the Tuesday after the winter holidays), 16/03, 06/04 is in the spring
    // holidays, 27/04, 18/05, 08/06, 29/06; then the summer.
    expect(r.count).toBe(8);
    expect(r.schedule.meetings).toEqual(["2027-01-12", "2027-02-02", "2027-02-23", "2027-03-16", "2027-04-27", "2027-05-18"]);
    expect(r.schedule.space).toBeNull();
    // A second recurrence from a later day replaces the dates from that day on, not the earlier ones.
    const again = await services.gpds.command(karim, command("gpds tous les 4 semaines à partir du 16/03/2027"), PERSONAL);
    // 16/03, then 13/04 in the spring holidays is left out, 11/05, 08/06.
    expect(again.ok && again.schedule.meetings).toEqual(["2027-01-12", "2027-02-02", "2027-02-23", "2027-03-16", "2027-05-11", "2027-06-08"]);
  });

  it("adds and cancels one-off dates, refusing past days and days without school", async () => {
    const r = await services.gpds.command(karim, command("gpds 14/01/2027 09/02/2027 11/11/2026 2027-05-06"), PERSONAL);
    expect(r).toMatchObject({
      ok: true,
      done: "added",
      count: 1,
      refused: [
        { date: "2026-11-11", problem: "PAST" },
        { date: "2027-02-09", problem: "NO_SCHOOL" },
        { date: "2027-05-06", problem: "NO_SCHOOL" }, // Ascension
      ],
    });
    expect(r.ok && r.schedule.meetings.slice(0, 2)).toEqual(["2027-01-12", "2027-01-14"]);
    const cancelled = await services.gpds.command(karim, command("gpds annuler 14/01/2027"), PERSONAL);
    expect(cancelled).toMatchObject({ ok: true, done: "cancelled", count: 1 });
    expect(cancelled.ok && cancelled.schedule.meetings[1]).toBe("2027-02-02");
  });

  it("leaves the dates and the space to the référent and the chef d'établissement", async () => {
    expect(await services.gpds.command(claire, command("gpds 14/01/2027"), PERSONAL)).toEqual({ ok: false, reason: "FORBIDDEN" });
    expect(await services.gpds.command(claire, command("gpds ici"), GROUP)).toEqual({ ok: false, reason: "FORBIDDEN" });
    // Anyone of the school may see the dates; a member of two schools says which.
    expect(await services.gpds.command(claire, command("gpds"), PERSONAL)).toMatchObject({ ok: true, done: "shown" });
    expect(await services.gpds.command(thomas, command("gpds"), PERSONAL)).toMatchObject({ ok: false, reason: "WHICH_SCHOOL" });
    expect(await services.gpds.command(karim, command("gpds 0690002C"), PERSONAL)).toEqual({ ok: false, reason: "UNKNOWN_SCHOOL", uai: "0690002C" });
    expect(await services.gpds.command(karim, command("gpds ici"), PERSONAL)).toEqual({ ok: false, reason: "NOT_A_SPACE" });
    expect(await db.prisma.gpdsMeeting.count({ where: { date: new Date("2027-01-14T00:00:00Z") } })).toBe(0);
  });

  it("makes the first GPDS meeting from four weeks on the review date of a new plan", async () => {
    const c = await report("Review", "Tom", atParis("2027-01-04", 9));
    const version = async () => (await db.prisma.case.findUniqueOrThrow({ where: { id: c.caseId } })).version;
    expect(await services.triage.act(karim, c.caseId, await version(), { verb: "takeCharge" })).toMatchObject({ ok: true });
    expect(await services.triage.act(karim, c.caseId, await version(), { verb: "openPlan" })).toMatchObject({ ok: true });
    // Four weeks after Monday 4 January is Monday 1 February; the GPDS meets on Tuesday 2.
    const plan = await db.prisma.plan.findUniqueOrThrow({ where: { caseId: c.caseId } });
    expect(plan.nextReviewAt?.toISOString()).toBe(atParis("2027-02-02").toISOString());
    // Taken off the agenda job's lists: the case has a plan now.
    await db.prisma.case.update({ where: { id: c.caseId }, data: { status: "CLOSED", nextReviewAt: null } });
  });

  it("posts the agenda once, two school days before the meeting, to the référent when the school has no space", async () => {
    const lea = await report("Dupont", "Léa", atParis("2027-01-04", 10));
    const nolan = await report("Martin", "Nolan", atParis("2027-01-05", 10));
    // A case with a plan whose review falls before the meeting.
    const paul = await report("Bernard", "Paul", atParis("2026-11-02", 10));
    await db.prisma.case.update({ where: { id: paul.caseId }, data: { status: "PLAN_ACTIVE", nextReviewAt: atParis("2027-01-11") } });
    // Thursday evening: too early. Friday 8 January from 7:00 (two school days before Tuesday 12).
    now = atParis("2027-01-07", 18);
    expect(await services.gpds.runAgendas()).toBe(0);
    now = atParis("2027-01-08", 6, 59);
    expect(await services.gpds.runAgendas()).toBe(0);
    now = atParis("2027-01-08", 7, 0);
    // Two instances at once: one posts it.
    const [a, b] = await Promise.all([services.gpds.runAgendas(), createServices(store, () => now, { schoolHolidays: holidays.ranges }).gpds.runAgendas()]);
    expect(a + b).toBe(1);
    now = atParis("2027-01-11", 9);
    expect(await services.gpds.runAgendas()).toBe(0);
    const sent = await agendas();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.conversationId).toBe("a:personal-karim");
    expect(sent[0]!.render).toMatchObject({ schoolName: "Lycée Victor-Hugo", date: "2027-01-12", inSpace: false });
    expect(sent[0]!.render.newCases).toEqual([
      { reference: lea.reference, initials: "L. D." },
      { reference: nolan.reference, initials: "N. M." },
    ]);
    expect(sent[0]!.render.reviews).toEqual([{ reference: paul.reference, initials: "P. B.", reviewDate: atParis("2027-01-11").toISOString() }]);
    expect(JSON.stringify(sent)).not.toMatch(/Dupont|Martin|Bernard|Léa|Nolan|Paul/);
  });

  it("posts the next agenda in the registered GPDS space, with the cases opened since the last agenda", async () => {
    expect(await services.gpds.command(karim, command("gpds ici"), GROUP)).toMatchObject({ ok: true, done: "spaceRegistered" });
    await store.conversations.upsert({
      ...GROUP,
      tenantId: DEMO_TENANT_ID,
      aadObjectId: null,
      teamId: null,
      channelId: null,
      serviceUrl: "http://127.0.0.1:1",
      reference: {},
    });
    const shown = await services.gpds.command(claire, command("gpds"), PERSONAL);
    expect(shown.ok && shown.schedule.space).toBe("GROUP_CHAT");
    const ines = await report("Petit", "Inès", atParis("2027-01-20", 10));
    // Tuesday 2 February: the agenda on Friday 29 January.
    now = atParis("2027-01-29", 8);
    expect(await services.gpds.runAgendas()).toBe(1);
    const sent = (await agendas()).at(-1)!;
    expect(sent.conversationId).toBe(GROUP.conversationId);
    expect(sent.render).toMatchObject({ date: "2027-02-02", inSpace: true });
    // A review not recorded since stays on the agenda; Léa and Nolan were on the last one, Inès is new.
    expect(sent.render.reviews.map((c: { initials: string }) => c.initials)).toEqual(["P. B."]);
    expect(sent.render.newCases.map((c: { reference: string }) => c.reference)).toEqual([ines.reference]);
  });
});
