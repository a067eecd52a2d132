import { createSign, generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startApp, type App } from "../../src/app.js";
import { createLogger } from "../../src/logging.js";
import type { Actor } from "../../src/services/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { parisClock } from "../../src/domain/school-year.js";
import { LOCAL_PERSON_HEADER, createTabAuthenticator } from "../../src/http/tab-auth.js";
import { DATABASE_KINDS, POSTGRES_URL, dropSchema, uniqueSchemaName } from "../helpers/database.js";

/** The personal tab's API (/api/tab/): Teams SSO tokens checked against keys served by a local
 *  OpenID server, the caller's scope, consultations audited, and an action from the tab updating
 *  the case's cards in Teams as a card action does. */

const APP_ID = "11111111-2222-4333-8444-555555555555";
const OTHER_TENANT = "99999999-0000-4000-8000-000000000999";
const YEAR = parisClock(new Date()).year;
const person = (name: string) => DEMO_PEOPLE.find((p) => p.displayName === name)!;
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

function sign(key: KeyObject, claims: Record<string, unknown>, kid = "tab-key"): string {
  const unsigned = `${b64url({ alg: "RS256", typ: "JWT", kid })}.${b64url(claims)}`;
  return `${unsigned}.${createSign("RSA-SHA256").update(unsigned).sign(key).toString("base64url")}`;
}

