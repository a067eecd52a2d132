import type { Config } from "./config.js";
import { createLogger, type Logger } from "./logging.js";
import { createStore, openDatabase, type Store } from "./store/index.js";
import { createServices, type Services } from "./services/index.js";
import { createAdapter } from "./teams/adapter.js";
import { RepereBot } from "./teams/bot.js";
import { createHttpServer, listen } from "./http/server.js";
import { OutboxWorker } from "./teams/outbox-worker.js";
import { renderOutgoing } from "./teams/outbox-renderer.js";
import { every } from "./services/review-reminders.js";

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
};

/** Wires config -> store -> services -> bot -> HTTP server, and returns a handle to stop it all. */
export async function startApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const db = await openDatabase(config.database, { schema: opts.schema });
  const store = createStore(db);
  try {
    const seed = config.seedDemo === "always" || (config.seedDemo === "auto" && db.kind === "embedded");
    if (seed && (await store.seedDemo({ onlyIfEmpty: config.seedDemo === "auto" }))) logger.info("demo académie seeded");

    const clock = opts.clock ?? (() => new Date());
    const services = createServices(store, clock);
    const adapter = createAdapter(config, logger);
    const outbox = new OutboxWorker({
      adapter,
      botAppId: config.bot.appId ?? "",
      outbox: store.outbox,
      conversations: store.conversations,
      logger,
      leaseMs: config.outboxLeaseMs,
      render: (spec, conversation) => renderOutgoing(spec, conversation, { services, defaultLocale: config.defaultLocale, clock }),
    });
    const bot = new RepereBot({ services, storage: store.botState, config, logger, clock, onQueued: () => outbox.kick() });
    const server = createHttpServer({
      processMessage: (req, res) => adapter.process(req, res, (ctx) => bot.run(ctx)),
      health: () => services.health.check(),
      logger,
    });
    const port = await listen(server, config.port, config.host);
    logger.info({ port, host: config.host, database: db.kind }, "Repère is listening");
    const automatic = (opts.outboxDelivery ?? "auto") === "auto";
    if (automatic) outbox.start();
    const reminders = automatic
      ? every(
          5 * 60_000,
          async () => {
            if ((await services.reviewReminders.runOnce()) > 0) outbox.kick();
            await services.conversations.forgetOldDeliveries(clock());
          },
          logger,
          "review reminders",
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
          // Stop taking requests, let the ones in flight finish, then close the database.
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await reminders?.stop();
          await outbox.stop();
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
