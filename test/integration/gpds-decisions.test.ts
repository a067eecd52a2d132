import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGpdsCommand, type GpdsCommand } from "../../src/domain/gpds.js";
import { atParis } from "../../src/domain/school-days.js";
import { parseHolidays } from "../../src/domain/weekly-digest.js";
import { seedDemo } from "../../src/services/demo-academie.js";
import { createServices, type Actor, type Services } from "../../src/services/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { createStore, type Store } from "../../src/store/index.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";

// Issue 25: the GPDS meeting itself. Each line of the agenda gets a decision, recorded in the case's
// history with the case's change; who attended is recorded; the next GPDS date is the review date;
// the séance is closed by hand or the day after, and its summary goes out (initials in the GPDS
// space, names in each GPDS member's personal chat).

const holidays = parseHolidays("2026-12-19..2027-01-03,2027-02-06..2027-02-21,2027-04-03..2027-04-18,2027-07-03..2027-08-31");
if (!holidays.ok) throw new Error(holidays.problem);

const aad = (name: string) => DEMO_PEOPLE.find((p) => p.displayName === name)!.aadObjectId;
const command = (text: string): GpdsCommand => parseGpdsCommand(text)!;
const PERSONAL = { conversationId: "a:personal-karim", kind: "PERSONAL" as const };
const GROUP = { conversationId: "19:gpds-decisions@thread.v2", kind: "GROUP_CHAT" as const };

