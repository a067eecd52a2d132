import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type Actor, type Services } from "../../src/services/index.js";
import { createStore, openDatabase, type Database, type Store } from "../../src/store/index.js";
import { DEMO_TENANT_ID, DEMO_PEOPLE } from "../../src/store/demo-seed.js";
import { RETENTION_JOB } from "../../src/services/retention.js";
import { openTestDatabase, POSTGRES_URL } from "../helpers/database.js";
import { seedDemo } from "../../src/services/demo-academie.js";

/** Closed cases lose their pupil's identity and every free text once their retention is over
 *  (by default the 31 August ending the school year of closure), keep their statistics, and the
 *  daily job that does it runs once across instances. */

// Paris is UTC+2 in summer: 31 August 23:59:59 Paris is 21:59:59 UTC.
const CLOSED_ON = new Date("2026-03-10T10:00:00Z");
const LAST_DAY = new Date("2026-08-31T21:30:00Z"); // 23:30 in Paris: still the school year of closure
const NEXT_YEAR = new Date("2026-08-31T22:30:00Z"); // 00:30 on 1 September in Paris

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/retention.ts", ...args], {
    env: { PATH: process.env.PATH ?? "", CHECKPOINT_DISABLE: "1", LOG_LEVEL: "silent", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("retention of closed cases", () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let services: Services;
  let now = CLOSED_ON;
  let n = 0;
  const clock = () => now;
  const prisma = () => db.prisma;
  const actor = async (name: string) =>
    (await services.members.identify(DEMO_TENANT_ID, DEMO_PEOPLE.find((p) => p.displayName === name)!.aadObjectId)) as Actor;
  const version = async (caseId: string) => (await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).version;

  async function report(lastName: string, firstName = "Inès"): Promise<string> {
    const claire = await actor("Claire Martin");
    const [school] = await services.reports.reportingSchools(claire);
    const outcome = await services.reports.submit(
      claire,
      {
        pupil: { lastName, firstName, className: "2nde 1", schoolId: school!.id, birthYear: 2009 },
        signals: { signals: [{ code: "LATENESS", note: `Note ${lastName}` }, { code: "NO_PLAN" }], absenceHalfDays: 6 },
        steps: { stepsTaken: ["FAMILY_CONTACTED"], urgency: 3, observations: `Observations ${lastName}` },
      },
      `retention-${++n}`,
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    return outcome.recorded.caseId;
  }

  async function dismissed(lastName: string, firstName?: string): Promise<string> {
    const caseId = await report(lastName, firstName);
    const sophie = await actor("Sophie Laurent");
    const r = await services.triage.act(sophie, caseId, await version(caseId), { verb: "dismiss", reason: `Motif ${lastName}` });
    expect(r.ok).toBe(true);
    return caseId;
  }

  /** Closed through its plan, with an outcome and a comment. */
  async function closedWithPlan(lastName: string): Promise<string> {
    const caseId = await report(lastName);
    const sophie = await actor("Sophie Laurent");
    const claire = await actor("Claire Martin");
    const t = services.triage;
    expect((await t.act(sophie, caseId, await version(caseId), { verb: "requestInfo", question: `Question ${lastName}` })).ok).toBe(true);
    expect((await t.answerInfo(claire, caseId, `Réponse ${lastName}`)).ok).toBe(true);
    expect((await t.act(sophie, caseId, await version(caseId), { verb: "openPlan" })).ok).toBe(true);
    const p = services.plans;
    expect((await p.act(sophie, caseId, await version(caseId), { verb: "setReview", objective: `Objectif ${lastName}`, nextReviewAt: "2026-04-01" })).ok).toBe(
      true,
    );
    expect(
      (
        await p.act(sophie, caseId, await version(caseId), {
          verb: "addAction",
          input: { type: "MINI_STAGE", description: `Stage ${lastName}`, company: `Entreprise ${lastName}`, startDate: "2026-03-16", endDate: "2026-03-27" },
        })
      ).ok,
    ).toBe(true);
    const closed = await p.act(sophie, caseId, await version(caseId), { verb: "close", outcome: "APPRENTICESHIP", comment: `Commentaire ${lastName}` });
    expect(closed.ok).toBe(true);
    return caseId;
  }

  const snapshot = (caseId: string) =>
    prisma().case.findUniqueOrThrow({
      where: { id: caseId },
      include: {
        pupil: true,
        reports: { include: { signals: { orderBy: { code: "asc" } } } },
        events: { orderBy: { id: "asc" } },
        plan: { include: { actions: true } },
        outcome: true,
      },
    });

  beforeAll(async () => {
    db = await openTestDatabase("postgres");
    store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    services = createServices(store, clock);
  });
  afterAll(async () => db?.drop());

  it("keeps a closed case until the end of its school year, then keeps only its statistics", async () => {
    now = CLOSED_ON;
    const withPlan = await closedWithPlan("Retenue");
    const before = await snapshot(withPlan);

    now = LAST_DAY;
    expect((await services.retention.run({ dryRun: false })).references).toEqual([]);
    expect((await snapshot(withPlan)).pupil.lastName).toBe("Retenue");

    now = NEXT_YEAR;
    const dry = await services.retention.run({ dryRun: true });
    expect(dry.references).toContain(before.reference);
    expect(dry.cutoff).toEqual(new Date("2026-08-31T22:00:00Z")); // 1 September, 00:00 in Paris
    expect((await snapshot(withPlan)).anonymizedAt).toBeNull(); // a dry run changes nothing

    const applied = await services.retention.run({ dryRun: false });
    expect(applied.references).toContain(before.reference);
    const after = await snapshot(withPlan);
    // Identity gone.
    expect(after.pupil).toMatchObject({ lastName: "Anonyme", firstName: "Élève", nameKey: "", birthDate: null, ine: null });
    expect(after.pupil.anonymizedAt).toEqual(NEXT_YEAR);
    expect(after.anonymizedAt).toEqual(NEXT_YEAR);
    // Free texts gone.
    expect(after.reports.flatMap((r) => r.signals.map((s) => s.note))).toEqual([null, null]);
    expect(after.reports.map((r) => r.observations)).toEqual([null]);
    expect(after.plan!.objective).toBe("");
    expect(after.plan!.actions.map((a) => [a.type, a.description, a.company, a.partner])).toEqual([["MINI_STAGE", "", null, null]]);
    expect(after.outcome).toMatchObject({ kind: "APPRENTICESHIP", comment: null });
    const texts = JSON.stringify(after.events.map((e) => e.data));
    for (const secret of ["Question Retenue", "Réponse Retenue", "Objectif", "Stage Retenue", "Entreprise Retenue", "Commentaire Retenue"])
      expect(texts).not.toContain(secret);
    // Statistics kept: school, class, birth year, signals, dates, statuses, outcome, event types.
    expect(after).toMatchObject({
      schoolId: before.schoolId,
      districtId: before.districtId,
      status: "CLOSED",
      urgency: 3,
      closedAt: before.closedAt,
      createdAt: before.createdAt,
      reference: before.reference,
    });
    expect(after.pupil).toMatchObject({ schoolId: before.pupil.schoolId, birthYear: 2009, className: "2nde 1" });
    expect(after.reports.flatMap((r) => r.signals.map((s) => [s.code, s.family]))).toEqual([
      ["LATENESS", "ATTENDANCE"],
      ["NO_PLAN", "ORIENTATION"],
    ]);
    expect(after.reports[0]!.absenceHalfDays).toBe(6);
    expect(after.events.map((e) => e.type)).toEqual([...before.events.map((e) => e.type), "ERASED"]);
    expect(after.events.at(-1)).toMatchObject({ actorId: null, data: { cause: "RETENTION", reference: before.reference } });
    expect(after.events.find((e) => e.type === "PLAN_ACTION_STATUS" || e.type === "PLAN_ACTION_ADDED")?.data).toMatchObject({ type: "MINI_STAGE" });

    // The service reads it as anonymised: no name on any card any more.
    const record = await services.triage.systemView(withPlan);
    expect(record!.pupil.anonymized).toBe(true);
    // A second run finds nothing more to do.
    expect((await services.retention.run({ dryRun: false })).references).not.toContain(before.reference);
  });

  it("erases a transfer's reason with the case it moved, and the school it left still knows only that it left", async () => {
    now = CLOSED_ON;
    const caseId = await report("Transferee");
    const karim = await actor("Karim Benali");
    const ines = await actor("Inès Moreau");
    const lp = await prisma().school.findFirstOrThrow({ where: { uai: "0690002C" } });
    const moved = await services.transfers.transfer(karim, caseId, await version(caseId), lp.id, "Motif Transferee : inscrite au LP");
    expect(moved.ok).toBe(true);
    const dismissed = await services.triage.act(ines, caseId, await version(caseId), { verb: "dismiss", reason: "Motif de clôture Transferee" });
    expect(dismissed.ok).toBe(true);

    now = NEXT_YEAR;
    expect((await services.retention.run({ dryRun: false })).references.length).toBeGreaterThan(0);
    const after = await prisma().case.findUniqueOrThrow({ where: { id: caseId }, include: { transfers: true, events: true, pupil: true } });
    expect(after.pupil.lastName).toBe("Anonyme");
    // Where it went and when stay for the statistics; why goes.
    expect(after.transfers.map((t) => [t.fromSchoolId, t.toSchoolId, t.reason])).toEqual([[expect.any(String), lp.id, ""]]);
    expect(JSON.stringify(after.events.map((e) => e.data))).not.toContain("Transferee");
    // The reporter at the school it left still reads « transféré le … » and nothing more.
    const claire = await actor("Claire Martin");
    const past = await services.transfers.pastTransferFor(claire, caseId, [claire.memberId]);
    expect(past).toMatchObject({ toSchoolId: lp.id });
  });

  it("leaves open cases alone, and a pupil still followed keeps their identity in the open case", async () => {
    now = CLOSED_ON;
    const old = await dismissed("Suivie", "Maëlle");
    const open = await report("Suivie", "Maëlle"); // reported again after the closure: same pupil row
    const pupilId = (await snapshot(old)).pupilId;
    expect((await snapshot(open)).pupilId).toBe(pupilId);

    now = NEXT_YEAR;
    await services.retention.run({ dryRun: false });
    const oldAfter = await snapshot(old);
    const openAfter = await snapshot(open);
    expect(oldAfter.anonymizedAt).not.toBeNull();
    expect(oldAfter.pupilId).not.toBe(pupilId); // moved to an anonymous pupil row
    expect(oldAfter.pupil).toMatchObject({ lastName: "Anonyme", nameKey: "", anonymizedAt: NEXT_YEAR, birthYear: 2009 });
    expect(oldAfter.reports[0]!.signals.map((s) => s.note)).toEqual([null, null]);
    expect(openAfter.anonymizedAt).toBeNull();
    expect(openAfter.pupil).toMatchObject({ id: pupilId, lastName: "Suivie", firstName: "Maëlle", anonymizedAt: null });
    expect(openAfter.reports[0]!.signals.map((s) => s.note)).toEqual(["Note Suivie", null]);
    // The open case is still found for a new report of the same pupil.
    const match = await store.cases.findOpenCaseForPupil({ schoolId: openAfter.schoolId, nameKey: openAfter.pupil.nameKey, birthYear: 2009 });
    expect(match?.caseId).toBe(open);
  });

  it("counts days after closure when RETENTION is a number of days", async () => {
    const byDays = createServices(store, clock, { retention: { kind: "days", days: 30 } });
    now = new Date("2026-05-01T08:00:00Z");
    const caseId = await dismissed("Jours");
    now = new Date("2026-05-31T07:59:00Z");
    expect((await byDays.retention.run({ dryRun: true })).references).not.toContain((await snapshot(caseId)).reference);
    now = new Date("2026-05-31T08:01:00Z");
    expect((await byDays.retention.run({ dryRun: false })).references).toContain((await snapshot(caseId)).reference);
    expect((await snapshot(caseId)).pupil.lastName).toBe("Anonyme");
  });

  it("anonymises a batch together: a pupil still followed keeps their identity, the others lose it, every card in Teams is shown again", async () => {
    now = new Date("2028-01-10T09:00:00Z");
    const twice = [await dismissed("Fratrie", "Jules"), await dismissed("Fratrie", "Jules")];
    const stillOpen = await report("Fratrie", "Jules");
    const alone = [await dismissed("Seule", "Ana"), await dismissed("Seule", "Ana")];
    const followed = (await snapshot(stillOpen)).pupilId;
    const aloneBefore = await snapshot(alone[0]!);
    expect((await snapshot(twice[0]!)).pupilId).toBe(followed);
    expect((await snapshot(alone[1]!)).pupilId).toBe(aloneBefore.pupilId);
    await prisma().channelPost.createMany({
      data: [
        { caseId: twice[0]!, conversationId: "19:mlds-nord@thread.tacv2", activityId: "post-1" },
        { caseId: twice[0]!, conversationId: "19:gpds-lycee@thread.tacv2", activityId: "post-2" },
      ],
    });

    now = new Date("2028-09-03T09:00:00Z");
    const references = await store.privacy.anonymizeClosedCases({ now, cutoff: new Date("2028-08-31T22:00:00Z"), limit: 500 });
    const after = await Promise.all([...twice, stillOpen, ...alone].map(snapshot));
    expect(references).toEqual(expect.arrayContaining([after[0]!.reference, after[1]!.reference, after[3]!.reference, after[4]!.reference]));
    expect(references).not.toContain(after[2]!.reference);
    // The two old cases of the pupil still followed move to anonymous pupils of their own.
    const [first, second, open, alone1, alone2] = after;
    expect(new Set([first!.pupilId, second!.pupilId, followed]).size).toBe(3);
    for (const c of [first!, second!])
      expect(c.pupil).toMatchObject({ lastName: "Anonyme", firstName: "Élève", nameKey: "", birthYear: 2009, className: "2nde 1", anonymizedAt: now });
    expect(open!.pupil).toMatchObject({ id: followed, lastName: "Fratrie", firstName: "Jules", anonymizedAt: null });
    expect(open!.anonymizedAt).toBeNull();
    // A pupil whose cases are all past retention loses their identity, and their cases stay with them.
    expect([alone1!.pupilId, alone2!.pupilId]).toEqual([aloneBefore.pupilId, aloneBefore.pupilId]);
    expect(alone1!.pupil).toMatchObject({ lastName: "Anonyme", nameKey: "", anonymizedAt: now });
    for (const c of [first!, second!, alone1!, alone2!]) {
      expect(c.events.filter((e) => e.type === "ERASED").map((e) => e.data)).toEqual([{ cause: "RETENTION", reference: c.reference }]);
      expect(c.reports.flatMap((r) => [r.observations, ...r.signals.map((s) => s.note)])).toEqual([null, null, null]);
    }
    // Each copy of the card in Teams is updated (without the name it may have carried).
    const sends = await prisma().outboxMessage.findMany({ where: { caseId: twice[0]!, kind: "update" }, orderBy: { conversationId: "asc" } });
    expect(sends.map((m) => [m.conversationId, m.payload, m.status])).toEqual([
      ["19:gpds-lycee@thread.tacv2", { render: { view: "caseCard", caseId: twice[0]! } }, "PENDING"],
      ["19:mlds-nord@thread.tacv2", { render: { view: "caseCard", caseId: twice[0]! } }, "PENDING"],
    ]);
  });

  it("takes the cases past retention by batches, the earliest closed first, until none is left", async () => {
    const closedAt = ["2029-02-01T09:00:00Z", "2029-01-01T09:00:00Z", "2029-03-01T09:00:00Z"];
    const ids: string[] = [];
    for (const [i, at] of closedAt.entries()) {
      now = new Date(at);
      ids.push(await dismissed(`Lot${["Un", "Deux", "Trois"][i]}`));
    }
    const refs = await Promise.all(ids.map(async (id) => (await snapshot(id)).reference));
    now = new Date("2029-09-04T09:00:00Z");
    const cutoff = new Date("2029-08-31T22:00:00Z");
    const batches = [];
    for (let i = 0; i < 3; i++) batches.push(await store.privacy.anonymizeClosedCases({ now, cutoff, limit: 2 }));
    expect(batches).toEqual([[refs[1], refs[0]], [refs[2]], []]);
  });

  describe("the daily job on several instances", () => {
    let second: Database;
    let other: Services;
    beforeAll(async () => {
      // Another bot process: its own connection pool on the same database.
      second = await openDatabase({ kind: "postgres", url: POSTGRES_URL }, { schema: db.schema, migrate: false });
      other = createServices(createStore(second), clock);
    });
    afterAll(async () => second?.close());

    it("runs once a day whichever instance claims it, and anonymises each case once", async () => {
      now = new Date("2027-01-10T09:00:00Z");
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push(await dismissed(`Lot${String.fromCharCode(65 + i)}`));
      now = new Date("2027-09-02T05:00:00Z"); // 07:00 in Paris

      const [a, b] = await Promise.all([services.retention.runDaily(), other.retention.runDaily()]);
      expect([a.ran, b.ran].sort()).toEqual([false, true]);
      expect(a.anonymized + b.anonymized).toBeGreaterThanOrEqual(12);
      for (const id of ids) expect(await prisma().caseEvent.count({ where: { caseId: id, type: "ERASED" } })).toBe(1);
      expect((await store.jobRuns.get(RETENTION_JOB))?.lastRunAt).toEqual(now);

      // Later the same day (Paris), neither runs; the next day, one does.
      now = new Date("2027-09-02T21:00:00Z"); // 23:00 in Paris
      expect((await Promise.all([services.retention.runDaily(), other.retention.runDaily()])).map((r) => r.ran)).toEqual([false, false]);
      now = new Date("2027-09-02T22:30:00Z"); // 00:30 on 3 September in Paris
      expect((await Promise.all([services.retention.runDaily(), other.retention.runDaily()])).map((r) => r.ran).sort()).toEqual([false, true]);
    });

    it("deletes unfinished reports left untouched for 30 days, and keeps recent ones", async () => {
      const draft = { reportDialog: { pupil: { lastName: "Brouillon", firstName: "Léa" } } };
      await prisma().botState.create({ data: { key: "conversation/idle", data: draft, eTag: "1" } });
      await prisma().botState.create({ data: { key: "conversation/recent", data: draft, eTag: "1" } });
      // The column is set by Prisma on write: age the first row as if written 31 days before `now`.
      now = new Date("2027-10-20T05:00:00Z");
      await prisma().$executeRaw`UPDATE "BotState" SET "updatedAt" = ${new Date(now.getTime() - 31 * 86_400_000)} WHERE "key" = 'conversation/idle'`;
      await prisma().$executeRaw`UPDATE "BotState" SET "updatedAt" = ${new Date(now.getTime() - 29 * 86_400_000)} WHERE "key" = 'conversation/recent'`;
      const runs = await Promise.all([services.retention.runDaily(), other.retention.runDaily()]);
      expect(runs.map((r) => r.idleDialogsForgotten).sort()).toEqual([0, 1]);
      expect((await prisma().botState.findMany({ where: { key: { startsWith: "conversation/" } } })).map((r) => r.key)).toEqual(["conversation/recent"]);
    });

    it("anonymises each case once when two runs overlap (the job and the command)", async () => {
      now = new Date("2027-02-01T09:00:00Z");
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push(await dismissed(`Chevauche${String.fromCharCode(65 + i)}`));
      now = new Date("2027-09-05T09:00:00Z");
      const [a, b] = await Promise.all([services.retention.run({ dryRun: false }), other.retention.run({ dryRun: false })]);
      const refs = (await prisma().case.findMany({ where: { id: { in: ids } }, select: { reference: true } })).map((c) => c.reference);
      expect([...a.references, ...b.references].filter((r) => refs.includes(r)).sort()).toEqual(refs.sort());
      for (const id of ids) expect(await prisma().caseEvent.count({ where: { caseId: id, type: "ERASED" } })).toBe(1);
    });

    it("lets another instance take over a claim whose holder stopped", async () => {
      const t0 = new Date("2027-10-01T06:00:00Z");
      expect(await store.jobRuns.claim("crash-test", { now: t0, notRunSince: t0, leaseMs: 30 * 60_000, owner: "crashed" })).toBe(true);
      // The holder never finishes: nobody else may run it while its lease lasts.
      expect(
        await store.jobRuns.claim("crash-test", { now: new Date(t0.getTime() + 10 * 60_000), notRunSince: t0, leaseMs: 30 * 60_000, owner: "other" }),
      ).toBe(false);
      const later = new Date(t0.getTime() + 31 * 60_000);
      expect(await store.jobRuns.claim("crash-test", { now: later, notRunSince: t0, leaseMs: 30 * 60_000, owner: "other" })).toBe(true);
      expect(await store.jobRuns.finish("crash-test", "crashed", later)).toBe(false); // the old holder cannot finish it
      expect(await store.jobRuns.finish("crash-test", "other", later)).toBe(true);
    });
  });

  it("npm run retention: --dry-run lists references only, --apply anonymises, wrong arguments exit 2", async () => {
    now = new Date("2025-10-15T09:00:00Z"); // a school year that has ended
    const caseId = await dismissed("Commande");
    const reference = (await snapshot(caseId)).reference;
    const env = { DATABASE_URL: `${POSTGRES_URL}?schema=${db.schema}` };
    const [dry, wrong] = await Promise.all([cli(["--dry-run"], env), cli(["--dry-run", "--apply"], env)]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("usage: npm run retention -- --dry-run | --apply");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("dry run, nothing changed");
    expect(dry.stdout).toContain(reference);
    expect(dry.stdout).not.toContain("Commande"); // references only, no pupil data
    expect((await snapshot(caseId)).anonymizedAt).toBeNull();
    const apply = await cli(["--apply"], env);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/\d+ closed case\(s\) anonymised/);
    expect(apply.stdout).toContain(reference);
    expect((await snapshot(caseId)).pupil.lastName).toBe("Anonyme");
  });
});

describe("retention and erasure on the embedded database", () => {
  it("anonymises with the same SQL on PGlite", async () => {
    const db = await openTestDatabase("embedded");
    try {
      const store = createStore(db);
      await seedDemo(store, { onlyIfEmpty: false });
      let now = new Date("2025-10-15T09:00:00Z");
      const services = createServices(store, () => now);
      const who = async (name: string) =>
        (await services.members.identify(DEMO_TENANT_ID, DEMO_PEOPLE.find((p) => p.displayName === name)!.aadObjectId)) as Actor;
      const claire = await who("Claire Martin");
      const [school] = await services.reports.reportingSchools(claire);
      const submit = async (lastName: string, key: string) => {
        const r = await services.reports.submit(
          claire,
          {
            pupil: { lastName, firstName: "Léo", className: "2nde 2", schoolId: school!.id, birthYear: 2008 },
            signals: { signals: [{ code: "LATENESS", note: "Note embarquée" }] },
            steps: { stepsTaken: [], urgency: 1 },
          },
          key,
        );
        if (!r.ok) throw new Error(r.reason);
        return r.recorded.caseId;
      };
      const old = await submit("Embarqué", "e-1");
      const karim = await who("Karim Benali");
      const c = await db.prisma.case.findUniqueOrThrow({ where: { id: old } });
      expect((await services.triage.act(karim, old, c.version, { verb: "dismiss", reason: "Motif embarqué" })).ok).toBe(true);
      now = new Date("2026-09-15T09:00:00Z");
      expect((await services.retention.runDaily()).ran).toBe(true);
      const after = await db.prisma.case.findUniqueOrThrow({
        where: { id: old },
        include: { pupil: true, events: true, reports: { include: { signals: { orderBy: { code: "asc" } } } } },
      });
      expect(after.pupil.lastName).toBe("Anonyme");
      expect(JSON.stringify(after, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toMatch(/Embarqué|embarqué|Note embarquée/);

      const erasedCase = await submit("Effacement", "e-2");
      const admin = await who("Nathalie Roux");
      const erased = await services.privacy.erase(admin, erasedCase);
      expect(erased).toMatchObject({ ok: true });
      expect((await db.prisma.case.findUniqueOrThrow({ where: { id: erasedCase }, include: { pupil: true } })).pupil.lastName).toBe("Anonyme");
    } finally {
      await db.drop();
    }
  });
});
