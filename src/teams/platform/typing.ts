import { ActivityTypes, type TurnContext } from "botbuilder";

/** Teams shows « Repère est en train d'écrire… » for a few seconds after a typing activity. */
export const TYPING_EVERY_MS = 3000;

/**
 * Runs a slow answer (statistics and their charts, an import's preview, an export) with the typing
 * indicator shown until it is sent: one typing activity at once, then one every few seconds. A
 * typing activity that cannot be sent changes nothing to the answer.
 */
export async function whileTyping<T>(ctx: TurnContext, work: () => Promise<T>, everyMs = TYPING_EVERY_MS): Promise<T> {
  const typing = () => ctx.sendActivity({ type: ActivityTypes.Typing }).catch(() => undefined);
  await typing();
  const timer = setInterval(() => void typing(), everyMs);
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
