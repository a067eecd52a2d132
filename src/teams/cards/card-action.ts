import type { TurnContext } from "botbuilder";
import type { z } from "zod";
import type { Logger } from "../../logging.js";
import type { Actor, Services } from "../../services/index.js";
import type { Locale, Translate } from "../i18n.js";
import type { AdaptiveCardJson } from "./card-renderer.js";
import type { ExecuteVerb } from "./card-verbs.js";

/** What a card action (Action.Execute) handler receives: one object, its data already parsed by
 *  the schema of its entry in the table of card actions (src/teams/card-actions.ts). */
export type CardActionRequest<Data> = {
  ctx: TurnContext;
  /** Who clicked; null for someone the directory does not know (each handler says so in its words). */
  actor: Actor | null;
  t: Translate;
  locale: Locale;
  verb: ExecuteVerb;
  data: Data;
  services: Services;
  logger: Logger;
  clock: () => Date;
  /** Called after a change is committed, so that queued sends go out without waiting for the poll. */
  onQueued: () => void;
};

/** One entry of the table of card actions: the schema of the action's data and its handler.
 *  Authorisation stays in the services each handler calls. */
export type CardAction<Schema extends z.ZodType = z.ZodType> = {
  data: Schema;
  // A method (not a function property) so that every entry fits the table's one type.
  handle(request: CardActionRequest<z.output<Schema>>): Promise<AdaptiveCardJson>;
};

/** Keeps the link between an entry's schema and its handler's data type. */
export const cardAction = <Schema extends z.ZodType>(action: CardAction<Schema>): CardAction<Schema> => action;
