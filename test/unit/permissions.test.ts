import { describe, expect, it } from "vitest";
import {
  MEMBER_OPERATIONS,
  OPERATIONS,
  PERMISSIONS,
  can,
  mayManageMembership,
  mldsMayAct,
  scopeOf,
  staysWithSchool,
  type Actor,
  type CaseScope,
  type Membership,
  type Operation,
} from "../../src/domain/permissions.js";
import { applyTransition } from "../../src/domain/lifecycle.js";
import { mayReferToMlds } from "../../src/domain/routing.js";
import { ROLES, ROLE_ATTACHMENT, type Role } from "../../src/domain/roles.js";

// A small académie. Département 069: bassin D1 (schools S1 and S2) and bassin D2 (school S3).
// Département 001: bassin D3 (school S4).
const SCHOOLS = {
  S1: { districtId: "D1", departmentCode: "069" },
  S2: { districtId: "D1", departmentCode: "069" },
  S3: { districtId: "D2", departmentCode: "069" },
  S4: { districtId: "D3", departmentCode: "001" },
} as const;
type SchoolId = keyof typeof SCHOOLS;

// Every member sits at the same place: school S1, bassin D1, département 069. So whatever differs
// between two roles below comes from the permission table, not from where the people are.
const actorOf = (role: Role): Actor => ({ memberId: `m-${role}`, role, schoolIds: ["S1"], districtId: "D1", departmentCode: "069" });

/** Where a case sits relative to the member looking at it (the columns of the tables below). */
const RELATIONS = ["own", "school", "bassin", "dept", "other", "assigned"] as const;
type Relation = (typeof RELATIONS)[number];

/** The pupil of the case (age at the report date): 16 or over and waiting for the school's GPDS
 *  (vigilance 1), 16 or over and urgent (vigilance 3), under 16 and kept by the school's GPDS, under
 *  16 and referred to the MLDS by the GPDS, age unknown (no birth on file). The bassin has the
 *  default setting: its coordinators act before the GPDS decides only on urgent or out-of-school
 *  cases (other settings: "the bassin's setting" below). */
const PUPILS = ["16+", "16+urgent", "kept", "sent", "age?"] as const;
type Pupil = (typeof PUPILS)[number];

function caseOf(relation: Relation, pupil: Pupil, actor: Actor): CaseScope {
  const school: SchoolId = { own: "S1", school: "S1", bassin: "S2", dept: "S3", other: "S4", assigned: "S4" }[relation] as SchoolId;
  return {
    schoolId: school,
    ...SCHOOLS[school],
    reporterIds: relation === "own" ? ["someone-else", actor.memberId] : ["someone-else"],
    assigneeId: relation === "assigned" ? actor.memberId : "someone-else",
    escalatedToMlds: pupil === "sent",
    pupilAge: { "16+": 17, "16+urgent": 17, kept: 14, sent: 14, "age?": null }[pupil],
    urgency: pupil === "16+urgent" ? 3 : 1,
  };
}

// Cells: Y allowed, whatever the pupil; M allowed unless the pupil is under 16 and kept by the
// school (the MLDS side of a bassin does not see those: staysWithSchool); A allowed only where the
// MLDS may act before or without the GPDS's decision (referred, or urgent under the default
// setting: permissions.mldsMayAct); R only once the GPDS referred the case; - never.
type Cell = "Y" | "M" | "A" | "R" | "-";
type Row = readonly [own: Cell, school: Cell, bassin: Cell, dept: Cell, other: Cell, assigned: Cell];

const NEVER: Row = ["-", "-", "-", "-", "-", "-"];
const EVERYWHERE: Row = ["Y", "Y", "Y", "Y", "Y", "Y"];

