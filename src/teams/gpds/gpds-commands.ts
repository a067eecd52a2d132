import type { TurnContext } from "botbuilder";
import { parseGpdsCommand } from "../../domain/gpds.js";
import type { Actor, Services } from "../../services/index.js";
import type { Locale, Translate } from "../i18n.js";
import { conversationOf } from "../platform/activity-info.js";
import { gpdsAnswer } from "./gpds-views.js";

/** Whether a message is a `gpds …` command. */
export function isGpdsCommand(text: string): boolean {
  return parseGpdsCommand(text) !== null;
}

/** `gpds …`: the school's GPDS dates (one-off or every N weeks), and `gpds ici` typed in a private
 *  channel or a group chat where the bot was added makes it the school's GPDS space. Who may set
 *  them is decided by the service. */
export async function answerGpdsCommand(
  ctx: TurnContext,
  services: Services,
  actor: Actor | null,
  t: Translate,
  locale: Locale,
  text: string,
  onQueued: () => void,
): Promise<boolean> {
  const command = parseGpdsCommand(text);
  if (!command) return false;
  if (!actor) {
    await ctx.sendActivity(t("gpds.unknownMember"));
    return true;
  }
  if (command.kind === "invalid") {
    await ctx.sendActivity(t(command.problem === "DATE" ? "gpds.badDate" : command.problem === "WEEKS" ? "gpds.badWeeks" : "gpds.usage"));
    return true;
  }
  const conversation = conversationOf(ctx.activity);
  const where = { conversationId: conversation?.conversationId ?? "", kind: conversation?.kind ?? "PERSONAL" };
  const outcome = await services.gpds.command(actor, command, where);
  // An agenda already due for a new date was queued: deliver it now.
  if (outcome.ok && outcome.agendasQueued) onQueued();
  await ctx.sendActivity(gpdsAnswer(t, locale, outcome));
  return true;
}
