import type { TurnContext } from "botbuilder";
import { z } from "zod";
import { CALL_LIMITS, parseCallCommand } from "../../domain/call-campaign.js";
import type { RecordCallResult } from "../../services/calls.js";
import type { Actor, Services } from "../../services/index.js";
import type { CardActionRequest } from "../cards/card-action.js";
import { cardMessage } from "../cards/card-message.js";
import type { AdaptiveCardJson } from "../cards/card-renderer.js";
import { noticeCard } from "../cases/case-views.js";
import type { Locale, Translate } from "../i18n.js";
import { callCampaignCard, psadExportCard, type CallNotice } from "./call-views.js";

/** Whether a message is « campagne d'appels [page N] » or « export psad ». */
export function isCallCommand(text: string): boolean {
  return parseCallCommand(text) !== null;
}

const isPersonal = (ctx: TurnContext) => ctx.activity.conversation?.conversationType === "personal";

/** « campagne d'appels » and « export psad »: a coordinator's, in their personal chat only (the list
 *  shows phone numbers; the link is theirs). Who may is decided by the service. */
export async function answerCallCommand(
  ctx: TurnContext,
  services: Services,
  actor: Actor | null,
  t: Translate,
  locale: Locale,
  text: string,
): Promise<boolean> {
  const command = parseCallCommand(text);
  if (!command) return false;
  if (!actor) {
    await ctx.sendActivity(t("calls.unknownMember"));
    return true;
  }
  if (!services.calls.mayCall(actor)) {
    await ctx.sendActivity(t("calls.forbidden"));
    return true;
  }
  if (!isPersonal(ctx)) {
    await ctx.sendActivity(t("calls.personalOnly"));
    return true;
  }
  if (command.kind === "exportPsad") {
    const result = await services.calls.requestPsadExport(actor);
    await ctx.sendActivity(result.ok ? cardMessage(psadExportCard(t, locale, result)) : t("calls.forbidden"));
    return true;
  }
  const list = await services.calls.toCall(actor, command.page);
  await ctx.sendActivity(list.ok ? cardMessage(callCampaignCard(t, locale, list.view)) : t("calls.forbidden"));
  return true;
}

/** What the call campaign card sends: the page shown and, for « Enregistrer », the case and its
 *  form's inputs (`outcome_<caseId>`, `calledAt_<caseId>`, `note_<caseId>`: one form per line).
 *  The service checks who may record, and parses the inputs. */
export const CallActionData = z
  .object({
    caseId: z.uuid().optional(),
    page: z.coerce.number().int().min(1).max(CALL_LIMITS.maxPage).catch(1),
  })
  .catchall(z.unknown());
export type CallActionData = z.infer<typeof CallActionData>;

/** `calls.record` (a call's outcome, date and note) and `calls.page`: the answer is the list as it
 *  stands now, with what was recorded on top. */
export async function handleCallAction(request: CardActionRequest<CallActionData>): Promise<AdaptiveCardJson> {
  const { ctx, actor, t, locale, verb, data, services } = request;
  if (!actor) return noticeCard(t("calls.unknownMember"), "", "Attention");
  if (!services.calls.mayCall(actor)) return noticeCard(t("calls.forbidden"), "", "Attention");
  // The card shows phone numbers: never drawn in a channel or a group chat, whatever an invoke says.
  if (!isPersonal(ctx)) return noticeCard(t("calls.personalOnly"), "", "Attention");
  let notice: CallNotice | undefined;
  if (verb === "calls.record") {
    if (!data.caseId) return noticeCard(t("calls.notice.NOT_FOUND"), "", "Attention");
    const input = {
      outcome: data[`outcome_${data.caseId}`],
      calledAt: data[`calledAt_${data.caseId}`],
      note: data[`note_${data.caseId}`],
    };
    notice = noticeOf(t, await services.calls.recordCall(actor, data.caseId, input));
  }
  const list = await services.calls.toCall(actor, data.page);
  return list.ok ? callCampaignCard(t, locale, list.view, notice) : noticeCard(t("calls.forbidden"), "", "Attention");
}

function noticeOf(t: Translate, result: RecordCallResult): CallNotice {
  if (!result.ok) return { text: t(`calls.notice.${result.reason === "INVALID_INPUT" ? result.field : result.reason}`), color: "Attention" };
  const outcome = t(`calls.outcome.${result.outcome}`);
  return result.settled
    ? { text: t("calls.recorded", { reference: result.reference, outcome }), color: "Good" }
    : { text: t("calls.recordedStays", { reference: result.reference, outcome, count: result.attempts }), color: "Warning" };
}
