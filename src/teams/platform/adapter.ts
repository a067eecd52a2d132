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
import type { Config } from "../../config.js";
import type { Logger } from "../../logging.js";
import { resolveLocale, translator } from "../i18n.js";

/** The Bot Framework adapter. With an app id configured every request must carry a valid token;
 *  without one (local mode: Agents Playground, tests) requests are not authenticated. */
/** Set in turnState (to the step) while a step of a report is handled: if the turn fails, its
 *  dialog state is not saved (that happens at the end of a turn that succeeds), so that step is
 *  lost and the earlier ones are kept; the person is told exactly that. */
export const REPORT_STEP_IN_FLIGHT = Symbol("reportStepInFlight");

export function createAdapter(
  config: Pick<Config, "bot" | "defaultLocale" | "forceLocale">,
  logger: Logger,
  extraAuthSettings: Partial<ConfigurationBotFrameworkAuthenticationOptions> = {},
): CloudAdapter {
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
      return {
        ...result,
        connectorFactory: clients.connectorFactory(result.connectorFactory, JwtTokenValidation.getAppIdFromClaims(result.claimsIdentity.claims)),
      };
    } catch (err: unknown) {
      if (err instanceof AuthenticationError && err.statusCode === StatusCodes.UNAUTHORIZED) throw err;
      const e = err as { name?: unknown; message?: unknown } | null;
      logger.warn(
        { err: { name: String(e?.name ?? "Error"), message: String(e?.message ?? err).slice(0, 200) }, activityId: activity.id },
        "request refused: token not valid",
      );
      throw new AuthenticationError("Unauthorized Access. Request is not authorized", StatusCodes.UNAUTHORIZED);
    }
  };
  const createUserTokenClient = auth.createUserTokenClient.bind(auth);
  auth.createUserTokenClient = (claimsIdentity) =>
    clients.userTokenClient(JwtTokenValidation.getAppIdFromClaims(claimsIdentity.claims), () => createUserTokenClient(claimsIdentity));
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (ctx: TurnContext, error: unknown) => {
    // Never a stack trace to a user: log it (no activity text: it may hold pupil data) and answer briefly.
    logger.error({ err: error, activityId: ctx.activity.id, type: ctx.activity.type }, "turn failed");
    const t = translator(resolveLocale(ctx.activity.locale, config.defaultLocale, config.forceLocale));
    const unavailable = isDatabaseUnavailable(error);
    const step = ctx.turnState.get(REPORT_STEP_IN_FLIGHT) as string | undefined;
    // Sending the summary may have recorded the report before failing: sending it again is safe
    // (a report is recorded once), so that is what the person is told.
    const message =
      step === "summary"
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
    return (
      inner &&
      new CachedConnectorFactory(inner, (serviceUrl, audience, create) =>
        ClientCache.remember(this.connectors, `${appId ?? ""}\n${serviceUrl}\n${audience ?? ""}`, create),
      )
    );
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

/** Error codes that mean "the database cannot serve now", not "this request is wrong": network
 *  errors, PostgreSQL's connection exceptions (class 08), shutdowns (57P), a statement cancelled by
 *  its timeout (57014), a session ended for idling in a transaction (25P03), insufficient resources such as a full disk (class 53), I/O errors (58030),
 *  and Prisma's codes for the same (P1001 unreachable, P1008 timeout, P1017 closed, P2024 no
 *  connection from the pool, P2037 too many connections). */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOSPC",
  "57014",
  "25P03",
  "58030",
  "P1001",
  "P1008",
  "P1017",
  "P2024",
  "P2037",
]);
const UNAVAILABLE_CLASSES = /^(08|53|57P)/;
/** In class 08, but a statement the bot sent wrong (a bug), on a connection that stays usable. */
const PROTOCOL_VIOLATION = "08P01";
/** Prisma's driver adapter names network failures by kind rather than code. */
const UNAVAILABLE_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
const UNAVAILABLE_MESSAGE =
  /connect(ion)? (refused|terminated|timeout)|Connection terminated|timeout exceeded when trying to connect|read ECONNRESET|Query read timeout|did not answer within|No space left on device|could not (extend|write to) file/i;

/** Whether an error comes from a database that is unreachable, silent or out of resources: the user
 *  is told to try again in a minute. The cause is looked for through the wrappers in between:
 *  `cause`, botbuilder-dialogs' DialogContextError (`error`), Prisma's driver adapter error
 *  (`meta.driverAdapterError`, whose `cause` holds the PostgreSQL code). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 20) {
    const e = queue.shift();
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const x = e as {
      code?: unknown;
      originalCode?: unknown;
      kind?: unknown;
      message?: unknown;
      cause?: unknown;
      error?: unknown;
      meta?: { driverAdapterError?: unknown };
    };
    if (typeof x.kind === "string" && UNAVAILABLE_KINDS.has(x.kind)) return true;
    for (const code of [x.code, x.originalCode]) {
      if (
        typeof code === "string" &&
        (UNAVAILABLE_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_CLASSES.test(code) && code !== PROTOCOL_VIOLATION))
      )
        return true;
    }
    if (typeof x.message === "string" && UNAVAILABLE_MESSAGE.test(x.message)) return true;
    queue.push(x.cause, x.error, x.meta?.driverAdapterError);
  }
  return false;
}
