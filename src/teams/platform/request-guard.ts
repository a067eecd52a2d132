import { z } from "zod";
import { cleanStrings } from "../../domain/safe-text.js";

/** The shape every Bot Framework request must have before it reaches the adapter: botbuilder
 *  throws (HTTP 500) on a body without a `type`, and the handlers expect a conversation, a sender
 *  and a service URL. A request that does not fit is answered 400 and reaches nothing. Lengths are
 *  bounded too: Teams refuses messages over about 28 KB, so longer text was not typed in Teams.
 *  Every string of an accepted activity loses its control characters (domain/safe-text.ts): the
 *  sender's name, the text, card inputs and action data are stored as they come (the conversation
 *  reference, dialog state, notes), and one U+0000 failed the statement that stored it. */

export const MAX_ACTIVITY_TEXT = 28_000;

const id = (max: number) => z.string().max(max);
const account = z.object({ id: id(256).nullish(), aadObjectId: id(128).nullish(), name: z.string().max(512).nullish() }).loose();

const ActivityEnvelope = z
  .object({
    type: z.string().min(1).max(64),
    id: id(256).nullish(),
    name: id(256).nullish(),
    channelId: id(64).nullish(),
    serviceUrl: z.string().min(1).max(2048),
    from: account,
    recipient: account.nullish(),
    conversation: z.object({ id: id(1024), conversationType: id(64).nullish(), tenantId: id(128).nullish() }).loose(),
    channelData: z.record(z.string(), z.unknown()).nullish(),
    text: z.string().max(MAX_ACTIVITY_TEXT).nullish(),
    locale: id(64).nullish(),
    timestamp: id(64).nullish(),
    localTimestamp: id(64).nullish(),
    replyToId: id(1024).nullish(),
    entities: z.array(z.record(z.string(), z.unknown())).max(64).nullish(),
    attachments: z.array(z.record(z.string(), z.unknown())).max(16).nullish(),
    membersAdded: z.array(account).max(256).nullish(),
    membersRemoved: z.array(account).max(256).nullish(),
  })
  .loose();

/** Null when the body looks like an activity; otherwise what is wrong with it (for the log). */
export function activityRequestProblem(body: unknown): string | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "the body is not a JSON object";
  const parsed = ActivityEnvelope.safeParse(body);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  return `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`;
}

/** The activity as the bot may read it: every string without control characters. */
export function cleanActivity<T>(body: T): T {
  return cleanStrings(body) as T;
}
