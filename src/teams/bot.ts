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
import type { DialogState } from "botbuilder-dialogs/lib/dialogContext.js";
import type { Config } from "../config.js";
import type { Logger } from "../logging.js";
import type { Actor, Services } from "../services/index.js";
import { parseQuery } from "../domain/query-parser.js";
import { ETagConflictError } from "../store/index.js";
import { cardMessage } from "./card-message.js";
import { resolveLocale, translator, type Translate } from "./i18n.js";
import { helpCard, welcomeCard } from "./views.js";
import { conversationOf, tenantOf } from "./activity-info.js";
import { parseSubmit } from "./submit-payload.js";
import { REPORT_DIALOG_ID, ReportDialog } from "./dialogs/report-dialog.js";
import { unknownMemberCard } from "./report-views.js";
import { handleCaseAction } from "./case-actions.js";
import { normalizeText } from "../domain/text.js";
import { noticeCard } from "./case-views.js";
import { isDatabaseUnavailable } from "./adapter.js";
import { answerAdminCommand } from "./admin-commands.js";
import { handleImportAction, handleImportUpload } from "./import-handler.js";
import { answerQuery } from "./query-answers.js";
import { answerPrivacyCommand, handlePrivacyAction } from "./privacy-commands.js";
import { answerStats } from "./stats-answers.js";
import { PrimedStorage } from "./primed-storage.js";

export { cardMessage };

export type BotDeps = {
  services: Services;
  storage: Storage;
  config: Pick<Config, "defaultLocale" | "allowedTenantIds">;
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
  private readonly clock: () => Date;

  constructor(private readonly deps: BotDeps) {
    super();
    this.clock = deps.clock ?? (() => new Date());
    this.storage = new PrimedStorage(deps.storage);
    this.conversationState = new ConversationState(this.storage);
    this.dialogs = new DialogSet(this.conversationState.createProperty<DialogState>("dialogState"));
    this.dialogs.add(
      new ReportDialog({
        services: deps.services,
        translate: (ctx) => this.t(ctx),
        actor: (ctx) => ctx.turnState.get(ACTOR) ?? null,
        onQueued: () => deps.onQueued?.(),
        clock: this.clock,
      }),
    );

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
        await ctx.sendActivity(cardMessage(welcomeCard(this.t(ctx))));
      }
      await next();
    });
  }

  override async run(ctx: TurnContext): Promise<void> {
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
        ctx.turnState.set(ACTOR, start.actor);
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

  /** Action.Execute (Universal Actions): answer with the card to show in place of the one clicked. */
  protected override async onAdaptiveCardInvoke(ctx: TurnContext, invokeValue: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    let card;
    try {
      const start = await this.deps.services.conversations.beginInvoke(tenantOf(ctx.activity), ctx.activity.from?.aadObjectId, ctx.activity.id);
      const actor = start.actor;
      ctx.turnState.set(ACTOR, actor);
      let verb = invokeValue.action?.verb ?? "";
      // Teams retries an invoke it got no answer to, with the same id: answer it with the current
      // state rather than applying the change twice.
      if (!start.firstDelivery) {
        if (verb.startsWith("plan.")) verb = "plan.view";
        else if (verb.startsWith("case.")) verb = "case.refresh";
      }
      card = verb.startsWith("import.")
        ? await handleImportAction(ctx, { services: this.deps.services, logger: this.deps.logger, onQueued: () => this.deps.onQueued?.() }, actor, this.t(ctx), this.locale(ctx), verb, invokeValue.action?.data)
        : null;
      card ??= verb.startsWith("privacy.") ? await handlePrivacyAction(ctx, { services: this.deps.services, onQueued: () => this.deps.onQueued?.() }, actor, this.t(ctx), this.locale(ctx), verb, invokeValue.action?.data) : null;
      card ??= await handleCaseAction(
        ctx,
        { services: this.deps.services, clock: this.clock, onQueued: () => this.deps.onQueued?.() },
        actor,
        this.t(ctx),
        this.locale(ctx),
        verb,
        invokeValue.action?.data,
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
    if (await handleImportUpload(ctx, { services: this.deps.services, logger: this.deps.logger, onQueued: () => this.deps.onQueued?.() }, actor, t, this.locale(ctx))) return;
    const personal = (ctx.activity.conversation.conversationType ?? "personal") === "personal";
    const submit = parseSubmit(ctx.activity.value);
    const text = (TurnContext.removeRecipientMention(ctx.activity) ?? ctx.activity.text ?? "").trim();
    const query = submit ? null : parseQuery(text);

    const dc = await this.dialogs.createContext(ctx);
    if (dc.activeDialog && actor) {
      const result = await dc.continueDialog();
      if (result.status !== DialogTurnStatus.empty) return;
    }

    if (submit?.action === "help" || query?.kind === "help") {
      await ctx.sendActivity(cardMessage(helpCard(t, actor?.role)));
      return;
    }
    if (submit?.action === "report.start" || query?.kind === "report") {
      if (!personal) {
        await ctx.sendActivity(t("report.personalOnly"));
        return;
      }
      if (!actor) {
        await ctx.sendActivity(cardMessage(unknownMemberCard(t, ctx.activity.from?.name)));
        return;
      }
      if ((await this.deps.services.reports.reportingSchools(actor)).length === 0) {
        await ctx.sendActivity(t("report.notAllowed"));
        return;
      }
      await dc.beginDialog(REPORT_DIALOG_ID);
      return;
    }
    if (submit?.action.startsWith("report.")) {
      // A card of a report that is over: a second click on "Envoyer" finds the case it created.
      const recorded = submit.action === "report.confirm" && submit.draftId ? await this.deps.services.reports.alreadyRecorded(submit.draftId) : null;
      await ctx.sendActivity(recorded ? t("report.alreadyRecorded", { reference: recorded.reference }) : t("report.expired"));
      return;
    }
    if (!submit && (await answerAdminCommand(ctx, this.deps.services, actor, t, this.locale(ctx), text, () => this.deps.onQueued?.()))) return;
    if (query?.kind === "cancel") {
      await ctx.sendActivity(t("report.nothingToCancel"));
      return;
    }
    if (query && (await answerQuery(ctx, { services: this.deps.services }, actor, query, t, this.locale(ctx)))) return;
    if (!submit && (await answerPrivacyCommand(ctx, this.deps.services, actor, t, this.locale(ctx), text))) return;
    if (query && (await answerStats(ctx, { services: this.deps.services }, actor, query, text, t, this.locale(ctx)))) return;
    // « statut » alone is what Teams' command list inserts: ask for what it needs.
    if (["statut", "status", "historique", "history"].includes(normalizeText(text))) {
      await ctx.sendActivity(t("hint.whichCase"));
      return;
    }
    await ctx.sendActivity(text ? t("hint.unknown", { text: text.length > 60 ? `${text.slice(0, 57)}…` : text }) : t("hint.unknownEmpty"));
  }
}
