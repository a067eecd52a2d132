import type restify from "restify";
import { z } from "zod";
import type { Logger } from "../logging.js";
import type { Actor } from "../services/members.js";
import {
  caseListQuerySchema,
  tabActionSchema,
  tabDestinationsQuerySchema,
  tabExportSchema,
  tabStatsQuerySchema,
  type DashboardService,
} from "../services/dashboard.js";
import type { CallService } from "../services/calls.js";
import { CALL_LIMITS, callOutcomeSchema } from "../domain/call-campaign.js";
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
  /** The MLDS coordinators' « campagne d'appels » and « export psad » of the chat: the same rules. */
  calls: CallService;
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

/** The query string of GET /api/tab/calls. */
export const tabCallsQuerySchema = z.object({ page: z.coerce.number().int().min(1).max(CALL_LIMITS.maxPage).default(1) }).strict();

/** The body of POST /api/tab/cases/:reference/calls: what the card's « Noter l'appel » sends (the
 *  outcome, the Paris day of the call, default today, an optional note). The day's range and the
 *  note's text are checked again by the service (domain/call-campaign.ts callRecordSchema). */
export const tabCallSchema = z
  .object({
    outcome: callOutcomeSchema,
    calledAt: z
      .string()
      .trim()
      .regex(/^(\d{4}-\d{2}-\d{2})?$/)
      .optional(),
    note: z.string().max(CALL_LIMITS.noteMax).optional(),
  })
  .strict();

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
        mayCall: deps.calls.mayCall(actor),
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
      if (!body.success) {
        // The card's words for the field that is wrong, when there is one.
        const transfer = (req.body as { action?: unknown } | undefined)?.action === "transfer";
        const path = String(body.error.issues[0]?.path[0] ?? "");
        const field = transfer
          ? { reason: "transferReason", toSchoolId: "transferSchool" }[path]
          : { reason: "reason", question: "question", assigneeId: "assigneeId" }[path];
        return send(res, 400, { error: "invalid_body", ...(field ? { field, message: say(req, `case.notice.INVALID_INPUT.${field}`) } : {}) });
      }
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

  // « Appels »: the « campagne d'appels » of the chat, for the bassin's MLDS coordinators (the service
  // decides who, and that only they read the phone and e-mail the imported lists gave).
  server.get(
    "/api/tab/calls",
    handle(async (req, res) => {
      const actor = await caller(req, res);
      if (!actor) return;
      const params = Object.fromEntries(new URL(req.url ?? "/", "http://localhost").searchParams);
      delete params.localPerson;
      const query = tabCallsQuerySchema.safeParse(params);
      if (!query.success) return send(res, 400, { error: "invalid_query", fields: query.error.issues.map((i) => i.path.join(".")) });
      const result = await deps.calls.toCall(actor, query.data.page);
      if (!result.ok) return send(res, 403, { error: "forbidden", message: say(req, "calls.forbidden") });
      // The tab names cases by reference: the internal id stays on the server.
      send(res, 200, { ...result.view, entries: result.view.entries.map(({ caseId: _id, ...entry }) => entry) });
    }),
  );

  // « Noter l'appel »: the outcome of a call to a young person of the list.
  server.post(
    "/api/tab/cases/:reference/calls",
    handle(async (req, res) => {
      const actor = await caller(req, res);
      if (!actor) return;
      if (!deps.calls.mayCall(actor)) return send(res, 403, { error: "forbidden", message: say(req, "calls.forbidden") });
      const reference = referenceSchema.safeParse(req.params?.reference);
      if (!reference.success) return send(res, 404, { error: "not_found", message: say(req, "calls.notice.NOT_FOUND") });
      const body = tabCallSchema.safeParse(req.body ?? {});
      if (!body.success) {
        const first = body.error.issues[0]?.path[0];
        const field = first === "calledAt" || first === "note" ? first : "outcome";
        return send(res, 400, { error: "invalid_body", field, message: say(req, `calls.notice.${field}`) });
      }
      const caseId = await deps.dashboard.caseIdOf(reference.data);
      if (!caseId) return send(res, 404, { error: "not_found", message: say(req, "calls.notice.NOT_FOUND") });
      const result = await deps.calls.recordCall(actor, caseId, body.data);
      if (!result.ok) {
        if (result.reason === "INVALID_INPUT")
          return send(res, 400, { error: "invalid_body", field: result.field, message: say(req, `calls.notice.${result.field}`) });
        // A case of another bassin: its existence is not told.
        if (result.reason === "FORBIDDEN" && !(await deps.dashboard.panel(actor, reference.data)).ok)
          return send(res, 404, { error: "not_found", message: say(req, "calls.notice.NOT_FOUND") });
        const status = { FORBIDDEN: 403, NOT_FOUND: 404, CLOSED: 409 }[result.reason];
        return send(res, status, { error: result.reason.toLowerCase(), message: say(req, `calls.notice.${result.reason}`) });
      }
      send(res, 200, { reference: result.reference, outcome: result.outcome, attempts: result.attempts, settled: result.settled });
    }),
  );

  // « Exporter pour la PSAD »: the chat's « export psad », an audited signed link valid an hour.
  server.post(
    "/api/tab/calls/export",
    handle(async (req, res) => {
      const actor = await caller(req, res);
      if (!actor) return;
      const result = await deps.calls.requestPsadExport(actor);
      if (!result.ok) return send(res, 403, { error: "forbidden", message: say(req, "calls.forbidden") });
      send(res, 200, { url: result.url, expiresAt: result.expiresAt.toISOString(), districtName: result.districtName });
    }),
  );

  // « Transférer »: the open schools of the académie a case may go to, for who may transfer it.
  server.get(
    "/api/tab/cases/:reference/destinations",
    handle(async (req, res) => {
      const actor = await caller(req, res);
      if (!actor) return;
      const reference = referenceSchema.safeParse(req.params?.reference);
      if (!reference.success) return send(res, 404, { error: "not_found" });
      const params = Object.fromEntries(new URL(req.url ?? "/", "http://localhost").searchParams);
      delete params.localPerson;
      const query = tabDestinationsQuerySchema.safeParse(params);
      if (!query.success) return send(res, 400, { error: "invalid_query", fields: query.error.issues.map((i) => i.path.join(".")) });
      const result = await deps.dashboard.destinations(actor, reference.data, query.data.q);
      if (!result.ok) {
        if (result.reason === "NOT_FOUND" || !(await deps.dashboard.panel(actor, reference.data)).ok) return send(res, 404, { error: "not_found" });
        if (result.reason === "INVALID_INPUT") return send(res, 403, { error: "forbidden", message: say(req, "case.notice.INVALID_INPUT.waitsForGpds") });
        return send(res, 403, { error: "forbidden", message: say(req, "case.notice.FORBIDDEN") });
      }
      send(res, 200, { schools: result.schools });
    }),
  );
}
