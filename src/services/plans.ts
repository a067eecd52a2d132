import { z } from "zod";
import { applyTransition, type CaseAction } from "../domain/lifecycle.js";
import {
  applyActionStatus,
  catalogueFor,
  closingOutcomeSchema,
  isPartner,
  isPlanActionCode,
  mayValidateAction,
  partnersFor,
  planActionStatusSchema,
  planOwnerOf,
  requirementsOf,
  suggestActions,
  validatorOf,
  type Partner,
  type PlanActionCode,
  type PlanOwner,
} from "../domain/plan-catalogue.js";
import { ageOn } from "../domain/routing.js";
import { can } from "../domain/permissions.js";
import { calendarDay, missingAgreement } from "../domain/families.js";
import { schoolYearsAround } from "../domain/school-year.js";
import { safeText } from "../domain/safe-text.js";
import { isSignalCode, type SignalCode } from "../domain/signals.js";
import {
  SAME_PERSON_EVENTS,
  UnknownPlanActionError,
  VersionConflictError,
  type CaseRecord,
  type OutgoingMessage,
  type PlanActionFields,
  type PlanOp,
  type PlanRecord,
  type Store,
} from "../store/index.js";
import type { Actor } from "./members.js";
import type { PrivateSendResult, TriageService } from "./triage.js";
import { pastTransferOf } from "./transfers.js";
import { linkedEvents, oneTimeline, type TimelineEvent } from "./timeline.js";

/** AGREEMENT_REQUIRED: an MLDS module without the young person's agreement on record, a PAFI
 *  without the family's (field: the agreement missing, youngPersonAgreedAt or familyAgreedAt). */
export type PlanFailure = "NOT_FOUND" | "FORBIDDEN" | "CONFLICT" | "INVALID_TRANSITION" | "INVALID_INPUT" | "OUTCOME_REQUIRED" | "AGREEMENT_REQUIRED";
export type PlanView = {
  case: CaseRecord;
  plan: PlanRecord | null;
  suggestions: PlanActionCode[];
  /** Whose catalogue the plan offers (the MLDS's once the case was referred to it). */
  owner: PlanOwner;
  /** The actions and partners offered, within the pupil's age. */
  catalogue: PlanActionCode[];
  partners: Partner[];
};
export type PlanResult =
  { ok: true; view: PlanView; event: string; sharedCardsUpdated?: boolean } | { ok: false; reason: PlanFailure; field?: string; view?: PlanView };

const optionalDate = z.preprocess((v) => (v === "" || v === null ? undefined : v), calendarDay.optional());
// One line each, but the closing comment (a multi-line input).
const text = (max: number, min?: number) => safeText({ max, min, lines: max > 200 });

/** The fields of a plan action as a card sends them (strings). */
export const ActionInput = z.object({
  type: z.string(),
  description: text(200, 1),
  startDate: optionalDate,
  endDate: optionalDate,
  partner: z.preprocess((v) => (v === "" ? undefined : v), z.string().optional()),
  company: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), text(100).optional()),
});

export type PlanCommand =
  | { verb: "addAction"; input: unknown }
  | { verb: "editAction"; actionId: string; input: unknown }
  | { verb: "setActionStatus"; actionId: string; status: unknown }
  | { verb: "setReview"; objective: unknown; nextReviewAt: unknown }
  | { verb: "close"; outcome: unknown; comment: unknown }
  /** « Clore (perdu de vue) », answering the daily job's proposal: from any open status (CLOSE_IDLE). */
  | { verb: "closeLostContact" };

export const DEFAULT_REVIEW_DAYS = 28;

/** The individual support plan: who may edit it (assignee, the district's coordinators, the
 *  school's référents), what each change does to the case, and its chronology. */
export class PlanService {
  constructor(
    private readonly store: Store,
    private readonly triage: TriageService,
    private readonly clock: () => Date,
  ) {}

  async view(actor: Actor, caseId: string): Promise<PlanResult> {
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return { ok: false, reason: "NOT_FOUND" };
    if (!this.triage.may(actor, "EDIT_PLAN", c)) return { ok: false, reason: "FORBIDDEN" };
    return { ok: true, view: await this.viewOf(c), event: "VIEWED" };
  }