describe.each(DATABASE_KINDS)("GPDS decisions on the %s database", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let services: Services;
  let now = atParis("2027-01-04", 9);
  let karim: Actor;
  let claire: Actor;
  let head: Actor;
  let cpeId: string;
  let meetingId: string;
  const cases: Record<string, { caseId: string; reference: string }> = {};

  const report = async (lastName: string, birthDate: string) => {
    const [school] = await services.reports.reportingSchools(claire);
    const r = await services.reports.submit(
      claire,
      {
        pupil: { lastName, firstName: "Léa", className: "2nde 1", schoolId: school!.id, birthYear: Number(birthDate.slice(0, 4)), birthDate },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 1 },
      },
      `gpds-decision-${lastName}`,
    );
    if (!r.ok) throw new Error(r.reason);
    return r.recorded;
  };
  const caseRow = (id: string) => db.prisma.case.findUniqueOrThrow({ where: { id }, include: { events: true, plan: true } });
  const summaries = async () =>
    (await db.prisma.outboxMessage.findMany({ orderBy: { createdAt: "asc" } }))
      .filter((m) => (m.payload as any)?.render?.view === "gpdsSummary")
      .map((m) => ({ conversationId: m.conversationId, render: (m.payload as any).render }));
  const personal = (conversationId: string, aadObjectId: string) =>
    store.conversations.upsert({
      conversationId,
      kind: "PERSONAL",
      tenantId: DEMO_TENANT_ID,
      aadObjectId,
      teamId: null,
      channelId: null,
      serviceUrl: "http://127.0.0.1:1",
      reference: {},
    });

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    services = createServices(store, () => now, { schoolHolidays: holidays.ranges });
    karim = (await services.members.identify(DEMO_TENANT_ID, aad("Karim Benali")))!;
    claire = (await services.members.identify(DEMO_TENANT_ID, aad("Claire Martin")))!;
    // The school's chef d'établissement and CPE (the demo has none).
    const school = await db.kysely.selectFrom("School").select("id").where("uai", "=", "0690001B").executeTakeFirstOrThrow();
    for (const [aadObjectId, displayName, role] of [
      ["aad-dec-head", "Hélène Proviseure", "HEAD"],
      ["aad-dec-cpe", "Paul Cépé", "CPE"],
    ] as const) {
      const id = randomUUID();
      await db.kysely.insertInto("Member").values({ id, tenantId: DEMO_TENANT_ID, aadObjectId, displayName, role, updatedAt: new Date() }).execute();
      await db.kysely.insertInto("MemberSchool").values({ memberId: id, schoolId: school.id }).execute();
      if (role === "CPE") cpeId = id;
    }
    head = (await services.members.identify(DEMO_TENANT_ID, "aad-dec-head"))!;
    await personal("a:personal-karim", aad("Karim Benali"));
    await personal("a:personal-helene", "aad-dec-head");
    await personal("a:personal-claire", aad("Claire Martin"));
    expect(await services.gpds.command(karim, command("gpds 12/01/2027 26/01/2027"), PERSONAL)).toMatchObject({ ok: true, count: 2 });
    expect(await services.gpds.command(karim, command("gpds ici"), GROUP)).toMatchObject({ ok: true, done: "spaceRegistered" });

    // Reported on Monday 4 January 2027.
    cases.watch = await report("Vigilance", "2011-10-10"); // 15, 16 only after the school year
    cases.measures = await report("Mesures", "2011-10-11");
    cases.young = await report("Jeune", "2011-10-12");
    cases.mlds = await report("Dixsept", "2009-05-03"); // 17
    cases.later = await report("Plustard", "2011-03-01");
    cases.close = await report("Rien", "2011-04-01");
    now = atParis("2027-01-08", 8); // Friday: two school days before Tuesday 12
    expect(await services.gpds.runAgendas()).toBe(1);
    meetingId = (await db.prisma.gpdsMeeting.findFirstOrThrow({ where: { date: new Date("2027-01-12T00:00:00Z") } })).id;
    now = atParis("2027-01-12", 17); // during the meeting
  }, 120_000);
  afterAll(async () => db?.drop());

  it("keeps the agenda's lines on the meeting, and refuses decisions to anyone but the référent and the chef", async () => {
    const view = await services.gpdsMeetings.agenda(karim, meetingId);
    expect(view?.lines.map((l) => l.reference)).toEqual(Object.values(cases).map((c) => c.reference));
    expect(view?.lines.every((l) => l.decision === null)).toBe(true);
    // The attendance choices: the school's GPDS members (by role), never a teacher.
    const members = view?.members.map((m) => m.displayName) ?? [];
    expect(members).toEqual(expect.arrayContaining(["Hélène Proviseure", "Karim Benali", "Paul Cépé"]));
    expect(members).not.toContain("Claire Martin");

    const teacher = await services.gpdsMeetings.decide(claire, meetingId, { decisions: [{ caseId: cases.close!.caseId, decision: "CLOSE_NO_SUPPORT" }] });
    expect(teacher).toMatchObject({ ok: false, reason: "FORBIDDEN" });
    const cpe = (await services.members.identify(DEMO_TENANT_ID, "aad-dec-cpe"))!;
    expect(await services.gpdsMeetings.decide(cpe, meetingId, { decisions: [], attendeeIds: [cpe.memberId] })).toMatchObject({
      ok: false,
      reason: "FORBIDDEN",
    });
    expect((await caseRow(cases.close!.caseId)).status).toBe("NEW");
  });

  it("records each decision in the case's history, the next GPDS date as the review date", async () => {
    const r = await services.gpdsMeetings.decide(karim, meetingId, {
      decisions: [
        { caseId: cases.watch!.caseId, decision: "KEEP_WATCHING" },
        { caseId: cases.measures!.caseId, decision: "SCHOOL_MEASURES" },
        { caseId: cases.young!.caseId, decision: "REFER_TO_MLDS" },
        { caseId: cases.mlds!.caseId, decision: "REFER_TO_MLDS" },
        { caseId: cases.later!.caseId, decision: "POSTPONE" },
      ],
      attendeeIds: [karim.memberId, head.memberId, cpeId, claire.memberId],
    });
    if (!r.ok) throw new Error(r.reason);
    expect(r.recorded.map((d) => d.reference)).toEqual([cases.watch, cases.measures, cases.mlds, cases.later].map((c) => c!.reference));
    expect(r.refused).toEqual([{ reference: cases.young!.reference, reason: "TOO_YOUNG" }]);
    // Only the school's GPDS members count as attendees (a teacher is left out).
    expect(r.attendeesSaved).toBe(true);
    expect((await db.prisma.gpdsMeeting.findUniqueOrThrow({ where: { id: meetingId } })).attendeeIds.sort()).toEqual(
      [karim.memberId, head.memberId, cpeId].sort(),
    );

    const review = atParis("2027-01-26").toISOString();
    const watch = await caseRow(cases.watch!.caseId);
    expect(watch).toMatchObject({ status: "ACKNOWLEDGED", escalatedToMlds: false });
    expect(watch.nextReviewAt?.toISOString()).toBe(review);
    const event = watch.events.find((e) => e.type === "GPDS_DECISION");
    expect(event).toMatchObject({ actorId: karim.memberId, data: { meetingId, decision: "KEEP_WATCHING", reviewDay: "2027-01-26", role: "REFERENT" } });

    const measures = await caseRow(cases.measures!.caseId);
    expect(measures).toMatchObject({ status: "PLAN_ACTIVE", assigneeId: karim.memberId });
    expect(measures.plan?.nextReviewAt?.toISOString()).toBe(review);

    expect(await caseRow(cases.young!.caseId)).toMatchObject({ status: "NEW", escalatedToMlds: false });
    const mlds = await caseRow(cases.mlds!.caseId);
    expect(mlds).toMatchObject({ status: "NEW", escalatedToMlds: true, referredAt: now });
    expect(mlds.events.find((e) => e.type === "GPDS_DECISION")?.data).toMatchObject({ decision: "REFER_TO_MLDS" });
    expect(await caseRow(cases.later!.caseId)).toMatchObject({ status: "NEW", nextReviewAt: null });

    // A line is decided once.
    const again = await services.gpdsMeetings.decide(head, meetingId, { decisions: [{ caseId: cases.watch!.caseId, decision: "CLOSE_NO_SUPPORT" }] });
    expect(again.ok && again.refused).toEqual([{ reference: cases.watch!.reference, reason: "ALREADY_DECIDED" }]);
    // Two people deciding the same line at once: one decision is recorded.
    const both = await Promise.all(
      [karim, head].map((who) => services.gpdsMeetings.decide(who, meetingId, { decisions: [{ caseId: cases.young!.caseId, decision: "POSTPONE" }] })),
    );
    expect(both.map((r) => (r.ok ? r.recorded.length : -1)).sort()).toEqual([0, 1]);
    expect(both.flatMap((r) => (r.ok ? r.refused : []))).toEqual([{ reference: cases.young!.reference, reason: "ALREADY_DECIDED" }]);
    expect((await caseRow(cases.young!.caseId)).events.filter((e) => e.type === "GPDS_DECISION")).toHaveLength(1);
    // A case that is not on this agenda is not decided from it.
    const other = await report("Ailleurs", "2011-05-05");
    const off = await services.gpdsMeetings.decide(karim, meetingId, { decisions: [{ caseId: other.caseId, decision: "CLOSE_NO_SUPPORT" }] });
    expect(off.ok && off.refused).toEqual([{ reference: "—", reason: "NOT_ON_AGENDA" }]);
    expect((await caseRow(other.caseId)).status).toBe("NEW");
  });

  it("closes the séance from the card: the chef's last decision, then the summary, and nothing after", async () => {
    const r = await services.gpdsMeetings.decide(head, meetingId, { decisions: [{ caseId: cases.close!.caseId, decision: "CLOSE_NO_SUPPORT" }], close: true });
    expect(r).toMatchObject({ ok: true, closed: true });
    const closed = await caseRow(cases.close!.caseId);
    expect(closed).toMatchObject({ status: "CLOSED", closedAt: now });
    expect(closed.events.find((e) => e.type === "GPDS_DECISION")).toMatchObject({
      actorId: head.memberId,
      data: { decision: "CLOSE_NO_SUPPORT", role: "HEAD" },
    });

    // The GPDS space (initials) and the GPDS members with a personal chat (names); not the teacher.
    const sent = await summaries();
    expect(sent.map((s) => s.conversationId).sort()).toEqual([GROUP.conversationId, "a:personal-helene", "a:personal-karim"].sort());
    const space = await services.gpdsMeetings.summaryFor(meetingId, null);
    expect(space?.names).toBe(false);
    const named = await services.gpdsMeetings.summaryFor(meetingId, karim);
    expect(named?.names).toBe(true);
    expect(named?.lines.find((l) => l.caseId === cases.mlds!.caseId)).toMatchObject({ lastName: "Dixsept", decision: { decision: "REFER_TO_MLDS" } });
    expect(named?.attendees.map((m) => m.displayName)).toEqual(["Hélène Proviseure", "Karim Benali", "Paul Cépé"]);
    expect(await services.gpdsMeetings.summaryFor(meetingId, claire)).toBeNull();

    expect(await services.gpdsMeetings.decide(karim, meetingId, { decisions: [{ caseId: cases.young!.caseId, decision: "POSTPONE" }] })).toMatchObject({
      ok: false,
      reason: "CLOSED",
    });
    expect(await services.gpdsMeetings.decide(karim, meetingId, { decisions: [], close: true })).toMatchObject({ ok: false, reason: "CLOSED" });
    expect(await summaries()).toHaveLength(3);
  });

  it("puts the postponed line and the watched case on the next agenda, and closes that séance by itself the day after", async () => {
    now = atParis("2027-01-22", 8); // Friday before Tuesday 26
    expect(await services.gpds.runAgendas()).toBe(1);
    const next = await db.prisma.gpdsMeeting.findFirstOrThrow({ where: { date: new Date("2027-01-26T00:00:00Z") } });
    // The postponed line comes back as a report to examine; the watched case and the measures as reviews.
    expect(next.agendaCaseIds).toContain(cases.later!.caseId);
    expect(next.agendaReviewIds.sort()).toEqual([cases.watch!.caseId, cases.measures!.caseId].sort());
    expect(next.agendaCaseIds).not.toContain(cases.close!.caseId);

    // A meeting whose agenda had no line (here, one sent before the lines were kept) closes silently.
    const school = next.schoolId;
    const empty = await db.prisma.gpdsMeeting.create({
      data: { schoolId: school, date: new Date("2027-01-19T00:00:00Z"), agendaSentAt: atParis("2027-01-15", 7) },
    });

    // At that review the GPDS closes the case with a Parcours de suivi: the dismissal is its outcome.
    now = atParis("2027-01-26", 17);
    const review = await services.gpdsMeetings.decide(head, next.id, { decisions: [{ caseId: cases.measures!.caseId, decision: "CLOSE_NO_SUPPORT" }] });
    expect(review.ok && review.recorded).toHaveLength(1);
    expect(await caseRow(cases.measures!.caseId)).toMatchObject({ status: "CLOSED", closedAt: now });
    expect(await db.prisma.outcome.findUnique({ where: { caseId: cases.measures!.caseId } })).toMatchObject({ kind: "DISMISSED", decidedById: head.memberId });

    now = atParis("2027-01-26", 20);
    expect(await services.gpdsMeetings.runSummaries()).toBe(0);
    expect((await db.prisma.gpdsMeeting.findUniqueOrThrow({ where: { id: empty.id } })).closedAt).toEqual(now);
    expect(await summaries()).toHaveLength(3);
    now = atParis("2027-01-27", 7);
    const queued = await services.gpdsMeetings.runSummaries();
    expect(queued).toBe(3);
    expect(await services.gpdsMeetings.runSummaries()).toBe(0);
    expect((await db.prisma.gpdsMeeting.findUniqueOrThrow({ where: { id: next.id } })).closedAt).toEqual(now);
  });
});
