import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore, type Store } from "../../src/store/index.js";
import { createServices, type Actor, type Services } from "../../src/services/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";
import { seedDemo } from "../../src/services/demo-academie.js";

/** Issue 26: a closed case is reopened, within its retention, rather than a new one started: who
 *  may close it may reopen it, with a reason; it keeps its follower and history, loses its outcome
 *  until it closes again; past retention (anonymised) it cannot be. */

let now = new Date("2026-11-20T10:00:00Z");
const aad = (name: string) => DEMO_PEOPLE.find((p) => p.displayName === name)!.aadObjectId;

describe.each(DATABASE_KINDS)("reopening a closed case on the %s database", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let services: Services;
  let karim: Actor;
  let claire: Actor;
  let n = 0;
  const version = async (caseId: string) => (await db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).version;

  /** A case of the référent's school, taken in charge, given a plan and closed with an outcome. */
  async function closedCase(lastName: string): Promise<string> {
    const [school] = await services.reports.reportingSchools(claire);
    const r = await services.reports.submit(
      claire,
      {
        pupil: { lastName, firstName: "Léa", className: "3e 2", schoolId: school!.id, birthYear: 2012 },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 2 },
      },
      `reopen-${kind}-${++n}`,
    );
    if (!r.ok) throw new Error(r.reason);
    const caseId = r.recorded.caseId;
    for (const verb of ["takeCharge", "openPlan"] as const) {
      const step = await services.triage.act(karim, caseId, await version(caseId), { verb });
      expect(step.ok, verb).toBe(true);
    }
    const closed = await services.plans.act(karim, caseId, await version(caseId), { verb: "close", outcome: "KEPT_IN_TRAINING", comment: "" });
    expect(closed.ok).toBe(true);
    return caseId;
  }

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    services = createServices(store, () => now);
    karim = (await services.members.identify(DEMO_TENANT_ID, aad("Karim Benali")))!;
    claire = (await services.members.identify(DEMO_TENANT_ID, aad("Claire Martin")))!;
  }, 120_000);
  afterAll(async () => db?.drop());

  it("is reopened by its follower with a reason: open again, same follower, no outcome, the history says why", async () => {
    const caseId = await closedCase("Rouverte");
    expect(await db.prisma.outcome.findUnique({ where: { caseId } })).not.toBeNull();

    const r = await services.triage.act(karim, caseId, await version(caseId), { verb: "reopen", reason: "Absences reprises depuis la rentrée de janvier" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.case.status).toBe("ACKNOWLEDGED");
    expect(r.case.assignee?.id).toBe(karim.memberId);
    const row = await db.prisma.case.findUniqueOrThrow({ where: { id: caseId } });
    expect(row.closedAt).toBeNull();
    expect(await db.prisma.outcome.findUnique({ where: { caseId } })).toBeNull();
    const events = await db.prisma.caseEvent.findMany({ where: { caseId }, orderBy: { at: "asc" } });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["CLOSED", "REOPENED"]));
    expect(events.find((e) => e.type === "REOPENED")!.data).toMatchObject({
      from: "CLOSED",
      to: "ACKNOWLEDGED",
      reason: "Absences reprises depuis la rentrée de janvier",
    });
    // Its plan is still there: opening it again keeps its actions.
    const plan = await services.triage.act(karim, caseId, await version(caseId), { verb: "openPlan" });
    expect(plan.ok && plan.case.status).toBe("PLAN_ACTIVE");
  });

  it("is refused without a reason, to a teacher, and when the case is still open", async () => {
    const caseId = await closedCase("Refusee");
    const v = await version(caseId);
    expect(await services.triage.act(karim, caseId, v, { verb: "reopen", reason: "   " })).toMatchObject({
      ok: false,
      reason: "INVALID_INPUT",
      field: "reason",
    });
    expect(await services.triage.act(claire, caseId, v, { verb: "reopen", reason: "Je pense qu'il faut le rouvrir" })).toMatchObject({
      ok: false,
      reason: "FORBIDDEN",
    });
    expect((await db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe("CLOSED");
    const reopened = await services.triage.act(karim, caseId, v, { verb: "reopen", reason: "Nouvelle situation" });
    expect(reopened.ok).toBe(true);
    expect(await services.triage.act(karim, caseId, await version(caseId), { verb: "reopen", reason: "Encore" })).toMatchObject({
      ok: false,
      reason: "INVALID_TRANSITION",
    });
  });

  it("cannot be reopened once anonymised at the end of its retention", async () => {
    const caseId = await closedCase("Anonymisee");
    now = new Date("2027-09-02T10:00:00Z");
    try {
      const report = await services.retention.run({ dryRun: false });
      expect(report.references.length).toBeGreaterThan(0);
      const r = await services.triage.act(karim, caseId, await version(caseId), { verb: "reopen", reason: "Trop tard" });
      expect(r).toMatchObject({ ok: false, reason: "INVALID_INPUT", field: "anonymized" });
      expect((await db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).status).toBe("CLOSED");
    } finally {
      now = new Date("2026-11-20T10:00:00Z");
    }
  });
  describe("when its former follower has left", () => {
    /** A second référent of the same school: who takes the case once Karim has left. */
    async function colleague(tag = ""): Promise<Actor> {
      const school = (await services.reports.reportingSchools(claire))[0]!;
      const m = await db.prisma.member.create({
        data: {
          tenantId: DEMO_TENANT_ID,
          aadObjectId: `aad-helene-${kind}${tag}`,
          displayName: "Hélène Faure",
          role: "REFERENT",
          schools: { create: [{ schoolId: school.id }] },
        },
      });
      return (await services.members.identify(DEMO_TENANT_ID, m.aadObjectId!))!;
    }
    const leaves = (active: boolean) => db.prisma.member.update({ where: { id: karim.memberId }, data: { active } });

    it("is followed by whoever reopens it, not by the référent who left", async () => {
      const helene = await colleague();
      const caseId = await closedCase("Partie");
      await leaves(false);
      try {
        const r = await services.triage.act(helene, caseId, await version(caseId), { verb: "reopen", reason: "La famille a rappelé" });
        expect(r.ok && r.case.assignee?.id).toBe(helene.memberId);
      } finally {
        await leaves(true);
      }
      // While the follower is still there, it stays theirs whoever reopens it.
      const kept = await closedCase("Restee");
      const r = await services.triage.act(helene, kept, await version(kept), { verb: "reopen", reason: "La famille a rappelé" });
      expect(r.ok && r.case.assignee?.id).toBe(karim.memberId);
    });

    it("reopened by a new report, waits for a follower instead of staying with the référent who left", async () => {
      const caseId = await closedCase("Revenue");
      const reference = (await db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).reference;
      await leaves(false);
      try {
        const [school] = await services.reports.reportingSchools(claire);
        const r = await services.reports.submit(
          claire,
          {
            pupil: { lastName: "Revenue", firstName: "Léa", className: "3e 2", schoolId: school!.id, birthYear: 2012 },
            signals: { signals: [{ code: "STOPPED_COMING" }] },
            steps: { stepsTaken: [], urgency: 3 },
            attachToCase: { caseId, reference, reopen: true },
          },
          `reopen-${kind}-gone`,
        );
        expect(r.ok && r.joined).toEqual({ followedBy: null, reopened: true });
        const row = await db.prisma.case.findUniqueOrThrow({ where: { id: caseId } });
        expect([row.status, row.assigneeId]).toEqual(["ACKNOWLEDGED", null]);
        // In the « à traiter » of the school's référents still there.
        const todo = await services.queries.toDo(await colleague("2"), "personal");
        expect(todo.ok && todo.list.lines.map((c) => c.reference)).toContain(reference);
      } finally {
        await leaves(true);
      }
    });
  });
});
