import type { TurnContext } from "botbuilder";
import { z } from "zod";
import { parseQuery } from "../../domain/query-parser.js";
import type { Actor, Services } from "../../services/index.js";
import type { PupilSummary } from "../../services/privacy.js";
import { renderCard, type AdaptiveCardJson } from "../cards/card-renderer.js";
import type { CardActionRequest } from "../cards/card-action.js";
import { cardMessage } from "../cards/card-message.js";
import { noticeCard } from "../cases/case-views.js";
import type { Locale, Translate } from "../i18n.js";
import { historyCard } from "../cases/plan-views.js";
import { unknownMemberCard } from "../reports/report-views.js";
import type { PrivacyConfirmCardData, PrivacyExportCardData } from "../cards/card-data.js";

/** Data-protection commands, typed in a personal chat:
 *  - `export élève D-2026-0042` / `export pupil …` (admins): a confirmation card, then a signed
 *    download link to the JSON export, valid one hour;
 *  - `effacer élève D-2026-0042` / `erase pupil …` (admins): a confirmation card, then the
 *    erasure of the pupil's identity and notes in all their cases;
 *  - `historique D-2026-0042` (whoever may see the history): the case's chronology, with the
 *    consultations, exports and erasures.
 *  The card buttons are Action.Execute (`privacy.*`): the server checks the caller again. */

export type PrivacyDeps = { services: Services; onQueued?: () => void };

const isPersonal = (ctx: TurnContext) => (ctx.activity.conversation?.conversationType ?? "personal") === "personal";

export async function answerPrivacyCommand(
  ctx: TurnContext,
  services: Services,
  actor: Actor | null,
  t: Translate,
  locale: Locale,
  text: string,
): Promise<boolean> {
  const query = parseQuery(text);
  if (query.kind !== "exportPupil" && query.kind !== "erasePupil" && query.kind !== "history") return false;
  if (!isPersonal(ctx)) {
    await ctx.sendActivity(t("privacy.personalOnly"));
    return true;
  }
  if (!actor) {
    await ctx.sendActivity(cardMessage(unknownMemberCard(t, ctx.activity.from?.name)));
    return true;
  }
  if (query.kind === "history") {
    const result = await services.privacy.history(actor, query.reference);
    if (result.ok) await ctx.sendActivity(cardMessage(historyCard(t, locale, result.case.reference, result.case.id, result.events)));
    else await ctx.sendActivity(t("privacy.historyNotFound", { reference: query.reference }));
    return true;
  }
  const op = query.kind === "exportPupil" ? "EXPORT_PUPIL_DATA" : "ERASE_PUPIL_DATA";
  const result = await services.privacy.prepare(actor, query.reference, op);
  if (!result.ok) {
    await ctx.sendActivity(result.reason === "FORBIDDEN" ? t("privacy.forbidden") : t("privacy.notFound", { reference: query.reference }));
    return true;
  }
  await ctx.sendActivity(cardMessage(confirmCard(t, query.kind === "exportPupil" ? "export" : "erase", result.summary)));
  return true;
}

export function confirmCard(t: Translate, kind: "export" | "erase", s: PupilSummary): AdaptiveCardJson {
  const erase = kind === "erase";
  const done = erase && s.anonymized;
  return renderCard("privacy-confirm", {
    title: t(erase ? "privacy.confirm.eraseTitle" : "privacy.confirm.exportTitle", { reference: s.reference }),
    intro: t(erase ? "privacy.confirm.eraseIntro" : "privacy.confirm.exportIntro"),
    facts: [
      { title: t("privacy.confirm.cases"), value: s.references.join(", ") },
      { title: t("privacy.confirm.school"), value: s.schoolName },
      { title: t("privacy.confirm.class"), value: s.className ?? "—" },
      { title: t("privacy.confirm.initials"), value: s.initials || "—" },
      { title: t("privacy.confirm.birthYear"), value: String(s.birthYear) },
    ],
    warning: t(done ? "privacy.confirm.alreadyErased" : erase ? "privacy.confirm.eraseWarning" : "privacy.confirm.exportWarning"),
    warningColor: erase ? "Attention" : "Default",
    confirm: t(erase ? "privacy.confirm.erase" : "privacy.confirm.export"),
    confirmStyle: erase ? "destructive" : "positive",
    verb: erase ? "privacy.erase" : "privacy.export",
    cancel: t("privacy.confirm.cancel"),
    caseId: s.caseId,
    reference: s.reference,
  } satisfies PrivacyConfirmCardData);
}

export const PrivacyActionData = z.object({ caseId: z.uuid() }).loose();
export type PrivacyActionData = z.infer<typeof PrivacyActionData>;

/** The buttons of the confirmation card. Nothing in the card is trusted but the case id. */
export async function handlePrivacyAction(request: CardActionRequest<PrivacyActionData>): Promise<AdaptiveCardJson> {
  const { ctx, actor, t, locale, verb } = request;
  const deps = request;
  if (!isPersonal(ctx)) return noticeCard(t("privacy.personalOnly"), "", "Attention");
  if (!actor) return noticeCard(t("case.notice.unknownMember"), "", "Attention");
  const { caseId } = request.data;
  if (verb === "privacy.cancel") return noticeCard(t("privacy.cancelled"), "", "Accent");
  if (verb === "privacy.export") {
    const link = await deps.services.privacy.exportLink(actor, caseId);
    if (!link.ok) return noticeCard(link.reason === "FORBIDDEN" ? t("privacy.forbidden") : t("case.notice.NOT_FOUND"), "", "Attention");
    const time = new Intl.DateTimeFormat(locale === "fr" ? "fr-FR" : "en-GB", { timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit" }).format(
      link.expiresAt,
    );
    return renderCard("privacy-export", {
      title: t("privacy.exportReady.title", { reference: link.reference }),
      body: t("privacy.exportReady.body", { time }),
      caution: t("privacy.exportReady.caution"),
      download: t("privacy.exportReady.download"),
      url: link.url,
    } satisfies PrivacyExportCardData);
  }
  const erased = await deps.services.privacy.erase(actor, caseId);
  if (!erased.ok) {
    const text =
      erased.reason === "FORBIDDEN" ? t("privacy.forbidden") : erased.reason === "ALREADY_ERASED" ? t("privacy.alreadyErased") : t("case.notice.NOT_FOUND");
    return noticeCard(text, "", "Attention");
  }
  deps.onQueued?.();
  return noticeCard(t("privacy.erased", { count: erased.references.length, references: erased.references.join(", ") }), "", "Good");
}