//                            own  school bassin dept other assigned
const SCHOOL_ONLY: Row = ["Y", "Y", "-", "-", "-", "-"];
const SCHOOL_OR_HELD: Row = ["Y", "Y", "-", "-", "-", "Y"];
const BASSIN_MLDS: Row = ["M", "M", "M", "-", "-", "-"];
const BASSIN_OR_HELD: Row = ["M", "M", "M", "-", "-", "Y"];
const BASSIN_ACTING: Row = ["A", "A", "A", "-", "-", "-"];
const BASSIN_ACTING_OR_HELD: Row = ["A", "A", "A", "-", "-", "Y"];
const BASSIN_REFERRED_OR_HELD: Row = ["R", "R", "R", "-", "-", "Y"];

/**
 * The expected answer of can(), by operation, role and relation. Why the cells that are not obvious
 * are what they are:
 * - assigned: the person in charge of a case keeps the operations of ASSIGNEE_OPERATIONS wherever
 *   the case sits (here in another département), but only those their role has at all: a teacher
 *   only sees the status; an IEN-IO the status and history; the GPDS members also the details.
 *   The under-16 rule does not hide a case from the person holding it.
 * - STAFF, own: a teacher sees the status of what they reported, never a colleague's report (school).
 * - COORDINATOR, CREATE_REPORT: a coordinator reports for any school of the bassin, whatever the
 *   pupil's age: reporting an under-16 pupil does not mean seeing the case afterwards (Y, not M).
 * - COORDINATOR and IEN_IO elsewhere: only the MLDS's cases (M) of their bassin.
 * - COORDINATOR, TRIAGE, EDIT_PLAN, CLOSE_CASE: a coordinator sees a 16+ case at once but acts on
 *   it (take in charge, assign, ask, plan, dismiss, close) only once the GPDS has referred it, or
 *   before that as the bassin's setting allows (A); the case they hold stays theirs.
 * - REFER_TO_MLDS: the GPDS's decision, recorded by the référent or the chef d'établissement who
 *   chairs it, for the school's cases (the ages are checked by routing.mayReferToMlds).
 * - GPDS_DECIDE: the decisions of the school's GPDS meeting on its agenda (school measures, referral,
 *   keep watching, close, postpone; who attended; closing the séance), recorded by the référent who
 *   runs it or the chef d'établissement who chairs it, for the school's cases only, whatever the
 *   pupil's age; the other GPDS members (CPE, psy-EN, social worker, nurse) attend but do not record,
 *   and no one from the bassin decides for the school's GPDS, not even on a case they hold.
 * - TRANSFER_CASE: moving an open case to another school of the académie (the pupil changed school):
 *   the school's référent or chef d'établissement for the school's cases; a coordinator of the bassin
 *   once they may act on the case (A), as for triage. Not the case's holder elsewhere: the case goes
 *   where its school's people (or its bassin's MLDS) decide, and nobody else.
 * - RECORD_FAMILY: the family informed, met, the agreements: the school's GPDS members (and whoever
 *   holds the case); a coordinator only once the GPDS has referred the case (R), whatever the
 *   bassin's setting: until then the family is the school's to meet.
 * - RECORD_CALL: the call campaign of imported lists (the phone and e-mail, the calls, the export
 *   to the PSAD) is the bassin's MLDS coordinators' alone (M: not the under-16 cases a school keeps),
 *   whether or not they may act on the case yet; never a school's staff, not even the référent,
 *   and holding the case does not give it to a role that lacks it.
 * - HEAD, VIEW_STATS: the chef d'établissement chairs the GPDS and answers for the school: the
 *   school's figures; no TRIAGE, EDIT_PLAN nor CLOSE_CASE, which the référent does.
 * - CPE, PSYEN, SOCIAL_WORKER, NURSE: GPDS members read the school's cases (status, details,
 *   history) but do not triage; the CPE (and the référent) completes the absence counts.
 * - IEN_IO: status and history, not the details (no pupil names); statistics of the bassin.
 * - DSDEN: statistics of the département only (own, school, bassin and dept are all in 069). Its
 *   figures include the under-16 cases kept by schools (Y, not M): the DASEN answers for
 *   compulsory schooling.
 * - ADMIN: the académie through status, history, statistics and data-protection requests; never the
 *   details, triage, plans or closing.
 * - MANAGE_MEMBERS, APPROVE_ENROLMENT, CONFIGURE_ACADEMY do not apply to cases: with a case, can()
 *   answers from the place alone (the school for a chef d'établissement or référent, anywhere for
 *   an admin). The people they concern are checked with mayManageMembership, tested further down.
 */
