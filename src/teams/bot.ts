import {
  ActivityTypes,
  CardFactory,
  ConversationState,
  MessageFactory,
  TeamsActivityHandler,
  TurnContext,
  type Activity,
  type Storage,
} from "botbuilder";
import type { Config } from "../config.js";
import type { Logger } from "../logging.js";
import type { Services } from "../services/index.js";
import { parseQuery } from "../domain/query-parser.js";
import type { AdaptiveCardJson } from "./card-renderer.js";
import { resolveLocale, translator, type Translate } from "./i18n.js";
import { helpCard, welcomeCard } from "./views.js";
import { conversationOf, tenantOf } from "./activity-info.js";

export type BotDeps = {
  services: Services;
  storage: Storage;
  config: Pick<Config, "defaultLocale" | "allowedTenantIds">;
  logger: Logger;
};

export function cardMessage(card: AdaptiveCardJson): Partial<Activity> {
  return MessageFactory.attachment(CardFactory.adaptiveCard(card));
}

/** Turns Teams activities into service calls and results into cards. */
export class RepereBot extends TeamsActivityHandler {
  private readonly conversationState: ConversationState;

  constructor(private readonly deps: BotDeps) {
    super();
    this.conversationState = new ConversationState(deps.storage);

    this.onMessage(async (ctx, next) => {
      await this.handleMessage(ctx);
      await next();
    });

    this.onMembersAdded(async (ctx, next) => {
      const botId = ctx.activity.recipient.id;
      const conversationType = ctx.activity.conversation.conversationType;
      const added = ctx.activity.membersAdded ?? [];
      const botAdded = added.some((m) => m.id === botId);
      // In a personal chat greet the person; in a team or group chat greet once, when the bot arrives.
      if (conversationType === "personal" ? added.some((m) => m.id !== botId) : botAdded) {
        await ctx.sendActivity(cardMessage(welcomeCard(this.t(ctx))));
      }
      await next();
    });

    this.onInstallationUpdateAdd(async (ctx, next) => {
      if (ctx.activity.conversation.conversationType === "personal") {
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
    if (ctx.activity.type === ActivityTypes.Message || ctx.activity.type === ActivityTypes.ConversationUpdate || ctx.activity.type === ActivityTypes.InstallationUpdate) {
      const conversation = conversationOf(ctx.activity);
      if (conversation) await this.deps.services.conversations.remember(conversation);
    }
    await super.run(ctx);
    await this.conversationState.saveChanges(ctx, false);
  }

  t(ctx: TurnContext): Translate {
    return translator(resolveLocale(ctx.activity.locale, this.deps.config.defaultLocale));
  }

  private async handleMessage(ctx: TurnContext): Promise<void> {
    const t = this.t(ctx);
    const submitted = ctx.activity.value as { action?: unknown } | undefined;
    if (submitted && typeof submitted === "object" && submitted.action === "help") {
      await ctx.sendActivity(cardMessage(helpCard(t)));
      return;
    }
    const text = TurnContext.removeRecipientMention(ctx.activity)?.trim() ?? ctx.activity.text?.trim() ?? "";
    const query = parseQuery(text);
    switch (query.kind) {
      case "help":
        await ctx.sendActivity(cardMessage(helpCard(t)));
        return;
      default:
        await ctx.sendActivity(
          text ? t("hint.unknown", { text: text.length > 60 ? `${text.slice(0, 57)}…` : text }) : t("hint.unknownEmpty"),
        );
    }
  }
}
