import { describe, expect, it } from "vitest";
import {
  OPERATIONS,
  PERMISSIONS,
  can,
  scopeOf,
  staysWithSchool,
  type Actor,
  type CaseScope,
  type Operation,
} from "../../src/domain/permissions.js";
import { ROLES, type Role } from "../../src/domain/roles.js";

// A small académie: schools S1 and S2 in district D1, school S3 in district D2.
const ACTORS: Record<Role, Actor> = {
  STAFF: { memberId: "staff", role: "STAFF", schoolIds: ["S1"], districtId: null },
  REFERENT: { memberId: "referent", role: "REFERENT", schoolIds: ["S1"], districtId: null },
  COORDINATOR: { memberId: "coordinator", role: "COORDINATOR", schoolIds: [], districtId: "D1" },
  ADMIN: { memberId: "admin", role: "ADMIN", schoolIds: [], districtId: null },
};

const base: CaseScope = {
  schoolId: "S1",
  districtId: "D1",
  reporterIds: ["someone-else"],
  assigneeId: null,
  escalatedToMlds: false,
  pupilAge: 17,
};

/** Where a case sits relative to the member looking at it. */
const SITUATIONS = {
  OWN_REPORT: (a: Actor): CaseScope => ({ ...base, reporterIds: ["someone-else", a.memberId] }),
  SCHOOL: (): CaseScope => base,
  DISTRICT: (): CaseScope => ({ ...base, schoolId: "S2" }),
  DISTRICT_UNKNOWN_AGE: (): CaseScope => ({ ...base, schoolId: "S2", pupilAge: null }),
  OUTSIDE: (): CaseScope => ({ ...base, schoolId: "S3", districtId: "D2" }),
  UNDER_16: (): CaseScope => ({ ...base, pupilAge: 14 }),
  UNDER_16_ESCALATED: (): CaseScope => ({ ...base, pupilAge: 14, escalatedToMlds: true }),
  ASSIGNED_OUTSIDE: (a: Actor): CaseScope => ({ ...base, schoolId: "S3", districtId: "D2", assigneeId: a.memberId }),
  ASSIGNED_UNDER_16: (a: Actor): CaseScope => ({ ...base, pupilAge: 14, assigneeId: a.memberId }),
} as const;
type Situation = keyof typeof SITUATIONS;
const ALL_SITUATIONS = Object.keys(SITUATIONS) as Situation[];

// Situations inside each role's reach, before the assignee rule.
const IN_SCHOOL: Situation[] = ["OWN_REPORT", "SCHOOL", "UNDER_16", "UNDER_16_ESCALATED", "ASSIGNED_UNDER_16"];
const IN_DISTRICT_ALL: Situation[] = [...IN_SCHOOL, "DISTRICT", "DISTRICT_UNKNOWN_AGE"];
// The MLDS does not see an under-16 case the school kept.
const IN_DISTRICT_VISIBLE: Situation[] = IN_DISTRICT_ALL.filter((s) => s !== "UNDER_16" && s !== "ASSIGNED_UNDER_16");
const ASSIGNED: Situation[] = ["ASSIGNED_OUTSIDE", "ASSIGNED_UNDER_16"];

