import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from "jose";
import { z } from "zod";

/** Who calls the tab's API, as Teams identifies people: the tenant and the Entra object id. The
 *  member is then found exactly as the bot finds who writes to it (services/members.ts). */
export type TabIdentity = { tenantId: string; aadObjectId: string; local: boolean };

export type TabAuthResult = { ok: true; identity: TabIdentity } | { ok: false; reason: "NO_TOKEN" | "INVALID_TOKEN" | "TENANT_NOT_ALLOWED" };

export type TabAuthOptions =
  | {
      kind: "sso";
      /** The app's Microsoft app id (MicrosoftAppId): the audience of the tab's SSO tokens. */
      appId: string;
      /** The host the tab is served from (PUBLIC_BASE_URL): `api://<host>/<appId>` is accepted. */
      publicHost?: string;
      allowedTenantIds: string[];
      /** The keys of Microsoft's identity platform; tests serve their own. */
      jwksUrl?: string;
      /** The issuers a token of tenant `tid` may come from (v2 and v1 tokens). */
      issuersOf?: (tenantId: string) => string[];
    }
  | {
      /** No app id but reachable from other machines (ALLOW_UNAUTHENTICATED): the tab is refused. */
      kind: "none";
    }
  | {
      /** No app id and listening on loopback only: a developer picks a demo person. */
      kind: "local";
      tenantId: string;
    };

export const MICROSOFT_JWKS_URL = "https://login.microsoftonline.com/common/discovery/v2.0/keys";
const microsoftIssuers = (tid: string) => [`https://login.microsoftonline.com/${tid}/v2.0`, `https://sts.windows.net/${tid}/`];

/** The header (or query parameter) that names the demo person in local mode. */
export const LOCAL_PERSON_HEADER = "x-repere-local-person";
export const LOCAL_PERSON_PARAM = "localPerson";

const guid = z.uuid();
const claimsSchema = z.object({ tid: guid, oid: guid, iss: z.string() });

export type TabAuthenticator = {
  mode: "sso" | "local";
  authenticate(req: { headers: Record<string, string | string[] | undefined>; url?: string; remoteAddress?: string }): Promise<TabAuthResult>;
};

/**
 * The tab's authentication. With an app id: a bearer token from Teams single sign-on, signed by a
 * key the identity platform publishes, for this app (audience), from the issuer of the tenant it
 * names, of an allowed tenant, not expired. Without one (loopback only, checked by config): the
 * demo person named by the request, from this machine only.
 */
export function createTabAuthenticator(opts: TabAuthOptions): TabAuthenticator {
  if (opts.kind === "none") return { mode: "local", authenticate: async () => ({ ok: false, reason: "NO_TOKEN" }) };
  if (opts.kind === "local") {
    return {
      mode: "local",
      async authenticate(req) {
        if (!isLoopback(req.remoteAddress)) return { ok: false, reason: "NO_TOKEN" };
        const header = req.headers[LOCAL_PERSON_HEADER];
        const fromQuery = new URL(req.url ?? "/", "http://localhost").searchParams.get(LOCAL_PERSON_PARAM);
        const oid = guid.safeParse(typeof header === "string" ? header : fromQuery);
        if (!oid.success) return { ok: false, reason: "NO_TOKEN" };
        return { ok: true, identity: { tenantId: opts.tenantId, aadObjectId: oid.data, local: true } };
      },
    };
  }
  const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(opts.jwksUrl ?? MICROSOFT_JWKS_URL), { cooldownDuration: 30_000, cacheMaxAge: 12 * 3_600_000 });
  const issuersOf = opts.issuersOf ?? microsoftIssuers;
  const audience = [opts.appId, `api://${opts.appId}`, ...(opts.publicHost ? [`api://${opts.publicHost}/${opts.appId}`] : [])];
  const allowed = new Set(opts.allowedTenantIds.map((t) => t.toLowerCase()));
  return {
    mode: "sso",
    async authenticate(req) {
      const header = req.headers.authorization;
      const m = typeof header === "string" ? /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header.trim()) : null;
      if (!m) return { ok: false, reason: "NO_TOKEN" };
      let payload: unknown;
      try {
        ({ payload } = await jwtVerify(m[1]!, keys, { audience, algorithms: ["RS256"], clockTolerance: 60, requiredClaims: ["exp", "iss", "aud"] }));
      } catch {
        return { ok: false, reason: "INVALID_TOKEN" };
      }
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) return { ok: false, reason: "INVALID_TOKEN" };
      const { tid, oid, iss } = claims.data;
      // The issuer must be the identity platform's for the tenant the token names.
      if (!issuersOf(tid).includes(iss)) return { ok: false, reason: "INVALID_TOKEN" };
      if (allowed.size > 0 && !allowed.has(tid.toLowerCase())) return { ok: false, reason: "TENANT_NOT_ALLOWED" };
      return { ok: true, identity: { tenantId: tid, aadObjectId: oid, local: false } };
    },
  };
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^::ffff:/, "");
  return a === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}
