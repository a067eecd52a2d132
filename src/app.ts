import type { Config } from "./config.js";
import { createLogger, textDestination, type Logger } from "./logging.js";
import { readyMessage } from "./ready-message.js";
import { createStore, openDatabase, type Store } from "./store/index.js";
import { createServices, type Services } from "./services/index.js";
import { createAdapter } from "./teams/platform/adapter.js";
import { RepereBot } from "./teams/bot.js";
import { createHttpServer, listen } from "./http/server.js";
import { OutboxWorker } from "./teams/outbox/outbox-worker.js";
import { renderOutgoing } from "./teams/outbox/outbox-renderer.js";
import { every } from "./services/review-reminders.js";
import { SignedLinks } from "./services/signed-links.js";
import { serveStatsFile } from "./teams/stats/stats-downloads.js";
import { resolveLocale, translator } from "./teams/i18n.js";
import { activityRequestProblem, cleanActivity } from "./teams/platform/request-guard.js";
import { seedDemo } from "./services/demo-academie.js";
import { DashboardService } from "./services/dashboard.js";
import { createTabAuthenticator, type TabAuthOptions } from "./http/tab-auth.js";
import { isLoopbackHost } from "./config.js";
import { DEMO_TENANT_ID } from "./store/demo-seed.js";
import { caseLinkTarget } from "./teams/extensions/case-search.js";
import { ACADEMIE_PACKAGE_PATH } from "./services/academie-transfer.js";

export type App = {
  port: number;
  store: Store;
  services: Services;
  logger: Logger;
  outbox: OutboxWorker;
  stop(): Promise<void>;
};

export type AppOptions = {
  /** Tests isolate themselves in their own PostgreSQL schema. */
  schema?: string;
  logger?: Logger;
  /** "manual": no background work (outbox delivery, review reminders); tests call it themselves. */
  outboxDelivery?: "auto" | "manual";
  clock?: () => Date;
  /** Extra Bot Framework authentication settings (tests point the OpenID metadata at a local server). */
  authSettings?: Parameters<typeof createAdapter>[2];
  /** Where the tab's SSO tokens are checked (tests serve their own keys and issuers). */
  tabAuth?: { jwksUrl: string; issuersOf: (tenantId: string) => string[] };
  /** How often the warning about unauthenticated requests is repeated (an hour; tests shorten it). */
  unauthenticatedWarningMs?: number;
};

const UNAUTHENTICATED_WARNING =
  "requests are not authenticated (no MicrosoftAppId) and HOST is reachable from other machines (ALLOW_UNAUTHENTICATED=true): anyone who reaches this port can act as any member";