/** The expected answer for every operation and role: the situations where it is allowed. */
const EXPECTED: Record<Operation, Record<Role, Situation[]>> = {
  CREATE_REPORT: { STAFF: IN_SCHOOL, REFERENT: IN_SCHOOL, COORDINATOR: IN_DISTRICT_ALL, ADMIN: [] },
  VIEW_STATUS: {
    STAFF: ["OWN_REPORT", ...ASSIGNED],
    REFERENT: [...IN_SCHOOL, ...ASSIGNED],
    COORDINATOR: [...IN_DISTRICT_VISIBLE, ...ASSIGNED],
    ADMIN: ALL_SITUATIONS,
  },
  VIEW_DETAILS: { STAFF: [], REFERENT: [...IN_SCHOOL, ...ASSIGNED], COORDINATOR: [...IN_DISTRICT_VISIBLE, ...ASSIGNED], ADMIN: [] },
  TRIAGE: { STAFF: [], REFERENT: IN_SCHOOL, COORDINATOR: IN_DISTRICT_VISIBLE, ADMIN: [] },
  EDIT_PLAN: { STAFF: [], REFERENT: [...IN_SCHOOL, ...ASSIGNED], COORDINATOR: [...IN_DISTRICT_VISIBLE, ...ASSIGNED], ADMIN: [] },
  CLOSE_CASE: { STAFF: [], REFERENT: [...IN_SCHOOL, ...ASSIGNED], COORDINATOR: [...IN_DISTRICT_VISIBLE, ...ASSIGNED], ADMIN: [] },
  VIEW_HISTORY: {
    STAFF: [],
    REFERENT: [...IN_SCHOOL, ...ASSIGNED],
    COORDINATOR: [...IN_DISTRICT_VISIBLE, ...ASSIGNED],
    ADMIN: ALL_SITUATIONS,
  },
  VIEW_STATS: { STAFF: [], REFERENT: IN_SCHOOL, COORDINATOR: IN_DISTRICT_VISIBLE, ADMIN: ALL_SITUATIONS },
  EXPORT_CASES: { STAFF: [], REFERENT: IN_SCHOOL, COORDINATOR: IN_DISTRICT_VISIBLE, ADMIN: [] },
  EXPORT_PUPIL_DATA: { STAFF: [], REFERENT: [], COORDINATOR: [], ADMIN: ALL_SITUATIONS },
  ERASE_PUPIL_DATA: { STAFF: [], REFERENT: [], COORDINATOR: [], ADMIN: ALL_SITUATIONS },
  MANAGE_MEMBERS: { STAFF: [], REFERENT: [], COORDINATOR: [], ADMIN: ALL_SITUATIONS },
};

const EVERY_COMBINATION = OPERATIONS.flatMap((op) =>
  ROLES.flatMap((role) => ALL_SITUATIONS.map((situation) => [op, role, situation] as const)),
);

describe("can, every operation x role x situation", () => {
  it("walks the whole table", () => {
    expect(EVERY_COMBINATION).toHaveLength(OPERATIONS.length * ROLES.length * ALL_SITUATIONS.length);
    expect(Object.keys(PERMISSIONS).sort()).toEqual([...OPERATIONS].sort());
  });

  it.each(EVERY_COMBINATION)("%s by %s on a case %s", (op, role, situation) => {
    const actor = ACTORS[role];
    expect(can(actor, op, SITUATIONS[situation](actor))).toBe(EXPECTED[op][role].includes(situation));
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
    VIEW_HISTORY: [],
    VIEW_STATS: ["REFERENT", "COORDINATOR", "ADMIN"],
    EXPORT_CASES: ["REFERENT", "COORDINATOR"],
    EXPORT_PUPIL_DATA: [],
    ERASE_PUPIL_DATA: [],
    MANAGE_MEMBERS: ["ADMIN"],
  };

  it.each(OPERATIONS.flatMap((op) => ROLES.map((role) => [op, role] as const)))("%s by %s", (op, role) => {
    expect(can(ACTORS[role], op, null)).toBe(expectedWithoutCase[op].includes(role));
  });
});

describe("scope details", () => {
  it("admins never see pupil details nor triage, wherever the case is", () => {
    for (const op of ["VIEW_DETAILS", "TRIAGE", "EDIT_PLAN", "CLOSE_CASE"] as const) {
      expect(scopeOf("ADMIN", op)).toBeNull();
    }
  });

  it("a coordinator with no district reaches no case", () => {
    const lost: Actor = { ...ACTORS.COORDINATOR, districtId: null };
    for (const op of OPERATIONS) {
      expect(can(lost, op, { ...base, districtId: "D1" })).toBe(false);
    }
  });

  it("a member of several schools reaches each of them", () => {
    const referent: Actor = { ...ACTORS.REFERENT, schoolIds: ["S1", "S3"] };
    expect(can(referent, "VIEW_DETAILS", { ...base, schoolId: "S3", districtId: "D2" })).toBe(true);
    expect(can(referent, "VIEW_DETAILS", { ...base, schoolId: "S2" })).toBe(false);
  });

  it("staff do not see a colleague's report in their own school", () => {
    expect(can(ACTORS.STAFF, "VIEW_STATUS", base)).toBe(false);
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
