import {
  StatusCodes,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type TurnContext,
} from "botbuilder";
// botbuilder's own dependency (one copy in node_modules): the error CloudAdapter answers 401 for.
import { AuthenticationError } from "botframework-connector";
import type { Config } from "../config.js";
import type { Logger } from "../logging.js";
import { resolveLocale, translator } from "./i18n.js";

/** The Bot Framework adapter. With an app id configured every request must carry a valid token;
 *  without one (local mode: Agents Playground, tests) requests are not authenticated. */
export function createAdapter(config: Pick<Config, "bot" | "defaultLocale">, logger: Logger, extraAuthSettings: Partial<ConfigurationBotFrameworkAuthenticationOptions> = {}): CloudAdapter {
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.bot.appId ?? "",
    MicrosoftAppPassword: config.bot.appPassword ?? "",
    MicrosoftAppType: config.bot.appType,
    MicrosoftAppTenantId: config.bot.appTenantId ?? "",
    ...extraAuthSettings,
  });
  // A token that fails validation in any way (bad signature, unknown key, malformed JWT) is a
  // 401: botbuilder lets some of these errors through as 500s.
  const authenticateRequest = auth.authenticateRequest.bind(auth);
  auth.authenticateRequest = async (activity, authHeader) => {
    try {
      return await authenticateRequest(activity, authHeader);
    } catch (err: unknown) {
      if (err instanceof AuthenticationError && err.statusCode === StatusCodes.UNAUTHORIZED) throw err;
      const e = err as { name?: unknown; message?: unknown } | null;
      logger.warn({ err: { name: String(e?.name ?? "Error"), message: String(e?.message ?? err).slice(0, 200) }, activityId: activity.id }, "request refused: token not valid");
      throw new AuthenticationError("Unauthorized Access. Request is not authorized", StatusCodes.UNAUTHORIZED);
    }
  };
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (ctx: TurnContext, error: unknown) => {
    // Never a stack trace to a user: log it (no activity text: it may hold pupil data) and answer briefly.
    logger.error({ err: error, activityId: ctx.activity.id, type: ctx.activity.type }, "turn failed");
    const t = translator(resolveLocale(ctx.activity.locale, config.defaultLocale));
    const message = isDatabaseUnavailable(error) ? t("errors.unavailable") : t("errors.generic");
    try {
      if (ctx.activity.type === "invoke") return; // the invoke handler answers for itself
      await ctx.sendActivity(message);
    } catch (sendError) {
      logger.warn({ err: sendError, activityId: ctx.activity.id }, "could not tell the user about the failure");
    }
  };
  return adapter;
}

const UNAVAILABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "57P01", "57P03", "P1001", "P1017", "P2024"]);

export function isDatabaseUnavailable(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === "string" && /connect(ion)? (refused|terminated|timeout)|Connection terminated|timeout exceeded when trying to connect/i.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
