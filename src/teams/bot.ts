import {
  ActivityTypes,
  ConversationState,
  TeamsActivityHandler,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type Storage,
} from "botbuilder";
// botbuilder-dialogs' index also loads its prompts and the Recognizers-Text suite, unused here and
// about 40 MB of memory (npm run bench): only the modules of the classes used are imported.
import { DialogSet } from "botbuilder-dialogs/lib/dialogSet.js";
import { DialogTurnStatus } from "botbuilder-dialogs/lib/dialog.js";
import type { DialogContext, DialogState } from "botbuilder-dialogs/lib/dialogContext.js";
import { z } from "zod";
import type { Config } from "../config.js";
import type { Logger } from "../logging.js";
import type { Actor, Services } from "../services/index.js";
import { bareName, MAX_QUERY_LENGTH, parseQuery, type Query } from "../domain/query-parser.js";
import { ETagConflictError } from "../store/index.js";
import { cardMessage } from "./card-message.js";
import { resolveLocale, translator, type Locale, type Translate } from "./i18n.js";
import { helpCard, welcomeCard } from "./views.js";
import { clientInfoLocale, conversationOf, tenantOf } from "./activity-info.js";
import { parseSubmit, type SubmitPayload } from "./submit-payload.js";
import { InvokeValue } from "./card-verbs.js";
import { REPORT_DIALOG_ID, ReportDialog } from "./dialogs/report-dialog.js";
import { unknownMemberCard } from "./report-views.js";
import { handleCaseAction } from "./case-actions.js";
import { normalizeText } from "../domain/text.js";
import { noticeCard } from "./case-views.js";
import { isDatabaseUnavailable } from "./adapter.js";
import { answerAdminCommand } from "./admin-commands.js";
import { handleImportAction, handleImportUpload } from "./import-handler.js";
import { answerBareName, answerQuery } from "./query-answers.js";
import { answerPrivacyCommand, handlePrivacyAction } from "./privacy-commands.js";
import { answerStats } from "./stats-answers.js";
import { PrimedStorage } from "./primed-storage.js";
import { escapeMarkdown } from "./markdown.js";
import { identifyAtFirstContact } from "./directory/first-contact.js";
import { answerEnrolment, handleEnrolmentAction } from "./directory/enrolment-handler.js";
import { answerMemberCommand, handleMemberAction } from "./directory/member-admin-handler.js";

export { cardMessage };

export type BotDeps = {
  services: Services;
  storage: Storage;
  config: Pick<Config, "defaultLocale" | "allowedTenantIds" | "importDownloads">;
  logger: Logger;
  clock?: () => Date;
  /** Tells the outbox worker that sends were queued. */
  onQueued?: () => void;
};

const ACTOR = Symbol("actor");

/** Turns Teams activities into service calls and results into cards. */
export class RepereBot extends TeamsActivityHandler {
  private readonly storage: PrimedStorage;
  private readonly conversationState: ConversationState;
  private readonly dialogs: DialogSet;
  private readonly report: ReportDialog;
  private readonly clock: () => Date;

  constructor(private readonly deps: BotDeps) {
    super();
    this.clock = deps.clock ?? (() => new Date());
    this.storage = new PrimedStorage(deps.storage);
    this.conversationState = new ConversationState(this.storage);
    this.dialogs = new DialogSet(this.conversationState.createProperty<DialogState>("dialogState"));
    this.report = new ReportDialog({
      services: deps.services,
      translate: (ctx) => this.t(ctx),
      actor: (ctx) => ctx.turnState.get(ACTOR) ?? null,
      onQueued: () => deps.onQueued?.(),
      clock: this.clock,
    });
    this.dialogs.add(this.report);

    this.onMessage(async (ctx, next) => {
      await this.handleMessage(ctx);
      await next();
    });

    this.onMembersAdded(async (ctx, next) => {
      const botId = ctx.activity.recipient.id;
      const conversationType = ctx.activity.conversation.conversationType;
      const added = ctx.activity.membersAdded ?? [];
      const botAdded = added.some((m) => m.id === botId);
      // In a personal chat greet the person (Teams names the bot or the person as added, depending on
      // the client); in a team or group chat greet once, when the bot arrives. The installationUpdate
      // that comes with a personal install is not greeted: it would be a second welcome.
      if (conversationType === "personal" ? added.length > 0 : botAdded) {
        await ctx.sendActivity(cardMessage(welcomeCard(translator(await this.installLocale(ctx)))));
      }
      await next();
    });
  }

