import type { TurnContext } from "botbuilder";
import { z } from "zod";
import type { Actor, Services } from "../services/index.js";
import type { TriageCommand, TriageResult } from "../services/triage.js";
import type { CaseRecord } from "../store/index.js";
import type { AdaptiveCardJson } from "./card-renderer.js";
import { ExecuteVerb } from "./card-verbs.js";
import { caseCard, caseDetailsCard, noticeCard, type Audience, type Notice } from "./case-views.js";
import type { Locale, Translate } from "./i18n.js";

/** Action.Execute on case cards. The invoke answers at once with the updated card (Teams shows it
 *  to the person who acted); the other copies are updated through the outbox. */

const CaseActionData = z
  .object({
    caseId: z.uuid(),
    version: z.coerce.number().int().nonnegative().optional(),
    assigneeId: z.string().max(64).optional(),
    question: z.string().max(2000).optional(),
    reason: z.string().max(2000).optional(),
    answer: z.string().max(2000).optional(),
  })
  .loose();

export type CaseActionDeps = {
  services: Services;
  clock: () => Date;
  /** Called after a change is committed, so that queued sends go out without waiting for the poll. */
  onQueued: () => void;
};

const NOTICE_OF: Record<TriageCommand["verb"], string> = {
  takeCharge: "TAKEN_IN_CHARGE",
  assign: "ASSIGNED",
  requestInfo: "INFO_REQUESTED",
  dismiss: "DISMISSED",
  escalate: "ESCALATED",
  openPlan: "PLAN_OPENED",
};

export async function handleCaseAction(
  ctx: TurnContext,
  deps: CaseActionDeps,
  actor: Actor | null,
  t: Translate,
  locale: Locale,
  verb: string,
  rawData: unknown,
): Promise<AdaptiveCardJson> {
  const parsedVerb = ExecuteVerb.safeParse(verb);
  const data = CaseActionData.safeParse(rawData);
  if (!parsedVerb.success || !data.success) return noticeCard(t("case.notice.invalidCard"), "", "Attention");
  if (!actor) return noticeCard(t("case.notice.unknownMember"), "", "Attention");
  const { caseId, version } = data.data;
  const inChannel = ctx.activity.conversation?.conversationType !== "personal";
  const triage = deps.services.triage;

  const render = async (c: CaseRecord, notice?: Notice): Promise<AdaptiveCardJson> => {
    const audience: Audience = !inChannel && triage.may(actor, "VIEW_DETAILS", c) ? "personal" : "channel";
    return caseCard(t, locale, c, { audience, assignees: await triage.assignees(c), notice, now: deps.clock() });
  };
  const failure = async (result: Extract<TriageResult, { ok: false }>): Promise<AdaptiveCardJson> => {
    const text =
      result.reason === "INVALID_INPUT" ? t(`case.notice.INVALID_INPUT.${result.field ?? "question"}`) : t(`case.notice.${result.reason}`);
    const color: Notice["color"] = result.reason === "CONFLICT" ? "Warning" : "Attention";
    // A refused caller outside a channel sees nothing of the case; in a channel the card is public anyway.
    if (!result.case || (result.reason === "FORBIDDEN" && !inChannel)) return noticeCard(text, "", color);
    return render(result.case, { text, color });
  };

  switch (parsedVerb.data) {
    case "case.details": {
      const result = await triage.details(actor, caseId);
      if (!result.ok) return failure(result.reason === "FORBIDDEN" && inChannel ? { ...result, case: (await triage.systemView(caseId)) ?? undefined } : result);
      return caseDetailsCard(t, locale, result.case);
    }
    case "case.refresh": {
      const c = await triage.systemView(caseId);
      if (!c) return noticeCard(t("case.notice.NOT_FOUND"), "", "Attention");
      if (!inChannel && !triage.may(actor, "VIEW_STATUS", c)) return noticeCard(t("case.notice.FORBIDDEN"), "", "Attention");
      return render(c);
    }
    case "case.answerInfo": {
      const result = await triage.answerInfo(actor, caseId, data.data.answer ?? "");
      if (!result.ok) {
        if (result.reason === "INVALID_INPUT") return noticeCard(t("case.notice.INVALID_INPUT.answer"), "", "Attention");
        return noticeCard(t(`case.notice.${result.reason}`), "", "Attention");
      }
      deps.onQueued();
      return noticeCard(t("case.reporterNotice.INFO_REQUEST.thanks", { reference: result.case.reference }));
    }
    case "case.takeCharge":
    case "case.assign":
    case "case.requestInfo":
    case "case.dismiss":
    case "case.escalate":
    case "case.openPlan": {
      const cmd = commandOf(parsedVerb.data, data.data);
      if (version === undefined) return noticeCard(t("case.notice.invalidCard"), "", "Attention");
      const result = await triage.act(actor, caseId, version, cmd);
      if (!result.ok) return failure(result);
      deps.onQueued();
      const name = result.case.assignee?.displayName ?? actor.displayName;
      return render(result.case, { text: t(`case.notice.${NOTICE_OF[cmd.verb]}`, { name }), color: "Good" });
    }
    default:
      // Plan verbs belong to the plan cards.
      return noticeCard(t("case.notice.invalidCard"), "", "Attention");
  }
}

function commandOf(verb: ExecuteVerb, data: z.infer<typeof CaseActionData>): TriageCommand {
  switch (verb) {
    case "case.assign":
      return { verb: "assign", assigneeId: data.assigneeId ?? "" };
    case "case.requestInfo":
      return { verb: "requestInfo", question: data.question ?? "" };
    case "case.dismiss":
      return { verb: "dismiss", reason: data.reason ?? "" };
    case "case.escalate":
      return { verb: "escalate" };
    case "case.openPlan":
      return { verb: "openPlan" };
    default:
      return { verb: "takeCharge" };
  }
}
