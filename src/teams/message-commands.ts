import type { TurnContext } from "botbuilder";
import type { DialogContext } from "botbuilder-dialogs/lib/dialogContext.js";
import { z } from "zod";
import { parseAdminCommand } from "../domain/admin-commands.js";
import { bareName, MAX_QUERY_LENGTH, type Query } from "../domain/query-parser.js";
import { parseExportCommand } from "../domain/statistics.js";
import { normalizeText } from "../domain/text.js";
import type { Actor, Services } from "../services/index.js";
import { answerAdminCommand } from "./admin/admin-commands.js";
import { cardMessage } from "./cards/card-message.js";
import type { SubmitPayload } from "./cards/submit-payload.js";
import { helpCard } from "./cards/views.js";
import type { Locale, Translate } from "./i18n.js";
import { answerPrivacyCommand } from "./privacy/privacy-commands.js";
import { answerBareName, answerQuery } from "./queries/query-answers.js";
import { REPORT_DIALOG_ID } from "./reports/report-dialog.js";
import { unknownMemberCard } from "./reports/report-views.js";
import { answerStats } from "./stats/stats-answers.js";
import { answerEnrolment, isEnrolmentText } from "./directory/enrolment-handler.js";
import { answerMemberCommand, isMemberCommand } from "./directory/member-admin-handler.js";
import type { Logger } from "../logging.js";
import { answerGpdsCommand, isGpdsCommand } from "./gpds/gpds-commands.js";
import { answerCallCommand, isCallCommand } from "./calls/call-commands.js";
import { whileTyping } from "./platform/typing.js";
import { answerAcademieExport, isAcademieExportCommand } from "./academie-transfers/academie-transfer-handler.js";

/** What a message handler receives: one object. A message is either a card's Action.Submit
 *  (`submit`) or typed text (`query`, parsed once; null for a submit). */
export type MessageRequest = {
  ctx: TurnContext;
  dc: DialogContext;
  actor: Actor | null;
  t: Translate;
  locale: Locale;
  /** A personal chat (else a channel or a group chat). */
  personal: boolean;
  submit: SubmitPayload | null;
  query: Query | null;
  text: string;
  services: Services;
  logger: Logger;
  onQueued: () => void;
};

/** The kinds of message the bot answers (a report in progress answers its own steps first). */
export type MessageKind =
  | "help"
  | "enrolment"
  | "people"
  | "report"
  | "offeredName"
  | "pastReport"
  | "admin"
  | "cancel"
  | "politeness"
  | "query"
  | "privacy"
  | "stats"
  | "other"
  | "gpds"
  | "calls"
  | "academieTransfer";

/** Which kind a message is: a card's submit by its action, else the administration commands, else
 *  the kind the query parser found. */
export function messageKind(submit: SubmitPayload | null, query: Query | null, text: string): MessageKind {
  if (submit) {
    if (submit.action === "help") return "help";
    if (submit.action === "enrol.search" || submit.action === "enrol.request") return "enrolment";
    if (submit.action === "report.start") return "report";
    if (submit.action === "query.name") return "offeredName";
    return "pastReport";
  }
  if (isEnrolmentText(text)) return "enrolment";
  if (isMemberCommand(text)) return "people";
  if (parseAdminCommand(text)) return "admin";
  if (isGpdsCommand(text)) return "gpds";
  if (isCallCommand(text)) return "calls";
  if (isAcademieExportCommand(text)) return "academieTransfer";
  switch (query?.kind) {
    case "help":
    case "report":
    case "cancel":
    case "stats":
      return query.kind;
    case "greeting":
    case "thanks":
      return "politeness";
    case "statusByReference":
    case "statusByName":
    case "myReports":
    case "toDo":
    case "overdue":
      return "query";
    case "history":
    case "exportPupil":
    case "erasePupil":
      return "privacy";
    default:
      return "other";
  }
}

/** The table of messages: each kind and its handler, which answers and returns true, or returns
 *  false when it did not understand the message (the bot then says so). Who may do what is decided
 *  by the services each handler calls. */