  override async run(ctx: TurnContext): Promise<void> {
    // Some events name the client's language only in their clientInfo entity: read it as the
    // activity's, so that the conversation reference keeps it and the answer uses it.
    ctx.activity.locale ??= clientInfoLocale(ctx.activity);
    const tenantId = tenantOf(ctx.activity);
    const allowed = this.deps.config.allowedTenantIds;
    if (allowed.length > 0 && (!tenantId || !allowed.includes(tenantId))) {
      // Refused before anything is stored or answered.
      this.deps.logger.warn({ activityId: ctx.activity.id, type: ctx.activity.type, tenantId }, "activity from a tenant that is not allowed");
      return;
    }
    const type = ctx.activity.type;
    const conversations = this.deps.services.conversations;
    if (type === ActivityTypes.Message || type === ActivityTypes.ConversationUpdate || type === ActivityTypes.InstallationUpdate) {
      const conversation = conversationOf(ctx.activity);
      if (conversation) await conversations.remember(conversation);
    }
    const stateKey = type === ActivityTypes.Message ? this.conversationState.getStorageKey(ctx) : undefined;
    try {
      if (stateKey !== undefined) {
        // Who is talking and the dialog state in one statement; ConversationState then finds the state primed.
        const start = await conversations.beginMessage(tenantId, ctx.activity.from?.aadObjectId, stateKey);
        ctx.turnState.set(ACTOR, start.actor ?? (await identifyAtFirstContact(ctx, this.deps.services, this.deps.logger)));
        this.storage.prime(stateKey, start.state);
      }
      await super.run(ctx);
      await this.conversationState.saveChanges(ctx, false);
    } catch (err) {
      // Two turns of one conversation at once (a double click): the first one's state stands.
      if (!(err instanceof ETagConflictError)) throw err;
      this.deps.logger.warn({ activityId: ctx.activity.id }, "conversation state changed by a concurrent turn; this turn's state is dropped");
    } finally {
      if (stateKey !== undefined) this.storage.forget(stateKey);
    }
  }

  /** Who is talking: read at the start of the turn (run, onAdaptiveCardInvoke). */
  private async actorOf(ctx: TurnContext): Promise<Actor | null> {
    if (ctx.turnState.has(ACTOR)) return ctx.turnState.get(ACTOR) as Actor | null;
    const actor = await this.deps.services.members.identify(tenantOf(ctx.activity), ctx.activity.from?.aadObjectId);
    ctx.turnState.set(ACTOR, actor);
    return actor;
  }

  locale(ctx: TurnContext) {
    const actor = ctx.turnState.get(ACTOR) as Actor | null | undefined;
    const fromMember = actor?.locale === "en" || actor?.locale === "fr" ? actor.locale : undefined;
    return resolveLocale(ctx.activity.locale ?? fromMember, this.deps.config.defaultLocale);
  }

  t(ctx: TurnContext): Translate {
    return translator(this.locale(ctx));
  }

  /** The language of an install or membership event. Teams' conversationUpdate carries none; the
   *  installationUpdate that comes with it (before it, in Teams as in the Agents Playground) does,
   *  and the conversation's reference kept it; else the person's own. */
  private async installLocale(ctx: TurnContext): Promise<Locale> {
    const fallback = this.deps.config.defaultLocale;
    if (ctx.activity.locale) return resolveLocale(ctx.activity.locale, fallback);
    const conversation = conversationOf(ctx.activity);
    const stored = conversation ? await this.deps.services.conversations.storedLocale(conversation.conversationId) : undefined;
    if (stored) return resolveLocale(stored, fallback);
    const member = await this.deps.services.members.identify(tenantOf(ctx.activity), ctx.activity.from?.aadObjectId);
    return resolveLocale(member?.locale ?? undefined, fallback);
  }

