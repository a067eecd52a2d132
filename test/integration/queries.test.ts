import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type Actor, type Services } from "../../src/services/index.js";
import { createStore, type Store } from "../../src/store/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { can, type CaseScope } from "../../src/domain/permissions.js";
import { isWaitingFor, latenessOf } from "../../src/domain/case-queries.js";
import { parisClock, parisTime } from "../../src/domain/school-year.js";
import type { CaseLine, QueryAudience } from "../../src/services/queries.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";
import { seedDemo } from "../../src/services/demo-academie.js";

/** The chat queries at service level, on a real database: who sees which case, the ten-line limit,
 *  the counts per status, and the lateness rules with an injected clock. An oracle (every case
 *  loaded and judged with `can()` and the domain rules, fine on a test database) checks that the
 *  SQL scopes say exactly what the permission table says. */

const REAL_NOW = new Date();
const YEAR = parisClock(REAL_NOW).year;
const byName = (name: string) => DEMO_PEOPLE.find((p) => p.displayName === name)!;

describe.each(DATABASE_KINDS)("status queries on %s", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let services: Services;
  let now = REAL_NOW;
  const clock = () => now;
  const actors = {} as Record<"claire" | "karim" | "sophie" | "marc" | "nathalie" | "thomas" | "ines", Actor>;
  const cases: Record<string, { caseId: string; reference: string }> = {};
  let counter = 0;

  async function report(by: Actor, uai: string, lastName: string, firstName: string, age: number, birthDate?: string) {
    const school = (await services.reports.reportingSchools(by)).find((s) => s.uai === uai);
    if (!school) throw new Error(`${by.displayName} may not report for ${uai}`);
    const outcome = await services.reports.submit(
      by,
      {
        pupil: { lastName, firstName, className: "2nde 3", schoolId: school.id, birthYear: YEAR - age, ...(birthDate ? { birthDate } : {}) },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 2 },
      },
      `queries-${++counter}`,
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    return { caseId: outcome.recorded.caseId, reference: outcome.recorded.reference };
  }

  async function act(by: Actor, caseId: string, cmd: Parameters<Services["triage"]["act"]>[3]) {
    const version = (await db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).version;
    const result = await services.triage.act(by, caseId, version, cmd);
    if (!result.ok) throw new Error(`${cmd.verb}: ${result.reason}`);
  }

  /** Every case as permissions see it, for the oracle. */
  async function everything() {
    const rows = await db.prisma.case.findMany({ include: { pupil: true, reports: { select: { reporterId: true } } } });
    return rows.map((c) => ({
      id: c.id,
      reference: c.reference,
      status: c.status,
      assigneeId: c.assigneeId,
      createdAt: c.createdAt,
      nextReviewAt: c.nextReviewAt,
      scope: {
        schoolId: c.schoolId,
        districtId: c.districtId,
        reporterIds: [...new Set(c.reports.map((r) => r.reporterId).filter((x): x is string => x !== null))],
        assigneeId: c.assigneeId,
        escalatedToMlds: c.escalatedToMlds,
        pupilAge: c.ageAtReport,
        urgency: c.urgency,
        outOfSchool: c.outOfSchool,
        mldsAccess: "IMMEDIATE",
      } satisfies CaseScope,
    }));
  }
  const refs = (lines: CaseLine[]) => lines.map((l) => l.reference);

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    // The lists, not the GPDS's decision: the coordinators act on the 16+ at once (test/bot/gpds-process.test.ts).
    await db.kysely.updateTable("District").set({ mldsAccess: "IMMEDIATE" }).execute();
    services = createServices(store, clock);
    const who = async (name: string) => (await services.members.identify(DEMO_TENANT_ID, byName(name).aadObjectId))!;
    Object.assign(actors, {
      claire: await who("Claire Martin"), // STAFF, Lycée Victor-Hugo (Nord)
      karim: await who("Karim Benali"), // REFERENT, Lycée Victor-Hugo
      sophie: await who("Sophie Laurent"), // COORDINATOR, Nord
      marc: await who("Marc Petit"), // COORDINATOR, Sud
      nathalie: await who("Nathalie Roux"), // ADMIN
      thomas: await who("Thomas Girard"), // STAFF, Jean-Moulin and Jules-Ferry (Nord)
      ines: await who("Inès Moreau"), // REFERENT, Jean-Moulin
    });
    const { claire, karim, sophie, marc, thomas } = actors;
    cases.leaDupont = await report(claire, "0690001B", "Dupont", "Léa", 17);
    cases.hugoDurand = await report(claire, "0690001B", "Durand", "Hugo", 14); // under 16: the school's GPDS alone
    cases.marcDupont = await report(thomas, "0690002C", "Dupont", "Marc", 17);
    cases.zoeDupont = await report(marc, "0690004E", "Dupont", "Zoé", 18); // Bassin Sud
    // 15 at the report, 16 on 31 December: the GPDS may refer them to the MLDS.
    cases.tomEscalier = await report(claire, "0690001B", "Escalier", "Tom", 16, `${YEAR - 16}-12-31`);
    cases.noeAssigne = await report(claire, "0690001B", "Assigné", "Noé", 16, `${YEAR - 16}-12-31`);
    await act(karim, cases.tomEscalier.caseId, { verb: "escalate" });
    await act(karim, cases.noeAssigne.caseId, { verb: "escalate" });
    await act(karim, cases.noeAssigne.caseId, { verb: "assign", assigneeId: sophie.memberId });
    cases.priseKarim = await report(claire, "0690001B", "Prise", "Karim", 17);
    await act(karim, cases.priseKarim.caseId, { verb: "takeCharge" });
    cases.priseSophie = await report(claire, "0690001B", "Prise", "Sophie", 17);
    await act(sophie, cases.priseSophie.caseId, { verb: "takeCharge" });
    cases.question = await report(claire, "0690001B", "Question", "Inès", 17);
    await act(karim, cases.question.caseId, { verb: "requestInfo", question: "Depuis quand ?" });
    cases.plan = await report(thomas, "0690002C", "Plan", "Jade", 17);
    await act(sophie, cases.plan.caseId, { verb: "takeCharge" });
    await act(sophie, cases.plan.caseId, { verb: "openPlan" });
    cases.closed = await report(claire, "0690001B", "Dupont", "Paul", 17);
    await act(karim, cases.closed.caseId, { verb: "dismiss", reason: "Situation réglée" });
    // Twelve more cases at Victor-Hugo, reported by the référent himself, for the ten-line limit.
    for (let i = 0; i < 12; i++) cases[`limit${i}`] = await report(karim, "0690001B", "Limite", `Élève ${String.fromCharCode(97 + i)}`, 17);
  }, 120_000);
  afterAll(async () => db?.drop());

  describe("statut <référence>", () => {
    it("shows a teacher the status of their own report only, with the pupil's name in private", async () => {
      const own = await services.queries.statusByReference(actors.claire, cases.leaDupont!.reference, "personal");
      expect(own).toMatchObject({
        ok: true,
        line: {
          reference: cases.leaDupont!.reference,
          status: "NEW",
          schoolName: "Lycée Victor-Hugo",
          pupil: { name: "Léa Dupont", initials: "L. D." },
          tracking: null,
          canOpen: false,
        },
      });
      expect(await services.queries.statusByReference(actors.claire, cases.marcDupont!.reference, "personal")).toEqual({ ok: false, reason: "NOT_FOUND" });
    });

    it("answers the same for a reference that does not exist and one the caller may not see", async () => {
      expect(await services.queries.statusByReference(actors.marc, cases.leaDupont!.reference, "personal")).toEqual({ ok: false, reason: "NOT_FOUND" });
      expect(await services.queries.statusByReference(actors.marc, `D-${YEAR}-9999`, "personal")).toEqual({ ok: false, reason: "NOT_FOUND" });
    });

    it("gives the référent of the school the status, assignee, last event and next review", async () => {
      const result = await services.queries.statusByReference(actors.karim, cases.priseSophie!.reference, "personal");
      expect(result).toMatchObject({
        ok: true,
        line: {
          status: "ACKNOWLEDGED",
          pupil: { name: "Sophie Prise" },
          canOpen: true,
          tracking: { assigneeName: "Sophie Laurent", lastEvent: { type: "TAKEN_IN_CHARGE" }, nextReviewAt: null, late: null },
        },
      });
      const plan = await services.queries.statusByReference(actors.ines, cases.plan!.reference, "personal");
      expect(plan.ok && plan.line.tracking?.nextReviewAt).toBeInstanceOf(Date);
      expect(plan.ok && plan.line.tracking?.lastEvent?.type).toBe("PLAN_OPENED");
    });

    it("hides an under-16 case from the district's coordinator until the school sends it, or assigns it to them", async () => {
      expect(await services.queries.statusByReference(actors.sophie, cases.hugoDurand!.reference, "personal")).toEqual({ ok: false, reason: "NOT_FOUND" });
      expect(await services.queries.statusByReference(actors.sophie, cases.tomEscalier!.reference, "personal")).toMatchObject({
        ok: true,
        line: { pupil: { name: "Tom Escalier" } },
      });
      expect(await services.queries.statusByReference(actors.sophie, cases.noeAssigne!.reference, "personal")).toMatchObject({
        ok: true,
        line: { pupil: { name: "Noé Assigné" } },
      });
      expect(await services.queries.statusByReference(actors.marc, cases.zoeDupont!.reference, "personal")).toMatchObject({ ok: true });
      expect(await services.queries.statusByReference(actors.sophie, cases.zoeDupont!.reference, "personal")).toEqual({ ok: false, reason: "NOT_FOUND" });
    });

    it("shows an admin the status across the académie without anything about the pupil", async () => {
      const result = await services.queries.statusByReference(actors.nathalie, cases.hugoDurand!.reference, "personal");
      expect(result).toMatchObject({ ok: true, line: { status: "NEW", pupil: null, canOpen: false, tracking: { assigneeName: null } } });
      expect(JSON.stringify(result)).not.toMatch(/Durand|H\. D\./); // the school is "Victor-Hugo"
    });

    it("in a channel gives initials, never the name, and keeps the school's under-16 cases out", async () => {
      const result = await services.queries.statusByReference(actors.karim, cases.leaDupont!.reference, "channel");
      expect(result).toMatchObject({ ok: true, line: { pupil: { name: null, initials: "L. D." } } });
      expect(JSON.stringify(result)).not.toContain("Dupont");
      expect(await services.queries.statusByReference(actors.karim, cases.hugoDurand!.reference, "channel")).toEqual({ ok: false, reason: "PERSONAL_ONLY" });
      expect(await services.queries.statusByReference(actors.karim, cases.tomEscalier!.reference, "channel")).toMatchObject({ ok: true });
    });
  });

  describe("statut <nom>", () => {
    const search = async (who: Actor, name: string, audience: QueryAudience = "personal") => {
      const r = await services.queries.statusByName(who, name, audience);
      if (!r.ok) throw new Error(r.reason);
      return r;
    };

    it("searches only among the cases the caller may see, every word of the name, accents and case aside", async () => {
      expect(refs((await search(actors.claire, "dupont")).lines).sort()).toEqual([cases.leaDupont!.reference, cases.closed!.reference].sort());
      expect(refs((await search(actors.karim, "DUPONT")).lines).sort()).toEqual([cases.leaDupont!.reference, cases.closed!.reference].sort());
      expect(refs((await search(actors.ines, "Dupont")).lines)).toEqual([cases.marcDupont!.reference]);
      expect(refs((await search(actors.sophie, "dupont")).lines).sort()).toEqual(
        [cases.leaDupont!.reference, cases.marcDupont!.reference, cases.closed!.reference].sort(),
      );
      expect(refs((await search(actors.marc, "Dupont")).lines)).toEqual([cases.zoeDupont!.reference]);
      expect(refs((await search(actors.karim, "Léa Dupont")).lines)).toEqual([cases.leaDupont!.reference]);
      expect(refs((await search(actors.karim, "dupont LEA")).lines)).toEqual([cases.leaDupont!.reference]);
      expect(refs((await search(actors.karim, "Noe Assigne")).lines)).toEqual([cases.noeAssigne!.reference]);
      expect((await search(actors.karim, "Dupond")).lines).toEqual([]);
    });

    it("lists open cases before closed ones", async () => {
      expect(refs((await search(actors.karim, "Dupont")).lines)).toEqual([cases.leaDupont!.reference, cases.closed!.reference]);
    });

    it("treats LIKE wildcards as letters", async () => {
      expect((await search(actors.sophie, "%")).lines).toEqual([]);
      expect((await search(actors.sophie, "_u")).lines).toEqual([]);
    });

    it("shows at most ten matches and says there are more", async () => {
      const r = await search(actors.karim, "limite");
      expect(r.lines).toHaveLength(10);
      expect(r.more).toBe(true);
      const exact = await search(actors.karim, "limite élève b");
      expect(exact.lines).toHaveLength(1);
      expect(exact.more).toBe(false);
    });

    it("is not offered to admins, who see no pupil names", async () => {
      expect(await services.queries.statusByName(actors.nathalie, "Dupont", "personal")).toEqual({ ok: false, reason: "NO_NAMES" });
    });

    it("in a channel or a group chat searches nothing: a name is searched in personal chat only", async () => {
      for (const name of ["Escalier", "Durand", "Zzz"])
        expect(await services.queries.statusByName(actors.karim, name, "channel")).toEqual({ ok: false, reason: "PERSONAL_ONLY" });
      expect(refs((await search(actors.karim, "Durand", "personal")).lines)).toEqual([cases.hugoDurand!.reference]);
    });
  });

  describe("mes signalements", () => {
    it("lists the caller's own reports, newest first, with counts per status", async () => {
      const mine = await services.queries.myReports(actors.claire, "personal");
      const reportedByClaire = (await everything()).filter((c) => c.scope.reporterIds.includes(actors.claire.memberId));
      expect(mine.total).toBe(reportedByClaire.length);
      expect(mine.lines.map((l) => l.reference)).toEqual(
        reportedByClaire
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? -1 : 1))
          .slice(0, 10)
          .map((c) => c.reference),
      );
      expect(mine.counts).toEqual(
        expect.arrayContaining([
          { status: "NEW", count: 3 },
          { status: "ACKNOWLEDGED", count: 3 },
          { status: "INFO_REQUESTED", count: 1 },
          { status: "CLOSED", count: 1 },
        ]),
      );
      expect(mine.lines.every((l) => l.tracking === null && l.pupil?.name)).toBe(true);
      expect(refs(mine.lines)).not.toContain(cases.marcDupont!.reference);
    });

    it("keeps the ten-line limit while counting them all", async () => {
      const mine = await services.queries.myReports(actors.karim, "personal");
      expect(mine.lines).toHaveLength(10);
      expect(mine.total).toBe(12);
      expect(mine.counts).toEqual([{ status: "NEW", count: 12 }]);
    });

    it("is empty for someone who reported nothing", async () => {
      expect(await services.queries.myReports(actors.nathalie, "personal")).toEqual({ lines: [], total: 0, counts: [] });
    });
  });

  describe("à traiter", () => {
    it("matches, for every triager and audience, the cases can() lets them see that wait for them", async () => {
      const all = await everything();
      for (const who of [actors.karim, actors.sophie, actors.marc, actors.ines]) {
        for (const audience of ["personal", "channel"] as const) {
          const result = await services.queries.toDo(who, audience);
          if (!result.ok) throw new Error(result.reason);
          const expected = all
            .filter(
              (c) =>
                can(who, "VIEW_STATUS", c.scope) &&
                isWaitingFor(who.memberId, c) &&
                (audience === "personal" || c.scope.escalatedToMlds || (c.scope.pupilAge ?? 99) >= 16),
            )
            .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
          expect(result.list.total, `${who.displayName} ${audience}`).toBe(expected.length);
          expect(refs(result.list.lines), `${who.displayName} ${audience}`).toEqual(expected.slice(0, 10).map((c) => c.reference));
          const counts: Record<string, number> = {};
          for (const c of expected) counts[c.status] = (counts[c.status] ?? 0) + 1;
          expect(Object.fromEntries(result.list.counts.map((c) => [c.status, c.count]))).toEqual(counts);
        }
      }
    });

    it("gives the référent his school's waiting cases oldest first, with the ones he or nobody holds", async () => {
      const result = await services.queries.toDo(actors.karim, "personal");
      if (!result.ok) throw new Error(result.reason);
      expect(result.list.lines).toHaveLength(10);
      expect(result.list.lines[0]!.reference).toBe(cases.leaDupont!.reference);
      const waiting = refs(result.list.lines);
      expect(waiting).toContain(cases.priseKarim!.reference); // taken by him
      expect(waiting).toContain(cases.question!.reference); // information requested
      expect(waiting).not.toContain(cases.priseSophie!.reference); // held by the coordinator
      expect(waiting).not.toContain(cases.closed!.reference);
      expect(result.list.counts).toEqual([
        { status: "NEW", count: 15 },
        { status: "ACKNOWLEDGED", count: 1 },
        { status: "INFO_REQUESTED", count: 1 },
      ]);
      expect(result.list.total).toBe(17);
    });

    it("leaves the under-16 cases of the school out of the coordinator's list, unless sent or assigned to her", async () => {
      const result = await services.queries.toDo(actors.sophie, "personal");
      if (!result.ok) throw new Error(result.reason);
      const all = refs(result.list.lines);
      expect(all).not.toContain(cases.hugoDurand!.reference);
      expect(all).toContain(cases.tomEscalier!.reference);
      expect(all).toContain(cases.noeAssigne!.reference);
      expect(all).not.toContain(cases.zoeDupont!.reference);
    });

    it("is not for teachers or admins", async () => {
      expect(await services.queries.toDo(actors.claire, "personal")).toEqual({ ok: false, reason: "NOT_FOR_ROLE" });
      expect(await services.queries.toDo(actors.nathalie, "personal")).toEqual({ ok: false, reason: "NOT_FOR_ROLE" });
    });
  });

  describe("en retard", () => {
    it("matches, for every role, the open cases can() lets them see that are late (clock a month ahead)", async () => {
      now = new Date(REAL_NOW.getTime() + 35 * 86_400_000);
      try {
        const all = await everything();
        for (const who of Object.values(actors)) {
          const list = await services.queries.overdue(who, "personal");
          const expected = all
            .filter((c) => can(who, "VIEW_STATUS", c.scope) && latenessOf(c, now) !== null)
            .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
          expect(list.total, who.displayName).toBe(expected.length);
          expect(refs(list.lines), who.displayName).toEqual(expected.slice(0, 10).map((c) => c.reference));
        }
        const ines = await services.queries.overdue(actors.ines, "personal");
        expect(ines.lines.find((l) => l.reference === cases.plan!.reference)?.tracking?.late).toBe("REVIEW_PASSED");
        expect(ines.lines.find((l) => l.reference === cases.marcDupont!.reference)?.tracking?.late).toBe("NOT_TAKEN_IN_CHARGE");
        const admin = await services.queries.overdue(actors.nathalie, "personal");
        expect(admin.lines.every((l) => l.pupil === null)).toBe(true);
        expect(admin.total).toBeGreaterThan(10);
        expect(admin.lines).toHaveLength(10);
      } finally {
        now = REAL_NOW;
      }
    });

    it("counts a new case late after two school days, weekends aside", async () => {
      // A Friday long ago: the only case of Jean-Moulin's référent that old.
      const friday = parisTime(YEAR - 1, 3, 1, 9, 0);
      const fri = new Date(friday.getTime() + ((5 - parisClock(friday).weekday + 7) % 7) * 86_400_000);
      expect(parisClock(fri).weekday).toBe(5);
      const old = await report(actors.thomas, "0690002C", "Ancien", "Lou", 17);
      await db.prisma.case.update({ where: { id: old.caseId }, data: { createdAt: fri } });
      const day = (n: number, h: number, m = 0) => parisTime(YEAR - 1, parisClock(fri).month, parisClock(fri).day + n, h, m);
      const lateAt = async (at: Date) => {
        now = at;
        try {
          const list = await services.queries.overdue(actors.ines, "personal");
          return list.lines.some((l) => l.reference === old.reference);
        } finally {
          now = REAL_NOW;
        }
      };
      expect(await lateAt(day(3, 12))).toBe(false); // Monday noon: one school day
      expect(await lateAt(day(4, 8, 59))).toBe(false); // Tuesday 8:59: not quite two
      expect(await lateAt(day(4, 9, 1))).toBe(true); // Tuesday 9:01: two school days have passed
      await db.prisma.case.update({ where: { id: old.caseId }, data: { status: "ACKNOWLEDGED" } });
      expect(await lateAt(day(10, 9))).toBe(false); // taken in charge: no longer late
    });
  });
});