  async viewOf(c: CaseRecord): Promise<PlanView> {
    const plan = await this.store.plans.get(c.id);
    const inPlan = new Set(plan?.actions.map((a) => a.type));
    const signals = c.signals.map((s) => s.code).filter((code): code is SignalCode => isSignalCode(code));
    const age = this.ageOf(c);
    const owner = planOwnerOf(c);
    const suggestions = suggestActions({ signals, age, inSchool: c.source !== "IMPORT", owner }).filter((code) => !inPlan.has(code));
    return { case: c, plan, suggestions, owner, catalogue: catalogueFor(owner, age), partners: partnersFor(age) };
  }

  /** The pupil's age today: from the birth date if known, else the birth year. */
  private ageOf(c: CaseRecord): number {
    return ageOn(c.pupil.birthYear, c.pupil.birthDate, this.clock());
  }

  async act(actor: Actor, caseId: string, seenVersion: number, cmd: PlanCommand): Promise<PlanResult> {
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return { ok: false, reason: "NOT_FOUND" };
    const closing = cmd.verb === "close" || cmd.verb === "closeLostContact";
    const op = closing ? "CLOSE_CASE" : "EDIT_PLAN";
    if (!this.triage.may(actor, op, c)) return { ok: false, reason: "FORBIDDEN" };
    const fail = async (reason: PlanFailure, field?: string): Promise<PlanResult> => ({ ok: false, reason, field, view: await this.viewOf(c) });
    if (c.version !== seenVersion) return fail("CONFLICT");

    const plan = await this.store.plans.get(c.id);
    let action: CaseAction = "UPDATE_PLAN";
    let planOp: PlanOp;
    let event: string;
    const data: Record<string, unknown> = {};
    const messages: OutgoingMessage[] = [];
    switch (cmd.verb) {
      case "addAction":
      case "editAction": {
        const age = this.ageOf(c);
        const current = cmd.verb === "editAction" ? plan?.actions.find((a) => a.id === cmd.actionId) : undefined;
        // An action is chosen from the plan owner's catalogue, within the pupil's age; an action
        // already in the plan keeps its type (one added before a referral, or a legacy code).
        const parsed = parseAction(cmd.input, this.clock(), {
          actions: catalogueFor(planOwnerOf(c), age),
          partners: partnersFor(age),
          keepType: current?.type,
          keepPartner: current?.partner ?? undefined,
        });
        if (!parsed.ok) return fail("INVALID_INPUT", parsed.field);
        if (cmd.verb === "addAction") {
          const missing = missingAgreement(parsed.fields.type, c.family);
          if (missing) return fail("AGREEMENT_REQUIRED", missing === "YOUNG_PERSON" ? "youngPersonAgreedAt" : "familyAgreedAt");
          const validator = validatorOf(parsed.fields.type);
          planOp = { kind: "addAction", fields: validator ? { ...parsed.fields, validation: "PENDING" } : parsed.fields };
          event = "PLAN_ACTION_ADDED";
          if (validator) {
            data.validation = "PENDING";
            messages.push(...(await this.validationRequests(c)));
          }
        } else {
          if (!current) return fail("INVALID_INPUT", "actionId");
          planOp = { kind: "editAction", actionId: cmd.actionId, fields: parsed.fields };
          event = "PLAN_ACTION_EDITED";
          data.actionId = cmd.actionId;
        }
        data.type = parsed.fields.type;
        break;
      }
      case "setActionStatus": {
        const status = planActionStatusSchema.safeParse(cmd.status);
        const current = plan?.actions.find((a) => a.id === cmd.actionId);
        if (!status.success || !current) return fail("INVALID_INPUT", "status");
        if (!applyActionStatus(current.status, status.data).ok) return fail("INVALID_TRANSITION");
        planOp = { kind: "setActionStatus", actionId: current.id, status: status.data };
        event = "PLAN_ACTION_STATUS";
        Object.assign(data, { actionId: current.id, type: current.type, from: current.status, to: status.data });
        break;
      }
      case "setReview": {
        // A review recorded from a channel card has no objective input (the plan's texts are not
        // shown there): the objective stays as it is.
        const objective = text(200).safeParse(cmd.objective === undefined ? (plan?.objective ?? "") : cmd.objective);
        const review = optionalDate.safeParse(cmd.nextReviewAt);
        if (!objective.success) return fail("INVALID_INPUT", "objective");
        if (!review.success || (review.data && (review.data.getTime() < startOfDay(this.clock()).getTime() || !withinSchoolYears(review.data, this.clock()))))
          return fail("INVALID_INPUT", "nextReviewAt");
        // Setting the next review is how a review is recorded.
        action = "RECORD_REVIEW";
        planOp = { kind: "setReview", objective: objective.data, nextReviewAt: review.data ?? null };
        event = c.status === "REVIEW_DUE" ? "REVIEW_RECORDED" : "PLAN_UPDATED";
        Object.assign(data, { nextReviewAt: review.data?.toISOString().slice(0, 10) ?? null });
        break;
      }
      case "close": {
        if (cmd.outcome === undefined || cmd.outcome === null || cmd.outcome === "") return fail("OUTCOME_REQUIRED", "outcome");
        const outcome = closingOutcomeSchema.safeParse(cmd.outcome);
        const comment = text(500).safeParse(cmd.comment ?? "");
        if (!outcome.success) return fail("INVALID_INPUT", "outcome");
        if (!comment.success) return fail("INVALID_INPUT", "comment");
        action = "CLOSE";
        planOp = { kind: "close", outcome: outcome.data, comment: comment.data || null, decidedById: actor.memberId };
        event = "CLOSED";
        data.outcome = outcome.data;
        messages.push(...(await this.triage.reporterNotices(c, "CLOSED")));
        break;
      }
      case "closeLostContact": {
        // The same closing as above, with the outcome the proposal names; a case nobody has looked
        // at for months may be in any open status (lifecycle: CLOSE_IDLE).
        action = "CLOSE_IDLE";
        planOp = { kind: "close", outcome: "LOST_CONTACT", comment: null, decidedById: actor.memberId };
        event = "CLOSED";
        Object.assign(data, { outcome: "LOST_CONTACT", idle: true });
        messages.push(...(await this.triage.reporterNotices(c, "CLOSED")));
        break;
      }
    }
    if (!closing && !plan) return fail("INVALID_TRANSITION");
    const transition = applyTransition(c.status, action, actor.role);
    if (!transition.ok) return fail(transition.reason === "ROLE_NOT_ALLOWED" ? "FORBIDDEN" : "INVALID_TRANSITION");
    // The case card shows the status, not the plan: it is updated only when the status changes, so
    // that a coordinator working on the plan from a posted card is not interrupted by its update.
    const sharedCardsUpdated = transition.to !== c.status;
    if (sharedCardsUpdated) {
      for (const post of await this.store.caseChanges.channelPosts(c.id)) {
        messages.push({ conversationId: post.conversationId, kind: "update", render: { view: "caseCard", caseId: c.id } });
      }
    }
    const change = {
      status: transition.to,
      ...(planOp.kind === "setReview" ? { nextReviewAt: planOp.nextReviewAt, reviewRemindedFor: null } : {}),
      ...(planOp.kind === "close" ? { closedAt: this.clock(), closureProposedAt: null } : {}),
    };
    try {
      const updated = await this.store.caseChanges.apply(c.id, seenVersion, change, { type: event, actorId: actor.memberId, data }, messages, planOp);
      return { ok: true, view: await this.viewOf(updated), event, sharedCardsUpdated };
    } catch (err) {
      if (err instanceof VersionConflictError)
        return { ok: false, reason: "CONFLICT", view: await this.viewOf((await this.store.caseChanges.get({ id: c.id })) ?? c) };
      if (err instanceof UnknownPlanActionError) return fail("INVALID_INPUT", "actionId");
      throw err;
    }
  }

