import { z } from "zod";
import { signalFamily, type SignalCode } from "./signals.js";
import { MLDS_MIN_AGE } from "./routing.js";

/** What an action of this kind must record before it can be saved. */
export type PlanActionRequirement = "company" | "dates" | "partner";

/** Whose catalogue an action belongs to: the school's GPDS decides school measures; the MLDS
 *  runs its modules for the young people referred to it. */
export const PLAN_OWNERS = ["SCHOOL", "MLDS"] as const;
export type PlanOwner = (typeof PLAN_OWNERS)[number];

/** Ages (inclusive) within which an action or a partner can be offered. */
export type AgeRange = { min?: number; max?: number };

type CatalogueEntry = {
  code: string;
  owner: PlanOwner;
  requires: readonly PlanActionRequirement[];
  ages?: AgeRange;
  /** Who must validate the action before it runs (the PAFI: the bassin's IEN-IO). */
  validatedBy?: "IEN_IO";
};

/** The two catalogues of support actions, each in the order a plan form lists it. */
export const PLAN_ACTIONS = [
  // School measures, decided by the GPDS.
  { code: "TUTORING", owner: "SCHOOL", requires: [] },
  { code: "PPRE", owner: "SCHOOL", requires: [] },
  { code: "TIMETABLE_ADJUSTMENT", owner: "SCHOOL", requires: [] },
  { code: "PUPIL_FAMILY_INTERVIEW", owner: "SCHOOL", requires: [] },
  { code: "PSYEN_FOLLOW_UP", owner: "SCHOOL", requires: [] },
  { code: "SOCIAL_WORKER_FOLLOW_UP", owner: "SCHOOL", requires: [] },
  { code: "NURSE_FOLLOW_UP", owner: "SCHOOL", requires: [] },
  { code: "EDUCATIONAL_COMMISSION", owner: "SCHOOL", requires: [] },
  { code: "ALLIANCE_EDUCATIVE", owner: "SCHOOL", requires: [] },
  { code: "MINI_STAGE", owner: "SCHOOL", requires: [] },
  { code: "PAFI", owner: "SCHOOL", requires: [], validatedBy: "IEN_IO" },
  // MLDS modules, for the young people referred to the MLDS.
  { code: "SITUATION_INTERVIEW", owner: "MLDS", requires: [] },
  { code: "SAS_WELCOME", owner: "MLDS", requires: [] },
  { code: "REMOBILISATION", owner: "MLDS", requires: [] },
  { code: "REMISE_A_NIVEAU", owner: "MLDS", requires: [] },
  { code: "INTERNSHIP", owner: "MLDS", requires: ["company", "dates"] },
  { code: "MOREA", owner: "MLDS", requires: [] },
  { code: "MICRO_LYCEE", owner: "MLDS", requires: [] },
  { code: "EMPLOYMENT_SUPPORT", owner: "MLDS", requires: [], ages: { min: 16 } },
  { code: "PARTNER_REFERRAL", owner: "MLDS", requires: ["partner"] },
] as const satisfies readonly CatalogueEntry[];

export type PlanActionCode = (typeof PLAN_ACTIONS)[number]["code"];

export const PLAN_ACTION_CODES: readonly PlanActionCode[] = PLAN_ACTIONS.map((a) => a.code);

export const planActionCodeSchema = z.enum(PLAN_ACTIONS.map((a) => a.code) as [PlanActionCode, ...PlanActionCode[]]);

/** Codes of earlier catalogues that plans may still hold: shown with their label, never offered.
 *  (PSYEN_INTERVIEW and REMOBILISATION_SAS were migrated to PSYEN_FOLLOW_UP and REMOBILISATION.) */
export const LEGACY_PLAN_ACTION_CODES = ["PERSONAL_PROJECT", "PSYEN_INTERVIEW", "REMOBILISATION_SAS"] as const;

const ENTRY_BY_CODE: ReadonlyMap<string, CatalogueEntry> = new Map(PLAN_ACTIONS.map((a) => [a.code, a]));

export function isPlanActionCode(x: unknown): x is PlanActionCode {
  return typeof x === "string" && ENTRY_BY_CODE.has(x);
}

/** Whether a code can be shown with a label: a current action or a legacy one. */
export function isKnownPlanActionCode(x: unknown): boolean {
  return isPlanActionCode(x) || (LEGACY_PLAN_ACTION_CODES as readonly unknown[]).includes(x);
}

export function requirementsOf(code: PlanActionCode): readonly PlanActionRequirement[] {
  return ENTRY_BY_CODE.get(code)?.requires ?? [];
}

export function ownerOfAction(code: PlanActionCode): PlanOwner {
  return ENTRY_BY_CODE.get(code)!.owner;
}

/** Whether an action must be validated before it runs, and by whom. */
export function validatorOf(code: string): "IEN_IO" | null {
  return ENTRY_BY_CODE.get(code)?.validatedBy ?? null;
}

/** Whose catalogue a case's plan offers: the MLDS's once the case was referred to it. */
export function planOwnerOf(c: { escalatedToMlds: boolean }): PlanOwner {
  return c.escalatedToMlds ? "MLDS" : "SCHOOL";
}

function withinAges(ages: AgeRange | undefined, age: number | null): boolean {
  if (!ages) return true;
  // An unknown age cannot prove a bounded action fits.
  if (age === null) return false;
  return (ages.min === undefined || age >= ages.min) && (ages.max === undefined || age <= ages.max);
}

/** The actions a plan offers: its owner's catalogue, within the pupil's age. */
export function catalogueFor(owner: PlanOwner, age: number | null): PlanActionCode[] {
  return PLAN_ACTIONS.filter((a) => a.owner === owner && withinAges((a as CatalogueEntry).ages, age)).map((a) => a.code);
}

