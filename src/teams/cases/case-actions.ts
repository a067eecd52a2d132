import type { TurnContext } from "botbuilder";
import { z } from "zod";
import { cleanText, safeText } from "../../domain/safe-text.js";
import { TEXT_MAX, type PrivateSendResult, type TriageCommand, type TriageResult } from "../../services/triage.js";
import type { CaseRecord, MemberSummary } from "../../store/index.js";
import type { AdaptiveCardJson } from "../cards/card-renderer.js";
import type { ExecuteVerb } from "../cards/card-verbs.js";
import type { CardActionRequest } from "../cards/card-action.js";
import {
  caseCard,
  caseDetailsCard,
  caseTransferCard,
  closureProposalCard,
  infoRequestCard,
  noticeCard,
  type Audience,
  type Notice,
  type TypedFamilyForm,
} from "./case-views.js";
import { historyCard, pafiValidationCard, planCard, type AgreementField, type TypedPlanForm } from "./plan-views.js";
import type { PlanCommand, PlanResult } from "../../services/plans.js";

/** Action.Execute on case cards. The invoke answers at once with the updated card (Teams shows it
 *  to the person who acted); the other copies are updated through the outbox. */

export const CaseActionData = z
  .object({
    caseId: z.uuid(),
    version: z.coerce.number().int().nonnegative().optional(),
    assigneeId: z.string().max(64).optional(),
    question: safeText({ max: 2000, lines: true }).optional(),
    reason: safeText({ max: 2000, lines: true }).optional(),
    answer: safeText({ max: 2000, lines: true }).optional(),
    editActionId: z.string().max(64).optional(),
    birthDate: safeText({ max: 40 }).optional(),
    /** The transfer form: what was typed to find a school, and the school chosen (an id, looked up). */
    schoolQuery: safeText({ max: 200 }).optional(),
    toSchoolId: z.string().max(64).optional(),
  })
  .loose();

export type CaseActionData = z.infer<typeof CaseActionData>;

/** What the closure proposal card carries besides the case: its wording only. */
const ClosureProposalData = z
  .object({
    reason: z.enum(["IDLE", "AGE"]).catch("IDLE"),
    months: z.coerce.number().int().min(1).max(60).catch(6),
  })
  .loose();

const NOTICE_OF: Record<TriageCommand["verb"], string> = {
  takeCharge: "TAKEN_IN_CHARGE",
  assign: "ASSIGNED",
  requestInfo: "INFO_REQUESTED",
  dismiss: "DISMISSED",
  reopen: "REOPENED",
  escalate: "ESCALATED",
  openPlan: "PLAN_OPENED",
};

/** The conversation an activity comes from; a reply in a channel thread names the channel itself. */
function conversationIdOf(ctx: TurnContext): string {
  return (ctx.activity.conversation?.id ?? "").split(";messageid=")[0]!;
}