  /** The cards asking the bassin's IEN-IO to validate a PAFI, one to each personal chat. */
  private async validationRequests(c: CaseRecord): Promise<OutgoingMessage[]> {
    const out: OutgoingMessage[] = [];
    for (const m of await this.store.members.ienIoOf(c.districtId)) {
      const chat = m.aadObjectId ? await this.store.conversations.personalChatOf(m.aadObjectId) : null;
      if (chat)
        out.push({
          conversationId: chat.conversationId,
          kind: "post",
          render: { view: "pafiValidation", caseId: c.id, memberId: m.id },
          dedupeKey: `pafi:${c.id}:${c.version}:${m.id}`,
        });
    }
    return out;
  }

  /** The pending action a validator is asked about (the case's first PAFI waiting), if this
   *  member may decide it. */
  async pendingValidation(actor: Actor, caseId: string): Promise<{ case: CaseRecord; actionId: string | null; decided: string | null } | null> {
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return null;
    const plan = await this.store.plans.get(c.id);
    const actions = (plan?.actions ?? []).filter((a) => a.validation !== null && mayValidateAction(actor, a, c));
    if (actions.length === 0) return null;
    const pending = actions.find((a) => a.validation === "PENDING");
    return { case: c, actionId: pending?.id ?? null, decided: pending ? null : (actions[actions.length - 1]!.validation ?? null) };
  }