const EXPECTED: Record<Operation, Record<Role, Row>> = {
  CREATE_REPORT: {
    STAFF: SCHOOL_ONLY,
    CPE: SCHOOL_ONLY,
    HEAD: SCHOOL_ONLY,
    REFERENT: SCHOOL_ONLY,
    PSYEN: SCHOOL_ONLY,
    SOCIAL_WORKER: SCHOOL_ONLY,
    NURSE: SCHOOL_ONLY,
    COORDINATOR: ["Y", "Y", "Y", "-", "-", "-"],
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: NEVER,
  },
  VIEW_STATUS: {
    STAFF: ["Y", "-", "-", "-", "-", "Y"],
    CPE: SCHOOL_OR_HELD,
    HEAD: SCHOOL_OR_HELD,
    REFERENT: SCHOOL_OR_HELD,
    PSYEN: SCHOOL_OR_HELD,
    SOCIAL_WORKER: SCHOOL_OR_HELD,
    NURSE: SCHOOL_OR_HELD,
    COORDINATOR: BASSIN_OR_HELD,
    IEN_IO: BASSIN_OR_HELD,
    DSDEN: NEVER,
    ADMIN: EVERYWHERE,
  },
  VIEW_DETAILS: {
    STAFF: NEVER,
    CPE: SCHOOL_OR_HELD,
    HEAD: SCHOOL_OR_HELD,
    REFERENT: SCHOOL_OR_HELD,
    PSYEN: SCHOOL_OR_HELD,
    SOCIAL_WORKER: SCHOOL_OR_HELD,
    NURSE: SCHOOL_OR_HELD,
    COORDINATOR: BASSIN_OR_HELD,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: NEVER,
  },
  TRIAGE: {
    STAFF: NEVER,
    CPE: NEVER,
    HEAD: NEVER,
    REFERENT: SCHOOL_ONLY,
    PSYEN: NEVER,
    SOCIAL_WORKER: NEVER,
    NURSE: NEVER,
    COORDINATOR: BASSIN_ACTING,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: NEVER,
  },
  EDIT_PLAN: {
    STAFF: NEVER,
    CPE: NEVER,
    HEAD: NEVER,
    REFERENT: SCHOOL_OR_HELD,
    PSYEN: NEVER,
    SOCIAL_WORKER: NEVER,
    NURSE: NEVER,
    COORDINATOR: BASSIN_ACTING_OR_HELD,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: NEVER,
  },
  CLOSE_CASE: {
    STAFF: NEVER,
    CPE: NEVER,
    HEAD: NEVER,
    REFERENT: SCHOOL_OR_HELD,
    PSYEN: NEVER,
    SOCIAL_WORKER: NEVER,
    NURSE: NEVER,
    COORDINATOR: BASSIN_ACTING_OR_HELD,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: NEVER,
  },
  REFER_TO_MLDS: {
    STAFF: NEVER,
    CPE: NEVER,
    HEAD: SCHOOL_ONLY,
    REFERENT: SCHOOL_ONLY,
    PSYEN: NEVER,
    SOCIAL_WORKER: NEVER,
    NURSE: NEVER,
    COORDINATOR: NEVER,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: NEVER,
  },
  GPDS_DECIDE: {
    STAFF: NEVER,
    CPE: NEVER,
    HEAD: SCHOOL_ONLY,
    REFERENT: SCHOOL_ONLY,
    PSYEN: NEVER,
    SOCIAL_WORKER: NEVER,
    NURSE: NEVER,
    COORDINATOR: NEVER,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: NEVER,
  },
  TRANSFER_CASE: {
    STAFF: NEVER,
    CPE: NEVER,
    HEAD: SCHOOL_ONLY,
    REFERENT: SCHOOL_ONLY,
    PSYEN: NEVER,
    SOCIAL_WORKER: NEVER,
    NURSE: NEVER,
    COORDINATOR: BASSIN_ACTING,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: NEVER,
  },
  VIEW_HISTORY: {
    STAFF: NEVER,
    CPE: SCHOOL_OR_HELD,
    HEAD: SCHOOL_OR_HELD,
    REFERENT: SCHOOL_OR_HELD,
    PSYEN: SCHOOL_OR_HELD,
    SOCIAL_WORKER: SCHOOL_OR_HELD,
    NURSE: SCHOOL_OR_HELD,
    COORDINATOR: BASSIN_OR_HELD,
    IEN_IO: BASSIN_OR_HELD,
    DSDEN: NEVER,
    ADMIN: EVERYWHERE,
  },
  RECORD_ABSENCES: {
    STAFF: NEVER,
    CPE: SCHOOL_ONLY,
    HEAD: NEVER,
    REFERENT: SCHOOL_ONLY,
    PSYEN: NEVER,
    SOCIAL_WORKER: NEVER,
    NURSE: NEVER,
    COORDINATOR: NEVER,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: NEVER,
  },
  RECORD_FAMILY: {
    STAFF: NEVER,
    CPE: SCHOOL_OR_HELD,
    HEAD: SCHOOL_OR_HELD,
    REFERENT: SCHOOL_OR_HELD,
    PSYEN: SCHOOL_OR_HELD,
    SOCIAL_WORKER: SCHOOL_OR_HELD,
    NURSE: SCHOOL_OR_HELD,
    COORDINATOR: BASSIN_REFERRED_OR_HELD,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: NEVER,
  },
  RECORD_CALL: {
    STAFF: NEVER,
    CPE: NEVER,
    HEAD: NEVER,
    REFERENT: NEVER,
    PSYEN: NEVER,
    SOCIAL_WORKER: NEVER,
    NURSE: NEVER,
    COORDINATOR: BASSIN_MLDS,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: NEVER,
  },
  VIEW_STATS: {
    STAFF: NEVER,
    CPE: NEVER,
    HEAD: SCHOOL_ONLY,
    REFERENT: SCHOOL_ONLY,
    PSYEN: NEVER,
    SOCIAL_WORKER: NEVER,
    NURSE: NEVER,
    COORDINATOR: BASSIN_MLDS,
    IEN_IO: BASSIN_MLDS,
    DSDEN: ["Y", "Y", "Y", "Y", "-", "-"],
    ADMIN: EVERYWHERE,
  },
  EXPORT_CASES: {
    STAFF: NEVER,
    CPE: NEVER,
    HEAD: NEVER,
    REFERENT: SCHOOL_ONLY,
    PSYEN: NEVER,
    SOCIAL_WORKER: NEVER,
    NURSE: NEVER,
    COORDINATOR: BASSIN_MLDS,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: NEVER,
  },
  EXPORT_PUPIL_DATA: {
    STAFF: NEVER,
    CPE: NEVER,
    HEAD: NEVER,
    REFERENT: NEVER,
    PSYEN: NEVER,
    SOCIAL_WORKER: NEVER,
    NURSE: NEVER,
    COORDINATOR: NEVER,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: EVERYWHERE,
  },
  ERASE_PUPIL_DATA: {
    STAFF: NEVER,
    CPE: NEVER,
    HEAD: NEVER,
    REFERENT: NEVER,
    PSYEN: NEVER,
    SOCIAL_WORKER: NEVER,
    NURSE: NEVER,
    COORDINATOR: NEVER,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: EVERYWHERE,
  },
  MANAGE_MEMBERS: {
    STAFF: NEVER,
    CPE: NEVER,
    HEAD: SCHOOL_ONLY,
    REFERENT: NEVER,
    PSYEN: NEVER,
    SOCIAL_WORKER: NEVER,
    NURSE: NEVER,
    COORDINATOR: NEVER,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: EVERYWHERE,
  },
  APPROVE_ENROLMENT: {
    STAFF: NEVER,
    CPE: NEVER,
    HEAD: SCHOOL_ONLY,
    REFERENT: SCHOOL_ONLY,
    PSYEN: NEVER,
    SOCIAL_WORKER: NEVER,
    NURSE: NEVER,
    COORDINATOR: NEVER,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: EVERYWHERE,
  },
  CONFIGURE_ACADEMY: {
    STAFF: NEVER,
    CPE: NEVER,
    HEAD: NEVER,
    REFERENT: NEVER,
    PSYEN: NEVER,
    SOCIAL_WORKER: NEVER,
    NURSE: NEVER,
    COORDINATOR: NEVER,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: EVERYWHERE,
  },
  // A case sent to, or received from, another académie (issue 26): the académie's admins only.
  EXPORT_CASE_TO_ACADEMIE: {
    STAFF: NEVER,
    CPE: NEVER,
    HEAD: NEVER,
    REFERENT: NEVER,
    PSYEN: NEVER,
    SOCIAL_WORKER: NEVER,
    NURSE: NEVER,
    COORDINATOR: NEVER,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: EVERYWHERE,
  },
  IMPORT_CASE_FROM_ACADEMIE: {
    STAFF: NEVER,
    CPE: NEVER,
    HEAD: NEVER,
    REFERENT: NEVER,
    PSYEN: NEVER,
    SOCIAL_WORKER: NEVER,
    NURSE: NEVER,
    COORDINATOR: NEVER,
    IEN_IO: NEVER,
    DSDEN: NEVER,
    ADMIN: EVERYWHERE,
  },
};