/** A local stand-in for the identity platform: its published keys, and issuers per tenant. */
async function jwksServer(keys: { kid: string; key: KeyObject }[]) {
  const server = http.createServer((req, res) => {
    if (req.url === "/keys") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: keys.map((k) => ({ ...k.key.export({ format: "jwk" }), kid: k.kid, use: "sig", alg: "RS256" })) }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, issuerOf: (tid: string) => `${base}/${tid}/v2.0`, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe.each(DATABASE_KINDS)("the tab's API with single sign-on on %s", (kind) => {
  const tabKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const strangerKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
  let idp: Awaited<ReturnType<typeof jwksServer>>;
  let app: App;
  let url: string;
  const schema = uniqueSchemaName();
  const dataDir = mkdtempSync(path.join(tmpdir(), "repere-tab-"));
  const actors = {} as Record<"claire" | "karim" | "sophie" | "thomas" | "cpe", Actor>;
  const refs = {} as Record<"claire16" | "claire14" | "karim17" | "thomas", string>;

  const claims = (who: string, extra: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const tid = (extra.tid as string | undefined) ?? DEMO_TENANT_ID;
    return {
      iss: idp.issuerOf(tid),
      aud: `api://repere.ac-exemple.fr/${APP_ID}`,
      tid,
      oid: person(who).aadObjectId,
      iat: now - 60,
      nbf: now - 60,
      exp: now + 3600,
      ...extra,
    };
  };
  const token = (who: string, extra: Record<string, unknown> = {}) => `Bearer ${sign(tabKey.privateKey, claims(who, extra))}`;
  const get = (p: string, authorization?: string) => fetch(`${url}${p}`, { headers: authorization ? { authorization } : {} });
  const post = (p: string, body: unknown, authorization: string) =>
    fetch(`${url}${p}`, { method: "POST", headers: { authorization, "content-type": "application/json" }, body: JSON.stringify(body) });
  type ListBody = {
    lines: { reference: string; status: string; pupil: { name: string | null } | null }[];
    total: number;
    counts: { status: string; count: number }[];
  };

  async function report(by: Actor, uai: string, lastName: string, firstName: string, age: number, urgency: 1 | 2 | 3 = 2) {
    const school = (await app.services.reports.reportingSchools(by)).find((s) => s.uai === uai)!;
    const outcome = await app.services.reports.submit(
      by,
      {
        pupil: { lastName, firstName, className: "2nde 3", schoolId: school.id, birthYear: YEAR - age },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency },
      },
      `tab-${randomUUID()}`,
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    return outcome.recorded;
  }

  beforeAll(async () => {
    idp = await jwksServer([{ kid: "tab-key", key: tabKey.publicKey }]);
    const database = kind === "postgres" ? { DATABASE_URL: POSTGRES_URL } : { DATA_DIR: dataDir };
    const config = loadConfig({
      PORT: "0",
      ...database,
      SEED_DEMO: "always",
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: "not-used-here",
      PUBLIC_BASE_URL: "https://repere.ac-exemple.fr",
      ALLOWED_TENANT_IDS: DEMO_TENANT_ID,
    });
    app = await startApp(config, {
      ...(kind === "postgres" ? { schema } : {}),
      outboxDelivery: "manual",
      logger: createLogger("silent"),
      tabAuth: { jwksUrl: `${idp.base}/keys`, issuersOf: (tid) => [idp.issuerOf(tid)] },
    });
    url = `http://127.0.0.1:${app.port}`;
    for (const [key, name] of [
      ["claire", "Claire Martin"],
      ["karim", "Karim Benali"],
      ["sophie", "Sophie Laurent"],
      ["thomas", "Thomas Girard"],
    ] as const) {
      actors[key] = (await app.services.members.identify(DEMO_TENANT_ID, person(name).aadObjectId))!;
    }
    refs.claire16 = (await report(actors.claire, "0690001B", "Dupont", "Léa", 16, 3)).reference;
    refs.claire14 = (await report(actors.claire, "0690001B", "Bernard", "Hugo", 14)).reference;
    refs.karim17 = (await report(actors.karim, "0690001B", "Lefèvre", "Inès", 17)).reference;
    refs.thomas = (await report(actors.thomas, "0690002C", "Garnier", "Tom", 17)).reference;
  });
  afterAll(async () => {
    await app?.stop();
    await idp?.stop();
    if (kind === "postgres") await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers 401 without a token, or with one that is not the identity platform's for this app", async () => {
    expect((await get("/api/tab/cases")).status).toBe(401);
    expect((await get("/api/tab/cases", "Bearer nonsense")).status).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    const refused = [
      `Bearer ${sign(strangerKey.privateKey, claims("Karim Benali"))}`, // not a published key
      `Bearer ${sign(strangerKey.privateKey, claims("Karim Benali"), "other")}`, // unknown key id
      token("Karim Benali", { aud: "api://repere.ac-exemple.fr/00000000-1111-4222-8333-444444444444" }), // another app
      token("Karim Benali", { exp: now - 600, iat: now - 4000, nbf: now - 4000 }), // expired
      token("Karim Benali", { iss: idp.issuerOf(OTHER_TENANT) }), // issuer of another tenant
      token("Karim Benali", { tid: OTHER_TENANT }), // a tenant that is not allowed
    ];
    for (const authorization of refused) {
      const res = await get("/api/tab/cases", authorization);
      expect(res.status, authorization.slice(0, 40)).toBe(401);
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
    // Nor is the local mode's list of demo persons there to see.
    expect((await get("/api/tab/local/people")).status).toBe(404);
    // The local mode's demo person is no way in when there is an app id.
    const local = await fetch(`${url}/api/tab/cases`, { headers: { [LOCAL_PERSON_HEADER]: person("Karim Benali").aadObjectId } });
    expect(local.status).toBe(401);
  });

  it("accepts the app id itself as audience, and tells someone unknown apart (403)", async () => {
    const me = await get("/api/tab/me", token("Karim Benali", { aud: APP_ID }));
    expect(me.status).toBe(200);
    // The schools the référent's list may be filtered by: his own.
    expect(((await me.json()) as { schools: { name: string }[] }).schools.map((s) => s.name)).toEqual(["Lycée Victor-Hugo"]);
    const stranger = await get("/api/tab/me", `Bearer ${sign(tabKey.privateKey, { ...claims("Karim Benali"), oid: randomUUID() })}`);
    expect(stranger.status).toBe(403);
  });

  it("lists a référent's school cases with names, counts per status, and records the consultation", async () => {
    const res = await get("/api/tab/cases", token("Karim Benali"));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'self' https://teams.microsoft.com https://*.teams.microsoft.com");
    const body = (await res.json()) as ListBody;
    expect(body.lines.map((l) => l.reference).sort()).toEqual([refs.claire16, refs.claire14, refs.karim17].sort());
    expect(body.lines.find((l) => l.reference === refs.claire16)?.pupil?.name).toBe("Léa Dupont");
    expect(body.total).toBe(3);
    expect(body.counts).toEqual([{ status: "NEW", count: 3 }]);
    const caseId = (await app.store.caseQueries.byReference(refs.claire16))!.id;
    const audit = await app.store.db.prisma.caseEvent.findMany({ where: { caseId, type: "DETAILS_VIEWED", actorId: actors.karim.memberId } });
    expect(audit.map((e) => e.data)).toEqual([{ via: "tab-list" }]);
  });

  it("does not let a teacher list others' cases, nor open them", async () => {
    const mine = (await (await get("/api/tab/cases", token("Claire Martin"))).json()) as ListBody;
    expect(mine.lines.map((l) => l.reference).sort()).toEqual([refs.claire16, refs.claire14].sort());
    const searched = (await (await get(`/api/tab/cases?search=${refs.karim17}`, token("Claire Martin"))).json()) as ListBody;
    expect(searched.lines).toEqual([]);
    expect((await get(`/api/tab/cases/${refs.karim17}`, token("Claire Martin"))).status).toBe(404);
    expect((await get(`/api/tab/cases/${refs.thomas}`, token("Karim Benali"))).status).toBe(404);
  });

  it("applies the coordinator's scope: the 16 and over of the bassin, not the school's under-16", async () => {
    const body = (await (await get("/api/tab/cases", token("Sophie Laurent"))).json()) as ListBody;
    const listed = body.lines.map((l) => l.reference);
    expect(listed).toEqual(expect.arrayContaining([refs.claire16, refs.karim17]));
    expect(listed).not.toContain(refs.claire14);
  });

  it("filters, searches and pages on the server, and refuses what it does not understand", async () => {
    const urgent = (await (await get("/api/tab/cases?urgency=3", token("Karim Benali"))).json()) as ListBody;
    expect(urgent.lines.map((l) => l.reference)).toEqual([refs.claire16]);
    const byName = (await (await get(`/api/tab/cases?search=${encodeURIComponent("dupont")}`, token("Karim Benali"))).json()) as ListBody;
    expect(byName.lines.map((l) => l.reference)).toEqual([refs.claire16]);
    const byRef = (await (await get(`/api/tab/cases?search=${refs.karim17.toLowerCase()}`, token("Karim Benali"))).json()) as ListBody;
    expect(byRef.lines.map((l) => l.reference)).toEqual([refs.karim17]);
    const oldest = (await (await get("/api/tab/cases?sort=oldest&page=1", token("Karim Benali"))).json()) as ListBody;
    expect(oldest.lines[0]?.reference).toBe(refs.claire16);
    const page2 = (await (await get("/api/tab/cases?page=2", token("Karim Benali"))).json()) as ListBody;
    expect(page2.lines).toEqual([]);
    expect(page2.total).toBe(3);
    // Age at the report date, and the cases awaiting the GPDS's decision (not referred, no plan).
    const older = (await (await get("/api/tab/cases?age=16plus", token("Karim Benali"))).json()) as ListBody;
    expect(older.lines.map((l) => l.reference).sort()).toEqual([refs.claire16, refs.karim17].sort());
    const younger = (await (await get("/api/tab/cases?age=under16", token("Karim Benali"))).json()) as ListBody;
    expect(younger.lines.map((l) => l.reference)).toEqual([refs.claire14]);
    for (const bad of ["status=OPENED", "urgency=9", "page=0", "sort=name", "school=x", "limit=5000", "age=12", "gpdsPending=maybe"]) {
      expect((await get(`/api/tab/cases?${bad}`, token("Karim Benali"))).status, bad).toBe(400);
    }
  });

  it("takes a case in charge from the tab: the same event as a card, and its Teams cards updated through the outbox", async () => {
    const caseId = (await app.store.caseQueries.byReference(refs.karim17))!.id;
    // The case's card as the outbox would have posted it in the bassin's channel.
    await app.store.db.prisma.channelPost.create({ data: { caseId, conversationId: "19:tab-test@thread.tacv2", activityId: "1:posted" } });
    const panel = (await (await get(`/api/tab/cases/${refs.karim17}`, token("Karim Benali"))).json()) as { version: number; actions: string[]; pupil: unknown };
    expect(panel.actions).toEqual(["takeCharge", "assign", "requestInfo", "referToMlds", "dismiss", "transfer"]);
    expect(panel.pupil).toMatchObject({ name: "Inès Lefèvre" });
    // A teacher may not, even with the right version (the case is hers to see only when she reported it).
    expect((await post(`/api/tab/cases/${refs.claire16}/actions`, { action: "takeCharge", version: 0 }, token("Claire Martin"))).status).toBe(403);
    expect((await post(`/api/tab/cases/${refs.karim17}/actions`, { action: "takeCharge", version: panel.version + 5 }, token("Karim Benali"))).status).toBe(
      409,
    );
    const res = await post(`/api/tab/cases/${refs.karim17}/actions`, { action: "takeCharge", version: panel.version }, token("Karim Benali"));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string; assigneeName: string }).status).toBe("ACKNOWLEDGED");
    const c = await app.store.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } });
    expect(c.status).toBe("ACKNOWLEDGED");
    expect(c.assigneeId).toBe(actors.karim.memberId);
    expect(await app.store.db.prisma.caseEvent.count({ where: { caseId, type: "TAKEN_IN_CHARGE", actorId: actors.karim.memberId } })).toBe(1);
    const update = await app.store.db.prisma.outboxMessage.findFirst({ where: { conversationId: "19:tab-test@thread.tacv2", kind: "update" } });
    expect(update?.payload).toMatchObject({ render: { view: "caseCard", caseId } });
    // Done once: the same action again is not a transition any more.
    expect((await post(`/api/tab/cases/${refs.karim17}/actions`, { action: "takeCharge", version: c.version }, token("Karim Benali"))).status).toBe(409);
  });

  it("tells the cases still awaiting the GPDS's decision, and asks, dismisses and opens a plan from the tab", async () => {
    const pending = async () =>
      ((await (await get("/api/tab/cases?gpdsPending=true", token("Karim Benali"))).json()) as ListBody).lines.map((l) => l.reference).sort();
    expect(await pending()).toEqual([refs.claire16, refs.claire14, refs.karim17].sort());
    const current = (reference: string) => app.store.db.prisma.case.findUniqueOrThrow({ where: { reference } });
    const act = async (reference: string, body: Record<string, unknown>) =>
      post(`/api/tab/cases/${reference}/actions`, { version: (await current(reference)).version, ...body }, token("Karim Benali"));

    // The GPDS refers one to the MLDS (from its card), the référent dismisses another from the tab.
    const referred = await current(refs.claire16);
    expect((await app.services.triage.act(actors.karim, referred.id, referred.version, { verb: "escalate" })).ok).toBe(true);
    expect((await act(refs.claire14, { action: "dismiss" })).status).toBe(400);
    expect((await act(refs.claire14, { action: "dismiss", reason: "   " })).status).toBe(400);
    const dismissed = await act(refs.claire14, { action: "dismiss", reason: "Situation réglée en classe" });
    expect(((await dismissed.json()) as { status: string }).status).toBe("CLOSED");
    // A question to the reporter of the case taken in charge above: asked, but nothing decided yet.
    const asked = await act(refs.karim17, { action: "requestInfo", question: "Depuis quand les retards ?" });
    expect(((await asked.json()) as { status: string; actions: string[] }).status).toBe("INFO_REQUESTED");
    const event = await app.store.db.prisma.caseEvent.findFirstOrThrow({ where: { case: { reference: refs.karim17 }, type: "INFO_REQUESTED" } });
    expect(event.data).toMatchObject({ question: "Depuis quand les retards ?" });
    expect(await pending()).toEqual([refs.karim17]);
    // A line postponed at a GPDS meeting still waits; one the GPDS decided on does not.
    const k17 = await current(refs.karim17);
    const decided = (decision: string) =>
      app.store.db.prisma.caseEvent.create({ data: { caseId: k17.id, type: "GPDS_DECISION", actorId: actors.karim.memberId, data: { decision } } });
    await decided("POSTPONE");
    expect(await pending()).toEqual([refs.karim17]);
    await decided("KEEP_WATCHING");
    expect(await pending()).toEqual([]);

    // A Parcours de suivi is opened once the case is taken in charge.
    expect((await act(refs.claire16, { action: "openPlan" })).status).toBe(409);
    expect((await act(refs.claire16, { action: "takeCharge" })).status).toBe(200);
    const planned = (await (await act(refs.claire16, { action: "openPlan" })).json()) as { status: string; plan: unknown; actions: string[] };
    expect(planned.status).toBe("PLAN_ACTIVE");
    expect(planned.plan).not.toBeNull();
    // Once the plan runs, only who follows it may still change (and it is referred already).
    expect(planned.actions).toEqual(["assign", "transfer"]);
  });

  it("assigns a case and refers it to the MLDS from the panel, as its card does, and refuses a teacher's forged call in French", async () => {
    const adam = (await report(actors.claire, "0690001B", "Roussel", "Adam", 17)).reference;
    const young = (await report(actors.claire, "0690001B", "Roussel", "Zoé", 13)).reference;
    const caseId = (await app.store.caseQueries.byReference(adam))!.id;
    const conversationId = "19:tab-assign@thread.tacv2";
    await app.store.db.prisma.channelPost.create({ data: { caseId, conversationId, activityId: "1:adam" } });
    const current = () => app.store.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } });
    const cardUpdates = () => app.store.db.prisma.outboxMessage.count({ where: { conversationId, kind: "update" } });
    type Panel = { version: number; actions: string[]; assignees: { id: string; name: string }[]; assigneeName: string | null };
    const panel = (await (await get(`/api/tab/cases/${adam}`, token("Karim Benali"))).json()) as Panel;
    expect(panel.actions).toEqual(["takeCharge", "assign", "requestInfo", "referToMlds", "dismiss", "transfer"]);
    // The card's candidates: the bassin's coordinators and the school's référents.
    expect(panel.assignees.map((a) => a.name).sort()).toEqual(["Karim Benali", "Sophie Laurent"]);
    const sophie = panel.assignees.find((a) => a.name === "Sophie Laurent")!;
    // An under-16 case stays with the school's GPDS: no referral, no coordinator to assign it to.
    const youngPanel = (await (await get(`/api/tab/cases/${young}`, token("Karim Benali"))).json()) as Panel;
    expect(youngPanel.actions).not.toContain("referToMlds");
    expect(youngPanel.assignees.map((a) => a.name)).toEqual(["Karim Benali"]);
    const youngCase = await app.store.db.prisma.case.findUniqueOrThrow({ where: { reference: young } });
    const under16 = await post(
      `/api/tab/cases/${young}/actions`,
      { action: "assign", version: youngCase.version, assigneeId: sophie.id },
      token("Karim Benali"),
    );
    expect(under16.status).toBe(400);
    expect(((await under16.json()) as { message: string }).message).toMatch(/^Impossible d'assigner ce dossier à un coordonnateur MLDS/);

    // The teacher who reported it sees the case, but may neither assign it nor refer it: 403, said in French.
    const teacher = (await post(
      `/api/tab/cases/${adam}/actions`,
      { action: "assign", version: panel.version, assigneeId: sophie.id },
      token("Claire Martin"),
    ))!;
    expect(teacher.status).toBe(403);
    expect(((await teacher.json()) as { message: string }).message).toMatch(/^Action refusée : ce dossier ne relève pas de votre périmètre/);
    expect((await post(`/api/tab/cases/${adam}/actions`, { action: "referToMlds", version: panel.version }, token("Claire Martin"))).status).toBe(403);
    expect((await get(`/api/tab/cases/${adam}`, token("Claire Martin"))).status).toBe(200);
    expect(((await (await get(`/api/tab/cases/${adam}`, token("Claire Martin"))).json()) as Panel).assignees).toEqual([]);
    expect((await current()).assigneeId).toBeNull();
    expect(await cardUpdates()).toBe(0);

    // Someone who is not a candidate is refused with the card's words.
    const stranger = await post(
      `/api/tab/cases/${adam}/actions`,
      { action: "assign", version: panel.version, assigneeId: actors.claire.memberId },
      token("Karim Benali"),
    );
    expect(stranger.status).toBe(400);
    expect(((await stranger.json()) as { message: string }).message).toBe("Choisissez une personne dans la liste.");

    const assigned = await post(`/api/tab/cases/${adam}/actions`, { action: "assign", version: panel.version, assigneeId: sophie.id }, token("Karim Benali"));
    expect(assigned.status).toBe(200);
    expect(((await assigned.json()) as Panel).assigneeName).toBe("Sophie Laurent");
    const afterAssign = await current();
    expect([afterAssign.status, afterAssign.assigneeId]).toEqual(["ACKNOWLEDGED", sophie.id]);
    const event = await app.store.db.prisma.caseEvent.findFirstOrThrow({ where: { caseId, type: "ASSIGNED" } });
    expect([event.actorId, event.data]).toEqual([actors.karim.memberId, expect.objectContaining({ assigneeId: sophie.id })]);
    // The case's card in the channel is updated through the outbox, as after a card action.
    expect(await cardUpdates()).toBe(1);

    const referred = await post(`/api/tab/cases/${adam}/actions`, { action: "referToMlds", version: afterAssign.version }, token("Karim Benali"));
    expect(referred.status).toBe(200);
    expect(((await referred.json()) as Panel).actions).not.toContain("referToMlds");
    const afterReferral = await current();
    expect(afterReferral.escalatedToMlds).toBe(true);
    expect(afterReferral.referredAt).not.toBeNull();
    const escalated = await app.store.db.prisma.caseEvent.findFirstOrThrow({ where: { caseId, type: "ESCALATED" } });
    expect(escalated.data).toMatchObject({ decision: "GPDS", role: "REFERENT" });
    expect(await cardUpdates()).toBe(2);
    // Once: the same decision again is not a transition any more.
    expect((await post(`/api/tab/cases/${adam}/actions`, { action: "referToMlds", version: afterReferral.version }, token("Karim Benali"))).status).toBe(409);
    for (const bad of [
      { action: "assign", version: afterReferral.version },
      { action: "referToMlds", version: afterReferral.version, to: "x" },
    ]) {
      expect((await post(`/api/tab/cases/${adam}/actions`, bad, token("Karim Benali"))).status).toBe(400);
    }
  });

  type StatsBody = {
    protect: boolean;
    generatedAt: string;
    scope: { kind: string; label: string };
    period: { label: string };
    openedTotal: number | null;
    openByStatus: { status: string; count: number | null }[];
    schools: { uai: string; opened: number | null; open: number | null }[];
    periods: { kind: string; label: string }[];
  };

  it("gives a référent their school's statistics, every count shown, from the chat's aggregates", async () => {
    const res = await get("/api/tab/stats", token("Karim Benali"));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as StatsBody;
    expect([body.scope.kind, body.scope.label, body.protect]).toEqual(["schools", "Lycée Victor-Hugo", false]);
    // The same function as « statistiques » in the chat.
    const chat = await app.services.statistics.view(actors.karim);
    if (!chat.ok) throw new Error(chat.reason);
    const { periods, ...view } = body;
    expect(view).toEqual(JSON.parse(JSON.stringify({ ...chat.view, generatedAt: view.generatedAt })));
    // Counts of 1 to 4 are shown in one's own school.
    const opened = await app.store.db.prisma.case.count({ where: { school: { uai: "0690001B" } } });
    expect(body.openedTotal).toBe(opened);
    expect(body.schools.find((s) => s.uai === "0690001B")?.opened).toBe(opened);
    expect(body.openByStatus.some((s) => s.count !== null && s.count > 0 && s.count < 5)).toBe(true);
    // The period selector: this school year, the one before, then this year's months.
    expect(periods[0]).toEqual({ kind: "schoolYear", label: body.period.label });
    expect(periods[1]?.kind).toBe("schoolYear");
    expect(periods.slice(2).every((p) => p.kind === "month")).toBe(true);
    const month = periods[2]!.label;
    const monthly = (await (await get(`/api/tab/stats?period=${month}`, token("Karim Benali"))).json()) as StatsBody;
    expect(monthly.period.label).toBe(month);
    for (const bad of ["period=2026", "period=ce%20mois", "school=0690002C", "period=2026-2028"]) {
      expect((await get(`/api/tab/stats?${bad}`, token("Karim Benali"))).status, bad).toBe(400);
    }
  });

  it("gives a coordinator the bassin's statistics with counts under 5 masked in the school rows, and refuses a teacher", async () => {
    const body = (await (await get("/api/tab/stats", token("Sophie Laurent"))).json()) as StatsBody;
    expect([body.scope.kind, body.protect]).toEqual(["district", true]);
    const victorHugo = body.schools.find((s) => s.uai === "0690001B")!;
    // A few 16+ cases of this school reach the MLDS: fewer than 5, so not told.
    expect(victorHugo.opened).toBeNull();
    for (const row of body.schools) for (const n of [row.opened, row.open]) expect(n === null || n === 0 || n >= 5).toBe(true);
    const chat = await app.services.statistics.view(actors.sophie);
    if (!chat.ok) throw new Error(chat.reason);
    expect(body.schools).toEqual(chat.view.schools);

    const refused = await get("/api/tab/stats", token("Claire Martin"));
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toBe(
      "Les statistiques sont réservées aux référents, aux coordonnateurs MLDS et à l'académie.",
    );
    expect((await post("/api/tab/stats/export", {}, token("Claire Martin"))).status).toBe(403);
  });

  it("exports the statistics as CSV through the audited signed link of the chat", async () => {
    const before = await app.store.db.prisma.dataExport.count({ where: { memberId: actors.karim.memberId } });
    const res = await post("/api/tab/stats/export", { kind: "stats" }, token("Karim Benali"));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { url: string; expiresAt: string };
    expect(body.url).toMatch(/^https:\/\/repere\.ac-exemple\.fr\/dl\/stats\/export-[0-9a-f-]{36}\.csv\?/);
    // Recorded at once (who, what scope), counted when downloaded.
    expect(await app.store.db.prisma.dataExport.count({ where: { memberId: actors.karim.memberId, kind: "STATS" } })).toBe(before + 1);
    const link = new URL(body.url);
    const file = await fetch(`${url}${link.pathname}${link.search}`);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toContain("text/csv");
    expect(await file.text()).toContain("Lycée Victor-Hugo");
    const row = await app.store.db.prisma.dataExport.findFirstOrThrow({ where: { memberId: actors.karim.memberId }, orderBy: { createdAt: "desc" } });
    expect(row.downloads).toBe(1);
    expect((await post("/api/tab/stats/export", { kind: "everything" }, token("Karim Benali"))).status).toBe(400);
    // The list of cases is for who may export it: a référent may, a teacher may not.
    expect((await post("/api/tab/stats/export", { kind: "cases" }, token("Karim Benali"))).status).toBe(200);
  });
});

