import { z } from "zod";
import { ROLE_ATTACHMENT, isBassinRole, type Role, type RoleAttachment } from "./roles.js";
import { MLDS_MIN_AGE } from "./routing.js";

export const OPERATIONS = [
  "CREATE_REPORT",
  "VIEW_STATUS",
  "VIEW_DETAILS",
  "TRIAGE",
  "EDIT_PLAN",
  "CLOSE_CASE",
  /** Recording the GPDS's decision to refer a pupil to the MLDS (ages: routing.mayReferToMlds). */
  "REFER_TO_MLDS",
  /** Recording the decisions of the school's GPDS meeting on its agenda (each line, who attended,
   *  closing the séance): the référent who runs it and the chef d'établissement who chairs it. */
  "GPDS_DECIDE",
  "VIEW_HISTORY",
  /** Moving an open case to another school (and perhaps bassin) of the académie: the pupil changed
   *  school. Who follows the case at the school (référent, chef d'établissement) or in the bassin
   *  (a coordinator, once they may act on it); services/transfers.ts checks the destination. */
  "TRANSFER_CASE",
  /** Completing a case's counts of absences (half-days), as the CPE keeps them. */
  "RECORD_ABSENCES",
  /** Recording what was done with the family: informed, met, agreements (the GPDS, or the MLDS
   *  once the case is referred to it). */
  "RECORD_FAMILY",
  /** The MLDS call campaign of imported lists: seeing the phone and e-mail a list gave, recording a
   *  call and its outcome, exporting the situations back to the PSAD. The bassin's coordinators only. */
  "RECORD_CALL",
  "VIEW_STATS",
  "EXPORT_CASES",
  "EXPORT_PUPIL_DATA",
  "ERASE_PUPIL_DATA",
  /** Adding people, changing their role or scope, deactivating them: see mayManageMembership. */
  "MANAGE_MEMBERS",
  /** Approving or refusing someone who enrolled themselves: see mayManageMembership. */
  "APPROVE_ENROLMENT",
  /** The académie's own settings: where each bassin's cases are posted, failed sends, the school
   *  directory. Kept apart from MANAGE_MEMBERS, which chefs d'établissement hold for their school. */
  "CONFIGURE_ACADEMY",
  /** Sending an open case to ANOTHER académie (the young person moved there): the package behind a
   *  signed link, the case closed « Déménagement » (services/academie-transfer.ts). Admins only. */
  "EXPORT_CASE_TO_ACADEMIE",
  /** Opening, in a school of the académie, a case received from another académie (its package sent
   *  to the bot). Admins only. */
  "IMPORT_CASE_FROM_ACADEMIE",
] as const;
export type Operation = (typeof OPERATIONS)[number];

export const operationSchema = z.enum(OPERATIONS);

/** How far a permission reaches, from the narrowest to the widest. DISTRICT is the bassin. */
export const SCOPES = ["OWN_REPORTS", "SCHOOL", "DISTRICT", "DEPARTMENT", "ACADEMY"] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * The one table of who may do what, and over which cases. A missing cell means never.
 * Admins see the académie through statistics and data-protection requests, not pupil names; the
 * people who triage see details only where they act; staff see what they reported. The school's
 * GPDS (CPE, chef d'établissement, psy-EN, assistant(e) social(e), infirmier(ère), with the
 * référent who runs it) reads the school's cases; only the référent triages them. The bassin's
 * IEN-IO reads the cases the MLDS sees (status and history, no pupil details) and the statistics;
 * the DSDEN sees the département's statistics.
 */
