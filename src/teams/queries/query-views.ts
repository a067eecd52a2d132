import type { CaseLine, CaseList, QueryAudience } from "../../services/queries.js";
import { renderCard, type AdaptiveCardJson } from "../cards/card-renderer.js";
import { STATUS_COLOR, formatDate } from "../cases/case-views.js";
import type { Locale, Translate } from "../i18n.js";
import type { CaseListCardData, PromptCardData, StatusCardData } from "../cards/card-data.js";

/** Cards answering the chat queries: a compact status card for one case, and a list with counts
 *  per status. They show what the service let through (CaseLine), and in a channel never a full
 *  name, whatever the line holds: initials, class and school only (same rule as the case card). */

/** The pupil as this audience may see them: the name in a personal chat, initials in a channel. */
function pupilLabel(line: CaseLine, audience: QueryAudience): string | null {
  if (!line.pupil) return null;
  return audience === "personal" && line.pupil.name ? line.pupil.name : line.pupil.initials;
}

function eventLabel(t: Translate, type: string): string {
  return t(`plan.history.event.${type}`, { defaultValue: t("query.card.otherEvent") });
}

/** `linked`: the young person's other cases (personal chat only; the service sends none elsewhere). */
export function statusCard(t: Translate, locale: Locale, line: CaseLine, audience: QueryAudience, linked: readonly CaseLine[] = []): AdaptiveCardJson {
  const facts: { title: string; value: string }[] = [];
  const tracking = line.tracking;
  if (tracking) {
    facts.push({ title: t("query.card.assignee"), value: tracking.assigneeName ?? t("query.card.nobody") });
    if (tracking.lastEvent) {
      facts.push({
        title: t("query.card.lastEvent"),
        value: t("query.card.lastEventValue", { what: eventLabel(t, tracking.lastEvent.type), date: formatDate(tracking.lastEvent.at, locale) }),
      });
    }
    if (line.status !== "CLOSED") {
      facts.push({ title: t("query.card.nextReview"), value: tracking.nextReviewAt ? formatDate(tracking.nextReviewAt, locale) : t("query.card.noReview") });
    }
  }
  facts.push({ title: t("query.card.reportedOn"), value: formatDate(line.reportedAt, locale) });
  const late = tracking?.late ?? null;
  return renderCard("status-card", {
    caseId: line.caseId,
    reference: line.reference,
    statusLabel: t(`status.${line.status}`),
    statusColor: STATUS_COLOR[line.status],
    headline: [pupilLabel(line, audience), line.pupil?.className ?? null, line.schoolName].filter((x): x is string => Boolean(x)).join(" · "),
    late: late ? t(`query.late.${late}`, { date: tracking?.nextReviewAt ? formatDate(tracking.nextReviewAt, locale) : "" }) : "",
    facts,
    linkedTitle: linked.length > 0 && audience === "personal" ? t("query.card.linked") : "",
    linked:
      audience === "personal"
        ? linked.map((l) => ({
            text: t("query.card.linkedLine", {
              reference: l.reference,
              school: l.schoolName,
              status: t(`status.${l.status}`),
              date: formatDate(l.reportedAt, locale),
            }),
          }))
        : [],
    note: tracking ? (audience === "channel" ? t("query.channelNote") : "") : t("query.card.statusOnly", { context: nextStepOf(line) }),
    canOpen: line.canOpen,
    openLabel: t("query.card.open"),
  } satisfies StatusCardData);
}

/** What a reporter may expect next: the case is closed, or followed by the MLDS, the school, or
 *  nobody yet, or nobody at a school without a référent (the i18n context of query.card.statusOnly). */
function nextStepOf(line: CaseLine): string {
  if (line.status === "CLOSED") return "closed";
  return { NOBODY: "waiting", SCHOOL: "school", MLDS: "mlds", NO_OWNER: "ownerless" }[line.followedBy];
}

export type CaseListKind = "name" | "mine" | "todo" | "overdue";

/** A list of at most ten cases; `list.total` and `list.counts` describe all of them. */
export function caseListCard(
  t: Translate,
  locale: Locale,
  kind: CaseListKind,
  list: { lines: CaseLine[]; total?: number; counts?: CaseList["counts"]; more?: boolean; name?: string },
  audience: QueryAudience,
): AdaptiveCardJson {
  const total = list.total ?? list.lines.length;
  const shown = list.lines.length;
  const more = kind === "name" ? (list.more ? t("query.name.more") : "") : total > shown ? t(`query.${kind}.more`, { shown }) : "";
  const counts = list.counts ?? [];
  return renderCard("case-list", {
    title: kind !== "name" ? t(`query.${kind}.title`) : list.name === undefined ? t("query.name.titleHidden") : t("query.name.title", { name: list.name }),
    summary: kind === "name" ? "" : t(`query.${kind}.summary`, { count: total }),
    showCounts: counts.length > 0,
    counts: counts.map((c) => ({ title: t(`status.${c.status}`), value: String(c.count) })),
    showLines: shown > 0,
    lines: list.lines.map((line) => ({
      caseId: line.caseId,
      canOpen: line.canOpen,
      heading: t("query.line.heading", { reference: line.reference, status: t(`status.${line.status}`) }),
      detail: lineDetail(t, locale, line, audience),
    })),
    more,
    hint: shown === 0 ? "" : list.lines.some((l) => l.canOpen) ? t("query.openHint") : t("query.statusHint"),
    note: audience === "channel" ? t("query.channelNote") : "",
  } satisfies CaseListCardData);
}

function lineDetail(t: Translate, locale: Locale, line: CaseLine, audience: QueryAudience): string {
  const parts = [
    pupilLabel(line, audience),
    line.pupil?.className ?? null,
    line.schoolName,
    t("query.line.reported", { date: formatDate(line.reportedAt, locale) }),
  ];
  if (line.tracking?.assigneeName) parts.push(t("query.line.assignee", { name: line.tracking.assigneeName }));
  if (line.tracking?.late) parts.push(`⚠ ${t(`query.line.late.${line.tracking.late}`)}`);
  return parts.filter((x): x is string => Boolean(x)).join(" · ");
}

/** Nothing matched the typed name, but these names of the caller's cases are one slip away: each a
 *  button that asks for its status. */
export function closeNamesCard(t: Translate, typed: string, names: string[]): AdaptiveCardJson {
  return renderCard("prompt", {
    title: t("query.name.none", { name: typed }),
    weight: "Default",
    body: t("query.name.didYouMean"),
    buttons: names.map((name) => ({ title: name, action: "query.name", name })),
  } satisfies PromptCardData);
}