function allowedBy(cell: Cell, pupil: Pupil): boolean {
  return (
    cell === "Y" || (cell === "M" && pupil !== "kept") || (cell === "A" && (pupil === "16+urgent" || pupil === "sent")) || (cell === "R" && pupil === "sent")
  );
}

const EVERY_COMBINATION = OPERATIONS.flatMap((op) =>
  ROLES.flatMap((role) => RELATIONS.flatMap((relation) => PUPILS.map((pupil) => [op, role, relation, pupil] as const))),
);

describe("can, every operation x role x relation x pupil", () => {
  it("walks the whole table", () => {
    expect(EVERY_COMBINATION).toHaveLength(OPERATIONS.length * ROLES.length * RELATIONS.length * PUPILS.length);
    expect(Object.keys(PERMISSIONS).sort()).toEqual([...OPERATIONS].sort());
    expect(Object.keys(EXPECTED).sort()).toEqual([...OPERATIONS].sort());
  });

  it.each(EVERY_COMBINATION)("%s by %s on a case (%s, pupil %s)", (op, role, relation, pupil) => {
    const actor = actorOf(role);
    const cell = EXPECTED[op][role][RELATIONS.indexOf(relation)]!;
    expect(can(actor, op, caseOf(relation, pupil, actor))).toBe(allowedBy(cell, pupil));
  });
});