/** Wires config -> store -> services -> bot -> HTTP server, and returns a handle to stop it all. */
export async function startApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const readable = config.logFormat === "text" || (config.logFormat === "auto" && process.stdout.isTTY === true);
  const logger = opts.logger ?? createLogger(config.logLevel, readable ? textDestination() : undefined);
  const db = await openDatabase(config.database, {
    schema: opts.schema,
    timeouts: config.databaseTimeouts,
    progress: (message, fields) => logger.info(fields ?? {}, message),
  });
  const store = createStore(db);
  try {
    const seed = config.seedDemo === "always" || (config.seedDemo === "auto" && db.kind === "embedded");
    if (seed && (await seedDemo(store, { onlyIfEmpty: config.seedDemo === "auto" }))) logger.info("demo académie seeded");

    const clock = opts.clock ?? (() => new Date());
    // Download links name the address where people reach the server; without PUBLIC_BASE_URL it is
    // known once the server listens.
    let baseUrl = config.publicBaseUrl ?? "";
    const links = new SignedLinks(config.signingSecret, () => baseUrl, clock);
    const services = createServices(store, clock, {
      links,
      retention: config.retention,
      schoolHolidays: config.schoolHolidays,
      idleCaseMonths: config.idleCaseMonths,
    });
    const adapter = createAdapter(config, logger, opts.authSettings);
    const outbox = new OutboxWorker({
      adapter,
      botAppId: config.bot.appId ?? "",
      outbox: store.outbox,
      conversations: store.conversations,
      logger,
      leaseMs: config.outboxLeaseMs,
      giveUpAfterMs: config.outboxGiveUpMs,
      render: (spec, conversation) =>
        renderOutgoing(spec, conversation, { services, defaultLocale: config.defaultLocale, forceLocale: config.forceLocale, clock }),
    });
    const bot = new RepereBot({ services, storage: store.botState, config, logger, clock, onQueued: () => outbox.kick() });
    const server = createHttpServer({
      processMessage: async (req, res) => {
        const problem = activityRequestProblem(req.body);
        if (problem) {
          logger.warn({ problem }, "request refused: not an activity");
          res.send(400, { error: "not a Bot Framework activity" });
          return;
        }
        req.body = cleanActivity(req.body);
        await adapter.process(req, res, (ctx) => bot.run(ctx));
      },
      pupilDataDownload: async (path, exp, sig) => {
        // A case package for another académie (issue 26) is pupil data too: same route, its own service.
        if (ACADEMIE_PACKAGE_PATH.test(path)) return services.academieTransfers.download(path, exp, sig);
        const r = await services.privacy.download(path, exp, sig);
        return r.ok ? { ok: true, fileName: r.fileName, body: r.data } : r;
      },
      statsDownload: (path, exp, sig) => serveStatsFile(services, path, exp, sig),
      caseLinkTarget: (reference) => caseLinkTarget(reference, config.bot.appId),
      familyNoticeDownload: async (path, exp, sig) => {
        const r = await services.familyNotice.download(path, exp, sig);
        return r.ok ? { ok: true, contentType: "text/html; charset=utf-8", body: Buffer.from(r.html, "utf8"), fileName: r.fileName } : r;
      },
      health: () => services.health.check(),
      tab: {
        auth: createTabAuthenticator(tabAuthOptions(config, opts.tabAuth)),
        identify: (identity) => services.members.identify(identity.tenantId, identity.aadObjectId),
        dashboard: new DashboardService(store, services.triage, services.plans, clock, services.transfers),
        statistics: services.statistics,
        calls: services.calls,
        say: (acceptLanguage, key) => translator(resolveLocale(acceptLanguage, config.defaultLocale, config.forceLocale))(key),
        clock,
        onQueued: () => outbox.kick(),
        logger,
      },
      logger,
    });
    const port = await listen(server, config.port, config.host);
    baseUrl ||= `http://${config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host}:${port}`;
    logger.info({ port, host: config.host, database: db.kind }, readyMessage(config, port, seed));
    // Said at start and every hour, so that a test set-up left running in the open does not go unnoticed.
    let exposedWarning: NodeJS.Timeout | null = null;
    if (config.exposedWithoutAuthentication) {
      logger.warn({ host: config.host, port }, UNAUTHENTICATED_WARNING);
      exposedWarning = setInterval(() => logger.warn({ host: config.host, port }, UNAUTHENTICATED_WARNING), opts.unauthenticatedWarningMs ?? 60 * 60_000);
      exposedWarning.unref();
    }
    const automatic = (opts.outboxDelivery ?? "auto") === "auto";
    if (automatic) outbox.start();
    const reminders = automatic
      ? every(
          5 * 60_000,
          async () => {
            if ((await services.reviewReminders.runOnce()) > 0) outbox.kick();
            await services.conversations.forgetOldDeliveries(clock());
            // Case packages for another académie past their time (issue 26): nothing kept beyond it.
            await services.academieTransfers.cleanup();
          },
          logger,
          "review reminders",
        )
      : null;
    // Retention: checked every hour, run once a day across instances (the database decides).
    const retention = automatic
      ? every(
          60 * 60_000,
          async () => {
            const run = await services.retention.runDaily();
            if (run.ran)
              logger.info(
                { anonymized: run.anonymized, idleDialogsForgotten: run.idleDialogsForgotten },
                "retention: closed cases past their retention anonymised, idle unfinished reports deleted",
              );
            if (run.anonymized > 0) outbox.kick();
          },
          logger,
          "retention",
        )
      : null;

    // Idle open cases: checked every hour, once a day across instances (the database decides): the
    // newly idle proposed for closure to who follows them, the unanswered closed « perdu de vue ».
    const idleCases = automatic
      ? every(
          60 * 60_000,
          async () => {
            const run = await services.idleCases.runDaily();
            if (run.ran) logger.info({ proposed: run.proposed, closed: run.closed }, "idle open cases: closures proposed, unanswered ones closed");
            if (run.proposed + run.closed > 0) outbox.kick();
          },
          logger,
          "idle cases",
        )
      : null;

    // Weekly digest of the coordinators' channels: checked every 5 minutes, due on Mondays from
    // 8:00 (Paris), sent once across instances (the database decides).
    const digest = automatic
      ? every(
          5 * 60_000,
          async () => {
            const queued = await services.weeklyDigest.runOnce();
            if (queued !== null) logger.info({ queued }, "weekly digest queued");
            if (queued) outbox.kick();
          },
          logger,
          "weekly digest",
        )
      : null;

    // Schools without an owner: checked every hour, listed to the admins once a day across instances.
    const ownerless = automatic
      ? every(
          60 * 60_000,
          async () => {
            const queued = await services.owners.runDaily();
            if (queued !== null) logger.info({ queued }, "schools without an owner listed to the admins");
            if (queued) outbox.kick();
          },
          logger,
          "schools without an owner",
        )
      : null;

    // GPDS agendas: checked every 5 minutes, each posted once across instances (the database
    // decides) two school days before its meeting.
    const gpdsAgendas = automatic
      ? every(
          5 * 60_000,
          async () => {
            // And, the day after a meeting, the summary of a séance nobody closed.
            const queued = (await services.gpds.runAgendas()) + (await services.gpdsMeetings.runSummaries());
            if (queued > 0) {
              logger.info({ queued }, "GPDS agendas and summaries queued");
              outbox.kick();
            }
          },
          logger,
          "GPDS agendas",
        )
      : null;

    let stopping: Promise<void> | undefined;
    return {
      port,
      store,
      services,
      logger,
      outbox,
      stop() {
        stopping ??= (async () => {
          // Stop taking requests and claiming sends at once; let what is in flight finish within
          // the grace period (sends not started are handed back to the other instances), then
          // close the database.
          const grace = config.shutdownGraceMs;
          const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
          if (exposedWarning) clearInterval(exposedWarning);
          const outboxStopped = outbox.stop(grace);
          await Promise.all([reminders?.stop(), retention?.stop(), idleCases?.stop(), digest?.stop(), ownerless?.stop(), gpdsAgendas?.stop()]);
          const late = setTimeout(() => server.server.closeAllConnections(), grace);
          await Promise.all([serverClosed, outboxStopped]);
          clearTimeout(late);
          await db.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** SSO with an app id; without one, a demo person on loopback only (local mode), and nothing when
 *  the server is reachable from other machines. */
function tabAuthOptions(config: Config, test: AppOptions["tabAuth"]): TabAuthOptions {
  if (config.bot.appId) {
    return {
      kind: "sso",
      appId: config.bot.appId,
      publicHost: config.publicBaseUrl ? new URL(config.publicBaseUrl).host : undefined,
      allowedTenantIds: config.allowedTenantIds,
      ...(test ?? {}),
    };
  }
  return isLoopbackHost(config.host) ? { kind: "local", tenantId: DEMO_TENANT_ID } : { kind: "none" };
}
