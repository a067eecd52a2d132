import type restify from "restify";
import { z } from "zod";
import type { Logger } from "../logging.js";
import type { Actor } from "../services/members.js";
import { caseListQuerySchema, tabActionSchema, tabExportSchema, tabStatsQuerySchema, type DashboardService } from "../services/dashboard.js";
import type { StatisticsService, StatsFailure } from "../services/statistics.js";
import { periodChoices } from "../domain/statistics.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../store/demo-seed.js";
import { isLoopback, type TabAuthenticator, type TabIdentity } from "./tab-auth.js";

/** The JSON API of the personal tab « Mes dossiers », under /api/tab/. Every request names its
 *  caller by a Teams SSO token (or, in local mode, a demo person); every input is parsed with zod;
 *  the answers hold pupils' data and are never cached. */

export type TabApiDeps = {
  auth: TabAuthenticator;
  /** The member behind a Teams identity (services/members.ts), or null for someone unknown. */
  identify: (identity: TabIdentity) => Promise<Actor | null>;
  dashboard: DashboardService;
  /** The statistics of the chat (« statistiques », « export stats »): the same aggregates and rules. */
  statistics: StatisticsService;
  /** A text of the bot's locales in the caller's language (from their Accept-Language). */
  say: (acceptLanguage: string | undefined, key: string) => string;
  clock: () => Date;
  /** Something was queued in the outbox (card updates, notices): deliver it soon. */
  onQueued: () => void;
  logger: Logger;
};

/** Teams shows the tab in a frame of its own clients (web, desktop, mobile, Outlook and Microsoft 365). */
export const FRAME_ANCESTORS = [
  "'self'",
  "https://teams.microsoft.com",
  "https://*.teams.microsoft.com",
  "https://*.teams.microsoft.us",
  "https://*.skype.com",
  "https://*.cloud.microsoft",
  "https://*.office.com",
  "https://outlook.office.com",
  "https://outlook.office365.com",
  "https://*.microsoft365.com",
];

/** Headers of every answer of the tab: pupils' data are never cached, the pages may only be framed
 *  by Teams, and run no script but their own. */
export function tabSecurityHeaders(): Record<string, string> {
  return {
    "cache-control": "no-store",
    pragma: "no-cache",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "content-security-policy": [
      "default-src 'self'",
      "script-src 'self' https://res.cdn.office.net",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'self'",
      `frame-ancestors ${FRAME_ANCESTORS.join(" ")}`,
    ].join("; "),
  };
}

const referenceSchema = z.string().regex(/^D-\d{4}-\d{1,8}$/);