export async function handleCaseAction(request: CardActionRequest<CaseActionData>): Promise<AdaptiveCardJson> {
  const { ctx, actor: caller, t, locale, verb, data } = request;
  const deps = request;
  if (!caller) return noticeCard(t("case.notice.unknownMember"), "", "Attention");
  const actor = caller;
  const { caseId, version } = data;
  const inChannel = ctx.activity.conversation?.conversationType !== "personal";
  const triage = deps.services.triage;
  const refused = () => noticeCard(t("case.notice.FORBIDDEN"), "", "Attention");

  // In a channel (or a group chat) everyone reads the answer: a case's card is answered there only
  // for a case routed to that conversation, and to someone who may see the case. Otherwise the
  // same neutral refusal whatever the case (its existence is not revealed either).
  if (inChannel) {
    const c = await triage.systemView(caseId);
    if (!c || !triage.may(actor, "VIEW_STATUS", c) || !(await triage.routedTo(c, conversationIdOf(ctx)))) return refused();
  }

  const render = async (c: CaseRecord, notice?: Notice, assignees?: MemberSummary[], familyTyped?: TypedFamilyForm): Promise<AdaptiveCardJson> => {
    if (inChannel) {
      // Everyone in the channel may see this answer's card come back on refresh: each person's own
      // view, with the buttons the permission table gives them on this case (none: read-only).
      const permitted = deps.services.caseCards.permissions(actor, c);
      const choices = permitted.triage ? (assignees ?? (await triage.assignees(c))) : [];
      const refreshUserIds = await deps.services.caseCards.refreshUserIds(c);
      return caseCard(t, locale, c, { audience: "channel", assignees: choices, notice, now: deps.clock(), permitted, refreshUserIds });
    }
    const audience: Audience = triage.may(actor, "VIEW_DETAILS", c) ? "personal" : "channel";
    // The people a case may be assigned to (names and ids) only for who may assign it.
    const choices = triage.may(actor, "TRIAGE", c) ? (assignees ?? (await triage.assignees(c))) : [];
    const mayRecordFamily = triage.may(actor, "RECORD_FAMILY", c);
    const mayReopen = triage.may(actor, "CLOSE_CASE", c);
    const mayTransfer = deps.services.transfers.mayTransfer(actor, c);
    return caseCard(t, locale, c, { audience, assignees: choices, notice, now: deps.clock(), mayRecordFamily, mayReopen, mayTransfer, familyTyped });
  };
  const failure = async (result: Extract<TriageResult, { ok: false }>): Promise<AdaptiveCardJson> => {
    const text = result.reason === "INVALID_INPUT" ? t(`case.notice.INVALID_INPUT.${result.field ?? "question"}`) : t(`case.notice.${result.reason}`);
    const color: Notice["color"] = result.reason === "CONFLICT" ? "Warning" : "Attention";
    // A refused caller outside a channel sees nothing of the case; in a channel the case is one
    // routed there, which the caller may see (checked above).
    if (!result.case || (result.reason === "FORBIDDEN" && !inChannel)) return noticeCard(text, "", color);
    return render(result.case, { text, color });
  };
  /** Details and history asked for in a channel go to the personal chat; the post keeps the case card. */
  const sentPrivately = async (result: PrivateSendResult, what: "details" | "history"): Promise<AdaptiveCardJson> => {
    if (result.ok) {
      deps.onQueued();
      return render(result.case, { text: t(`protection.${what}Sent`), color: "Accent" });
    }
    if (result.reason === "NO_PERSONAL_CHAT") return render(result.case!, { text: t("protection.noPersonalChat"), color: "Warning" });
    return failure({ ok: false, reason: result.reason, case: result.case });
  };

  switch (verb) {
    case "case.details": {
      if (inChannel) return sentPrivately(await triage.sendDetails(actor, caseId), "details");
      const result = await triage.details(actor, caseId);
      if (!result.ok) return failure(result);
      return caseDetailsCard(t, locale, result.case, result.exchanges);
    }
    case "case.refresh": {
      const c = await triage.systemView(caseId);
      if (!c) return noticeCard(t("case.notice.NOT_FOUND"), "", "Attention");
      if (!triage.may(actor, "VIEW_STATUS", c)) return refused();
      return render(c);
    }
    case "case.answerInfo": {
      const answer = data.answer ?? "";
      const result = await triage.answerInfo(actor, caseId, answer);
      if (!result.ok) {
        if (result.reason === "INVALID_INPUT" && result.case?.infoRequest) {
          // The question again, with what was typed and why it was refused: nothing is lost.
          const asker = result.case.infoRequest.askedById ? await deps.services.members.byId(result.case.infoRequest.askedById) : null;
          const error =
            answer.trim().length > TEXT_MAX
              ? t("fieldError.textTooLong", { count: answer.trim().length, max: TEXT_MAX })
              : t("case.notice.INVALID_INPUT.answer");
          return infoRequestCard(t, result.case, result.case.infoRequest.question, asker?.displayName ?? "—", { answer: answer.slice(0, 2000), error });
        }
        if (result.reason === "INVALID_INPUT") return noticeCard(t("case.notice.INVALID_INPUT.answer"), "", "Attention");
        return noticeCard(t(`case.notice.${result.reason}`), "", "Attention");
      }
      deps.onQueued();
      return noticeCard(t("case.reporterNotice.INFO_REQUEST.thanks", { reference: result.case.reference }));
    }
    case "case.closeLostContact":
    case "case.keepOpen": {
      // The answers to the daily job's proposal, in the follower's personal chat only. The reason
      // and months only choose the card's wording; the services decide from the case.
      if (inChannel) return refused();
      const shown = ClosureProposalData.parse(data);
      const named = (c: CaseRecord) => triage.may(actor, "VIEW_DETAILS", c);
      const proposal = (c: CaseRecord, more: { decided?: string; notice?: Notice } = {}) =>
        closureProposalCard(t, locale, c, { reason: shown.reason, months: shown.months, named: named(c), ...more });
      if (verb === "case.keepOpen") {
        const kept = await deps.services.idleCases.keepOpen(actor, caseId);
        if (!kept.ok) {
          if (kept.reason === "CLOSED" && kept.case) return proposal(kept.case);
          if (kept.reason === "CONFLICT" && kept.case) return proposal(kept.case, { notice: { text: t("closure.changed"), color: "Warning" } });
          return noticeCard(t(`case.notice.${kept.reason}`), "", "Attention");
        }
        return proposal(kept.case, { decided: t("closure.kept", { months: deps.services.idleCases.idleMonths }) });
      }
      if (version === undefined) return noticeCard(t("case.notice.invalidCard"), "", "Attention");
      const result = await deps.services.plans.act(actor, caseId, version, { verb: "closeLostContact" });
      if (!result.ok) {
        const c = result.view?.case;
        if (!c || result.reason === "FORBIDDEN")
          return noticeCard(t(`case.notice.${result.reason === "FORBIDDEN" ? "FORBIDDEN" : "NOT_FOUND"}`), "", "Attention");
        if (result.reason === "CONFLICT") return proposal(c, { notice: { text: t("closure.changed"), color: "Warning" } });
        return proposal(c);
      }
      deps.onQueued();
      return proposal(result.view.case, { decided: t("closure.closed") });
    }
    case "case.takeCharge":
    case "case.assign":
    case "case.requestInfo":
    case "case.dismiss":
    case "case.reopen":
    case "case.escalate":
    case "case.openPlan": {
      const cmd = commandOf(verb, data);
      if (version === undefined) return noticeCard(t("case.notice.invalidCard"), "", "Attention");
      const result = await triage.act(actor, caseId, version, cmd);
      if (!result.ok) return failure(result);
      deps.onQueued();
      // The shared case card is updated for everyone right after (outbox): the caller sees that same
      // card, with its "Voir le plan" button, rather than a plan card the update would replace.
      const name = result.case.assignee?.displayName ?? actor.displayName;
      return render(result.case, { text: t(`case.notice.${NOTICE_OF[cmd.verb]}`, { name }), color: "Good" }, result.assignees);
    }
    case "case.transferSearch": {
      // From the case card in a personal chat only: the schools found are the académie's, the form
      // is the caller's.
      if (inChannel) return refused();
      const query = (data.schoolQuery ?? "").trim();
      const found = await deps.services.transfers.destinations(actor, caseId, query);
      if (!found.ok) return failure(found);
      return caseTransferCard(t, found.case, { query, schools: found.schools, searched: true });
    }
    case "case.transfer": {
      if (inChannel) return refused();
      if (version === undefined) return noticeCard(t("case.notice.invalidCard"), "", "Attention");
      const query = (data.schoolQuery ?? "").trim();
      const reason = data.reason ?? "";
      const result = await deps.services.transfers.transfer(actor, caseId, version, data.toSchoolId ?? "", reason);
      if (!result.ok) {
        if (result.reason === "INVALID_INPUT" && result.case && result.field !== "waitsForGpds") {
          // The form again with what was typed and why it was refused: nothing is lost.
          const found = await deps.services.transfers.destinations(actor, caseId, query);
          const schools = found.ok ? found.schools : [];
          const text = t(`case.notice.INVALID_INPUT.${result.field ?? "transferSchool"}`);
          return caseTransferCard(t, result.case, {
            query,
            schools,
            searched: query !== "",
            typed: { school: data.toSchoolId ?? "", reason: reason.slice(0, 500) },
            notice: { text, color: "Attention" },
          });
        }
        return failure(result);
      }
      deps.onQueued();
      const c = result.case;
      const text = t(result.followerKept ? "case.notice.TRANSFERRED_KEPT" : "case.notice.TRANSFERRED", { school: c.school.name });
      // Who may still see the case where it went sees its card; anyone else only that it left.
      if (triage.may(actor, "VIEW_STATUS", c)) return render(c, { text, color: "Good" });
      return noticeCard(text, t("case.transfer.cardBody"), "Good");
    }
    case "case.setBirthDate": {
      if (version === undefined) return noticeCard(t("case.notice.invalidCard"), "", "Attention");
      const result = await triage.completeBirthDate(actor, caseId, version, data.birthDate ?? "");
      if (!result.ok) return failure(result);
      deps.onQueued();
      return render(result.case, { text: t("case.notice.BIRTH_DATE_COMPLETED"), color: "Good" });
    }
    case "case.recordFamily": {
      // The family form of the case card, or the agreement asked for by the plan card (from: plan).
      if (inChannel) return refused();
      if (version === undefined) return noticeCard(t("case.notice.invalidCard"), "", "Attention");
      const raw = data as Record<string, unknown>;
      const input = Object.fromEntries(FAMILY_FIELDS.map((f) => [f, raw[f]]));
      const fromPlan = raw.from === "plan";
      const result = await deps.services.families.record(actor, caseId, version, input);
      if (!result.ok && result.reason === "INVALID_INPUT" && result.case) {
        const text = t(`familyContact.error.${(result.field ?? "family.empty").replace(/^family\./, "")}`);
        const typed = {
          values: Object.fromEntries(FAMILY_FIELDS.map((f) => [f, typeof raw[f] === "string" ? cleanText(String(raw[f]).slice(0, 100)) : ""])),
          error: text,
        };
        if (fromPlan) {
          const plan = await deps.services.plans.view(actor, caseId);
          if (plan.ok) return renderPlan(plan, { text, color: "Attention" }, undefined, undefined, agreementOf(raw));
        }
        return render(result.case, { text, color: "Attention" }, undefined, typed);
      }
      if (!result.ok) return failure(result);
      if (fromPlan) {
        const plan = await deps.services.plans.view(actor, caseId);
        if (plan.ok) return renderPlan(plan, { text: t("familyContact.agreement.recorded"), color: "Good" });
      }
      return render(result.case, {
        text: t(result.case.version === version ? "familyContact.notice.UNCHANGED" : "familyContact.notice.RECORDED"),
        color: "Good",
      });
    }
    case "case.history": {
      if (inChannel) {
        const sent = await deps.services.plans.sendHistory(actor, caseId);
        // From the plan card, the post keeps showing the plan (as the channel may see it).
        const plan = sent.ok && (data as Record<string, unknown>).from === "plan" ? await deps.services.plans.view(actor, caseId) : null;
        if (plan?.ok) {
          deps.onQueued();
          return renderPlan(plan, { text: t("protection.historySent"), color: "Accent" });
        }
        return sentPrivately(sent, "history");
      }
      const result = await deps.services.plans.history(actor, caseId, { linked: true });
      if (!result.ok) return failure({ ok: false, reason: result.reason });
      // Free texts (questions, answers, reasons) only for those who may read the details (in private).
      return historyCard(t, locale, result.case.reference, result.case.id, result.events, { texts: triage.may(actor, "VIEW_DETAILS", result.case) });
    }
    case "plan.view": {
      const result = await deps.services.plans.view(actor, caseId);
      return result.ok ? renderPlan(result, undefined, data.editActionId) : planFailure(result);
    }
    case "plan.addAction":
    case "plan.editAction":
    case "plan.setActionStatus":
    case "plan.setReview":
    case "plan.close": {
      if (version === undefined) return noticeCard(t("case.notice.invalidCard"), "", "Attention");
      const result = await deps.services.plans.act(actor, caseId, version, planCommandOf(verb, data));
      if (!result.ok) return planFailure(result, typedFormOf(verb, data));
      deps.onQueued();
      // When the case's status changed, its shared cards are updated for everyone: show that card.
      if (result.sharedCardsUpdated) return render(result.view.case, { text: t(`plan.notice.${result.event}`), color: "Good" });
      return renderPlan(result, { text: t(`plan.notice.${result.event}`), color: "Good" });
    }
    case "plan.validate": {
      // A PAFI's validation by an IEN-IO of the bassin, from the card in their personal chat.
      const raw = data as Record<string, unknown>;
      if (inChannel) return refused();
      const result = await deps.services.plans.validate(actor, caseId, String(raw.actionId ?? ""), raw.decision);
      if (!result.ok && result.reason !== "ALREADY_DECIDED") {
        return noticeCard(t(result.reason === "INVALID_INPUT" ? "case.notice.invalidCard" : `case.notice.${result.reason}`), "", "Attention");
      }
      const pending = await deps.services.plans.pendingValidation(actor, caseId);
      if (!pending) return refused();
      const notice: Notice = result.ok
        ? { text: t(`plan.pafi.notice.${result.decision}`), color: "Good" }
        : { text: t("plan.pafi.notice.ALREADY_DECIDED"), color: "Warning" };
      return pafiValidationCard(t, pending.case, pending, notice);
    }
    default:
      return noticeCard(t("case.notice.invalidCard"), "", "Attention");
  }

  function renderPlan(
    result: Extract<PlanResult, { ok: true }> | { view: NonNullable<Extract<PlanResult, { ok: false }>["view"]> },
    notice?: Notice,
    editActionId?: string,
    typed?: TypedPlanForm,
    agreement?: AgreementField,
  ): AdaptiveCardJson {
    const audience: Audience = !inChannel && triage.may(actor!, "VIEW_DETAILS", result.view.case) ? "personal" : "channel";
    // The agreement a refused action lacks is offered in place, to who may record it (personal chat).
    const offer = agreement && audience === "personal" && triage.may(actor!, "RECORD_FAMILY", result.view.case) ? agreement : undefined;
    // Free texts typed in a form are not echoed into a card that a channel may see.
    const shown =
      typed && audience === "channel"
        ? { ...typed, values: Object.fromEntries(Object.entries(typed.values).filter(([k]) => !FREE_TEXT_FIELDS.has(k))) }
        : typed;
    return planCard(t, locale, result.view, { audience, notice, editActionId, ...(shown ? { typed: shown } : {}), ...(offer ? { agreement: offer } : {}) });
  }

  /** A refused plan form comes back with everything that was typed in it, and the problem next to it. */
  function planFailure(result: Extract<PlanResult, { ok: false }>, typed?: TypedPlanForm): AdaptiveCardJson {
    const text =
      result.reason === "AGREEMENT_REQUIRED"
        ? t(`familyContact.agreement.${result.field === "familyAgreedAt" ? "familyAgreedAt" : "youngPersonAgreedAt"}`)
        : result.reason === "INVALID_INPUT"
          ? t(`plan.notice.INVALID_INPUT.${result.field ?? "description"}`)
          : result.reason === "OUTCOME_REQUIRED" || result.reason === "INVALID_TRANSITION"
            ? t(`plan.notice.${result.reason}`)
            : t(`case.notice.${result.reason}`);
    const color: Notice["color"] = result.reason === "CONFLICT" ? "Warning" : "Attention";
    if (!result.view || result.reason === "FORBIDDEN") return noticeCard(text, "", color);
    // After a conflict the form shows the plan as it now is; what was typed is kept all the same.
    const agreement = result.reason === "AGREEMENT_REQUIRED" ? agreementOf({ agreement: result.field }) : undefined;
    return renderPlan({ view: result.view }, { text, color }, undefined, typed ? { ...typed, error: text } : undefined, agreement);
  }
}