describe("can without a case", () => {
  const expectedWithoutCase: Record<Operation, Role[]> = {
    CREATE_REPORT: [],
    VIEW_STATUS: [],
    VIEW_DETAILS: [],
    TRIAGE: [],
    EDIT_PLAN: [],
    CLOSE_CASE: [],
    REFER_TO_MLDS: [],
    GPDS_DECIDE: [],
    TRANSFER_CASE: [],
    VIEW_HISTORY: [],
    RECORD_ABSENCES: [],
    RECORD_FAMILY: [],
    // Whether the role runs call campaigns at all; which cases: the coordinator's bassin.
    RECORD_CALL: ["COORDINATOR"],
    VIEW_STATS: ["HEAD", "REFERENT", "COORDINATOR", "IEN_IO", "DSDEN", "ADMIN"],
    EXPORT_CASES: ["REFERENT", "COORDINATOR"],
    EXPORT_PUPIL_DATA: [],
    ERASE_PUPIL_DATA: [],
    // Whether the role manages people at all; which people: mayManageMembership.
    MANAGE_MEMBERS: ["HEAD", "ADMIN"],
    APPROVE_ENROLMENT: ["HEAD", "REFERENT", "ADMIN"],
    // The académie's settings (routing, failed sends, directory): admins only, never a chef d'établissement.
    CONFIGURE_ACADEMY: ["ADMIN"],
    // Sending needs a case; receiving one from another académie does not.
    EXPORT_CASE_TO_ACADEMIE: [],
    IMPORT_CASE_FROM_ACADEMIE: ["ADMIN"],
  };

  it.each(OPERATIONS.flatMap((op) => ROLES.map((role) => [op, role] as const)))("%s by %s", (op, role) => {
    expect(can(actorOf(role), op, null)).toBe(expectedWithoutCase[op].includes(role));
  });
});

