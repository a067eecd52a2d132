import type { Activity } from "botbuilder";
import type { Services } from "../../services/index.js";
import type { RenderSpec, StoredConversation } from "../../store/index.js";
import { cardMessage } from "../cards/card-message.js";
import type { Locale, Translate } from "../i18n.js";
import { gpdsAgendaCard, gpdsSummaryCard } from "./gpds-views.js";

/** A queued GPDS card, rendered when it is delivered: the agenda as the meeting stands then (its
 *  decisions, who attended), or a closed meeting's summary. Initials in the GPDS space; names only
 *  in the personal chat of the member the summary is for, checked again now. Null: nothing to send. */
export async function renderGpdsOutgoing(
  spec: Extract<RenderSpec, { view: "gpdsAgenda" | "gpdsSummary" }>,
  conversation: StoredConversation,
  services: Services,
  t: Translate,
  locale: Locale,
): Promise<Partial<Activity> | null> {
  if (spec.view === "gpdsAgenda") {
    const view = await services.gpdsMeetings.systemAgenda(spec.meetingId);
    // An agenda claimed before its lines were kept on the meeting shows the lines it was sent with.
    const keptLines = view !== null && (view.meeting.agendaCaseIds.length > 0 || spec.newCases.length + spec.reviews.length === 0);
    return cardMessage(gpdsAgendaCard(t, locale, spec, view && keptLines ? { view } : undefined));
  }
  if (!spec.memberId) {
    const summary = await services.gpdsMeetings.summaryFor(spec.meetingId, null);
    return summary ? cardMessage(gpdsSummaryCard(t, locale, summary)) : null;
  }
  const owner =
    conversation.kind === "PERSONAL" ? await services.members.identify(conversation.tenantId ?? undefined, conversation.aadObjectId ?? undefined) : null;
  if (!owner || owner.memberId !== spec.memberId) return null;
  const summary = await services.gpdsMeetings.summaryFor(spec.meetingId, owner);
  return summary ? cardMessage(gpdsSummaryCard(t, locale, summary)) : null;
}
