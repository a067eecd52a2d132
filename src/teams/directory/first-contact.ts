import { TeamsInfo, type TurnContext } from "botbuilder";
import type { Logger } from "../../logging.js";
import type { Actor, Services } from "../../services/index.js";
import { tenantOf } from "../platform/activity-info.js";

/**
 * The first message or card action of someone the bot does not know: Teams tells who they are in this
 * conversation (their user principal name and e-mail, through the members API), and a person of
 * the staff list with that address is bound to this Teams identity once. If Teams cannot say, the
 * person stays unknown and gets the usual answer: never an error.
 */
export async function identifyAtFirstContact(ctx: TurnContext, services: Services, logger: Logger): Promise<Actor | null> {
  const tenantId = tenantOf(ctx.activity);
  const aadObjectId = ctx.activity.from?.aadObjectId;
  const userId = ctx.activity.from?.id;
  if (!tenantId || !aadObjectId || !userId) return null;
  let addresses: (string | undefined)[];
  try {
    const member = await TeamsInfo.getMember(ctx, userId);
    addresses = [member.userPrincipalName, member.email];
  } catch (err) {
    logger.warn({ err: { message: (err as Error).message }, activityId: ctx.activity.id }, "first contact: Teams did not tell who is writing");
    return null;
  }
  const actor = await services.members.bindAtFirstContact(tenantId, aadObjectId, addresses);
  if (actor) logger.info({ memberId: actor.memberId }, "first contact: Teams identity bound to a listed member");
  return actor;
}