export const PERMISSIONS: Readonly<Record<Operation, Readonly<Partial<Record<Role, Scope>>>>> = {
  CREATE_REPORT: {
    STAFF: "SCHOOL",
    CPE: "SCHOOL",
    HEAD: "SCHOOL",
    REFERENT: "SCHOOL",
    PSYEN: "SCHOOL",
    SOCIAL_WORKER: "SCHOOL",
    NURSE: "SCHOOL",
    COORDINATOR: "DISTRICT",
  },
  VIEW_STATUS: {
    STAFF: "OWN_REPORTS",
    CPE: "SCHOOL",
    HEAD: "SCHOOL",
    REFERENT: "SCHOOL",
    PSYEN: "SCHOOL",
    SOCIAL_WORKER: "SCHOOL",
    NURSE: "SCHOOL",
    COORDINATOR: "DISTRICT",
    IEN_IO: "DISTRICT",
    ADMIN: "ACADEMY",
  },
  VIEW_DETAILS: { CPE: "SCHOOL", HEAD: "SCHOOL", REFERENT: "SCHOOL", PSYEN: "SCHOOL", SOCIAL_WORKER: "SCHOOL", NURSE: "SCHOOL", COORDINATOR: "DISTRICT" },
  TRIAGE: { REFERENT: "SCHOOL", COORDINATOR: "DISTRICT" },
  EDIT_PLAN: { REFERENT: "SCHOOL", COORDINATOR: "DISTRICT" },
  CLOSE_CASE: { REFERENT: "SCHOOL", COORDINATOR: "DISTRICT" },
  REFER_TO_MLDS: { HEAD: "SCHOOL", REFERENT: "SCHOOL" },
  GPDS_DECIDE: { HEAD: "SCHOOL", REFERENT: "SCHOOL" },
  TRANSFER_CASE: { HEAD: "SCHOOL", REFERENT: "SCHOOL", COORDINATOR: "DISTRICT" },
  VIEW_HISTORY: {
    CPE: "SCHOOL",
    HEAD: "SCHOOL",
    REFERENT: "SCHOOL",
    PSYEN: "SCHOOL",
    SOCIAL_WORKER: "SCHOOL",
    NURSE: "SCHOOL",
    COORDINATOR: "DISTRICT",
    IEN_IO: "DISTRICT",
    ADMIN: "ACADEMY",
  },
  RECORD_ABSENCES: { CPE: "SCHOOL", REFERENT: "SCHOOL" },
  RECORD_FAMILY: { CPE: "SCHOOL", HEAD: "SCHOOL", REFERENT: "SCHOOL", PSYEN: "SCHOOL", SOCIAL_WORKER: "SCHOOL", NURSE: "SCHOOL", COORDINATOR: "DISTRICT" },
  RECORD_CALL: { COORDINATOR: "DISTRICT" },
  VIEW_STATS: { HEAD: "SCHOOL", REFERENT: "SCHOOL", COORDINATOR: "DISTRICT", IEN_IO: "DISTRICT", DSDEN: "DEPARTMENT", ADMIN: "ACADEMY" },
  EXPORT_CASES: { REFERENT: "SCHOOL", COORDINATOR: "DISTRICT" },
  EXPORT_PUPIL_DATA: { ADMIN: "ACADEMY" },
  ERASE_PUPIL_DATA: { ADMIN: "ACADEMY" },
  MANAGE_MEMBERS: { HEAD: "SCHOOL", ADMIN: "ACADEMY" },
  APPROVE_ENROLMENT: { HEAD: "SCHOOL", REFERENT: "SCHOOL", ADMIN: "ACADEMY" },
  CONFIGURE_ACADEMY: { ADMIN: "ACADEMY" },
  EXPORT_CASE_TO_ACADEMIE: { ADMIN: "ACADEMY" },
  IMPORT_CASE_FROM_ACADEMIE: { ADMIN: "ACADEMY" },
};

/** Operations that make sense without a case: asking only whether the role may do them at all. */
export const TARGETLESS_OPERATIONS = [
  "RECORD_CALL",
  "VIEW_STATS",
  "EXPORT_CASES",
  "MANAGE_MEMBERS",
  "APPROVE_ENROLMENT",
  "CONFIGURE_ACADEMY",
  "IMPORT_CASE_FROM_ACADEMIE",
] as const satisfies readonly Operation[];

/** What the person in charge of a case may do on it wherever it sits, provided their role allows it at all. */
export const ASSIGNEE_OPERATIONS = [
  "VIEW_STATUS",
  "VIEW_DETAILS",
  "VIEW_HISTORY",
  "EDIT_PLAN",
  "CLOSE_CASE",
  "RECORD_FAMILY",
] as const satisfies readonly Operation[];