  /** The IEN-IO's decision on a PAFI: recorded on the action and in the chronology; the case's
   *  référents and assignee are told through its plan. */
  async validate(
    actor: Actor,
    caseId: string,
    actionId: string,
    decision: unknown,
  ): Promise<
    { ok: true; decision: "VALIDATED" | "REFUSED"; case: CaseRecord } | { ok: false; reason: "NOT_FOUND" | "FORBIDDEN" | "INVALID_INPUT" | "ALREADY_DECIDED" }
  > {
    const parsedDecision = z.enum(["VALIDATED", "REFUSED"]).safeParse(decision);
    if (!parsedDecision.success) return { ok: false, reason: "INVALID_INPUT" };
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return { ok: false, reason: "NOT_FOUND" };
    const action = (await this.store.plans.get(c.id))?.actions.find((a) => a.id === actionId);
    if (!action) return { ok: false, reason: "NOT_FOUND" };
    if (!mayValidateAction(actor, action, c)) return { ok: false, reason: "FORBIDDEN" };
    if (action.validation !== "PENDING") return { ok: false, reason: "ALREADY_DECIDED" };
    const event = parsedDecision.data === "VALIDATED" ? "PAFI_VALIDATED" : "PAFI_REFUSED";
    try {
      const updated = await this.store.caseChanges.apply(
        c.id,
        c.version,
        { status: c.status },
        { type: event, actorId: actor.memberId, data: { actionId, type: action.type } },
        [],
        { kind: "validateAction", actionId, validation: parsedDecision.data, validatedById: actor.memberId },
      );
      return { ok: true, decision: parsedDecision.data, case: updated };
    } catch (err) {
      if (err instanceof VersionConflictError) return this.validate(actor, caseId, actionId, decision);
      if (err instanceof UnknownPlanActionError) return { ok: false, reason: "ALREADY_DECIDED" };
      throw err;
    }
  }

  /** The chronology asked for from a channel or a group chat: sent to the caller's personal chat
   *  (see TriageService.sendDetails), audited when queued. */
  async sendHistory(actor: Actor, caseId: string): Promise<PrivateSendResult> {
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return { ok: false, reason: "NOT_FOUND" };
    if (!this.triage.may(actor, "VIEW_HISTORY", c)) return { ok: false, reason: "FORBIDDEN", case: c };
    const chat = await this.triage.personalChatOf(actor);
    if (!chat) return { ok: false, reason: "NO_PERSONAL_CHAT", case: c };
    await this.store.caseChanges.record(c.id, { type: "HISTORY_VIEWED", actorId: actor.memberId }, [
      { conversationId: chat, kind: "post", render: { view: "caseHistory", caseId: c.id, memberId: actor.memberId } },
    ]);
    return { ok: true, case: c };
  }

  /** The chronology a queued send shows (a personal chat), if the member it goes to may still see it. */
  async historyFor(actor: Actor, caseId: string, limit = 30) {
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return null;
    const before = await this.historyLimit(actor, c);
    if (before === null) return null;
    return { case: c, events: await this.eventsOf(actor, c, limit, before, { linked: true }) };
  }

  /** The case's chronology (who did what, when), for the people allowed to see it. `linked`: in a
   *  personal chat, the young person's other cases the caller may read join it (services/timeline). */
  async history(actor: Actor, caseId: string, opts: { limit?: number; linked?: boolean } = {}) {
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return { ok: false as const, reason: "NOT_FOUND" as const };
    const before = await this.historyLimit(actor, c);
    if (before === null) return { ok: false as const, reason: "FORBIDDEN" as const };
    await this.store.caseChanges.record(c.id, { type: "HISTORY_VIEWED", actorId: actor.memberId });
    return { ok: true as const, case: c, events: await this.eventsOf(actor, c, opts.limit ?? 30, before, { linked: opts.linked === true }) };
  }

