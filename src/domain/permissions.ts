import { z } from "zod";
import type { Role } from "./roles.js";
import { MLDS_MIN_AGE } from "./routing.js";

export const OPERATIONS = [
  "CREATE_REPORT",
  "VIEW_STATUS",
  "VIEW_DETAILS",
  "TRIAGE",
  "EDIT_PLAN",
  "CLOSE_CASE",
  "VIEW_HISTORY",
  "VIEW_STATS",
  "EXPORT_CASES",
  "EXPORT_PUPIL_DATA",
  "ERASE_PUPIL_DATA",
  "MANAGE_MEMBERS",
] as const;
export type Operation = (typeof OPERATIONS)[number];

export const operationSchema = z.enum(OPERATIONS);

/** How far a permission reaches, from the narrowest to the widest. */
export const SCOPES = ["OWN_REPORTS", "SCHOOL", "DISTRICT", "ACADEMY"] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * The one table of who may do what, and over which cases. A missing cell means never.
 * Admins see the académie through statistics and data-protection requests, not pupil names; the
 * people who triage see details only where they act; staff see what they reported.
 */
export const PERMISSIONS: Readonly<Record<Operation, Readonly<Partial<Record<Role, Scope>>>>> = {
  CREATE_REPORT: { STAFF: "SCHOOL", REFERENT: "SCHOOL", COORDINATOR: "DISTRICT" },
  VIEW_STATUS: { STAFF: "OWN_REPORTS", REFERENT: "SCHOOL", COORDINATOR: "DISTRICT", ADMIN: "ACADEMY" },
  VIEW_DETAILS: { REFERENT: "SCHOOL", COORDINATOR: "DISTRICT" },
  TRIAGE: { REFERENT: "SCHOOL", COORDINATOR: "DISTRICT" },
  EDIT_PLAN: { REFERENT: "SCHOOL", COORDINATOR: "DISTRICT" },
  CLOSE_CASE: { REFERENT: "SCHOOL", COORDINATOR: "DISTRICT" },
  VIEW_HISTORY: { REFERENT: "SCHOOL", COORDINATOR: "DISTRICT", ADMIN: "ACADEMY" },
  VIEW_STATS: { REFERENT: "SCHOOL", COORDINATOR: "DISTRICT", ADMIN: "ACADEMY" },
  EXPORT_CASES: { REFERENT: "SCHOOL", COORDINATOR: "DISTRICT" },
  EXPORT_PUPIL_DATA: { ADMIN: "ACADEMY" },
  ERASE_PUPIL_DATA: { ADMIN: "ACADEMY" },
  MANAGE_MEMBERS: { ADMIN: "ACADEMY" },
};

/** Operations that make sense without a case: asking only whether the role may do them at all. */
export const TARGETLESS_OPERATIONS = ["VIEW_STATS", "EXPORT_CASES", "MANAGE_MEMBERS"] as const satisfies readonly Operation[];

/** What the person in charge of a case may do on it wherever it sits, provided their role allows it at all. */
export const ASSIGNEE_OPERATIONS = ["VIEW_STATUS", "VIEW_DETAILS", "VIEW_HISTORY", "EDIT_PLAN", "CLOSE_CASE"] as const satisfies readonly Operation[];

export interface Actor {
  memberId: string;
  role: Role;
  schoolIds: string[];
  districtId: string | null;
  /** False when the member is known to hold no case at all (read with who is talking): their
   *  lists then need no "assigned to me" branch. Unknown (undefined) counts as holding some. */
  holdsCases?: boolean;
}

/** What permissions need to know about a case (or about a case being reported). */
export interface CaseScope {
  schoolId: string;
  districtId: string;
  reporterIds: string[];
  assigneeId: string | null;
  escalatedToMlds: boolean;
  pupilAge?: number | null;
}

/** The widest scope a role has for an operation, or null when it never may. */
export function scopeOf(role: Role, op: Operation): Scope | null {
  return PERMISSIONS[op][role] ?? null;
}

/**
 * Whether a member may perform an operation on a case. Without a case (target null), only the
 * operations of TARGETLESS_OPERATIONS are answered, from the role alone; the caller then limits
 * the data to scopeOf(role, op).
 */
export function can(actor: Actor, op: Operation, target: CaseScope | null): boolean {
  const scope = scopeOf(actor.role, op);
  if (scope === null) return false;
  if (target === null) return (TARGETLESS_OPERATIONS as readonly Operation[]).includes(op);
  if (target.assigneeId !== null && target.assigneeId === actor.memberId && isAssigneeOperation(op)) {
    return true;
  }
  if (actor.role === "COORDINATOR" && op !== "CREATE_REPORT" && staysWithSchool(target)) return false;
  return withinScope(actor, scope, target);
}

/**
 * An under-16 case that the school has not escalated is followed by the school's GPDS alone; the
 * MLDS coordinators of the district do not see it.
 */
export function staysWithSchool(target: Pick<CaseScope, "pupilAge" | "escalatedToMlds">): boolean {
  const age = target.pupilAge;
  return !target.escalatedToMlds && age !== null && age !== undefined && age < MLDS_MIN_AGE;
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
    case "ACADEMY":
      return true;
  }
}