/** Partners a young person can be referred to, with the ages each one takes. */
export const PARTNER_CATALOGUE = [
  { code: "MISSION_LOCALE", ages: { min: 16, max: 25 } },
  { code: "CIO" },
  { code: "E2C", ages: { min: 16, max: 25 } },
  { code: "EPIDE", ages: { min: 18, max: 25 } },
  { code: "SERVICE_CIVIQUE", ages: { min: 16, max: 25 } },
] as const satisfies readonly { code: string; ages?: AgeRange }[];

/** Partners that plans may still name but that are no longer offered. */
export const LEGACY_PARTNERS = ["PSAD"] as const;

export const PARTNERS = PARTNER_CATALOGUE.map((p) => p.code);
export type Partner = (typeof PARTNER_CATALOGUE)[number]["code"];

export const partnerSchema = z.enum(PARTNERS as [Partner, ...Partner[]]);

export function isPartner(x: unknown): x is Partner {
  return typeof x === "string" && (PARTNERS as readonly string[]).includes(x);
}

/** The partners offered for a pupil of this age. */
export function partnersFor(age: number | null): Partner[] {
  return PARTNER_CATALOGUE.filter((p) => withinAges((p as { ages?: AgeRange }).ages, age)).map((p) => p.code);
}

/** Where a PAFI's validation stands (PlanAction.validation). */
export const VALIDATION_STATES = ["PENDING", "VALIDATED", "REFUSED"] as const;
export type ValidationState = (typeof VALIDATION_STATES)[number];

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

/** Outcomes, in the categories of the national follow-up of early school leavers. Same values as
 *  the Prisma enum OutcomeKind, but the legacy ones. */
export const OUTCOMES = [
  "BACK_IN_TRAINING",
  "KEPT_IN_TRAINING",
  "APPRENTICESHIP",
  "VOCATIONAL_TRAINING",
  "EMPLOYMENT",
  "CIVIC_SERVICE",
  "DIPLOMA",
  "PARTNER_REFERRAL",
  "SUPPORT_REFUSED",
  "NO_SOLUTION",
  "LOST_CONTACT",
  "DISMISSED",
] as const;

/** Outcomes that closed cases may hold but no longer offered: a move within the académie is a
 *  transfer, not an outcome. MOVED_AWAY is still recorded, by Repère, when a case is sent to
 *  another académie (services/academie-transfer.ts). */
export const LEGACY_OUTCOMES = ["MOVED_AWAY"] as const;

export type OutcomeKind = (typeof OUTCOMES)[number] | (typeof LEGACY_OUTCOMES)[number];

/** Outcomes a CLOSE may choose; DISMISSED is recorded only by « Clore : pas d'accompagnement
 *  nécessaire » (DISMISS). */
export const CLOSING_OUTCOMES = OUTCOMES.filter((o): o is Exclude<(typeof OUTCOMES)[number], "DISMISSED"> => o !== "DISMISSED");
export type ClosingOutcome = (typeof CLOSING_OUTCOMES)[number];

export const outcomeSchema = z.enum(OUTCOMES);
export const closingOutcomeSchema = z.enum(CLOSING_OUTCOMES as [ClosingOutcome, ...ClosingOutcome[]]);

export interface SuggestionInput {
  signals: SignalCode[];
  age: number | null;
  /** Whether the pupil currently has a place in a school. */
  inSchool: boolean;
  /** Whose catalogue the plan offers; the school's when not given. */
  owner?: PlanOwner;
}

/**
 * First actions worth proposing when a plan is opened, in catalogue order, from the plan owner's
 * catalogue. Only a suggestion for the person building the plan; an unknown age never triggers
 * MLDS modules reserved to 16+.
 */
export function suggestActions(input: SuggestionInput): PlanActionCode[] {
  const owner = input.owner ?? "SCHOOL";
  const signals = new Set(input.signals);
  const wanted = new Set<PlanActionCode>();
  const orientation = input.signals.some((s) => signalFamily(s) === "ORIENTATION");
  if (owner === "SCHOOL") {
    wanted.add("PUPIL_FAMILY_INTERVIEW");
    if (orientation) wanted.add("PSYEN_FOLLOW_UP");
    if (signals.has("FALLING_GRADES") || signals.has("WORK_NOT_DONE") || signals.has("LEARNING_DIFFICULTIES")) wanted.add("PPRE");
    if (signals.has("WORK_NOT_DONE") || signals.has("PASSIVITY")) wanted.add("TUTORING");
    if (signals.has("WANTS_TO_CHANGE_COURSE")) wanted.add("MINI_STAGE");
  } else {
    wanted.add("SITUATION_INTERVIEW");
    if (signals.has("FALLING_GRADES") || signals.has("LEARNING_DIFFICULTIES")) wanted.add("REMISE_A_NIVEAU");
    if (signals.has("EXAM_FAILED")) wanted.add("MOREA");
    // A pupil with no assignment at the rentrée is out of school whatever the record says.
    const outOfSchool = !input.inSchool || signals.has("NOT_ASSIGNED") || signals.has("STOPPED_COMING");
    if (input.age !== null && input.age >= MLDS_MIN_AGE && outOfSchool) wanted.add("SAS_WELCOME");
  }
  const offered = catalogueFor(owner, input.age);
  return offered.filter((code) => wanted.has(code));
}

/** Whether a member may validate or refuse an action that needs it: a PAFI by an IEN-IO of the
 *  case's bassin. Checked on the server; the card's data is never trusted. */
export function mayValidateAction(actor: { role: string; districtId: string | null }, action: { type: string }, c: { districtId: string }): boolean {
  const validator = validatorOf(action.type);
  return validator !== null && actor.role === validator && actor.districtId !== null && actor.districtId === c.districtId;
}
