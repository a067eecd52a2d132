import { MessageFactory, type TurnContext } from "botbuilder";
import type { Query } from "../../domain/query-parser.js";
import { parseExportCommand } from "../../domain/statistics.js";
import type { Actor, Services } from "../../services/index.js";
import type { StatsFailure } from "../../services/statistics.js";
import { cardMessage } from "../cards/card-message.js";
import type { Locale, Translate } from "../i18n.js";
import { exportCard, statsCard } from "./stats-views.js";

/** « statistiques [scope] [period] », « export stats [...] », « export dossiers [...] ». Answers and
 *  returns true when the message was one of them. */
export async function answerStats(
  ctx: TurnContext,
  deps: { services: Services },
  actor: Actor | null,
  query: Query | null,
  text: string,
  t: Translate,
  locale: Locale,
): Promise<boolean> {
  const exportCommand = query?.kind === "stats" ? null : parseExportCommand(text);
  if (query?.kind !== "stats" && !exportCommand) return false;
  const reply = async (message: string) => void (await ctx.sendActivity(MessageFactory.text(message)));
  const stats = deps.services.statistics;
  if (!actor || !stats.mayView(actor)) {
    await reply(t("stats.forbidden"));
    return true;
  }
  const refusal = (reason: StatsFailure) => (reason === "FORBIDDEN" ? t("stats.forbidden") : t(`stats.${reason}`));
  const inChannel = (ctx.activity.conversation?.conversationType ?? "personal") !== "personal";

  if (exportCommand) {
    // A list of cases is for its reader alone; the aggregates too, being a file that travels.
    if (inChannel) return reply(t("stats.export.personalOnly")).then(() => true);
    if (exportCommand.kind === "cases" && !stats.mayExportCases(actor)) return reply(t("stats.export.forbiddenCases")).then(() => true);
    const result = await stats.requestExport(actor, exportCommand.kind, exportCommand.scope, locale);
    if (!result.ok) await reply(refusal(result.reason));
    else await ctx.sendActivity(cardMessage(exportCard(t, locale, result)));
    return true;
  }

  const result = await stats.view(actor, query?.kind === "stats" ? query.scope : undefined, { inChannel });
  if (!result.ok) await reply(refusal(result.reason));
  else
    await ctx.sendActivity(
      cardMessage(statsCard(t, locale, result.view, (encoded) => stats.chartUrl(encoded), { mayExportCases: stats.mayExportCases(actor) })),
    );
  return true;
}
