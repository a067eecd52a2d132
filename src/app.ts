import type { Config } from "./config.js";
import { createLogger, type Logger } from "./logging.js";
import { createStore, openDatabase, type Store } from "./store/index.js";
import { createServices, type Services } from "./services/index.js";
import { createAdapter } from "./teams/adapter.js";
import { RepereBot } from "./teams/bot.js";
import { createHttpServer, listen } from "./http/server.js";

export type App = {
  port: number;
  store: Store;
  services: Services;
  logger: Logger;
  stop(): Promise<void>;
};

export type AppOptions = {
  /** Tests isolate themselves in their own PostgreSQL schema. */
  schema?: string;
  logger?: Logger;
};

/** Wires config -> store -> services -> bot -> HTTP server, and returns a handle to stop it all. */
export async function startApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const db = await openDatabase(config.database, { schema: opts.schema });
  const store = createStore(db);
  try {
    const seed = config.seedDemo === "always" || (config.seedDemo === "auto" && db.kind === "embedded");
    if (seed && (await store.seedDemo({ onlyIfEmpty: config.seedDemo === "auto" }))) logger.info("demo académie seeded");

    const services = createServices(store);
    const adapter = createAdapter(config, logger);
    const bot = new RepereBot({ services, storage: store.botState, config, logger });
    const server = createHttpServer({
      processMessage: (req, res) => adapter.process(req, res, (ctx) => bot.run(ctx)),
      health: () => services.health.check(),
      logger,
    });
    const port = await listen(server, config.port, config.host);
    logger.info({ port, host: config.host, database: db.kind }, "Repère is listening");

    let stopping: Promise<void> | undefined;
    return {
      port,
      store,
      services,
      logger,
      stop() {
        stopping ??= (async () => {
          // Stop taking requests, let the ones in flight finish, then close the database.
          await new Promise<void>((resolve) => server.close(() => resolve()));
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