  private async eventsOf(actor: Actor, c: CaseRecord, limit: number, before: Date | undefined, opts: { linked: boolean }): Promise<TimelineEvent[]> {
    const events = await this.store.plans.events(c.id, limit, before);
    // Only who sees this case whole and may read its details: a school the case left sees no other.
    if (!opts.linked || before !== undefined || !this.triage.may(actor, "VIEW_DETAILS", c)) return this.withoutHiddenLinks(actor, events);
    return this.withoutHiddenLinks(actor, oneTimeline(events, await linkedEvents(this.store, actor, c.id, this.clock(), limit)));
  }

  /** A « Même élève ? » answer tells that the young person has a case elsewhere: shown only to who
   *  may read that other case's details too. */
  private async withoutHiddenLinks(actor: Actor, events: TimelineEvent[]): Promise<TimelineEvent[]> {
    const shown: TimelineEvent[] = [];
    for (const e of events) {
      if (e.type !== SAME_PERSON_EVENTS.same && e.type !== SAME_PERSON_EVENTS.different) shown.push(e);
      else if (typeof e.data.otherCaseId === "string") {
        const other = await this.store.caseChanges.get({ id: e.data.otherCaseId });
        if (other && this.triage.may(actor, "VIEW_DETAILS", other)) shown.push(e);
      }
    }
    return shown;
  }

  /**
   * How much of a case's chronology the caller may read: all of it (undefined) where they may see
   * the case; for someone of the school or bassin a transferred case left, who read its history
   * there and took part in it, what happened before it left; otherwise nothing (null).
   */
  private async historyLimit(actor: Actor, c: CaseRecord): Promise<Date | undefined | null> {
    if (this.triage.may(actor, "VIEW_HISTORY", c)) return undefined;
    const past = await pastTransferOf(this.store, actor, c.id, c.reporterIds);
    if (!past) return null;
    const there = { ...this.triage.scopeOf(c), schoolId: past.fromSchoolId, districtId: past.fromDistrictId, assigneeId: null };
    return can(actor, "VIEW_HISTORY", there) ? past.at : null;
  }
}

function startOfDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** Whether a plan date falls within the school years around today (a year typed as 0000 or 9999
 *  is a slip, and the database refuses some of them). */
function withinSchoolYears(d: Date, now: Date): boolean {
  const { first, last } = schoolYearsAround(now);
  const day = d.toISOString().slice(0, 10);
  return day >= first && day <= last;
}

type Offer = { actions: readonly string[]; partners: readonly string[]; keepType?: string; keepPartner?: string };

function parseAction(input: unknown, now: Date, offer: Offer): { ok: true; fields: PlanActionFields } | { ok: false; field: string } {
  const parsed = ActionInput.safeParse(input);
  if (!parsed.success) return { ok: false, field: String(parsed.error.issues[0]?.path[0] ?? "description") };
  const a = parsed.data;
  if (a.startDate && !withinSchoolYears(a.startDate, now)) return { ok: false, field: "startDate" };
  if (a.endDate && !withinSchoolYears(a.endDate, now)) return { ok: false, field: "endDate" };
  const kept = offer.keepType !== undefined && a.type === offer.keepType;
  if (!kept && !(isPlanActionCode(a.type) && offer.actions.includes(a.type))) return { ok: false, field: "type" };
  if (a.startDate && a.endDate && a.endDate < a.startDate) return { ok: false, field: "endDate" };
  const needs = isPlanActionCode(a.type) ? requirementsOf(a.type) : [];
  const partnerOk = (p: string | undefined) => (isPartner(p) && offer.partners.includes(p)) || (p !== undefined && p === offer.keepPartner);
  if (needs.includes("partner") && !partnerOk(a.partner)) return { ok: false, field: "partner" };
  if (a.partner !== undefined && !partnerOk(a.partner)) return { ok: false, field: "partner" };
  if (needs.includes("company") && !a.company) return { ok: false, field: "company" };
  if (needs.includes("dates") && (!a.startDate || !a.endDate)) return { ok: false, field: a.startDate ? "endDate" : "startDate" };
  return {
    ok: true,
    fields: {
      type: a.type,
      description: a.description,
      startDate: a.startDate ?? null,
      endDate: a.endDate ?? null,
      partner: a.partner ?? null,
      company: a.company ?? null,
    },
  };
}
