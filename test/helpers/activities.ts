// Teams activities as Teams (or the Agents Playground) sends them to the bot: a personal-chat
// message, an Action.Execute invoke, the bot's installation in a team channel. Shared by the tests
// (bot-harness.ts) and the bench's simulated users (bench/run.ts, bench/load.ts).
import { DEMO_TENANT_ID } from "../../src/store/demo-seed.js";

export const BOT = { id: "28:repere-bot", name: "Repère" };

export type Who = { aadObjectId: string; displayName: string };

let activityCounter = 0;
/** Activity ids differ between processes too: the bot remembers processed invoke ids. */
const processTag = Math.random().toString(36).slice(2, 8);
const nextId = (kind: string) => `${kind}-${processTag}-${Date.now()}-${++activityCounter}`;

/** The personal chat of `who` with the bot, as Teams names it. */
export const personalChatId = (who: { aadObjectId: string }) => `a:personal-${who.aadObjectId}`;

/** A message in a personal chat: typed text, or a card's Action.Submit (`value`). */
export function personalMessage(
  serviceUrl: string,
  who: Who,
  content: { text?: string; value?: unknown; locale?: string; tenantId?: string; conversationId?: string },
): Record<string, unknown> {
  const tenantId = content.tenantId ?? DEMO_TENANT_ID;
  return {
    type: "message",
    id: nextId("act"),
    timestamp: new Date().toISOString(),
    serviceUrl,
    channelId: "msteams",
    from: { id: `29:${who.aadObjectId}`, name: who.displayName, aadObjectId: who.aadObjectId },
    recipient: BOT,
    conversation: { id: content.conversationId ?? personalChatId(who), conversationType: "personal", tenantId },
    channelData: { tenant: { id: tenantId } },
    locale: content.locale ?? "fr-FR",
    ...(content.text !== undefined ? { text: content.text } : {}),
    ...(content.value !== undefined ? { value: content.value } : {}),
  };
}

/** An Action.Execute invoke as Teams sends it when a card button is pressed. */
export function invokeActivity(
  serviceUrl: string,
  who: Who,
  where: { conversationId: string; type: "personal" | "channel"; teamId?: string; tenantId?: string },
  verb: string,
  data: Record<string, unknown>,
  locale = "fr-FR",
): Record<string, unknown> {
  const tenantId = where.tenantId ?? DEMO_TENANT_ID;
  return {
    type: "invoke",
    name: "adaptiveCard/action",
    id: nextId("inv"),
    timestamp: new Date().toISOString(),
    serviceUrl,
    channelId: "msteams",
    from: { id: `29:${who.aadObjectId}`, name: who.displayName, aadObjectId: who.aadObjectId },
    recipient: BOT,
    conversation: { id: where.conversationId, conversationType: where.type, tenantId, ...(where.type === "channel" ? { isGroup: true } : {}) },
    channelData: { tenant: { id: tenantId }, ...(where.teamId ? { team: { id: where.teamId }, channel: { id: where.conversationId } } : {}) },
    locale,
    value: { action: { type: "Action.Execute", verb, data }, trigger: "manual" },
  };
}

/** The bot is added to a team: Teams sends a conversationUpdate in the team's General channel, and
 *  the bot remembers that channel (where its channel posts go). */
export function channelInstallActivity(
  serviceUrl: string,
  by: { aadObjectId: string },
  channel: { teamId: string; channelId: string },
  tenantId = DEMO_TENANT_ID,
): Record<string, unknown> {
  return {
    type: "conversationUpdate",
    id: nextId(`install-${channel.channelId}`),
    serviceUrl,
    channelId: "msteams",
    from: { id: `29:${by.aadObjectId}`, aadObjectId: by.aadObjectId },
    recipient: BOT,
    conversation: { id: channel.channelId, conversationType: "channel", isGroup: true, tenantId },
    channelData: { tenant: { id: tenantId }, team: { id: channel.teamId }, channel: { id: channel.channelId } },
    membersAdded: [{ id: BOT.id }],
  };
}
