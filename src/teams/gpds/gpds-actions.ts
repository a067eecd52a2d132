import { z } from "zod";
import { safeText } from "../../domain/safe-text.js";
import { GPDS_DECISIONS, type GpdsAgendaView, type GpdsDecideResult, type GpdsDecision, type GpdsDecisionInput } from "../../services/gpds-meetings.js";
import type { CardActionRequest } from "../cards/card-action.js";
import type { AdaptiveCardJson } from "../cards/card-renderer.js";
import { noticeCard } from "../cases/case-views.js";
import type { Translate } from "../i18n.js";
import { gpdsAgendaCard } from "./gpds-views.js";

/** What the agenda card sends: the meeting, one `decision_<caseId>` input per undecided line and
 *  `attendees` (the ids chosen, comma-separated). Everything else is ignored; the service checks
 *  who may record, and that each case is on that meeting's agenda. */
export const GpdsActionData = z
  .object({
    meetingId: z.uuid(),
    attendees: safeText({ max: 4000 }).optional(),
  })
  .catchall(z.unknown());
export type GpdsActionData = z.infer<typeof GpdsActionData>;

const DECISION_INPUT = /^decision_([0-9a-f-]{36})$/i;
const isDecision = (v: unknown): v is GpdsDecision => typeof v === "string" && (GPDS_DECISIONS as readonly string[]).includes(v);

/** The decisions chosen on the card (inputs left empty are no decision). */
export function decisionsOf(data: Record<string, unknown>): GpdsDecisionInput[] {
  const out: GpdsDecisionInput[] = [];
  for (const [key, value] of Object.entries(data)) {
    const m = DECISION_INPUT.exec(key);
    if (m && isDecision(value)) out.push({ caseId: m[1]!.toLowerCase(), decision: value });
  }
  return out.slice(0, 60);
}

/** `gpds.decide` (record the decisions chosen and who attended) and `gpds.close` (the same, then
 *  close the séance: its summary goes out). The answer is the agenda card as it stands now. */
export async function handleGpdsAction(request: CardActionRequest<GpdsActionData>): Promise<AdaptiveCardJson> {
  const { ctx, actor, t, locale, verb, data, services } = request;
  if (!actor) return noticeCard(t("gpds.unknownMember"), "", "Attention");
  const attendeeIds =
    typeof data.attendees === "string"
      ? data.attendees
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
          .slice(0, 60)
      : undefined;
  const result = await services.gpdsMeetings.decide(actor, data.meetingId, {
    decisions: decisionsOf(data),
    attendeeIds,
    close: verb === "gpds.close",
  });
  const inSpace = ctx.activity.conversation?.conversationType !== "personal";
  const card = (view: GpdsAgendaView, text: string, color: "Good" | "Warning" | "Attention" | "Accent") =>
    gpdsAgendaCard(
      t,
      locale,
      { view: "gpdsAgenda", meetingId: view.meeting.id, schoolName: view.meeting.schoolName, date: view.meeting.date, inSpace, newCases: [], reviews: [] },
      { view, notice: { text, color } },
    );
  if (!result.ok) {
    const text = t(`gpds.notice.${result.reason}`);
    return result.view ? card(result.view, text, result.reason === "CLOSED" ? "Warning" : "Attention") : noticeCard(text, "", "Attention");
  }
  request.onQueued();
  return card(result.view, noticeText(t, result), result.refused.length ? "Warning" : "Good");
}

function noticeText(t: Translate, result: Extract<GpdsDecideResult, { ok: true }>): string {
  const parts: string[] = [];
  if (result.recorded.length) parts.push(t("gpds.notice.recorded", { count: result.recorded.length }));
  for (const r of result.refused) parts.push(t(`gpds.notice.refused.${r.reason}`, { reference: r.reference }));
  if (result.attendeesSaved && !result.recorded.length) parts.push(t("gpds.notice.attendeesSaved"));
  if (result.closed) parts.push(t("gpds.notice.closed"));
  if (!parts.length) parts.push(t("gpds.notice.nothing"));
  return parts.join(" ");
}
