import { TurnContext, type Activity } from "botbuilder";
import type { StoredConversation } from "../../store/index.js";

type TeamsChannelData = { tenant?: { id?: string }; team?: { id?: string }; channel?: { id?: string } };

export function tenantOf(activity: Partial<Activity>): string | undefined {
  const channelData = activity.channelData as TeamsChannelData | undefined;
  return channelData?.tenant?.id ?? activity.conversation?.tenantId ?? undefined;
}

/** The locale of Teams' clientInfo entity ("en-US"), when the activity carries one. */
export function clientInfoLocale(activity: Partial<Activity>): string | undefined {
  const info = (activity.entities ?? []).find((e) => e?.type === "clientInfo" && typeof (e as { locale?: unknown }).locale === "string");
  return info ? ((info as { locale?: string }).locale ?? undefined) : undefined;
}

/** What the bot keeps of a conversation to write to it later (proactive messages). */
export function conversationOf(activity: Activity): StoredConversation | null {
  const conv = activity.conversation;
  if (!conv?.id || !activity.serviceUrl) return null;
  const channelData = activity.channelData as TeamsChannelData | undefined;
  const kind = conv.conversationType === "channel" ? "CHANNEL" : conv.conversationType === "groupChat" ? "GROUP_CHAT" : "PERSONAL";
  const reference = TurnContext.getConversationReference(activity) as unknown as Record<string, unknown>;
  // A reply in a channel thread carries ";messageid=..." in its conversation id: keep the channel
  // itself, so that a later proactive post starts a new thread there.
  const conversationId = kind === "CHANNEL" ? conv.id.split(";messageid=")[0]! : conv.id;
  reference.conversation = { ...(reference.conversation as object), id: conversationId };
  // The message it came with is not part of where the conversation is: with it, every message
  // changed the stored reference and was a database write (a commit per turn, `npm run bench`).
  delete reference.activityId;
  // The reference names the user who spoke; only personal chats are tied to one person.
  return {
    conversationId,
    kind,
    tenantId: tenantOf(activity) ?? null,
    aadObjectId: kind === "PERSONAL" ? (activity.from?.aadObjectId ?? null) : null,
    teamId: channelData?.team?.id ?? null,
    channelId: channelData?.channel?.id ?? null,
    serviceUrl: activity.serviceUrl,
    reference,
  };
}
