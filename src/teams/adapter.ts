import {
  StatusCodes,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type TurnContext,
} from "botbuilder";
// botbuilder's own dependency (one copy in node_modules): the error CloudAdapter answers 401 for,
// and the clients it builds for each turn.
import { AuthenticationError, ConnectorFactory, JwtTokenValidation, type ConnectorClient, type UserTokenClient } from "botframework-connector";
import type { Config } from "../config.js";
import type { Logger } from "../logging.js";
import { resolveLocale, translator } from "./i18n.js";

/** The Bot Framework adapter. With an app id configured every request must carry a valid token;
 *  without one (local mode: Agents Playground, tests) requests are not authenticated. */
/** Set in turnState (to the step) while a step of a report is handled: if the turn fails, its
 *  dialog state is not saved (that happens at the end of a turn that succeeds), so that step is
 *  lost and the earlier ones are kept; the person is told exactly that. */
export const REPORT_STEP_IN_FLIGHT = Symbol("reportStepInFlight");

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
  const clients = new ClientCache();
  auth.authenticateRequest = async (activity, authHeader) => {
    try {
      const result = await authenticateRequest(activity, authHeader);
      return { ...result, connectorFactory: clients.connectorFactory(result.connectorFactory, JwtTokenValidation.getAppIdFromClaims(result.claimsIdentity.claims)) };
    } catch (err: unknown) {
      if (err instanceof AuthenticationError && err.statusCode === StatusCodes.UNAUTHORIZED) throw err;
      const e = err as { name?: unknown; message?: unknown } | null;
      logger.warn({ err: { name: String(e?.name ?? "Error"), message: String(e?.message ?? err).slice(0, 200) }, activityId: activity.id }, "request refused: token not valid");
      throw new AuthenticationError("Unauthorized Access. Request is not authorized", StatusCodes.UNAUTHORIZED);
    }
  };
  const createUserTokenClient = auth.createUserTokenClient.bind(auth);
  auth.createUserTokenClient = (claimsIdentity) => clients.userTokenClient(JwtTokenValidation.getAppIdFromClaims(claimsIdentity.claims), () => createUserTokenClient(claimsIdentity));
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (ctx: TurnContext, error: unknown) => {
    // Never a stack trace to a user: log it (no activity text: it may hold pupil data) and answer briefly.
    logger.error({ err: error, activityId: ctx.activity.id, type: ctx.activity.type }, "turn failed");
    const t = translator(resolveLocale(ctx.activity.locale, config.defaultLocale));
    const unavailable = isDatabaseUnavailable(error);
    const step = ctx.turnState.get(REPORT_STEP_IN_FLIGHT) as string | undefined;
    // Sending the summary may have recorded the report before failing: sending it again is safe
    // (a report is recorded once), so that is what the person is told.
    const message = step === "summary"
      ? t("protection.reportSendFailed")
      : step
        ? t(unavailable ? "protection.reportStepUnavailable" : "protection.reportStepFailed")
        : t(unavailable ? "errors.unavailable" : "errors.generic");
    try {
      if (ctx.activity.type === "invoke") return; // the invoke handler answers for itself
      await ctx.sendActivity(message);
    } catch (sendError) {
      logger.warn({ err: sendError, activityId: ctx.activity.id }, "could not tell the user about the failure");
    }
  };
  return adapter;
}

/**
 * botbuilder's CloudAdapter builds a new ConnectorClient (an HTTP pipeline with its credentials)
 * and a new UserTokenClient for every turn: about 0.2 ms of CPU per turn and the garbage with it
 * (`npm run bench --cpu-prof`). They keep no state of a turn (the credentials cache their token by
 * app id and scope), and the Bot Framework's previous adapter kept one per service URL: so does
 * this, by app id, service URL and audience. Teams uses a handful of service URLs; the cache is
 * bounded all the same.
 */
export class ClientCache {
  private static readonly MAX = 32;
  private readonly connectors = new Map<string, Promise<ConnectorClient>>();
  private readonly tokenClients = new Map<string, Promise<UserTokenClient>>();

  connectorFactory(inner: ConnectorFactory | undefined, appId: string | undefined): ConnectorFactory | undefined {
    return inner && new CachedConnectorFactory(inner, (serviceUrl, audience, create) => ClientCache.remember(this.connectors, `${appId ?? ""}\n${serviceUrl}\n${audience ?? ""}`, create));
  }

  userTokenClient(appId: string | undefined, create: () => Promise<UserTokenClient>): Promise<UserTokenClient> {
    return ClientCache.remember(this.tokenClients, appId ?? "", create);
  }

  private static remember<T>(map: Map<string, Promise<T>>, key: string, create: () => Promise<T>): Promise<T> {
    const known = map.get(key);
    if (known) return known;
    if (map.size >= ClientCache.MAX) map.delete(map.keys().next().value!);
    const made = create();
    map.set(key, made);
    // A client that could not be built is built again next time.
    made.catch(() => {
      if (map.get(key) === made) map.delete(key);
    });
    return made;
  }
}

class CachedConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly cached: (serviceUrl: string, audience: string | undefined, create: () => Promise<ConnectorClient>) => Promise<ConnectorClient>,
  ) {
    super();
  }

  create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    return this.cached(serviceUrl, audience, () => this.inner.create(serviceUrl, audience));
  }
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
