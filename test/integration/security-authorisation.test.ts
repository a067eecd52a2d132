import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATIONS, PERMISSIONS, TARGETLESS_OPERATIONS, type Operation } from "../../src/domain/permissions.js";
import { ROLES, type Role } from "../../src/domain/roles.js";
import { createServices, type Actor, type Services } from "../../src/services/index.js";
import { createStore } from "../../src/store/index.js";
import { DEMO_PEOPLE, DEMO_SCHOOLS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { openTestDatabase } from "../helpers/database.js";
import { seedDemo } from "../../src/services/demo-academie.js";
import { sealPackage } from "../../src/services/case-package-digest.js";

/**
 * The permission table (src/domain/permissions.ts), walked through the service layer: every
 * operation, by a member of every role, on a case inside and outside that member's scope. The
 * expected answer is read from the table itself; a refusal must change nothing.
 */

type Where = "inside" | "outside";
type Verdict = "allow" | "deny";
type CaseRef = { id: string; reference: string };

/** One demo member per role. Inside = their own report (teacher), their school (référent), their
 *  district (coordinator); outside = a case of the other district reported by someone else. The
 *  roles of issue 24 (CPE, HEAD, PSYEN…) are walked once the demo académie has people in them
 *  (data/samples/personnels.csv); test/unit/permissions.test.ts covers them in the domain. */
const MEMBER_OF: Partial<Record<Role, string>> = { STAFF: "Claire Martin", REFERENT: "Karim Benali", COORDINATOR: "Sophie Laurent", ADMIN: "Nathalie Roux" };
const WALKED_ROLES = ROLES.filter((role) => MEMBER_OF[role] !== undefined);

function expected(op: Operation, role: Role, where: Where): Verdict {
  const scope = PERMISSIONS[op][role];
  if (!scope) return "deny";
  if ((TARGETLESS_OPERATIONS as readonly Operation[]).includes(op)) return "allow";
  return where === "inside" || scope === "ACADEMY" ? "allow" : "deny";
}

/** Operations the table names but no service offers yet: walked as soon as their service exists. */
const NOT_IN_SERVICES_YET: readonly Operation[] = ["RECORD_ABSENCES", "MANAGE_MEMBERS", "APPROVE_ENROLMENT"];
/** Names are letters only: 1 -> "b", 27 -> "bb"... */
const letters = (n: number): string => (n < 26 ? String.fromCharCode(97 + n) : letters(Math.floor(n / 26)) + String.fromCharCode(97 + (n % 26)));

describe("the permission table, through the services", () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let services: Services;
  let n = 0;
  const actors = {} as Record<Role | "MARC", Actor>;
  const schoolOf = {} as Record<Where, string>;
  const prisma = () => db.prisma;
  const version = async (id: string) => (await prisma().case.findUniqueOrThrow({ where: { id } })).version;
  const trace = async (id: string) => {
    const c = await prisma().case.findUniqueOrThrow({ where: { id }, include: { _count: { select: { events: true } }, pupil: true } });
    return { version: c.version, status: c.status, events: c._count.events, assigneeId: c.assigneeId, anonymizedAt: c.anonymizedAt, pupil: c.pupil.lastName };
  };

  /** A new case of a pupil of 17: inside (Lycée Victor-Hugo, Nord, reported by the teacher) or
   *  outside (Lycée Simone-Veil, Sud, reported by the Sud coordinator). */
  async function newCase(where: Where): Promise<CaseRef> {
    const reporter = where === "inside" ? actors.STAFF : actors.MARC;
    const r = await services.reports.submit(reporter, draft(schoolOf[where], `Walk${letters(++n)}`), `walk-${n}`);
    if (!r.ok) throw new Error(`setup: ${r.reason}`);
    return { id: r.recorded.caseId, reference: r.recorded.reference };
  }

  const draft = (schoolId: string, lastName: string) => ({
    pupil: { lastName, firstName: "Test", className: "1re 1", schoolId, birthYear: new Date().getFullYear() - 17 },
    signals: { signals: [{ code: "NO_PLAN" as const, note: "note" }] },
    // Vigilance 3: the bassin's default setting lets its coordinators act before the GPDS decides, so
    // that what is walked here is the table (the setting itself: test/unit/permissions.test.ts).
    steps: { stepsTaken: [], urgency: 3 as const },
  });

  /** A case whose plan is open, opened by the coordinator of its district. */
  async function caseWithPlan(where: Where): Promise<CaseRef> {
    const c = await newCase(where);
    const coordinator = where === "inside" ? actors.COORDINATOR : actors.MARC;
    expect((await services.triage.act(coordinator, c.id, await version(c.id), { verb: "takeCharge" })).ok).toBe(true);
    expect((await services.triage.act(coordinator, c.id, await version(c.id), { verb: "openPlan" })).ok).toBe(true);
    return c;
  }

  const verdict = (r: { ok: boolean; reason?: string }, denied: string[] = ["FORBIDDEN"]): Verdict => {
    if (r.ok) return "allow";
    if (r.reason && denied.includes(r.reason)) return "deny";
    throw new Error(`unexpected failure ${r.reason}`);
  };

  /** Does the operation through its service(s); a refusal is checked to have changed nothing. */
  type Probe = (actor: Actor, where: Where) => Promise<Verdict>;
  const shared = {} as Record<Where, CaseRef>;
  const unchangedWhenDenied = async (id: string, run: () => Promise<Verdict>): Promise<Verdict> => {
    const before = await trace(id);
    const v = await run();
    if (v === "deny") expect(await trace(id)).toEqual(before);
    return v;
  };

  const PROBES: Partial<Record<Operation, Probe>> = {
    CREATE_REPORT: async (actor, where) => {
      const before = await prisma().case.count();
      const r = await services.reports.submit(actor, draft(schoolOf[where], `Create${letters(++n)}`), `create-${n}`);
      const v = verdict(r, ["NOT_ALLOWED"]);
      if (v === "deny") expect(await prisma().case.count()).toBe(before);
      return v;
    },
    VIEW_STATUS: (actor, where) =>
      unchangedWhenDenied(shared[where].id, async () => {
        const v = verdict(await services.triage.view(actor, shared[where].id));
        // The chat query answers the same, without revealing that a refused reference exists.
        expect(verdict(await services.queries.statusByReference(actor, shared[where].reference, "personal"), ["NOT_FOUND"])).toBe(v);
        return v;
      }),
    VIEW_DETAILS: (actor, where) => unchangedWhenDenied(shared[where].id, async () => verdict(await services.triage.details(actor, shared[where].id))),
    TRIAGE: async (actor, where) => {
      const c = await newCase(where);
      return unchangedWhenDenied(c.id, async () => verdict(await services.triage.act(actor, c.id, await version(c.id), { verb: "takeCharge" })));
    },
    EDIT_PLAN: async (actor, where) => {
      const c = await caseWithPlan(where);
      return unchangedWhenDenied(c.id, async () => {
        const v = verdict(await services.plans.view(actor, c.id));
        const added = await services.plans.act(actor, c.id, await version(c.id), {
          verb: "addAction",
          input: { type: "PUPIL_FAMILY_INTERVIEW", description: "Entretien" },
        });
        expect(verdict(added)).toBe(v);
        return v;
      });
    },
    CLOSE_CASE: async (actor, where) => {
      const c = await newCase(where);
      return unchangedWhenDenied(c.id, async () =>
        verdict(await services.triage.act(actor, c.id, await version(c.id), { verb: "dismiss", reason: "Situation réglée" })),
      );
    },
    REFER_TO_MLDS: async (actor, where) => {
      const c = await newCase(where);
      return unchangedWhenDenied(c.id, async () => verdict(await services.triage.act(actor, c.id, await version(c.id), { verb: "escalate" })));
    },
    // A decision on a line of the school's GPDS agenda (a meeting whose agenda went out with the case).
    GPDS_DECIDE: async (actor, where) => {
      const c = await newCase(where);
      const meeting = await prisma().gpdsMeeting.create({
        data: { schoolId: schoolOf[where], date: new Date(Date.UTC(2030, 0, 1) + n * 86_400_000), agendaSentAt: new Date(), agendaCaseIds: [c.id] },
      });
      return unchangedWhenDenied(c.id, async () => {
        const r = await services.gpdsMeetings.decide(actor, meeting.id, { decisions: [{ caseId: c.id, decision: "KEEP_WATCHING" }] });
        if (r.ok) expect(r.recorded).toHaveLength(1);
        return verdict(r);
      });
    },
    // A transfer to another school of the same bassin (LP Jean-Moulin, Nord; LP Louise-Michel, Sud).
    TRANSFER_CASE: async (actor, where) => {
      const c = await newCase(where);
      const to = (await prisma().school.findUniqueOrThrow({ where: { uai: (where === "inside" ? DEMO_SCHOOLS[1] : DEMO_SCHOOLS[4]).uai } })).id;
      return unchangedWhenDenied(c.id, async () =>
        verdict(await services.transfers.transfer(actor, c.id, await version(c.id), to, "L'élève change d'établissement")),
      );
    },
    RECORD_FAMILY: async (actor, where) => {
      // A case the GPDS referred to the MLDS: before that a coordinator may not record what was done
      // with the family, whatever the table says of the bassin (test/unit/permissions.test.ts).
      const c = await newCase(where);
      await prisma().case.update({ where: { id: c.id }, data: { escalatedToMlds: true } });
      const today = new Date().toISOString().slice(0, 10);
      return unchangedWhenDenied(c.id, async () => verdict(await services.families.record(actor, c.id, await version(c.id), { informedAt: today })));
    },
    // A call of the campaign list: the case of a young person imported from a SIEI list.
    RECORD_CALL: async (actor, where) => {
      const c = await newCase(where);
      await prisma().case.update({ where: { id: c.id }, data: { source: "IMPORT" } });
      // The list (and its export) is the role's, limited to the caller's bassin: targetless; a call
      // is recorded on a case of that bassin only, and a refused one changes nothing.
      const before = await trace(c.id);
      const listed = verdict(await services.calls.toCall(actor));
      const recorded = verdict(await services.calls.recordCall(actor, c.id, { outcome: "UNREACHABLE" }));
      expect(recorded).toBe(listed === "allow" && where === "inside" ? "allow" : "deny");
      if (recorded === "deny") expect(await trace(c.id)).toEqual(before);
      return listed;
    },
    VIEW_HISTORY: (actor, where) => unchangedWhenDenied(shared[where].id, async () => verdict(await services.plans.history(actor, shared[where].id))),
    EXPORT_PUPIL_DATA: (actor, where) =>
      unchangedWhenDenied(shared[where].id, async () => {
        const v = verdict(await services.privacy.exportData(actor, shared[where].id));
        expect(verdict(await services.privacy.prepare(actor, shared[where].reference, "EXPORT_PUPIL_DATA"))).toBe(v);
        expect(verdict(await services.privacy.exportLink(actor, shared[where].id))).toBe(v);
        return v;
      }),
    ERASE_PUPIL_DATA: async (actor, where) => {
      const c = await newCase(where);
      return unchangedWhenDenied(c.id, async () => {
        const prepared = verdict(await services.privacy.prepare(actor, c.reference, "ERASE_PUPIL_DATA"));
        const v = verdict(await services.privacy.erase(actor, c.id));
        expect(prepared).toBe(v);
        return v;
      });
    },
    CONFIGURE_ACADEMY: async (actor) => verdict(await services.administration.failedSends(actor)),
    // Statistics and exports of case lists answer for the caller's own scope (role only: the
    // scope of the figures is the caller's school, district or académie).
    VIEW_STATS: async (actor) => {
      const v = verdict(await services.statistics.view(actor));
      const before = await prisma().dataExport.count();
      expect(verdict(await services.statistics.requestExport(actor, "stats", undefined, "fr"))).toBe(v);
      expect(await prisma().dataExport.count()).toBe(before + (v === "allow" ? 1 : 0));
      return v;
    },
    // A case sent to another académie (issue 26): closed and packaged when allowed, untouched when not.
    EXPORT_CASE_TO_ACADEMIE: async (actor, where) => {
      const c = await newCase(where);
      return unchangedWhenDenied(c.id, async () => {
        const before = await prisma().academieTransfer.count();
        const v = verdict(await services.academieTransfers.exportCase(actor, c.reference, "Grenoble"));
        expect(await prisma().academieTransfer.count()).toBe(before + (v === "allow" ? 1 : 0));
        return v;
      });
    },
    // A case received from another académie: a package sent to the bot, then created in a school.
    IMPORT_CASE_FROM_ACADEMIE: async (actor) => {
      const at = new Date().toISOString();
      const pkg = sealPackage({
        format: "repere-case-transfer",
        version: 1,
        exportedAt: at,
        fromAcademie: { code: "08", name: "Grenoble" },
        toAcademie: { code: "10", name: "Lyon" },
        case: { reference: `D-2026-${String(7000 + ++n)}`, status: "NEW", urgency: 2, openedAt: at, escalatedToMlds: false, outOfSchool: false },
        pupil: {
          lastName: `Import${letters(n)}`,
          firstName: "Test",
          birthYear: new Date().getFullYear() - 17,
          birthDate: null,
          ine: "123456789AB",
          className: "1re 1",
        },
        destinationUai: null,
        reports: [
          { at, urgency: 2, absenceHalfDays: null, stepsTaken: [], observations: null, outOfSchool: false, signals: [{ code: "NO_PLAN", note: null }] },
        ],
        plan: [],
        history: [{ at, type: "REPORTED", role: "STAFF", summary: "Fiche de repérage" }],
      });
      const cases = await prisma().case.count();
      const received = await services.academieTransfers.receive(actor, new TextEncoder().encode(JSON.stringify(pkg)));
      const v = verdict(received);
      if (received.ok) {
        expect(verdict(await services.academieTransfers.confirm(actor, received.preview.packageId, schoolOf.inside))).toBe("allow");
        expect(await prisma().case.count()).toBe(cases + 1);
        expect(await prisma().pupil.count({ where: { ine: "123456789AB", lastName: pkg.pupil.lastName } })).toBe(1);
      } else {
        expect(await prisma().case.count()).toBe(cases);
        expect(await prisma().academieTransfer.count({ where: { digest: pkg.digest } })).toBe(0);
      }
      return v;
    },
    EXPORT_CASES: async (actor) => {
      const before = await prisma().dataExport.count();
      const v = verdict(await services.statistics.requestExport(actor, "cases", undefined, "fr"));
      expect(await prisma().dataExport.count()).toBe(before + (v === "allow" ? 1 : 0));
      return v;
    },
  };

  beforeAll(async () => {
    db = await openTestDatabase("postgres");
    const store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    services = createServices(store);
    const identify = async (name: string) => (await services.members.identify(DEMO_TENANT_ID, DEMO_PEOPLE.find((p) => p.displayName === name)!.aadObjectId))!;
    for (const role of WALKED_ROLES) actors[role] = await identify(MEMBER_OF[role]!);
    actors.MARC = await identify("Marc Petit");
    const school = async (uai: string) => (await prisma().school.findUniqueOrThrow({ where: { uai } })).id;
    schoolOf.inside = await school(DEMO_SCHOOLS[0].uai); // Lycée Victor-Hugo, Nord
    schoolOf.outside = await school(DEMO_SCHOOLS[3].uai); // Lycée Simone-Veil, Sud
    shared.inside = await newCase("inside");
    shared.outside = await newCase("outside");
  });
  afterAll(async () => db?.drop());

  it("has a probe through the services for every operation of the table", () => {
    expect(OPERATIONS.filter((op) => !PROBES[op])).toEqual(NOT_IN_SERVICES_YET);
  });

  const rows = OPERATIONS.flatMap((op) =>
    WALKED_ROLES.flatMap((role) => (["inside", "outside"] as const).map((where) => [op, role, where, expected(op, role, where)] as const)),
  );
  it.each(rows.filter(([op]) => PROBES[op]))("%s by %s, %s scope: %s", async (op, role, where, want) => {
    expect(await PROBES[op]!(actors[role], where)).toBe(want);
  });
});