export const MESSAGE_COMMANDS: { readonly [Kind in MessageKind]: (request: MessageRequest) => Promise<boolean> } = {
  help: async ({ ctx, t, actor }) => {
    await ctx.sendActivity(cardMessage(helpCard(t, actor?.role)));
    return true;
  },
  enrolment: async ({ ctx, t, actor, submit, text, services, logger, onQueued }) =>
    answerEnrolment(ctx, { services, logger, onQueued }, actor, t, submit, text),
  people: async ({ ctx, t, actor, text, services, onQueued }) => answerMemberCommand(ctx, { services, onQueued }, actor, t, text),
  report: async ({ ctx, dc, t, actor, personal, services }) => {
    if (!personal) await ctx.sendActivity(t("report.personalOnly"));
    else if (!actor) await ctx.sendActivity(cardMessage(unknownMemberCard(t, ctx.activity.from?.name)));
    else if ((await services.reports.reportingSchools(actor)).length === 0) await ctx.sendActivity(t("report.notAllowed"));
    else await dc.beginDialog(REPORT_DIALOG_ID);
    return true;
  },
  offeredName: async ({ ctx, t, locale, actor, services }) => {
    // A name offered on a card (« Vouliez-vous dire… »): the same as typing `statut <name>`.
    const name = z
      .string()
      .trim()
      .min(1)
      .max(MAX_QUERY_LENGTH)
      .safeParse((ctx.activity.value as { name?: unknown }).name);
    if (name.success) await answerQuery(ctx, { services }, actor, { kind: "statusByName", name: name.data }, t, locale);
    else await ctx.sendActivity(t("query.name.invalid"));
    return true;
  },
  pastReport: async ({ ctx, t, submit, services }) => {
    // A card of a report that is over: a second click on "Envoyer" finds the case it created.
    const recorded = submit?.action === "report.confirm" && submit.draftId ? await services.reports.alreadyRecorded(submit.draftId) : null;
    await ctx.sendActivity(recorded ? t("report.alreadyRecorded", { reference: recorded.reference }) : t("report.expired"));
    return true;
  },
  admin: ({ ctx, services, actor, t, locale, text, onQueued }) => answerAdminCommand(ctx, services, actor, t, locale, text, onQueued),
  cancel: async ({ ctx, t }) => {
    await ctx.sendActivity(t("report.nothingToCancel"));
    return true;
  },
  politeness: async ({ ctx, t, actor, query }) => {
    const firstName = (actor?.displayName ?? ctx.activity.from?.name ?? "").split(" ")[0] ?? "";
    await ctx.sendActivity(
      query?.kind === "greeting" && firstName ? t("hint.greetingNamed", { name: firstName }) : t(`hint.${query?.kind === "greeting" ? "greeting" : "thanks"}`),
    );
    return true;
  },
  query: ({ ctx, services, actor, query, t, locale }) => answerQuery(ctx, { services }, actor, query!, t, locale),
  privacy: ({ ctx, services, actor, t, locale, text }) => answerPrivacyCommand(ctx, services, actor, t, locale, text),
  // Charts and exports take a moment: the typing indicator shows meanwhile.
  stats: ({ ctx, services, actor, query, text, t, locale }) => whileTyping(ctx, () => answerStats(ctx, { services }, actor, query, text, t, locale)),
  gpds: ({ ctx, services, actor, t, locale, text, onQueued }) => answerGpdsCommand(ctx, services, actor, t, locale, text, onQueued),
  calls: ({ ctx, services, actor, t, locale, text }) => answerCallCommand(ctx, services, actor, t, locale, text),
  academieTransfer: ({ ctx, services, actor, t, locale, text }) => answerAcademieExport(ctx, services, actor, t, locale, text),
  other: async (request) => {
    const { ctx, t, actor, query, text, personal, services, locale } = request;
    // « export stats … », « export dossiers … ».
    if (query && parseExportCommand(text)) return whileTyping(ctx, () => answerStats(ctx, { services }, actor, query, text, t, locale));
    // « statut » alone is what Teams' command list inserts: ask for what it needs.
    if (["statut", "status", "historique", "history"].includes(normalizeText(text))) {
      await ctx.sendActivity(t("hint.whichCase"));
      return true;
    }
    // A name alone is a status question when it names a case the caller may see.
    const name = query?.kind === "unknown" && personal ? bareName(text) : null;
    return name !== null && (await answerBareName(ctx, { services }, actor, name, t, locale));
  },
};