  /** Action.Execute (Universal Actions): answer with the card to show in place of the one clicked. */
  protected override async onAdaptiveCardInvoke(ctx: TurnContext, invokeValue: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    let card;
    const parsed = InvokeValue.safeParse(invokeValue);
    if (!parsed.success) {
      // A verb that is not a string of the list, data that is not an object: not one of our cards.
      this.deps.logger.warn({ activityId: ctx.activity.id, issue: parsed.error.issues[0]?.path.join(".") }, "card action refused: invalid value");
      return { statusCode: 200, type: "application/vnd.microsoft.card.adaptive", value: noticeCard(this.t(ctx)("case.notice.invalidCard"), "", "Attention") as unknown as Record<string, unknown> };
    }
    const action = parsed.data.action;
    try {
      const start = await this.deps.services.conversations.beginInvoke(tenantOf(ctx.activity), ctx.activity.from?.aadObjectId, ctx.activity.id);
      const actor = start.actor;
      ctx.turnState.set(ACTOR, actor);
      let verb: string = action.verb;
      // Teams retries an invoke it got no answer to, with the same id: answer it with the current
      // state rather than applying the change twice.
      if (!start.firstDelivery) {
        if (verb.startsWith("plan.")) verb = "plan.view";
        else if (verb.startsWith("case.")) verb = "case.refresh";
      }
      card = verb.startsWith("import.")
        ? await handleImportAction(ctx, { services: this.deps.services, logger: this.deps.logger, onQueued: () => this.deps.onQueued?.() }, actor, this.t(ctx), this.locale(ctx), verb, action.data)
        : null;
      card ??= verb.startsWith("enrolment.") ? await handleEnrolmentAction(this.directoryDeps(), actor, this.t(ctx), this.locale(ctx), verb, action.data) : null;
      card ??= verb.startsWith("member.") ? await handleMemberAction(this.directoryDeps(), actor, this.t(ctx), verb, action.data) : null;
      card ??= verb.startsWith("privacy.") ? await handlePrivacyAction(ctx, { services: this.deps.services, onQueued: () => this.deps.onQueued?.() }, actor, this.t(ctx), this.locale(ctx), verb, action.data) : null;
      card ??= await handleCaseAction(
        ctx,
        { services: this.deps.services, clock: this.clock, onQueued: () => this.deps.onQueued?.() },
        actor,
        this.t(ctx),
        this.locale(ctx),
        verb,
        action.data,
      );
      // Marked once done: a retry of an action whose instance died before this applies it.
      await this.deps.services.conversations.finishInvoke(ctx.activity.id).catch((err: unknown) => this.deps.logger.warn({ err, activityId: ctx.activity.id }, "could not mark the card action handled"));
    } catch (err) {
      // Teams would show "Something went wrong": say it in the user's words, nothing changed.
      this.deps.logger.error({ err, activityId: ctx.activity.id }, "card action failed");
      const t = this.t(ctx);
      card = noticeCard(isDatabaseUnavailable(err) ? t("errors.unavailable") : t("errors.generic"), "", "Attention");
    }
    return { statusCode: 200, type: "application/vnd.microsoft.card.adaptive", value: card as unknown as Record<string, unknown> };
  }

  private async handleMessage(ctx: TurnContext): Promise<void> {
    const actor = await this.actorOf(ctx);
    const t = this.t(ctx);
    if (await handleImportUpload(ctx, { services: this.deps.services, logger: this.deps.logger, onQueued: () => this.deps.onQueued?.(), downloads: this.deps.config.importDownloads }, actor, t, this.locale(ctx))) return;
    const submit = parseSubmit(ctx.activity.value);
    const text = (TurnContext.removeRecipientMention(ctx.activity) ?? ctx.activity.text ?? "").trim();
    const query = submit ? null : parseQuery(text);

    const dc = await this.dialogs.createContext(ctx);
    // A report in progress keeps what is about it (its cards, « aide », « annuler », « signaler »);
    // any other question is answered, and the report is recalled with a button to take it up again.
    const reportWaiting = dc.activeDialog !== undefined && actor !== null;
    const forReport = submit ? submit.action.startsWith("report.") || submit.action === "help" : query?.kind === "cancel" || query?.kind === "help" || query?.kind === "report";
    if (reportWaiting && forReport) {
      const result = await dc.continueDialog();
      if (result.status !== DialogTurnStatus.empty) return;
    }
    const answered = await this.answer(ctx, dc, actor, t, submit, text, query);
    if (reportWaiting) {
      if (answered) await this.report.remind(dc);
      else await dc.continueDialog(); // says what the report waits for
      return;
    }
    // What was typed is repeated as typed (Teams reads a message's text as Markdown).
    if (!answered) await ctx.sendActivity(text ? t("hint.unknown", { text: escapeMarkdown(text.length > 60 ? `${text.slice(0, 57)}…` : text) }) : t("hint.unknownEmpty"));
  }

