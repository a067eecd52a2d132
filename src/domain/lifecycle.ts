import { z } from "zod";
import { ROLES, type Role } from "./roles.js";

/** Statuses of a case, the same values as the Prisma enum CaseStatus. */
export const CASE_STATUSES = ["NEW", "ACKNOWLEDGED", "INFO_REQUESTED", "PLAN_ACTIVE", "REVIEW_DUE", "CLOSED"] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const OPEN_STATUSES = ["NEW", "ACKNOWLEDGED", "INFO_REQUESTED", "PLAN_ACTIVE", "REVIEW_DUE"] as const satisfies readonly CaseStatus[];
export type OpenStatus = (typeof OPEN_STATUSES)[number];

export const caseStatusSchema = z.enum(CASE_STATUSES);

export const CASE_ACTIONS = [
  "TAKE_CHARGE",
  "ASSIGN",
  "REQUEST_INFO",
  "INFO_RECEIVED",
  "OPEN_PLAN",
  "UPDATE_PLAN",
  "REVIEW_DUE",
  "RECORD_REVIEW",
  "ESCALATE",
  "DISMISS",
  "CLOSE",
  "ADD_REPORT",
  "REOPEN",
  "CLOSE_IDLE",
  "REOPEN_BY_REPORT",
] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

export const caseActionSchema = z.enum(CASE_ACTIONS);

/** Who performs a transition: a member in a role, or the scheduler (for review reminders). */
export type TransitionActor = Role | "SYSTEM";

export type TransitionResult = { ok: true; to: CaseStatus } | { ok: false; reason: "INVALID_TRANSITION" | "ROLE_NOT_ALLOWED" };

const TRIAGE_ROLES = ["REFERENT", "COORDINATOR", "ADMIN"] as const satisfies readonly Role[];
// Every member role: whether this member may report on, or answer for, this case is for permissions.
const ANY_ROLE: readonly Role[] = ROLES;

interface TransitionRule {
  readonly by: readonly TransitionActor[];
  /** Status reached from each status where the action is allowed; absent statuses reject it. */
  readonly from: Readonly<Partial<Record<CaseStatus, CaseStatus>>>;
}

/**
 * The whole state machine in one table. Role checks here say who may ever make a move; whether a
 * given member may touch a given case (school, district, under-16 rule) is decided by permissions.
 */
