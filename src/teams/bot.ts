import {
  ActivityTypes,
  ConversationState,
  TeamsActivityHandler,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type AppBasedLinkQuery,
  type MessagingExtensionQuery,
  type MessagingExtensionResponse,
  type Storage,
} from "botbuilder";
// botbuilder-dialogs' index also loads its prompts and the Recognizers-Text suite, unused here and
// about 40 MB of memory (npm run bench): only the modules of the classes used are imported.
import { DialogSet } from "botbuilder-dialogs/lib/dialogSet.js";
import { DialogTurnStatus } from "botbuilder-dialogs/lib/dialog.js";
import type { DialogContext, DialogState } from "botbuilder-dialogs/lib/dialogContext.js";
import type { Config } from "../config.js";
import type { Logger } from "../logging.js";
import type { Actor, Services } from "../services/index.js";
import { parseQuery, type Query } from "../domain/query-parser.js";
import { ETagConflictError } from "../store/index.js";
import { cardMessage } from "./cards/card-message.js";
import { resolveLocale, translator, type Locale, type Translate } from "./i18n.js";
import { clientInfoLocale, conversationOf, tenantOf } from "./platform/activity-info.js";
import { parseSubmit, type SubmitPayload } from "./cards/submit-payload.js";
import { InvokeValue, type ExecuteVerb } from "./cards/card-verbs.js";
import { CARD_ACTIONS } from "./card-actions.js";
import { MESSAGE_COMMANDS, messageKind } from "./message-commands.js";
import { welcomeCard } from "./cards/views.js";
import { ReportDialog } from "./reports/report-dialog.js";
import { noticeCard } from "./cases/case-views.js";
import { isDatabaseUnavailable } from "./platform/adapter.js";
import { handleFileUpload } from "./directory/directory-import-handler.js";
import { PrimedStorage } from "./platform/primed-storage.js";
import { escapeMarkdown } from "./cards/markdown.js";
import { identifyAtFirstContact } from "./directory/first-contact.js";
import { searchCases, unfurlCaseLink, type ExtensionRequest } from "./extensions/case-search.js";
import { whileTyping } from "./platform/typing.js";
import { fileAttachmentsOf } from "./imports/import-handler.js";

export { cardMessage };