describe("scope details", () => {
  const base = caseOf("school", "16+", actorOf("STAFF"));

  it("admins never see pupil details nor triage, wherever the case is", () => {
    for (const op of ["VIEW_DETAILS", "TRIAGE", "EDIT_PLAN", "CLOSE_CASE"] as const) {
      expect(scopeOf("ADMIN", op)).toBeNull();
    }
  });

  it.each(["COORDINATOR", "IEN_IO"] as const)("a %s with no district reaches no case", (role) => {
    const lost: Actor = { ...actorOf(role), districtId: null };
    for (const op of OPERATIONS) {
      expect(can(lost, op, { ...base, districtId: "D1" })).toBe(false);
    }
  });

  it("the DSDEN reaches a département only when both its own and the case's are known", () => {
    const dsden = actorOf("DSDEN");
    expect(can(dsden, "VIEW_STATS", { ...base, departmentCode: "069" })).toBe(true);
    expect(can(dsden, "VIEW_STATS", { ...base, departmentCode: null })).toBe(false);
    const { departmentCode: _unknown, ...withoutDepartment } = base;
    expect(can(dsden, "VIEW_STATS", withoutDepartment)).toBe(false);
    expect(can({ ...dsden, departmentCode: null }, "VIEW_STATS", { ...base, departmentCode: "069" })).toBe(false);
    const { departmentCode: _none, ...dsdenWithout } = dsden;
    expect(can(dsdenWithout, "VIEW_STATS", withoutDepartment)).toBe(false);
  });

  it("a member of several schools reaches each of them", () => {
    const referent: Actor = { ...actorOf("REFERENT"), schoolIds: ["S1", "S3"] };
    expect(can(referent, "VIEW_DETAILS", { ...base, schoolId: "S3", districtId: "D2" })).toBe(true);
    expect(can(referent, "VIEW_DETAILS", { ...base, schoolId: "S2" })).toBe(false);
  });

  it("staff do not see a colleague's report in their own school", () => {
    expect(can(actorOf("STAFF"), "VIEW_STATUS", base)).toBe(false);
  });

  it("every role that reports may see what it reported", () => {
    for (const role of ROLES.filter((r) => scopeOf(r, "CREATE_REPORT") !== null)) {
      const actor = actorOf(role);
      expect(can(actor, "VIEW_STATUS", caseOf("own", "16+", actor)), role).toBe(true);
    }
  });

  it("every role that reports may add a report to an open case and answer a request for information", () => {
    // The lifecycle says who may ever make a move; a role of the table that reports must not be
    // stopped there (a CPE reporting a pupil who already has a case joins that case).
    for (const role of ROLES.filter((r) => scopeOf(r, "CREATE_REPORT") !== null)) {
      expect(applyTransition("NEW", "ADD_REPORT", role).ok, role).toBe(true);
      expect(applyTransition("INFO_REQUESTED", "INFO_RECEIVED", role).ok, role).toBe(true);
    }
  });

  it.each([
    [{ pupilAge: 14, escalatedToMlds: false }, true],
    [{ pupilAge: 15, escalatedToMlds: false }, true],
    [{ pupilAge: 16, escalatedToMlds: false }, false],
    [{ pupilAge: 14, escalatedToMlds: true }, false],
    [{ pupilAge: null, escalatedToMlds: false }, false],
    [{ escalatedToMlds: false }, false],
  ])("staysWithSchool(%j) is %s", (target, expected) => {
    expect(staysWithSchool(target)).toBe(expected);
  });
});