  private directoryDeps() {
    return { services: this.deps.services, logger: this.deps.logger, onQueued: () => this.deps.onQueued?.() };
  }

  /** Answers a message that is not a step of a report; false when nothing understood it. */
  private async answer(ctx: TurnContext, dc: DialogContext, actor: Actor | null, t: Translate, submit: SubmitPayload | null, text: string, query: Query | null): Promise<boolean> {
    const personal = (ctx.activity.conversation.conversationType ?? "personal") === "personal";
    const locale = this.locale(ctx);
    const services = this.deps.services;
    if (submit?.action === "help" || query?.kind === "help") {
      await ctx.sendActivity(cardMessage(helpCard(t, actor?.role)));
      return true;
    }
    if (await answerEnrolment(ctx, this.directoryDeps(), actor, t, submit, text)) return true;
    if (!submit && (await answerMemberCommand(ctx, this.directoryDeps(), actor, t, text))) return true;
    if (submit?.action === "report.start" || query?.kind === "report") {
      if (!personal) await ctx.sendActivity(t("report.personalOnly"));
      else if (!actor) await ctx.sendActivity(cardMessage(unknownMemberCard(t, ctx.activity.from?.name)));
      else if ((await services.reports.reportingSchools(actor)).length === 0) await ctx.sendActivity(t("report.notAllowed"));
      else await dc.beginDialog(REPORT_DIALOG_ID);
      return true;
    }
    if (submit?.action === "query.name") {
      // A name offered on a card (« Vouliez-vous dire… »): the same as typing `statut <name>`.
      const name = z.string().trim().min(1).max(MAX_QUERY_LENGTH).safeParse((ctx.activity.value as { name?: unknown }).name);
      if (name.success) await answerQuery(ctx, { services }, actor, { kind: "statusByName", name: name.data }, t, locale);
      else await ctx.sendActivity(t("query.name.invalid"));
      return true;
    }
    if (submit?.action.startsWith("report.")) {
      // A card of a report that is over: a second click on "Envoyer" finds the case it created.
      const recorded = submit.action === "report.confirm" && submit.draftId ? await services.reports.alreadyRecorded(submit.draftId) : null;
      await ctx.sendActivity(recorded ? t("report.alreadyRecorded", { reference: recorded.reference }) : t("report.expired"));
      return true;
    }
    if (!submit && (await answerAdminCommand(ctx, services, actor, t, locale, text, () => this.deps.onQueued?.()))) return true;
    if (query?.kind === "cancel") {
      await ctx.sendActivity(t("report.nothingToCancel"));
      return true;
    }
    if (query?.kind === "greeting" || query?.kind === "thanks") {
      const firstName = (actor?.displayName ?? ctx.activity.from?.name ?? "").split(" ")[0] ?? "";
      await ctx.sendActivity(query.kind === "greeting" && firstName ? t("hint.greetingNamed", { name: firstName }) : t(`hint.${query.kind}`));
      return true;
    }
    if (query && (await answerQuery(ctx, { services }, actor, query, t, locale))) return true;
    if (!submit && (await answerPrivacyCommand(ctx, services, actor, t, locale, text))) return true;
    if (query && (await answerStats(ctx, { services }, actor, query, text, t, locale))) return true;
    // « statut » alone is what Teams' command list inserts: ask for what it needs.
    if (["statut", "status", "historique", "history"].includes(normalizeText(text))) {
      await ctx.sendActivity(t("hint.whichCase"));
      return true;
    }
    // A name alone is a status question when it names a case the caller may see.
    const name = query?.kind === "unknown" && personal ? bareName(text) : null;
    return name !== null && (await answerBareName(ctx, { services }, actor, name, t, locale));
  }
}