export interface Actor {
  memberId: string;
  role: Role;
  schoolIds: string[];
  districtId: string | null;
  /** The département of a DSDEN member (its code, e.g. "069"). Unknown (null or absent) reaches
   *  no département. */
  departmentCode?: string | null;
  /** False when the member is known to hold no case at all (read with who is talking): their
   *  lists then need no "assigned to me" branch. Unknown (undefined) counts as holding some. */
  holdsCases?: boolean;
}

/** What permissions need to know about a case (or about a case being reported). */
export interface CaseScope {
  schoolId: string;
  districtId: string;
  /** The département of the case's school. Unknown (null or absent) is outside every département. */
  departmentCode?: string | null;
  reporterIds: string[];
  assigneeId: string | null;
  escalatedToMlds: boolean;
  /** The pupil's age at the report date (routing.ageAtReport); null: unknown, counts as 16 or over. */
  pupilAge?: number | null;
  /** The bassin's setting: whether its coordinators may act before the GPDS refers the case.
   *  Absent: the default, URGENT_OR_OUT_OF_SCHOOL. */
  mldsAccess?: MldsAccess;
  /** The case's vigilance level (1 to 3); absent counts as 1. */
  urgency?: number;
  /** A report said the pupil no longer comes or has left the school. */
  outOfSchool?: boolean;
}

/**
 * Per bassin, when its MLDS coordinators may act (take in charge, assign, ask, plan, close) on a case
 * of 16 or over that the school's GPDS has not yet referred: at once, only when the case is urgent
 * (vigilance 3) or the pupil is out of school, or only once referred. They see the case either way.
 */
export const MLDS_ACCESS = ["IMMEDIATE", "URGENT_OR_OUT_OF_SCHOOL", "ON_REFERRAL_ONLY"] as const;
export type MldsAccess = (typeof MLDS_ACCESS)[number];
export const DEFAULT_MLDS_ACCESS: MldsAccess = "URGENT_OR_OUT_OF_SCHOOL";
export const URGENT_LEVEL = 3;

/** The operations by which a coordinator acts on a case (as opposed to reading it). */
export const ACTING_OPERATIONS = ["TRIAGE", "EDIT_PLAN", "CLOSE_CASE", "TRANSFER_CASE"] as const satisfies readonly Operation[];

/** Whether the bassin's coordinators may act on a case now: referred by the GPDS, or the bassin's
 *  setting lets them act before the decision. */
export function mldsMayAct(target: Pick<CaseScope, "escalatedToMlds" | "mldsAccess" | "urgency" | "outOfSchool">): boolean {
  if (target.escalatedToMlds) return true;
  switch (target.mldsAccess ?? DEFAULT_MLDS_ACCESS) {
    case "IMMEDIATE":
      return true;
    case "URGENT_OR_OUT_OF_SCHOOL":
      return (target.urgency ?? 1) >= URGENT_LEVEL || target.outOfSchool === true;
    case "ON_REFERRAL_ONLY":
      return false;
  }
}

/** The widest scope a role has for an operation, or null when it never may. */
export function scopeOf(role: Role, op: Operation): Scope | null {
  return PERMISSIONS[op][role] ?? null;
}

/**
 * Whether a member may perform an operation on a case. Without a case (target null), only the
 * operations of TARGETLESS_OPERATIONS are answered, from the role alone; the caller then limits
 * the data to scopeOf(role, op) (for members, to mayManageMembership).
 */
export function can(actor: Actor, op: Operation, target: CaseScope | null): boolean {
  const scope = scopeOf(actor.role, op);
  if (scope === null) return false;
  if (target === null) return (TARGETLESS_OPERATIONS as readonly Operation[]).includes(op);
  if (target.assigneeId !== null && target.assigneeId === actor.memberId && isAssigneeOperation(op)) {
    return true;
  }
  if (isBassinRole(actor.role) && op !== "CREATE_REPORT" && staysWithSchool(target)) return false;
  // Before the GPDS decides, a coordinator sees a 16+ case but acts on it only as the bassin allows
  // (the case they already hold stays theirs: the assignee's operations are answered above).
  // The family is the school's to meet until the GPDS refers the case to the MLDS.
  if (op === "RECORD_FAMILY" && isBassinRole(actor.role) && !target.escalatedToMlds) return false;
  if (actor.role === "COORDINATOR" && isActingOperation(op) && target.assigneeId !== actor.memberId && !mldsMayAct(target)) return false;
  return withinScope(actor, scope, target);
}