describe("the bassin's setting: when coordinators act before the GPDS decides", () => {
  const coordinator = actorOf("COORDINATOR");
  const waiting = (over: Partial<CaseScope>): CaseScope => ({ ...caseOf("bassin", "16+", coordinator), ...over });
  // [setting, vigilance, out of school, referred] -> may the coordinator take in charge / close?
  it.each([
    ["IMMEDIATE", 1, false, false, true],
    ["URGENT_OR_OUT_OF_SCHOOL", 1, false, false, false],
    ["URGENT_OR_OUT_OF_SCHOOL", 2, false, false, false],
    ["URGENT_OR_OUT_OF_SCHOOL", 3, false, false, true],
    ["URGENT_OR_OUT_OF_SCHOOL", 1, true, false, true],
    ["ON_REFERRAL_ONLY", 3, true, false, false],
    ["ON_REFERRAL_ONLY", 1, false, true, true],
    [undefined, 1, false, false, false],
    [undefined, 3, false, false, true],
  ] as const)("%s, vigilance %s, out of school %s, referred %s: acts %s", (mldsAccess, urgency, outOfSchool, referred, acts) => {
    const c = waiting({ urgency, outOfSchool, escalatedToMlds: referred, ...(mldsAccess ? { mldsAccess } : {}) });
    expect(mldsMayAct(c)).toBe(acts);
    for (const op of ["TRIAGE", "EDIT_PLAN", "CLOSE_CASE"] as const) expect(can(coordinator, op, c), op).toBe(acts);
    // Seeing the case does not wait for the GPDS.
    for (const op of ["VIEW_STATUS", "VIEW_DETAILS", "VIEW_HISTORY"] as const) expect(can(coordinator, op, c), op).toBe(true);
    // The référent of the school acts whatever the setting.
    expect(can(actorOf("REFERENT"), "TRIAGE", { ...c, schoolId: "S1" })).toBe(true);
  });

  it("the coordinator who holds a case keeps acting on it whatever the setting", () => {
    const c = waiting({ mldsAccess: "ON_REFERRAL_ONLY", assigneeId: coordinator.memberId });
    for (const op of ["TRIAGE", "EDIT_PLAN", "CLOSE_CASE"] as const) expect(can(coordinator, op, c), op).toBe(true);
  });
});

describe("mayReferToMlds: referral by the GPDS from 16, or 16 before the end of the school year", () => {
  const on = new Date("2027-03-15T10:00:00Z"); // school year 2026-2027, ends 31 August 2027
  const d = (iso: string) => new Date(`${iso}T00:00:00Z`);
  it.each([
    ["16 already", 2010, d("2010-06-01"), { ok: true }],
    ["turns 16 on 31 August", 2011, d("2011-08-31"), { ok: true }],
    ["turns 16 on 1 September, next school year", 2011, d("2011-09-01"), { ok: false, reason: "TOO_YOUNG" }],
    ["13 years old", 2013, d("2013-05-02"), { ok: false, reason: "TOO_YOUNG" }],
    ["only the year, certainly 16 (born 2010 at the latest on 31 December)", 2010, null, { ok: true }],
    ["only the year, might turn 16 in time", 2011, null, { ok: false, reason: "BIRTH_DATE_NEEDED" }],
    ["only the year, certainly too young", 2013, null, { ok: false, reason: "TOO_YOUNG" }],
  ] as const)("%s", (_label, year, birthDate, expected) => {
    expect(mayReferToMlds(year, birthDate, on)).toEqual(expected);
  });
});