export function registerTabApi(server: restify.Server, deps: TabApiDeps): void {
  const say = (req: restify.Request, key: string) => deps.say(req.headers["accept-language"], key);
  const send = (res: restify.Response, status: number, body: unknown) => {
    res.writeHead(status, { ...tabSecurityHeaders(), "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(body));
  };

  /** The caller, or an answer already sent (401 without a valid token, 403 for someone unknown). */
  const caller = async (req: restify.Request, res: restify.Response): Promise<Actor | null> => {
    const result = await deps.auth.authenticate({ headers: req.headers, url: req.url, remoteAddress: req.socket?.remoteAddress });
    if (!result.ok) {
      res.setHeader("www-authenticate", deps.auth.mode === "sso" ? 'Bearer error="invalid_token"' : "LocalPerson");
      send(res, 401, { error: "unauthenticated", mode: deps.auth.mode });
      return null;
    }
    const actor = await deps.identify(result.identity);
    if (!actor) {
      send(res, 403, { error: "unknown_member" });
      return null;
    }
    return actor;
  };

  const handle =
    (fn: (req: restify.Request, res: restify.Response) => Promise<void>) =>
    async (req: restify.Request, res: restify.Response): Promise<void> => {
      try {
        await fn(req, res);
      } catch (err) {
        deps.logger.error({ err, path: req.path() }, "tab request failed");
        if (!res.headersSent) send(res, 500, { error: "internal_error" });
      }
    };

  server.get(
    "/api/tab/me",
    handle(async (req, res) => {
      const actor = await caller(req, res);
      if (!actor) return;
      send(res, 200, {
        displayName: actor.displayName,
        role: actor.role,
        locale: actor.locale,
        mode: deps.auth.mode,
        namesSearchable: deps.dashboard.seesNames(actor),
        mayViewStats: deps.statistics.mayView(actor),
        mayExportCases: deps.statistics.mayExportCases(actor),
        schools: await deps.dashboard.schools(actor),
      });
    }),
  );

  // Local mode only (no app id, loopback): the demo persons a developer may act as, those the
  // database knows. Nothing is told elsewhere.
  server.get(
    "/api/tab/local/people",
    handle(async (req, res) => {
      if (deps.auth.mode !== "local" || !isLoopback(req.socket?.remoteAddress)) return send(res, 404, { error: "not_found" });
      const people: { aadObjectId: string; displayName: string; role: string }[] = [];
      for (const p of DEMO_PEOPLE) {
        const actor = await deps.identify({ tenantId: DEMO_TENANT_ID, aadObjectId: p.aadObjectId, local: true });
        if (actor) people.push({ aadObjectId: p.aadObjectId, displayName: actor.displayName, role: actor.role });
      }
      send(res, 200, { people });
    }),
  );

  server.get(
    "/api/tab/cases",
    handle(async (req, res) => {
      const actor = await caller(req, res);
      if (!actor) return;
      const params = Object.fromEntries(new URL(req.url ?? "/", "http://localhost").searchParams);
      delete params.localPerson;
      const query = caseListQuerySchema.safeParse(params);
      if (!query.success) return send(res, 400, { error: "invalid_query", fields: query.error.issues.map((i) => i.path.join(".")) });
      send(res, 200, await deps.dashboard.list(actor, query.data));
    }),
  );

  server.get(
    "/api/tab/cases/:reference",
    handle(async (req, res) => {
      const actor = await caller(req, res);
      if (!actor) return;
      const reference = referenceSchema.safeParse(req.params?.reference);
      if (!reference.success) return send(res, 404, { error: "not_found" });
      const result = await deps.dashboard.panel(actor, reference.data);
      if (!result.ok) return send(res, 404, { error: "not_found" });
      send(res, 200, result.panel);
    }),
  );

  server.post(
    "/api/tab/cases/:reference/actions",
    handle(async (req, res) => {
      const actor = await caller(req, res);
      if (!actor) return;
      const reference = referenceSchema.safeParse(req.params?.reference);
      if (!reference.success) return send(res, 404, { error: "not_found" });
      const body = tabActionSchema.safeParse(req.body);
      if (!body.success) return send(res, 400, { error: "invalid_body" });
      const result = await deps.dashboard.act(actor, reference.data, body.data);
      if (!result.ok) {
        // Refused to someone who may not even see the case: its existence is not told.
        if (result.reason === "FORBIDDEN" && !(await deps.dashboard.panel(actor, reference.data)).ok) return send(res, 404, { error: "not_found" });
        const status = { NOT_FOUND: 404, FORBIDDEN: 403, CONFLICT: 409, INVALID_TRANSITION: 409, INVALID_INPUT: 400 }[result.reason];
        // The card's own words for the refusal, so that the tab says what the card would.
        const key = result.reason === "INVALID_INPUT" ? `case.notice.INVALID_INPUT.${result.field ?? "reason"}` : `case.notice.${result.reason}`;
        return send(res, status, {
          error: result.reason.toLowerCase(),
          ...(result.reason === "INVALID_INPUT" ? { field: result.field } : {}),
          message: say(req, key),
        });
      }
      deps.onQueued();
      const panel = await deps.dashboard.panel(actor, reference.data);
      send(res, 200, panel.ok ? panel.panel : { reference: reference.data });
    }),
  );

  /** A refused statistics request: the chat's words for it. */
  const statsRefused = (req: restify.Request, res: restify.Response, reason: StatsFailure) => {
    const status = reason === "FORBIDDEN" || reason === "OUT_OF_SCOPE" ? 403 : 400;
    send(res, status, { error: reason.toLowerCase(), message: say(req, reason === "FORBIDDEN" ? "stats.forbidden" : `stats.${reason}`) });
  };

  // The statistics of the caller's scope, from the same aggregates as « statistiques » in the chat
  // (small counts of 1 to 4 are null beyond one school): the tab draws them.
  server.get(
    "/api/tab/stats",
    handle(async (req, res) => {
      const actor = await caller(req, res);
      if (!actor) return;
      const params = Object.fromEntries(new URL(req.url ?? "/", "http://localhost").searchParams);
      delete params.localPerson;
      const query = tabStatsQuerySchema.safeParse(params);
      if (!query.success) return send(res, 400, { error: "invalid_query", fields: query.error.issues.map((i) => i.path.join(".")) });
      const result = await deps.statistics.view(actor, query.data.period);
      if (!result.ok) return statsRefused(req, res, result.reason);
      send(res, 200, { ...result.view, periods: periodChoices(deps.clock()) });
    }),
  );

  // « Télécharger (CSV) »: the chat's audited export (a DataExport row now, the file built when the
  // signed link, valid an hour and for this member only, is followed).
  server.post(
    "/api/tab/stats/export",
    handle(async (req, res) => {
      const actor = await caller(req, res);
      if (!actor) return;
      const body = tabExportSchema.safeParse(req.body ?? {});
      if (!body.success) return send(res, 400, { error: "invalid_body" });
      const locale = /^en\b/i.test(req.headers["accept-language"] ?? "") ? "en" : "fr";
      const result = await deps.statistics.requestExport(actor, body.data.kind, body.data.period, locale);
      if (!result.ok) {
        if (result.reason === "FORBIDDEN" && body.data.kind === "cases")
          return send(res, 403, { error: "forbidden", message: say(req, "stats.export.forbiddenCases") });
        return statsRefused(req, res, result.reason);
      }
      send(res, 200, { kind: result.kind, url: result.url, expiresAt: result.expiresAt.toISOString(), period: result.period.label });
    }),
  );
}