const FREE_TEXT_FIELDS = new Set(["description", "company", "comment", "objective"]);

/** The fields of the family form (the card's input ids). */
const FAMILY_FIELDS = ["informedAt", "metAt", "metBy", "youngPersonAgreedAt", "familyAgreedAt"] as const;

/** Which agreement the plan card offers to record: the one its form names (never trusted beyond this). */
function agreementOf(raw: Record<string, unknown>): AgreementField | undefined {
  return raw.agreement === "familyAgreedAt" || raw.agreement === "youngPersonAgreedAt" ? raw.agreement : undefined;
}

/** The values of the plan form a refused action came from, to show them again (never trusted:
 *  they are only echoed into the form, as text). */
function typedFormOf(verb: ExecuteVerb, data: CaseActionData): TypedPlanForm | undefined {
  const raw = data as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" ? cleanText(v.slice(0, 1000), { lines: true }) : "");
  const form = (key: string, names: string[]) => Object.fromEntries(names.map((n) => [n, text(raw[`${n}__${key}`])]));
  const actionFields = ["description", "startDate", "endDate", "partner", "company"];
  switch (verb) {
    case "plan.addAction":
      return { form: "new", values: form("new", ["type", ...actionFields]) };
    case "plan.editAction":
      return { form: "edit", actionId: text(raw.actionId), values: form("edit", actionFields) };
    case "plan.setReview":
      return { form: "review", values: { objective: text(raw.objective), nextReviewAt: text(raw.nextReviewAt) } };
    case "plan.close":
      return { form: "close", values: { outcome: text(raw.outcome), comment: text(raw.comment) } };
    default:
      return undefined;
  }
}