describe("the tab's local mode (no app id, loopback only)", () => {
  it("takes the demo person named by the request from this machine only", async () => {
    const auth = createTabAuthenticator({ kind: "local", tenantId: DEMO_TENANT_ID });
    const oid = person("Karim Benali").aadObjectId;
    expect(await auth.authenticate({ headers: { [LOCAL_PERSON_HEADER]: oid }, remoteAddress: "127.0.0.1" })).toEqual({
      ok: true,
      identity: { tenantId: DEMO_TENANT_ID, aadObjectId: oid, local: true },
    });
    expect((await auth.authenticate({ headers: {}, url: `/api/tab/cases?localPerson=${oid}`, remoteAddress: "::ffff:127.0.0.1" })).ok).toBe(true);
    expect((await auth.authenticate({ headers: { [LOCAL_PERSON_HEADER]: oid }, remoteAddress: "192.0.2.10" })).ok).toBe(false);
    expect((await auth.authenticate({ headers: {}, remoteAddress: "127.0.0.1" })).ok).toBe(false);
    expect((await auth.authenticate({ headers: { [LOCAL_PERSON_HEADER]: "Karim" }, remoteAddress: "127.0.0.1" })).ok).toBe(false);
    const none = createTabAuthenticator({ kind: "none" });
    expect((await none.authenticate({ headers: { [LOCAL_PERSON_HEADER]: oid }, remoteAddress: "127.0.0.1" })).ok).toBe(false);
  });

  it("serves the API to a demo person through a running bot", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "repere-tab-local-"));
    const app = await startApp(loadConfig({ PORT: "0", DATA_DIR: dataDir, SEED_DEMO: "always" }), { outboxDelivery: "manual", logger: createLogger("silent") });
    try {
      const url = `http://127.0.0.1:${app.port}`;
      expect((await fetch(`${url}/api/tab/me`)).status).toBe(401);
      const me = await fetch(`${url}/api/tab/me`, { headers: { [LOCAL_PERSON_HEADER]: person("Sophie Laurent").aadObjectId } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ displayName: "Sophie Laurent", role: "COORDINATOR", mode: "local" });
      // The demo persons a developer may pick, from this machine.
      const people = (await (await fetch(`${url}/api/tab/local/people`)).json()) as { people: { displayName: string; role: string }[] };
      expect(people.people).toEqual(
        expect.arrayContaining([{ aadObjectId: person("Karim Benali").aadObjectId, displayName: "Karim Benali", role: "REFERENT" }]),
      );
    } finally {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
