import type { Role } from "./roles.js";

/** The case lifecycle (DESIGN.md §2): a pure state machine where every transition names who may make it. */

export const CASE_STATUSES = ["NEW", "ACKNOWLEDGED", "INFO_REQUESTED", "PLAN_ACTIVE", "REVIEW_DUE", "CLOSED"] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const OPEN_STATUSES: readonly CaseStatus[] = ["NEW", "ACKNOWLEDGED", "INFO_REQUESTED", "PLAN_ACTIVE", "REVIEW_DUE"];

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
] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

export type Actor = Role | "SYSTEM";

const TRIAGERS: readonly Actor[] = ["REFERENT", "COORDINATOR", "ADMIN"];
const EVERYONE: readonly Actor[] = ["STAFF", "REFERENT", "COORDINATOR", "ADMIN"];

type Rule = { from: readonly CaseStatus[]; to: CaseStatus | "SAME"; by: readonly Actor[] };

const RULES: Record<CaseAction, Rule> = {
  TAKE_CHARGE: { from: ["NEW", "INFO_REQUESTED"], to: "ACKNOWLEDGED", by: TRIAGERS },
  ASSIGN: { from: ["NEW", "ACKNOWLEDGED", "INFO_REQUESTED", "PLAN_ACTIVE", "REVIEW_DUE"], to: "SAME", by: TRIAGERS },
  REQUEST_INFO: { from: ["NEW", "ACKNOWLEDGED"], to: "INFO_REQUESTED", by: TRIAGERS },
  // The reporter's answer brings the case back to the people who asked.
  INFO_RECEIVED: { from: ["INFO_REQUESTED"], to: "ACKNOWLEDGED", by: EVERYONE },
  OPEN_PLAN: { from: ["NEW", "ACKNOWLEDGED", "INFO_REQUESTED"], to: "PLAN_ACTIVE", by: TRIAGERS },
  UPDATE_PLAN: { from: ["PLAN_ACTIVE", "REVIEW_DUE"], to: "SAME", by: TRIAGERS },
  REVIEW_DUE: { from: ["PLAN_ACTIVE"], to: "REVIEW_DUE", by: ["SYSTEM"] },
  RECORD_REVIEW: { from: ["REVIEW_DUE", "PLAN_ACTIVE"], to: "PLAN_ACTIVE", by: TRIAGERS },
  ESCALATE: { from: ["NEW", "ACKNOWLEDGED", "INFO_REQUESTED", "PLAN_ACTIVE", "REVIEW_DUE"], to: "SAME", by: ["REFERENT", "ADMIN"] },
  DISMISS: { from: ["NEW", "ACKNOWLEDGED", "INFO_REQUESTED"], to: "CLOSED", by: TRIAGERS },
  CLOSE: { from: ["ACKNOWLEDGED", "INFO_REQUESTED", "PLAN_ACTIVE", "REVIEW_DUE"], to: "CLOSED", by: TRIAGERS },
  ADD_REPORT: { from: ["NEW", "ACKNOWLEDGED", "INFO_REQUESTED", "PLAN_ACTIVE", "REVIEW_DUE"], to: "SAME", by: EVERYONE },
};

export type TransitionResult = { ok: true; to: CaseStatus } | { ok: false; reason: "INVALID_TRANSITION" | "ROLE_NOT_ALLOWED" };

export function applyTransition(from: CaseStatus, action: CaseAction, actor: Actor): TransitionResult {
  const rule = RULES[action];
  if (!rule.by.includes(actor)) return { ok: false, reason: "ROLE_NOT_ALLOWED" };
  if (!rule.from.includes(from)) return { ok: false, reason: "INVALID_TRANSITION" };
  return { ok: true, to: rule.to === "SAME" ? from : rule.to };
}

export function allowedActions(status: CaseStatus, actor: Actor): CaseAction[] {
  return CASE_ACTIONS.filter((a) => applyTransition(status, a, actor).ok);
}

export function isOpen(status: CaseStatus): boolean {
  return status !== "CLOSED";
}
