import restify from "restify";
import type { Logger } from "../logging.js";
import type { HealthReport } from "../services/index.js";

/** What the HTTP layer needs from the bot: process one Bot Framework request. */
export type MessageProcessor = (req: restify.Request, res: restify.Response) => Promise<void>;

export type HttpDeps = {
  processMessage: MessageProcessor;
  health: () => Promise<HealthReport>;
  logger: Logger;
  /** Largest accepted request body: Teams activities are small; anything bigger is refused. */
  maxBodyBytes?: number;
};

export function createHttpServer(deps: HttpDeps): restify.Server {
  const server = restify.createServer({ name: "repere", handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: deps.maxBodyBytes ?? 256 * 1024, mapParams: false }));

  server.post("/api/messages", async (req, res) => {
    try {
      await deps.processMessage(req, res);
    } catch (err) {
      deps.logger.error({ err }, "request failed");
      if (!res.headersSent) res.send(500, { error: "internal error" });
    }
  });

  server.get("/healthz", async (_req, res) => {
    const report = await deps.health();
    res.send(report.status === "ok" ? 200 : 503, report);
  });

  server.on("restifyError", (req: restify.Request, res: restify.Response, err: Error & { statusCode?: number }, cb: () => void) => {
    if ((err.statusCode ?? 500) >= 500) deps.logger.error({ err, path: req.path() }, "http error");
    return cb();
  });
  return server;
}

export function listen(server: restify.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(address.port);
    });
  });
}