export const TRANSITIONS: Readonly<Record<CaseAction, TransitionRule>> = {
  TAKE_CHARGE: { by: TRIAGE_ROLES, from: { NEW: "ACKNOWLEDGED" } },
  // Assigning a new case puts someone in charge of it, so it counts as taking charge.
  ASSIGN: {
    by: TRIAGE_ROLES,
    from: {
      NEW: "ACKNOWLEDGED",
      ACKNOWLEDGED: "ACKNOWLEDGED",
      INFO_REQUESTED: "INFO_REQUESTED",
      PLAN_ACTIVE: "PLAN_ACTIVE",
      REVIEW_DUE: "REVIEW_DUE",
    },
  },
  REQUEST_INFO: { by: TRIAGE_ROLES, from: { NEW: "INFO_REQUESTED", ACKNOWLEDGED: "INFO_REQUESTED" } },
  // The reporter answering the request is what usually lifts it, hence STAFF.
  INFO_RECEIVED: { by: ANY_ROLE, from: { INFO_REQUESTED: "ACKNOWLEDGED" } },
  OPEN_PLAN: { by: TRIAGE_ROLES, from: { ACKNOWLEDGED: "PLAN_ACTIVE" } },
  // Editing the plan while a review is due does not count as the review.
  UPDATE_PLAN: { by: TRIAGE_ROLES, from: { PLAN_ACTIVE: "PLAN_ACTIVE", REVIEW_DUE: "REVIEW_DUE" } },
  REVIEW_DUE: { by: ["SYSTEM"], from: { PLAN_ACTIVE: "REVIEW_DUE" } },
  // A review may also be held before it falls due.
  RECORD_REVIEW: { by: TRIAGE_ROLES, from: { PLAN_ACTIVE: "PLAN_ACTIVE", REVIEW_DUE: "PLAN_ACTIVE" } },
  // Referral to the MLDS is a decision of the school's GPDS, recorded by its référent or by the chef
  // d'établissement who chairs it (ages: domain/routing.ts mayReferToMlds).
  ESCALATE: {
    by: ["HEAD", "REFERENT"],
    from: {
      NEW: "NEW",
      ACKNOWLEDGED: "ACKNOWLEDGED",
      INFO_REQUESTED: "INFO_REQUESTED",
      PLAN_ACTIVE: "PLAN_ACTIVE",
      REVIEW_DUE: "REVIEW_DUE",
    },
  },
  // Classer sans suite is for cases where nothing was started; once a plan runs, the case closes with an outcome.
  DISMISS: { by: TRIAGE_ROLES, from: { NEW: "CLOSED", ACKNOWLEDGED: "CLOSED", INFO_REQUESTED: "CLOSED" } },
  // An outcome needs someone to have looked at the case, so a NEW case cannot be closed directly.
  CLOSE: { by: TRIAGE_ROLES, from: { ACKNOWLEDGED: "CLOSED", PLAN_ACTIVE: "CLOSED", REVIEW_DUE: "CLOSED" } },
  // A closed case (not yet anonymised: services check it) is reopened rather than a new one created:
  // the young person's history stays one; it is looked at again before a plan starts again.
  REOPEN: { by: TRIAGE_ROLES, from: { CLOSED: "ACKNOWLEDGED" } },
  // An idle case (or a young person past the MLDS's age) closed « perdu de vue » (outcome
  // LOST_CONTACT): by who may close it, answering the proposal, or by the scheduler once the notice
  // is over (domain/idle-cases.ts). From any open status: nobody may have looked at it for months.
  CLOSE_IDLE: {
    by: [...TRIAGE_ROLES, "SYSTEM"],
    from: { NEW: "CLOSED", ACKNOWLEDGED: "CLOSED", INFO_REQUESTED: "CLOSED", PLAN_ACTIVE: "CLOSED", REVIEW_DUE: "CLOSED" },
  },
  // A new fiche de repérage about a young person whose case closed less than a year ago may reopen
  // it (the reporter chooses): a new report, not a triage decision, hence any role who may report
  // for the school (services check the school, the year and that the case still names the pupil).
  REOPEN_BY_REPORT: { by: ANY_ROLE, from: { CLOSED: "ACKNOWLEDGED" } },
  // A report about a pupil with a closed case opens a new case, unless the reporter reopens it (REOPEN_BY_REPORT).
  ADD_REPORT: {
    by: ANY_ROLE,
    from: {
      NEW: "NEW",
      ACKNOWLEDGED: "ACKNOWLEDGED",
      INFO_REQUESTED: "INFO_REQUESTED",
      PLAN_ACTIVE: "PLAN_ACTIVE",
      REVIEW_DUE: "REVIEW_DUE",
    },
  },
};

/** What an action must carry besides the actor, checked by the service before applying it. */
export const ACTION_REQUIREMENTS: Readonly<Partial<Record<CaseAction, "ASSIGNEE" | "REASON" | "OUTCOME" | "PLAN">>> = {
  ASSIGN: "ASSIGNEE",
  DISMISS: "REASON",
  CLOSE: "OUTCOME",
  REOPEN: "REASON",
  OPEN_PLAN: "PLAN",
};

export function isOpenStatus(status: CaseStatus): status is OpenStatus {
  return status !== "CLOSED";
}

export function applyTransition(from: CaseStatus, action: CaseAction, actor: TransitionActor): TransitionResult {
  const rule = TRANSITIONS[action];
  const to = rule.from[from];
  if (to === undefined) return { ok: false, reason: "INVALID_TRANSITION" };
  if (!rule.by.includes(actor)) return { ok: false, reason: "ROLE_NOT_ALLOWED" };
  return { ok: true, to };
}

/** Actions a card may offer to this role on a case in this status, in catalogue order. */
export function allowedActions(status: CaseStatus, role: TransitionActor): CaseAction[] {
  return CASE_ACTIONS.filter((action) => applyTransition(status, action, role).ok);
}
