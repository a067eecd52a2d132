import { createHmac, createSign, generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startApp, type App } from "../../src/app.js";
import { createLogger } from "../../src/logging.js";
import { DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { FakeConnector } from "../helpers/fake-connector.js";
import { POSTGRES_URL, dropSchema, uniqueSchemaName } from "../helpers/database.js";
import { invokeActivity, person, personalMessage, startTestBot, type TestBot } from "../helpers/bot-harness.js";

/** With an app id configured, every request to /api/messages must carry a Bot Framework token
 *  signed by a key of the channel's OpenID metadata, for this bot, from the Bot Framework, still
 *  valid, endorsed for Teams and naming the service URL it came from. Here the metadata and the
 *  keys are served by a local OpenID server, and the tokens are signed by the test. */

const APP_ID = "11111111-2222-4333-8444-555555555555";
const ISSUER = "https://api.botframework.com";
const claire = person("Claire Martin");

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

function sign(key: KeyObject, claims: Record<string, unknown>, header: Record<string, unknown> = { alg: "RS256", typ: "JWT", kid: "teams-key" }): string {
  const unsigned = `${b64url(header)}.${b64url(claims)}`;
  const signature = createSign("RSA-SHA256").update(unsigned).sign(key).toString("base64url");
  return `${unsigned}.${signature}`;
}

/** A local OpenID provider: the metadata document and its JWKS (with Bot Framework endorsements). */
async function openIdServer(keys: { kid: string; key: KeyObject; endorsements: string[] }[]) {
  let base = "";
  const server = http.createServer((req, res) => {
    if (req.url === "/.well-known/openid-configuration") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ issuer: ISSUER, jwks_uri: `${base}/keys`, id_token_signing_alg_values_supported: ["RS256"] }));
    } else if (req.url === "/keys") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: keys.map((k) => ({ ...k.key.export({ format: "jwk" }), kid: k.kid, use: "sig", endorsements: k.endorsements })) }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("authentication of /api/messages with an app id", () => {
  const teamsKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const webchatKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const strangerKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
  let openId: Awaited<ReturnType<typeof openIdServer>>;
  let connector: FakeConnector;
  let app: App;
  let url: string;
  const schema = uniqueSchemaName();
  const logs: string[] = [];

  const claims = (extra: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: ISSUER, aud: APP_ID, iat: now - 60, nbf: now - 60, exp: now + 3600, serviceurl: connector.url, ...extra };
  };
  const post = (activity: Record<string, unknown>, authorization?: string) =>
    fetch(`${url}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(activity),
    });

  /** A message that would be answered and remembered if it reached the bot. */
  const message = () => {
    const activity = personalMessage(connector.url, claire, { text: "aide" });
    return { ...activity, conversation: { ...(activity.conversation as object), id: `a:auth-${randomUUID()}` } };
  };
  const reachedNothing = async (activity: Record<string, unknown>) => {
    const conversationId = (activity.conversation as { id: string }).id;
    expect(connector.sent).toEqual([]);
    expect(await app.store.conversations.get(conversationId)).toBeNull();
  };

  beforeAll(async () => {
    // botbuilder prints each refused token on the console (outside our logs): keep the output readable.
    vi.spyOn(console, "error").mockImplementation(() => {});
    openId = await openIdServer([
      { kid: "teams-key", key: teamsKey.publicKey, endorsements: ["msteams"] },
      { kid: "webchat-key", key: webchatKey.publicKey, endorsements: ["webchat"] },
    ]);
    connector = await new FakeConnector().start();
    const config = loadConfig({ PORT: "0", DATABASE_URL: POSTGRES_URL, SEED_DEMO: "always", MicrosoftAppId: APP_ID, MicrosoftAppPassword: "not-used-here" });
    app = await startApp(config, {
      schema,
      outboxDelivery: "manual",
      logger: createLogger("warn", { write: (line: string) => void logs.push(line) }),
      authSettings: {
        ToChannelFromBotLoginUrl: `${openId.base}/login`,
        ToChannelFromBotOAuthScope: ISSUER,
        ToBotFromChannelTokenIssuer: ISSUER,
        OAuthUrl: `${openId.base}/oauth`,
        ToBotFromChannelOpenIdMetadataUrl: `${openId.base}/.well-known/openid-configuration`,
        ToBotFromEmulatorOpenIdMetadataUrl: `${openId.base}/emulator/.well-known/openid-configuration`,
        CallerId: "urn:botframework:azure",
        ValidateAuthority: true,
      },
    });
    url = `http://127.0.0.1:${app.port}`;
  });
  afterAll(async () => {
    await app?.stop();
    await connector?.stop();
    await openId?.stop();
    await dropSchema(schema);
    vi.restoreAllMocks();
  });

  it("lets a request with a valid Teams token reach the bot", async () => {
    // An invoke answers in its HTTP response: the bot needs no outgoing token to reply.
    const invoke = invokeActivity(connector.url, claire, { conversationId: `a:personal-${claire.aadObjectId}`, type: "personal" }, "case.refresh", {
      caseId: randomUUID(),
    });
    const res = await post(invoke, `Bearer ${sign(teamsKey.privateKey, claims())}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { value: unknown };
    expect(JSON.stringify(body.value)).toContain("Ce dossier n'existe plus.");
    expect(await app.store.db.prisma.processedActivity.count({ where: { activityId: `invoke:${invoke.id as string}` } })).toBe(1);
  });

  it.each<[string, () => string | undefined]>([
    ["no Authorization header", () => undefined],
    ["an empty bearer", () => "Bearer "],
    ["a scheme other than Bearer", () => `Basic ${Buffer.from("a:b").toString("base64")}`],
    ["a token that is not a JWT", () => "Bearer not.a.token"],
    ["an expired token", () => `Bearer ${sign(teamsKey.privateKey, claims({ exp: Math.floor(Date.now() / 1000) - 600 }))}`],
    ["a token not valid yet", () => `Bearer ${sign(teamsKey.privateKey, claims({ nbf: Math.floor(Date.now() / 1000) + 3600 }))}`],
    ["a token signed by another key under the Teams key id", () => `Bearer ${sign(strangerKey.privateKey, claims())}`],
    [
      "a token with a key id the metadata does not list",
      () => `Bearer ${sign(strangerKey.privateKey, claims(), { alg: "RS256", typ: "JWT", kid: "unknown-key" })}`,
    ],
    ["a token for another bot", () => `Bearer ${sign(teamsKey.privateKey, claims({ aud: "99999999-2222-4333-8444-555555555555" }))}`],
    ["a token without audience", () => `Bearer ${sign(teamsKey.privateKey, claims({ aud: undefined }))}`],
    ["a token from another issuer", () => `Bearer ${sign(teamsKey.privateKey, claims({ iss: "https://sts.windows.net/evil/" }))}`],
    ["a token for another service URL", () => `Bearer ${sign(teamsKey.privateKey, claims({ serviceurl: "https://smba.trafficmanager.net/evil/" }))}`],
    [
      "a key endorsed for another channel than Teams",
      () => `Bearer ${sign(webchatKey.privateKey, claims(), { alg: "RS256", typ: "JWT", kid: "webchat-key" })}`,
    ],
    ["an unsigned token (alg none)", () => `Bearer ${b64url({ alg: "none", typ: "JWT", kid: "teams-key" })}.${b64url(claims())}.`],
    [
      "an HMAC token keyed with the public key (algorithm confusion)",
      () => {
        const unsigned = `${b64url({ alg: "HS256", typ: "JWT", kid: "teams-key" })}.${b64url(claims())}`;
        const pem = teamsKey.publicKey.export({ format: "pem", type: "spki" }) as string;
        return `Bearer ${unsigned}.${createHmac("sha256", pem).update(unsigned).digest("base64url")}`;
      },
    ],
  ])("refuses %s with 401, and nothing reaches the bot or is stored", async (_what, authorization) => {
    connector.clear();
    const activity = message();
    const res = await post(activity, authorization());
    expect(res.status).toBe(401);
    await reachedNothing(activity);
  });

  it("refuses a forged invoke without a valid token before any handler", async () => {
    const invoke = invokeActivity(connector.url, claire, { conversationId: `a:personal-${claire.aadObjectId}`, type: "personal" }, "case.details", {
      caseId: randomUUID(),
    });
    const res = await post(invoke, `Bearer ${sign(strangerKey.privateKey, claims())}`);
    expect(res.status).toBe(401);
    expect(await app.store.db.prisma.processedActivity.count({ where: { activityId: `invoke:${invoke.id as string}` } })).toBe(0);
  });

  it("logs refusals without the token", () => {
    const text = logs.join("");
    expect(text).toContain("request refused: token not valid");
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/); // no JWT in the logs
  });
});

describe("tenant allow-list, for messages and card actions", () => {
  let bot: TestBot;
  const logs: string[] = [];
  const sophie = person("Sophie Laurent");
  beforeAll(async () => {
    bot = await startTestBot({
      env: { ALLOWED_TENANT_IDS: "99999999-9999-4999-8999-999999999999", LOG_LEVEL: "warn" },
      logger: createLogger("warn", { write: (line: string) => void logs.push(line) }),
    });
  });
  afterAll(async () => bot?.stop());

  it("refuses an invoke from a tenant that is not allowed: no card, no audit row, nothing remembered, and logs it", async () => {
    // A real case, which the refused invoke would otherwise open (and audit).
    const claireActor = (await bot.app.services.members.identify(DEMO_TENANT_ID, claire.aadObjectId))!;
    const [school] = await bot.app.services.reports.reportingSchools(claireActor);
    const outcome = await bot.app.services.reports.submit(
      claireActor,
      {
        pupil: { lastName: "Locataire", firstName: "Ana", className: "1re 1", schoolId: school!.id, birthYear: new Date().getFullYear() - 17 },
        signals: { signals: [{ code: "NO_PLAN" }] },
        steps: { stepsTaken: [], urgency: 1 },
      },
      "tenant-1",
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    const caseId = outcome.recorded.caseId;
    const before = await bot.app.store.db.prisma.caseEvent.count({ where: { caseId } });

    const invoke = invokeActivity(bot.connector.url, sophie, { conversationId: `a:personal-${sophie.aadObjectId}`, type: "personal" }, "case.details", {
      caseId,
    });
    const res = await bot.post(invoke);
    expect(res.status).not.toBe(200);
    expect(await res.text()).not.toContain("Locataire");
    expect(await bot.app.store.db.prisma.caseEvent.count({ where: { caseId } })).toBe(before);
    expect(await bot.app.store.db.prisma.processedActivity.count({ where: { activityId: `invoke:${invoke.id as string}` } })).toBe(0);
    expect(await bot.app.store.conversations.personalChatOf(sophie.aadObjectId)).toBeNull();
    expect(bot.connector.sent).toEqual([]);
    const refusal = logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === "activity from a tenant that is not allowed" && l.activityId === invoke.id);
    expect(refusal).toMatchObject({ level: 40, type: "invoke", tenantId: DEMO_TENANT_ID });
  });
});
