import { z } from "zod";
import { signalFamily, type SignalCode } from "./signals.js";
import { MLDS_MIN_AGE } from "./routing.js";

/** What an action of this kind must record before it can be saved. */
export type PlanActionRequirement = "company" | "dates" | "partner";

/** The MLDS catalogue of support actions, in the order a plan form lists them. */
export const PLAN_ACTIONS = [
  { code: "SITUATION_INTERVIEW", requires: [] },
  { code: "PSYEN_INTERVIEW", requires: [] },
  { code: "TUTORING", requires: [] },
  { code: "REMOBILISATION_SAS", requires: [] },
  { code: "INTERNSHIP", requires: ["company", "dates"] },
  { code: "MOREA", requires: [] },
  { code: "PAFI", requires: [] },
  { code: "MICRO_LYCEE", requires: [] },
  { code: "PERSONAL_PROJECT", requires: [] },
  { code: "EMPLOYMENT_SUPPORT", requires: [] },
  { code: "PARTNER_REFERRAL", requires: ["partner"] },
] as const satisfies readonly { code: string; requires: readonly PlanActionRequirement[] }[];

export type PlanActionCode = (typeof PLAN_ACTIONS)[number]["code"];

export const PLAN_ACTION_CODES: readonly PlanActionCode[] = PLAN_ACTIONS.map((a) => a.code);

export const planActionCodeSchema = z.enum(PLAN_ACTIONS.map((a) => a.code) as [PlanActionCode, ...PlanActionCode[]]);

const REQUIREMENTS_BY_CODE: ReadonlyMap<string, readonly PlanActionRequirement[]> = new Map(PLAN_ACTIONS.map((a) => [a.code, a.requires]));

export function isPlanActionCode(x: unknown): x is PlanActionCode {
  return typeof x === "string" && REQUIREMENTS_BY_CODE.has(x);
}

export function requirementsOf(code: PlanActionCode): readonly PlanActionRequirement[] {
  return REQUIREMENTS_BY_CODE.get(code) ?? [];
}

/** Partners a pupil can be referred to. */
export const PARTNERS = ["MISSION_LOCALE", "CIO", "PSAD", "E2C", "EPIDE", "SERVICE_CIVIQUE"] as const;
export type Partner = (typeof PARTNERS)[number];

export const partnerSchema = z.enum(PARTNERS);

export function isPartner(x: unknown): x is Partner {
  return typeof x === "string" && (PARTNERS as readonly string[]).includes(x);
}

/** Same values as the Prisma enum PlanActionStatus. */
export const PLAN_ACTION_STATUSES = ["PLANNED", "IN_PROGRESS", "DONE", "ABANDONED"] as const;
export type PlanActionStatus = (typeof PLAN_ACTION_STATUSES)[number];

export const planActionStatusSchema = z.enum(PLAN_ACTION_STATUSES);

// DONE and ABANDONED are final: a restarted action is a new action, so the plan's history stays true.
// PLANNED may go straight to DONE because a one-off interview is rarely marked as started.
const NEXT_ACTION_STATUSES: Readonly<Record<PlanActionStatus, readonly PlanActionStatus[]>> = {
  PLANNED: ["IN_PROGRESS", "DONE", "ABANDONED"],
  IN_PROGRESS: ["DONE", "ABANDONED"],
  DONE: [],
  ABANDONED: [],
};

export function applyActionStatus(
  from: PlanActionStatus,
  to: PlanActionStatus,
): { ok: true; to: PlanActionStatus } | { ok: false; reason: "INVALID_TRANSITION" } {
  return NEXT_ACTION_STATUSES[from].includes(to) ? { ok: true, to } : { ok: false, reason: "INVALID_TRANSITION" };
}

/** Same values as the Prisma enum OutcomeKind. */
export const OUTCOMES = [
  "BACK_IN_TRAINING",
  "KEPT_IN_TRAINING",
  "APPRENTICESHIP",
  "EMPLOYMENT",
  "PARTNER_REFERRAL",
  "MOVED_AWAY",
  "NO_SOLUTION",
  "DISMISSED",
] as const;
export type OutcomeKind = (typeof OUTCOMES)[number];

/** Outcomes a CLOSE may choose; DISMISSED is recorded only by classer sans suite (DISMISS). */
export const CLOSING_OUTCOMES = OUTCOMES.filter((o): o is Exclude<OutcomeKind, "DISMISSED"> => o !== "DISMISSED");
export type ClosingOutcome = Exclude<OutcomeKind, "DISMISSED">;

export const outcomeSchema = z.enum(OUTCOMES);
export const closingOutcomeSchema = z.enum(CLOSING_OUTCOMES as [ClosingOutcome, ...ClosingOutcome[]]);

export interface SuggestionInput {
  signals: SignalCode[];
  age: number | null;
  /** Whether the pupil currently has a place in a school. */
  inSchool: boolean;
}

/**
 * First actions worth proposing when a plan is opened, in catalogue order. Only a suggestion for
 * the person building the plan; an unknown age never triggers MLDS modules reserved to 16+.
 */
export function suggestActions(input: SuggestionInput): PlanActionCode[] {
  const signals = new Set(input.signals);
  const wanted = new Set<PlanActionCode>(["SITUATION_INTERVIEW"]);
  if (input.signals.some((s) => signalFamily(s) === "ORIENTATION")) {
    wanted.add("PSYEN_INTERVIEW");
    wanted.add("PERSONAL_PROJECT");
  }
  if (signals.has("FALLING_GRADES") || signals.has("WORK_NOT_DONE")) wanted.add("TUTORING");
  if (signals.has("EXAM_FAILED")) wanted.add("MOREA");
  // A pupil with no assignment at the rentrée is out of school whatever the record says.
  const outOfSchool = !input.inSchool || signals.has("NOT_ASSIGNED");
  if (input.age !== null && input.age >= MLDS_MIN_AGE && outOfSchool) wanted.add("REMOBILISATION_SAS");
  return PLAN_ACTION_CODES.filter((code) => wanted.has(code));
}
