import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type restify from "restify";
import { tabSecurityHeaders } from "./tab-api.js";

/** The pages of the personal tab « Mes dossiers »: the files Vite builds from web/ into web/dist
 *  (`npm run build:tab`, run by `npm install` and before `npm start`), served under /tab/ by the
 *  bot's own server. The page may only be framed by Teams; the page itself is never cached (it
 *  names the current build's files), the hashed files are cached for good. */

/** From src/http (tsx) and from dist/http (the compiled build) alike. */
export const TAB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../web/dist");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json; charset=utf-8",
  ".woff2": "font/woff2",
};

export function registerTabPages(server: restify.Server, dist = TAB_DIST): void {
  server.get("/tab", async (_req, res) => {
    res.writeHead(301, { location: "/tab/", "cache-control": "no-store" });
    res.end();
  });
  const page = async (req: restify.Request, res: restify.Response): Promise<void> => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname).slice("/tab/".length);
    } catch {
      return notFound(res);
    }
    // Only the build's own files: no way out of web/dist, no hidden files, known types only.
    const file = pathname === "" ? "index.html" : pathname;
    const ext = path.extname(file);
    const full = path.resolve(dist, file);
    if (file.split(/[\\/]/).some((part) => part.startsWith(".")) || !TYPES[ext] || !full.startsWith(dist + path.sep)) return notFound(res);
    let body: Buffer;
    try {
      body = await readFile(full);
    } catch {
      if (file !== "index.html") return notFound(res);
      res.writeHead(404, { ...tabSecurityHeaders(), "content-type": "text/plain; charset=utf-8" });
      res.end("The tab is not built: run `npm run build:tab`.\n");
      return;
    }
    send(res, ext, body, file.startsWith("assets/"));
  };
  server.get("/tab/*", page);
  // Node leaves the body out of an answer to HEAD.
  server.head("/tab/*", page);
}

function send(res: restify.Response, ext: string, body: Buffer, immutable: boolean): void {
  const headers = tabSecurityHeaders();
  if (immutable) {
    headers["cache-control"] = "public, max-age=31536000, immutable";
    delete headers.pragma;
  }
  res.writeHead(200, { ...headers, "content-type": TYPES[ext]!, "content-length": String(body.length) });
  res.end(body);
}

function notFound(res: restify.Response): void {
  res.writeHead(404, { ...tabSecurityHeaders(), "content-type": "text/plain; charset=utf-8" });
  res.end("Not found.\n");
}