/**
 * An under-16 case that the school has not escalated is followed by the school's GPDS alone; the
 * bassin's MLDS coordinators and IEN-IO do not see it (roles.BASSIN_ROLES). The DSDEN's statistics
 * count it: the DASEN answers for compulsory schooling, which is what such a case is about.
 */
export function staysWithSchool(target: Pick<CaseScope, "pupilAge" | "escalatedToMlds">): boolean {
  const age = target.pupilAge;
  return !target.escalatedToMlds && age !== null && age !== undefined && age < MLDS_MIN_AGE;
}

function isActingOperation(op: Operation): boolean {
  return (ACTING_OPERATIONS as readonly Operation[]).includes(op);
}

function isAssigneeOperation(op: Operation): boolean {
  return (ASSIGNEE_OPERATIONS as readonly Operation[]).includes(op);
}

function withinScope(actor: Actor, scope: Scope, target: CaseScope): boolean {
  switch (scope) {
    case "OWN_REPORTS":
      return target.reporterIds.includes(actor.memberId);
    case "SCHOOL":
      return actor.schoolIds.includes(target.schoolId);
    case "DISTRICT":
      return actor.districtId !== null && actor.districtId === target.districtId;
    case "DEPARTMENT":
      return sameKnown(actor.departmentCode, target.departmentCode);
    case "ACADEMY":
      return true;
  }
}

function sameKnown(a: string | null | undefined, b: string | null | undefined): boolean {
  return a !== null && a !== undefined && b !== null && b !== undefined && a === b;
}

// ---------------------------------------------------------------------------------------------
// Members

/**
 * One place where a person holds a role: a school for the school roles (with that school's bassin
 * and département when known), a bassin for COORDINATOR and IEN_IO, a département for DSDEN, the
 * académie for ADMIN. A teacher of two schools holds two memberships.
 */
export type Membership = {
  role: Role;
  schoolId?: string | null;
  districtId?: string | null;
  departmentCode?: string | null;
};

export const MEMBER_OPERATIONS = ["MANAGE_MEMBERS", "APPROVE_ENROLMENT"] as const satisfies readonly Operation[];
export type MemberOperation = (typeof MEMBER_OPERATIONS)[number];

const REACH: Readonly<Record<Scope | RoleAttachment, number>> = { OWN_REPORTS: 0, SCHOOL: 1, DISTRICT: 2, DEPARTMENT: 3, ACADEMY: 4 };

/**
 * Whether `actor` may grant, change, take away (MANAGE_MEMBERS) or approve (APPROVE_ENROLMENT)
 * this membership. Both the role and the place must be within the actor's reach: a chef
 * d'établissement handles the school roles of their own schools (an adjoint included), never a
 * bassin, département or académie role, which only the académie's admins grant. Changing someone's
 * role or school is allowed when both the old and the new membership are.
 */
export function mayManageMembership(actor: Actor, membership: Membership, op: MemberOperation = "MANAGE_MEMBERS"): boolean {
  const scope = scopeOf(actor.role, op);
  if (scope === null) return false;
  if (REACH[ROLE_ATTACHMENT[membership.role]] > REACH[scope]) return false;
  switch (scope) {
    case "OWN_REPORTS":
      return false;
    case "SCHOOL":
      return membership.schoolId !== null && membership.schoolId !== undefined && actor.schoolIds.includes(membership.schoolId);
    case "DISTRICT":
      return sameKnown(actor.districtId, membership.districtId);
    case "DEPARTMENT":
      return sameKnown(actor.departmentCode, membership.departmentCode);
    case "ACADEMY":
      return true;
  }
}
