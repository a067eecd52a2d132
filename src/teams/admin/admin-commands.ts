import type { TurnContext } from "botbuilder";
import { z } from "zod";
import { parseAdminCommand } from "../../domain/admin-commands.js";
import type { Actor, Services } from "../../services/index.js";
import type { FailedSend } from "../../services/administration.js";
import { renderCard, type AdaptiveCardJson } from "../cards/card-renderer.js";
import { cardMessage } from "../cards/card-message.js";
import { formatDate, noticeCard } from "../cases/case-views.js";
import type { CardActionRequest } from "../cards/card-action.js";
import type { Locale, Translate } from "../i18n.js";
import type { FailedSendsCardData, StatsExportCardData } from "../cards/card-data.js";
import { ACADEMY_SETTING_KEYS } from "../../domain/family-notice.js";

type ChannelData = { team?: { id?: string; name?: string }; channel?: { id?: string; name?: string } };

/** Académie administration from Teams: `canal MLDS NORD` / `canal académie` typed in a team
 *  channel makes it the destination of a district's cases (or of what has no route), and
 *  `envois en échec` lists the sends that Teams refused for good, with a button to retry, and
 *  `renvoyer les envois en échec` puts them all back in the queue. */
export async function answerAdminCommand(
  ctx: TurnContext,
  services: Services,
  actor: Actor | null,
  t: Translate,
  locale: Locale,
  text: string,
  onQueued?: () => void,
): Promise<boolean> {
  const command = parseAdminCommand(text);
  if (!command) return false;
  if (!actor) {
    await ctx.sendActivity(t("admin.forbidden"));
    return true;
  }
  if (command.kind === "failedSends") {
    const result = await services.administration.failedSends(actor);
    if (!result.ok) await ctx.sendActivity(t("admin.forbidden"));
    else await ctx.sendActivity(cardMessage(failedSendsCard(t, locale, result.sends)));
    return true;
  }
  if (command.kind === "requeueFailedSends") {
    const result = await services.administration.requeueAllFailed(actor);
    if (!result.ok) await ctx.sendActivity(t("admin.forbidden"));
    else {
      if (result.requeued > 0) onQueued?.();
      await ctx.sendActivity(t("admin.failed.requeuedAll", { count: result.requeued }));
    }
    return true;
  }
  if (command.kind === "setMldsAccess") {
    const result = await services.administration.setMldsAccess(actor, command.districtCode, command.access);
    if (result.ok) await ctx.sendActivity(t(`admin.mldsAccess.${command.access}`, { district: result.districtName }));
    else await ctx.sendActivity(result.reason === "FORBIDDEN" ? t("admin.forbidden") : t("admin.unknownDistrict", { code: command.districtCode }));
    return true;
  }
  if (command.kind === "familyNotice") {
    const link = services.familyNotice.link(actor);
    if (!link.ok) await ctx.sendActivity(t("admin.forbidden"));
    else
      await ctx.sendActivity(
        cardMessage(
          renderCard("stats-export", {
            title: t("familyNotice.card.title"),
            subtitle: t("familyNotice.card.subtitle"),
            body: t("familyNotice.card.body"),
            download: t("familyNotice.card.download"),
            url: link.url,
          } satisfies StatsExportCardData),
        ),
      );
    return true;
  }
  if (command.kind === "setAcademySetting") {
    const result = await services.familyNotice.setSetting(actor, command.key, command.value);
    if (result.ok) await ctx.sendActivity(t("familyNotice.settingSet", { setting: t(`familyNotice.setting.${command.key}`) }));
    else await ctx.sendActivity(result.reason === "FORBIDDEN" ? t("admin.forbidden") : t("familyNotice.settingInvalid"));
    return true;
  }
  if (command.kind === "showAcademySettings") {
    if (!services.administration.mayConfigure(actor)) {
      await ctx.sendActivity(t("admin.forbidden"));
      return true;
    }
    const settings = await services.familyNotice.settings();
    const lines = ACADEMY_SETTING_KEYS.map((k) => `- **${t(`familyNotice.setting.${k}`)}** : ${settings[k] ?? t("familyNotice.notSet")}`);
    await ctx.sendActivity([t("familyNotice.settingsTitle"), ...lines, "", t("familyNotice.settingsHelp")].join("\n"));
    return true;
  }
  const data = ctx.activity.channelData as ChannelData | undefined;
  const teamId = data?.team?.id;
  const channelId = data?.channel?.id ?? teamId;
  if (ctx.activity.conversation.conversationType !== "channel" || !teamId || !channelId) {
    await ctx.sendActivity(t("admin.channelOnly"));
    return true;
  }
  const channel = { teamId, channelId, name: [data?.team?.name, data?.channel?.name].filter(Boolean).join(" - ") || channelId };
  if (command.kind === "routeFallbackHere") {
    const result = await services.administration.routeFallbackHere(actor, channel);
    await ctx.sendActivity(result.ok ? t("admin.routedFallback") : t("admin.forbidden"));
    return true;
  }
  const result = await services.administration.routeDistrictHere(actor, command.districtCode, channel);
  if (result.ok) await ctx.sendActivity(t("admin.routedDistrict", { district: result.districtName }));
  else await ctx.sendActivity(result.reason === "FORBIDDEN" ? t("admin.forbidden") : t("admin.unknownDistrict", { code: command.districtCode }));
  return true;
}

export function failedSendsCard(t: Translate, locale: Locale, sends: FailedSend[]): AdaptiveCardJson {
  const target = { CHANNEL: "channel", PERSONAL: "personal", GROUP_CHAT: "group", UNKNOWN: "unknown" } as const;
  return renderCard("failed-sends", {
    title: t("admin.failed.title"),
    none: t("admin.failed.none"),
    requeue: t("admin.failed.requeue"),
    requeueAll: t("admin.failed.requeueAllHint"),
    sends: sends.map((s) => ({
      id: s.id,
      line: t("admin.failed.line", {
        when: formatDate(s.createdAt, locale),
        target: t(`admin.failed.${target[s.conversationKind]}`),
        reference: s.reference ?? "—",
        attempts: s.attempts,
        error: (s.lastError ?? "").slice(0, 120),
      }),
    })),
  } satisfies FailedSendsCardData);
}

export const RequeueActionData = z.object({ outboxId: z.uuid() });
export type RequeueActionData = z.infer<typeof RequeueActionData>;

/** « Renvoyer » on the card of failed sends (Action.Execute `outbox.requeue`). */
export async function requeueFailedSend({ actor, t, data, services, onQueued }: CardActionRequest<RequeueActionData>): Promise<AdaptiveCardJson> {
  if (!actor) return noticeCard(t("case.notice.unknownMember"), "", "Attention");
  const result = await services.administration.requeue(actor, data.outboxId);
  if (result === "REQUEUED") onQueued();
  const text = { REQUEUED: t("admin.failed.requeued"), NOT_FAILED: t("admin.failed.notRequeued"), FORBIDDEN: t("admin.forbidden") }[result];
  return noticeCard(text, "", result === "REQUEUED" ? "Good" : "Attention");
}
