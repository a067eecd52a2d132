import { TurnContext } from "botbuilder";
import type { Query } from "../../domain/query-parser.js";
import type { Actor, Services } from "../../services/index.js";
import type { QueryAudience } from "../../services/queries.js";
import { cardMessage } from "../cards/card-message.js";
import type { Locale, Translate } from "../i18n.js";
import { caseListCard, closeNamesCard, statusCard } from "./query-views.js";
import { samePersonCard } from "./same-person.js";
import { formatDate } from "../cases/case-views.js";
import { unknownMemberCard } from "../reports/report-views.js";

/** The quick questions typed in chat: `statut D-2026-0042`, `statut Dupont`, `mes signalements`,
 *  `à traiter`, `en retard`. In a channel the bot answers only when it is mentioned, and its
 *  answers there carry no full name. */

export type QueryAnswerDeps = { services: Services };

type AnsweredQuery = Extract<Query, { kind: "statusByReference" | "statusByName" | "myReports" | "toDo" | "overdue" }>;

function isAnswered(query: Query): query is AnsweredQuery {
  return ["statusByReference", "statusByName", "myReports", "toDo", "overdue"].includes(query.kind);
}

/** Whether the bot itself is @mentioned in the activity (Teams puts a mention entity for it). */
function mentionsBot(ctx: TurnContext): boolean {
  const botId = ctx.activity.recipient?.id;
  return TurnContext.getMentions(ctx.activity).some((m) => m.mentioned?.id !== undefined && m.mentioned.id === botId);
}

/**
 * Answers a status query. Returns true when the message was handled: answered, or, in a channel
 * where the bot was not mentioned, deliberately left unanswered (the conversation is not the
 * bot's). Returns false for any other query, which the caller handles.
 */
export async function answerQuery(ctx: TurnContext, deps: QueryAnswerDeps, actor: Actor | null, query: Query, t: Translate, locale: Locale): Promise<boolean> {
  if (!isAnswered(query)) return false;
  const audience: QueryAudience = (ctx.activity.conversation?.conversationType ?? "personal") === "personal" ? "personal" : "channel";
  if (audience === "channel" && !mentionsBot(ctx)) return true;
  if (!actor) {
    await ctx.sendActivity(audience === "personal" ? cardMessage(unknownMemberCard(t, ctx.activity.from?.name)) : t("query.unknownMember"));
    return true;
  }
  const queries = deps.services.queries;
  switch (query.kind) {
    case "statusByReference": {
      const result = await queries.statusByReference(actor, query.reference, audience);
      if (result.ok) {
        await ctx.sendActivity(cardMessage(statusCard(t, locale, result.line, audience, result.linked)));
        // « Même élève ? »: only ever filled in a personal chat, for who sees both cases in detail.
        if (result.samePerson.length > 0) await ctx.sendActivity(cardMessage(samePersonCard(t, result.line.reference, result.samePerson)));
      }
      // A case that left the caller's school: that it went, and when; nothing of where nor since.
      else if (result.reason === "TRANSFERRED")
        await ctx.sendActivity(t("query.transferred", { reference: result.reference, date: formatDate(result.at, locale) }));
      else await ctx.sendActivity(t(result.reason === "PERSONAL_ONLY" ? "query.personalOnly" : "query.notFound", { reference: query.reference }));
      return true;
    }
    case "statusByName": {
      // In a channel the typed name is not repeated back: the answer carries no name.
      const name = audience === "personal" ? query.name : undefined;
      const result = await queries.statusByName(actor, query.name, audience);
      if (!result.ok)
        await ctx.sendActivity(
          t({ NO_NAMES: "query.name.noNames", INVALID_NAME: "query.name.invalid", PERSONAL_ONLY: "protection.nameSearchPersonalOnly" }[result.reason]),
        );
      else if (result.lines.length === 0 && result.closeNames?.length && name !== undefined)
        await ctx.sendActivity(cardMessage(closeNamesCard(t, name, result.closeNames)));
      else if (result.lines.length === 0) await ctx.sendActivity(name === undefined ? t("query.name.noneHidden") : t("query.name.none", { name }));
      else if (result.lines.length === 1 && !result.more) await ctx.sendActivity(cardMessage(statusCard(t, locale, result.lines[0]!, audience)));
      else
        await ctx.sendActivity(
          cardMessage(caseListCard(t, locale, "name", { lines: result.lines, more: result.more, ...(name === undefined ? {} : { name }) }, audience)),
        );
      return true;
    }
    case "myReports": {
      const list = await queries.myReports(actor, audience);
      if (list.total === 0) await ctx.sendActivity(t("query.mine.none"));
      else await ctx.sendActivity(cardMessage(caseListCard(t, locale, "mine", list, audience)));
      return true;
    }
    case "toDo": {
      const result = await queries.toDo(actor, audience);
      if (!result.ok) await ctx.sendActivity(t(actor.role === "ADMIN" ? "query.todo.notForAdmin" : "query.todo.notForStaff"));
      else if (result.list.total === 0) await ctx.sendActivity(t("query.todo.none"));
      else await ctx.sendActivity(cardMessage(caseListCard(t, locale, "todo", result.list, audience)));
      return true;
    }
    case "overdue": {
      const list = await queries.overdue(actor, audience);
      if (list.total === 0) await ctx.sendActivity(t("query.overdue.none"));
      else await ctx.sendActivity(cardMessage(caseListCard(t, locale, "overdue", list, audience)));
      return true;
    }
  }
}

/** A message that is only a name, in a personal chat: answered as `statut <name>` when it finds a
 *  case the caller may see (or names one slip away); false when it finds nothing, so that the
 *  caller answers that it did not understand (a word such as « ok » is not taken for a name). */
export async function answerBareName(
  ctx: TurnContext,
  deps: QueryAnswerDeps,
  actor: Actor | null,
  name: string,
  t: Translate,
  locale: Locale,
): Promise<boolean> {
  if (!actor) return false;
  const found = await deps.services.queries.statusByName(actor, name, "personal");
  if (!found.ok || (found.lines.length === 0 && !found.closeNames?.length)) return false;
  return answerQuery(ctx, deps, actor, { kind: "statusByName", name }, t, locale);
}