/** Plan forms name their inputs `<field>__<form>` (one form name per form in the card; the action data
 *  names the form: a data field called "key" breaks the Agents Playground renderer). */
function planCommandOf(verb: ExecuteVerb, data: CaseActionData): PlanCommand {
  const raw = data as Record<string, unknown>;
  const key = typeof raw.form === "string" ? raw.form : "new";
  const field = (name: string) => raw[`${name}__${key}`];
  const actionInput = () => ({
    type: verb === "plan.addAction" ? field("type") : raw.type,
    description: field("description"),
    startDate: field("startDate"),
    endDate: field("endDate"),
    partner: field("partner"),
    company: field("company"),
  });
  switch (verb) {
    case "plan.addAction":
      return { verb: "addAction", input: actionInput() };
    case "plan.editAction":
      return { verb: "editAction", actionId: String(raw.actionId ?? ""), input: actionInput() };
    case "plan.setActionStatus":
      return { verb: "setActionStatus", actionId: String(raw.actionId ?? ""), status: raw.status };
    case "plan.setReview":
      return { verb: "setReview", objective: raw.objective, nextReviewAt: raw.nextReviewAt };
    default:
      return { verb: "close", outcome: raw.outcome, comment: raw.comment };
  }
}

function commandOf(verb: ExecuteVerb, data: CaseActionData): TriageCommand {
  switch (verb) {
    case "case.assign":
      return { verb: "assign", assigneeId: data.assigneeId ?? "" };
    case "case.requestInfo":
      return { verb: "requestInfo", question: data.question ?? "" };
    case "case.dismiss":
      return { verb: "dismiss", reason: data.reason ?? "" };
    case "case.reopen":
      return { verb: "reopen", reason: data.reason ?? "" };
    case "case.escalate":
      return { verb: "escalate" };
    case "case.openPlan":
      return { verb: "openPlan" };
    default:
      return { verb: "takeCharge" };
  }
}