export type BotDeps = {
  services: Services;
  storage: Storage;
  config: Pick<Config, "defaultLocale" | "forceLocale" | "allowedTenantIds" | "importDownloads" | "publicBaseUrl">;
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
    return resolveLocale(ctx.activity.locale ?? fromMember, this.deps.config.defaultLocale, this.deps.config.forceLocale);
  }

  t(ctx: TurnContext): Translate {
    return translator(this.locale(ctx));
  }

  /** The language of an install or membership event. Teams' conversationUpdate carries none; the
   *  installationUpdate that comes with it (before it, in Teams as in the Agents Playground) does,
   *  and the conversation's reference kept it; else the person's own. */
  private async installLocale(ctx: TurnContext): Promise<Locale> {
    const fallback = this.deps.config.defaultLocale;
    const forced = this.deps.config.forceLocale;
    if (forced) return forced;
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
      return {
        statusCode: 200,
        type: "application/vnd.microsoft.card.adaptive",
        value: noticeCard(this.t(ctx)("case.notice.invalidCard"), "", "Attention") as unknown as Record<string, unknown>,
      };
    }
    const action = parsed.data.action;
    try {
      const start = await this.deps.services.conversations.beginInvoke(tenantOf(ctx.activity), ctx.activity.from?.aadObjectId, ctx.activity.id);
      // A listed person's first activity may be a button (a card in a channel, a card forwarded):
      // recognised there as at a first message.
      const actor = start.actor ?? (await identifyAtFirstContact(ctx, this.deps.services, this.deps.logger));
      ctx.turnState.set(ACTOR, actor);
      let verb: ExecuteVerb = action.verb;
      // Teams retries an invoke it got no answer to, with the same id: answer it with the current
      // state rather than applying the change twice.
      if (!start.firstDelivery) {
        if (verb.startsWith("plan.")) verb = "plan.view";
        else if (verb.startsWith("case.")) verb = "case.refresh";
      }
      const entry = CARD_ACTIONS[verb];
      const data = entry.data.safeParse(action.data);
      const t = this.t(ctx);
      card = data.success
        ? await entry.handle({
            ctx,
            actor,
            t,
            locale: this.locale(ctx),
            verb,
            data: data.data,
            services: this.deps.services,
            logger: this.deps.logger,
            clock: this.clock,
            onQueued: () => this.deps.onQueued?.(),
          })
        : noticeCard(t("case.notice.invalidCard"), "", "Attention");
      // Marked once done: a retry of an action whose instance died before this applies it.
      await this.deps.services.conversations
        .finishInvoke(ctx.activity.id)
        .catch((err: unknown) => this.deps.logger.warn({ err, activityId: ctx.activity.id }, "could not mark the card action handled"));
    } catch (err) {
      // Teams would show "Something went wrong": say it in the user's words, nothing changed.
      this.deps.logger.error({ err, activityId: ctx.activity.id }, "card action failed");
      const t = this.t(ctx);
      card = noticeCard(isDatabaseUnavailable(err) ? t("errors.unavailable") : t("errors.generic"), "", "Attention");
    }
    return { statusCode: 200, type: "application/vnd.microsoft.card.adaptive", value: card as unknown as Record<string, unknown> };
  }

  /** The message extension « Rechercher un dossier » (composeExtension/query). */
  protected override async handleTeamsMessagingExtensionQuery(ctx: TurnContext, query: MessagingExtensionQuery): Promise<MessagingExtensionResponse> {
    return searchCases(await this.extensionRequest(ctx), query);
  }

  /** A case link pasted in a compose box (composeExtension/queryLink). */
  protected override async handleTeamsAppBasedLinkQuery(ctx: TurnContext, query: AppBasedLinkQuery): Promise<MessagingExtensionResponse> {
    return unfurlCaseLink(await this.extensionRequest(ctx), query, this.deps.config.publicBaseUrl);
  }

  private async extensionRequest(ctx: TurnContext): Promise<ExtensionRequest> {
    const actor = await this.actorOf(ctx);
    return { ctx, actor, t: this.t(ctx), services: this.deps.services, logger: this.deps.logger };
  }

  private async handleMessage(ctx: TurnContext): Promise<void> {
    const actor = await this.actorOf(ctx);
    const t = this.t(ctx);
    // A file sent to the bot is downloaded and read before its preview: the typing indicator shows meanwhile.
    const upload = () =>
      handleFileUpload(
        ctx,
        { services: this.deps.services, logger: this.deps.logger, onQueued: () => this.deps.onQueued?.(), downloads: this.deps.config.importDownloads },
        actor,
        t,
        this.locale(ctx),
      );
    if (await (fileAttachmentsOf(ctx.activity).length > 0 ? whileTyping(ctx, upload) : upload())) return;
    const submit = parseSubmit(ctx.activity.value);
    const text = (TurnContext.removeRecipientMention(ctx.activity) ?? ctx.activity.text ?? "").trim();
    const query = submit ? null : parseQuery(text);

    const dc = await this.dialogs.createContext(ctx);
    // A report in progress keeps what is about it (its cards, « aide », « annuler », « signaler »);
    // any other question is answered, and the report is recalled with a button to take it up again.
    const reportWaiting = dc.activeDialog !== undefined && actor !== null;
    const forReport = submit
      ? submit.action.startsWith("report.") || submit.action === "help"
      : query?.kind === "cancel" || query?.kind === "help" || query?.kind === "report";
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
    if (!answered)
      await ctx.sendActivity(text ? t("hint.unknown", { text: escapeMarkdown(text.length > 60 ? `${text.slice(0, 57)}…` : text) }) : t("hint.unknownEmpty"));
  }

  /** Answers a message that is not a step of a report, through the table of messages; false when
   *  nothing understood it. */
  private answer(
    ctx: TurnContext,
    dc: DialogContext,
    actor: Actor | null,
    t: Translate,
    submit: SubmitPayload | null,
    text: string,
    query: Query | null,
  ): Promise<boolean> {
    const personal = (ctx.activity.conversation.conversationType ?? "personal") === "personal";
    const request = {
      ctx,
      dc,
      actor,
      t,
      locale: this.locale(ctx),
      personal,
      submit,
      query,
      text,
      services: this.deps.services,
      logger: this.deps.logger,
      onQueued: () => this.deps.onQueued?.(),
    };
    return MESSAGE_COMMANDS[messageKind(submit, query, text)](request);
  }
}
