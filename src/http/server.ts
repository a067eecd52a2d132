import restify from "restify";
import type { Logger } from "../logging.js";
import type { HealthReport } from "../services/index.js";
import { registerTabApi, type TabApiDeps } from "./tab-api.js";
import { registerTabPages } from "./tab-pages.js";

/** What the HTTP layer needs from the bot: process one Bot Framework request. */
export type MessageProcessor = (req: restify.Request, res: restify.Response) => Promise<void>;

export type HttpDeps = {
  processMessage: MessageProcessor;
  health: () => Promise<HealthReport>;
  logger: Logger;
  /** Largest accepted request body: Teams activities are small; anything bigger is refused. */
  maxBodyBytes?: number;
  /** Signed links to a pupil's data export (/dl/pupil-data/...): the file, or why not. */
  pupilDataDownload?: (path: string, exp: string | null, sig: string | null) => Promise<FileDownload>;
  /** Signed links of the statistics (/dl/stats/...): chart images and CSV exports. */
  statsDownload?: (path: string, exp: string | null, sig: string | null) => Promise<StatsDownload>;
  /** The signed link to the information notice for families (/dl/notice/...). */
  familyNoticeDownload?: (path: string, exp: string | null, sig: string | null) => Promise<StatsDownload>;
  /** The personal tab « Mes dossiers » (/api/tab/ and its pages). */
  tab?: TabApiDeps;
  /** Where a case's link (/dossiers/D-2026-0042) leads in Teams, or null when it is not a reference. */
  caseLinkTarget?: (reference: string) => string | null;
};

export type StatsDownload =
  { ok: true; contentType: string; body: Buffer; fileName?: string } | { ok: false; reason: "INVALID" | "EXPIRED" | "FORBIDDEN" | "NOT_FOUND" };

export type FileDownload = { ok: true; fileName: string; body: unknown } | { ok: false; reason: "INVALID" | "EXPIRED" | "FORBIDDEN" | "NOT_FOUND" };

const DOWNLOAD_STATUS = { INVALID: 403, FORBIDDEN: 403, EXPIRED: 410, NOT_FOUND: 404 } as const;

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

  if (deps.pupilDataDownload) {
    const download = deps.pupilDataDownload;
    server.get("/dl/pupil-data/*", async (req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const result = await download(url.pathname, url.searchParams.get("exp"), url.searchParams.get("sig"));
      // Personal data: never cached, never sniffed, always saved as a file.
      const headers = { "cache-control": "no-store", "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" };
      if (!result.ok) {
        res.writeHead(DOWNLOAD_STATUS[result.reason], { ...headers, "content-type": "text/plain; charset=utf-8" });
        res.end(result.reason === "EXPIRED" ? "This link has expired: ask for a new export.\n" : "This link is not valid.\n");
        return;
      }
      res.writeHead(200, {
        ...headers,
        "content-type": "application/json; charset=utf-8",
        "content-disposition": `attachment; filename="${result.fileName.replace(/[^\w.-]/g, "_")}"`,
      });
      res.end(JSON.stringify(result.body, null, 2));
    });
  }

  if (deps.statsDownload) {
    const download = deps.statsDownload;
    server.get("/dl/stats/*", async (req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      try {
        const result = await download(url.pathname, url.searchParams.get("exp"), url.searchParams.get("sig"));
        const headers = { "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" };
        if (!result.ok) {
          res.writeHead(DOWNLOAD_STATUS[result.reason], { ...headers, "cache-control": "no-store", "content-type": "text/plain; charset=utf-8" });
          res.end(result.reason === "EXPIRED" ? "This link has expired: ask for the statistics again.\n" : "This link is not valid.\n");
          return;
        }
        // A chart may be cached by Teams' image proxy for the life of its link; an export never.
        const file = result.fileName
          ? { "cache-control": "no-store", "content-disposition": `attachment; filename="${result.fileName.replace(/[^\w.-]/g, "_")}"` }
          : { "cache-control": "private, max-age=3600" };
        res.writeHead(200, { ...headers, ...file, "content-type": result.contentType, "content-length": String(result.body.length) });
        res.end(result.body);
      } catch (err) {
        deps.logger.error({ err }, "statistics download failed");
        if (!res.headersSent) res.send(500, { error: "internal error" });
      }
    });
  }

  if (deps.familyNoticeDownload) {
    const download = deps.familyNoticeDownload;
    server.get("/dl/notice/*", async (req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      try {
        const result = await download(url.pathname, url.searchParams.get("exp"), url.searchParams.get("sig"));
        const headers = { "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "cache-control": "no-store" };
        if (!result.ok) {
          res.writeHead(DOWNLOAD_STATUS[result.reason], { ...headers, "content-type": "text/plain; charset=utf-8" });
          res.end(result.reason === "EXPIRED" ? "Ce lien a expiré : redemandez la notice (« notice famille »).\n" : "Ce lien n'est pas valide.\n");
          return;
        }
        // Saved as a file, and no script may run in it whatever the settings say (they are escaped).
        res.writeHead(200, {
          ...headers,
          "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
          "content-disposition": `attachment; filename="${(result.fileName ?? "notice.html").replace(/[^\w.-]/g, "_")}"`,
          "content-type": result.contentType,
          "content-length": String(result.body.length),
        });
        res.end(result.body);
      } catch (err) {
        deps.logger.error({ err }, "notice download failed");
        if (!res.headersSent) res.send(500, { error: "internal error" });
      }
    });
  }

  if (deps.tab) {
    registerTabApi(server, deps.tab);
    registerTabPages(server);
  }

  // A case's link opened outside Teams (a browser, a mail): on to the app in Teams, which says
  // nothing of the case to anyone it is not for. The reference is in the link already.
  if (deps.caseLinkTarget) {
    const target = deps.caseLinkTarget;
    server.get("/dossiers/:reference", async (req, res) => {
      const location = target(String(req.params.reference ?? ""));
      if (!location) {
        res.send(404, { error: "not a case reference" });
        return;
      }
      res.header("Location", location);
      res.header("Cache-Control", "no-store");
      res.send(302);
    });
  }

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