describe("mayManageMembership", () => {
  // The memberships a member may be asked to grant, change or approve (columns).
  const MEMBERSHIPS = {
    "teacher@S1": { role: "STAFF", schoolId: "S1", districtId: "D1", departmentCode: "069" },
    "teacher@S2": { role: "STAFF", schoolId: "S2", districtId: "D1", departmentCode: "069" },
    "cpe@S1": { role: "CPE", schoolId: "S1", districtId: "D1", departmentCode: "069" },
    "adjoint@S1": { role: "HEAD", schoolId: "S1", districtId: "D1", departmentCode: "069" },
    "referent@S1": { role: "REFERENT", schoolId: "S1", districtId: "D1", departmentCode: "069" },
    "coordinator@D1": { role: "COORDINATOR", districtId: "D1", departmentCode: "069" },
    "ien-io@D2": { role: "IEN_IO", districtId: "D2", departmentCode: "069" },
    "dsden@069": { role: "DSDEN", departmentCode: "069" },
    admin: { role: "ADMIN" },
  } as const satisfies Record<string, Membership>;
  type Target = keyof typeof MEMBERSHIPS;
  const TARGETS = Object.keys(MEMBERSHIPS) as Target[];

  // A chef d'établissement handles the school roles of their own school, an adjoint included (the
  // chef appoints the adjoint; either may be the one who adds colleagues); a colleague of another
  // school, or anyone attached to a bassin, a département or the académie, is for the admins.
  const HEAD_REACH: Target[] = ["teacher@S1", "cpe@S1", "adjoint@S1", "referent@S1"];
  const EXPECTED_MEMBERS: Record<(typeof MEMBER_OPERATIONS)[number], Partial<Record<Role, Target[]>>> = {
    MANAGE_MEMBERS: { HEAD: HEAD_REACH, ADMIN: TARGETS },
    // Self-enrolment is approved by the school's chef d'établissement or référent; bassin,
    // département and académie roles by an admin.
    APPROVE_ENROLMENT: { HEAD: HEAD_REACH, REFERENT: HEAD_REACH, ADMIN: TARGETS },
  };

  it.each(MEMBER_OPERATIONS.flatMap((op) => ROLES.flatMap((role) => TARGETS.map((target) => [op, role, target] as const))))(
    "%s by %s: %s",
    (op, role, target) => {
      const expected = (EXPECTED_MEMBERS[op][role] ?? []).includes(target);
      expect(mayManageMembership(actorOf(role), MEMBERSHIPS[target], op)).toBe(expected);
    },
  );

  it("manages members by default (MANAGE_MEMBERS)", () => {
    expect(mayManageMembership(actorOf("REFERENT"), MEMBERSHIPS["teacher@S1"])).toBe(false);
    expect(mayManageMembership(actorOf("HEAD"), MEMBERSHIPS["teacher@S1"])).toBe(true);
  });

  it("a school membership without its school is out of a chef d'établissement's reach", () => {
    expect(mayManageMembership(actorOf("HEAD"), { role: "STAFF" })).toBe(false);
    expect(mayManageMembership(actorOf("HEAD"), { role: "STAFF", schoolId: null })).toBe(false);
  });

  it("knows where every role is attached", () => {
    expect(ROLES.filter((r) => ROLE_ATTACHMENT[r] === "SCHOOL")).toEqual(["STAFF", "CPE", "HEAD", "REFERENT", "PSYEN", "SOCIAL_WORKER", "NURSE"]);
    expect(ROLES.filter((r) => ROLE_ATTACHMENT[r] === "DISTRICT")).toEqual(["COORDINATOR", "IEN_IO"]);
    expect(ROLES.filter((r) => ROLE_ATTACHMENT[r] === "DEPARTMENT")).toEqual(["DSDEN"]);
    expect(ROLES.filter((r) => ROLE_ATTACHMENT[r] === "ACADEMY")).toEqual(["ADMIN"]);
  });
});
