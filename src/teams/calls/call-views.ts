import { CALL_OUTCOMES, displayPhone } from "../../domain/call-campaign.js";
import type { CallListView, PsadExportResult } from "../../services/calls.js";
import type { CallCampaignCardData, StatsExportCardData } from "../cards/card-data.js";
import { renderCard, type AdaptiveCardJson } from "../cards/card-renderer.js";
import { formatDate } from "../cases/case-views.js";
import type { Locale, Translate } from "../i18n.js";

export type CallNotice = { text: string; color: "Good" | "Warning" | "Attention" | "Accent" };

const atNoon = (day: string) => new Date(`${day}T12:00:00Z`);

/** The coordinator's « campagne d'appels »: one compact line per young person still to call, the
 *  phone and e-mail the list gave (this card goes to a coordinator's personal chat only), the
 *  attempts so far, and « Noter l'appel ». */
export function callCampaignCard(t: Translate, locale: Locale, view: CallListView, notice?: CallNotice): AdaptiveCardJson {
  return renderCard("call-campaign", {
    notice: notice?.text ?? "",
    noticeColor: notice?.color ?? "Good",
    title: t("calls.title"),
    subtitle: t("calls.subtitle", { total: view.total, page: view.page, pages: view.pages }),
    empty: t("calls.empty"),
    hint: t("calls.hint"),
    today: view.today,
    page: String(view.page),
    recordLabel: t("calls.record"),
    outcomeLabel: t("calls.outcomeLabel"),
    outcomeError: t("calls.outcomeError"),
    outcomeChoices: CALL_OUTCOMES.map((o) => ({ title: t(`calls.outcome.${o}`), value: o })),
    dateLabel: t("calls.dateLabel"),
    noteLabel: t("calls.noteLabel"),
    notePlaceholder: t("calls.notePlaceholder"),
    saveLabel: t("calls.save"),
    previousLabel: view.page > 1 ? t("calls.previous") : "",
    previousPage: String(Math.max(1, view.page - 1)),
    nextLabel: view.page < view.pages ? t("calls.next") : "",
    nextPage: String(Math.min(view.pages, view.page + 1)),
    entries: view.entries.map((e) => ({
      caseId: e.caseId,
      line: t("calls.line", { initials: e.initials, reference: e.reference, school: e.schoolName }),
      contact: [e.phone ? displayPhone(e.phone) : t("calls.noPhone"), e.email ?? ""].filter(Boolean).join(" · "),
      attempts: e.lastCall
        ? t("calls.attempts", { count: e.attempts, date: formatDate(atNoon(e.lastCall.on), locale), outcome: t(`calls.outcome.${e.lastCall.outcome}`) })
        : "",
    })),
  } satisfies CallCampaignCardData);
}

/** The signed link to the CSV for the PSAD (the same card as the statistics exports). */
export function psadExportCard(t: Translate, locale: Locale, result: Extract<PsadExportResult, { ok: true }>): AdaptiveCardJson {
  const time = new Intl.DateTimeFormat(locale === "en" ? "en-GB" : "fr-FR", { timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit" }).format(
    result.expiresAt,
  );
  return renderCard("stats-export", {
    title: t("calls.export.title", { district: result.districtName }),
    subtitle: t("calls.export.subtitle"),
    body: t("calls.export.body", { time }),
    download: t("calls.export.download"),
    url: result.url,
  } satisfies StatsExportCardData);
}
