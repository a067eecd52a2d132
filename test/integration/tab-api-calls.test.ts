import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { parisDay } from "../../src/domain/school-days.js";
import { parisClock } from "../../src/domain/school-year.js";
import { LOCAL_PERSON_HEADER } from "../../src/http/tab-auth.js";
import { createLogger } from "../../src/logging.js";
import type { Actor } from "../../src/services/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { DATABASE_KINDS, POSTGRES_URL, dropSchema, uniqueSchemaName } from "../helpers/database.js";
import { csvBytes, LIST_HEADER } from "../helpers/import-files.js";

/** Issue 26 in the personal tab: the MLDS coordinators' « campagne d'appels » (the list, a call
 *  recorded, the PSAD export's signed link) and the transfer of a case to another school, through
 *  the same services and rules as the chat and the cards. Local mode: the caller is a demo person. */

const YEAR = parisClock(new Date()).year;
const VICTOR_HUGO = "0690001B"; // Bassin Nord
const person = (name: string) => DEMO_PEOPLE.find((p) => p.displayName === name)!;
const row = (nom: string, prenom: string, naissance: string, ine: string, telephone: string, courriel: string) => [
  nom,
  prenom,
  naissance,
  ine,
  VICTOR_HUGO,
  "1re STMG",
  `30/06/${YEAR}`,
  "non affecté",
  telephone,
  courriel,
];

type CallList = {
  page: number;
  pages: number;
  total: number;
  today: string;
  entries: {
    reference: string;
    initials: string;
    phone: string | null;
    email: string | null;
    attempts: number;
    lastCall: { outcome: string; on: string } | null;
  }[];
};

describe.each(DATABASE_KINDS)("the tab's call campaign and transfer on %s", (kind) => {
  let app: App;
  let url: string;
  const schema = uniqueSchemaName();
  const dataDir = mkdtempSync(path.join(tmpdir(), "repere-tab-calls-"));
  const headers = (who: string, lang = "fr") => ({
    [LOCAL_PERSON_HEADER]: person(who).aadObjectId,
    "accept-language": lang,
    "content-type": "application/json",
  });
  const get = (p: string, who: string, lang?: string) => fetch(`${url}${p}`, { headers: headers(who, lang) });
  const post = (p: string, who: string, body: unknown, lang?: string) =>
    fetch(`${url}${p}`, { method: "POST", headers: headers(who, lang), body: JSON.stringify(body) });
  const actor = async (name: string) => (await app.services.members.identify(DEMO_TENANT_ID, person(name).aadObjectId)) as Actor;
  const refs: string[] = [];

  beforeAll(async () => {
    const database = kind === "postgres" ? { DATABASE_URL: POSTGRES_URL } : { DATA_DIR: dataDir };
    app = await startApp(loadConfig({ PORT: "0", ...database, SEED_DEMO: "always" }), {
      ...(kind === "postgres" ? { schema } : {}),
      outboxDelivery: "manual",
      logger: createLogger("silent"),
    });
    url = `http://127.0.0.1:${app.port}`;
    const sophie = await actor("Sophie Laurent");
    const preview = await app.services.imports.preview(
      { kind: "member", actor: sophie },
      {
        name: "siei.csv",
        bytes: csvBytes(
          [
            row("Durand", "Léa", `15/03/${YEAR - 17}`, "123456789AB", "06 11 22 33 44", "lea.durand@exemple.fr"),
            row("Martin", "Hugo", `02/05/${YEAR - 18}`, "223456789AC", "07 55 44 33 22", ""),
          ],
          { header: [...LIST_HEADER, "Courriel"] },
        ),
      },
    );
    if (!preview.ok) throw new Error(JSON.stringify(preview));
    const done = await app.services.imports.confirm({ kind: "member", actor: sophie }, preview.preview.batchId);
    if (!done.ok) throw new Error(JSON.stringify(done));
    const list = await app.services.calls.toCall(sophie);
    if (!list.ok) throw new Error("coordinator refused");
    refs.push(...list.view.entries.map((e) => e.reference));
  });
  afterAll(async () => {
    await app?.stop();
    if (kind === "postgres") await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers 401 on every new route to who names nobody", async () => {
    for (const [method, p] of [
      ["GET", "/api/tab/calls"],
      ["POST", `/api/tab/cases/${refs[0]}/calls`],
      ["POST", "/api/tab/calls/export"],
      ["GET", `/api/tab/cases/${refs[0]}/destinations?q=lycée`],
    ] as const) {
      const res = await fetch(`${url}${p}`, {
        method,
        headers: { "content-type": "application/json" },
        ...(method === "POST" ? { body: '{"outcome":"REACHED"}' } : {}),
      });
      expect(res.status, p).toBe(401);
    }
    expect(await app.store.db.prisma.callAttempt.count()).toBe(0);
  });

  it("tells the tab who runs the campaign: a coordinator, not a référent nor a teacher", async () => {
    expect(await (await get("/api/tab/me", "Sophie Laurent")).json()).toMatchObject({ role: "COORDINATOR", mayCall: true });
    expect(await (await get("/api/tab/me", "Karim Benali")).json()).toMatchObject({ role: "REFERENT", mayCall: false });
    expect(await (await get("/api/tab/me", "Claire Martin")).json()).toMatchObject({ role: "STAFF", mayCall: false });
  });

  it("lists the young people to call with their phone and e-mail for the coordinator; 403 to a référent and a teacher", async () => {
    const res = await get("/api/tab/calls", "Sophie Laurent");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const list = (await res.json()) as CallList;
    expect(list).toMatchObject({ page: 1, pages: 1, total: 2 });
    expect(list.entries.map((e) => [e.initials, e.phone, e.email, e.attempts, e.lastCall])).toEqual([
      ["L. D.", "+33611223344", "lea.durand@exemple.fr", 0, null],
      ["H. M.", "+33755443322", null, 0, null],
    ]);
    // The tab names cases by reference only.
    expect(JSON.stringify(list)).not.toMatch(/caseId/);
    for (const who of ["Karim Benali", "Claire Martin"]) {
      const refused = await get("/api/tab/calls", who);
      expect(refused.status, who).toBe(403);
      const body = (await refused.json()) as { message: string };
      expect(body.message).toMatch(/réservés aux coordonnateurs MLDS/);
      expect(JSON.stringify(body)).not.toMatch(/33611223344|lea\.durand/);
    }
    expect((await get("/api/tab/calls?page=0", "Sophie Laurent")).status).toBe(400);
    expect((await get("/api/tab/calls?page=1&phone=1", "Sophie Laurent")).status).toBe(400);
  });

  it("refuses a bad body with 400 and the chat's words for what is wrong, recording nothing", async () => {
    const bad = async (body: unknown, lang = "fr") => {
      const res = await post(`/api/tab/cases/${refs[0]}/calls`, "Sophie Laurent", body, lang);
      return { status: res.status, body: (await res.json()) as { field?: string; message?: string } };
    };
    expect(await bad({ outcome: "PARTI" })).toEqual({
      status: 400,
      body: { error: "invalid_body", field: "outcome", message: expect.stringMatching(/joint, injoignable, rendez-vous ou refus/) },
    });
    expect(await bad({}, "en")).toMatchObject({ status: 400, body: { field: "outcome", message: expect.stringMatching(/reached, unreachable/) } });
    const tomorrow = parisDay(new Date(Date.now() + 2 * 86_400_000));
    expect(await bad({ outcome: "REACHED", calledAt: tomorrow })).toMatchObject({
      status: 400,
      body: { field: "calledAt", message: expect.stringMatching(/pas une date à venir/) },
    });
    expect(await bad({ outcome: "REACHED", calledAt: "07/12/2026" })).toMatchObject({ status: 400, body: { field: "calledAt" } });
    expect(await bad({ outcome: "REACHED", note: "x".repeat(201) })).toMatchObject({
      status: 400,
      body: { field: "note", message: expect.stringMatching(/200/) },
    });
    expect(await bad({ outcome: "REACHED", caseId: "forged" })).toMatchObject({ status: 400 });
    const list = (await (await get("/api/tab/calls", "Sophie Laurent")).json()) as CallList;
    expect(list.entries.every((e) => e.attempts === 0)).toBe(true);
  });

  it("records a call from the tab: the list shows it, and a settling outcome takes the young person off", async () => {
    const first = await post(`/api/tab/cases/${refs[0]}/calls`, "Sophie Laurent", { outcome: "UNREACHABLE", note: "Messagerie" });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ reference: refs[0], outcome: "UNREACHABLE", attempts: 1, settled: false });
    let list = (await (await get("/api/tab/calls", "Sophie Laurent")).json()) as CallList;
    expect(list.entries.find((e) => e.reference === refs[0])).toMatchObject({ attempts: 1, lastCall: { outcome: "UNREACHABLE", on: list.today } });

    const second = await post(`/api/tab/cases/${refs[0]}/calls`, "Sophie Laurent", { outcome: "APPOINTMENT", calledAt: list.today });
    expect(await second.json()).toMatchObject({ attempts: 2, settled: true });
    list = (await (await get("/api/tab/calls", "Sophie Laurent")).json()) as CallList;
    expect(list.entries.map((e) => e.reference)).toEqual([refs[1]]);
    // The case's history says so, as when the call is recorded from the chat.
    const panel = (await (await get(`/api/tab/cases/${refs[0]}`, "Sophie Laurent")).json()) as { timeline: { type: string }[] };
    expect(panel.timeline.filter((e) => e.type === "CALL_RECORDED")).toHaveLength(2);
  });

  it("refuses a call recorded by a référent or a teacher (403), for an unknown case (404)", async () => {
    for (const who of ["Karim Benali", "Claire Martin"]) {
      const res = await post(`/api/tab/cases/${refs[1]}/calls`, who, { outcome: "REACHED" });
      expect(res.status, who).toBe(403);
    }
    expect((await post("/api/tab/cases/D-1999-0001/calls", "Sophie Laurent", { outcome: "REACHED" })).status).toBe(404);
    const list = (await (await get("/api/tab/calls", "Sophie Laurent")).json()) as CallList;
    expect(list.entries.find((e) => e.reference === refs[1])).toMatchObject({ attempts: 0 });
  });

  it("gives the coordinator a signed link to the PSAD export, that works only as signed", async () => {
    expect((await post("/api/tab/calls/export", "Karim Benali", {})).status).toBe(403);
    const res = await post("/api/tab/calls/export", "Sophie Laurent", {});
    expect(res.status).toBe(200);
    const link = (await res.json()) as { url: string; expiresAt: string; districtName: string };
    expect(link.url).toMatch(/\/dl\/stats\/psad-[0-9a-f-]{36}\.csv\?exp=\d+&sig=[A-Za-z0-9_-]{43}$/);
    expect(new Date(link.expiresAt).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    const { pathname, search } = new URL(link.url);
    const file = await fetch(`${url}${pathname}${search}`);
    expect(file.status).toBe(200);
    const csv = await file.text();
    expect(csv).toMatch(/Durand;Léa/);
    expect(csv).toMatch(/Martin;Hugo/);
    const forged = search.replace(/sig=([A-Za-z0-9_-])/, (_m, c: string) => `sig=${c === "A" ? "B" : "A"}`);
    expect((await fetch(`${url}${pathname}${forged}`)).status).not.toBe(200);
  });

  it("transfers a case from the tab for its follower; refused to a teacher; a stale version is a conflict", async () => {
    const claire = await actor("Claire Martin");
    const school = (await app.services.reports.reportingSchools(claire)).find((s) => s.uai === VICTOR_HUGO)!;
    const reported = await app.services.reports.submit(
      claire,
      {
        pupil: { lastName: "Roussel", firstName: "Emma", className: "2nde 3", schoolId: school.id, birthYear: YEAR - 15 },
        signals: { signals: [{ code: "LATENESS" }] },
        steps: { stepsTaken: [], urgency: 2 },
      },
      `tab-calls-${randomUUID()}`,
    );
    if (!reported.ok) throw new Error(reported.reason);
    const ref = reported.recorded.reference;
    type Panel = { version: number; actions: string[]; school: { uai: string }; status: string };
    const panelOf = async (who: string) => (await (await get(`/api/tab/cases/${ref}`, who)).json()) as Panel;

    // Karim, the school's référent, takes it in charge: he may transfer it; Claire, its reporter, may not.
    let panel = await panelOf("Karim Benali");
    expect((await post(`/api/tab/cases/${ref}/actions`, "Karim Benali", { action: "takeCharge", version: panel.version })).status).toBe(200);
    panel = await panelOf("Karim Benali");
    expect(panel.actions).toContain("transfer");
    expect((await panelOf("Claire Martin")).actions).not.toContain("transfer");

    // The destinations: open schools matching the text, the case's own school left out.
    const found = (await (await get(`/api/tab/cases/${ref}/destinations?q=lycée`, "Karim Benali")).json()) as { schools: { id: string; uai: string }[] };
    expect(found.schools.map((s) => s.uai)).toEqual(expect.arrayContaining(["0690002C", "0690005F"]));
    expect(found.schools.map((s) => s.uai)).not.toContain(VICTOR_HUGO);
    expect((await get(`/api/tab/cases/${ref}/destinations?q=lycée`, "Claire Martin")).status).toBe(403);
    const jeanMoulin = found.schools.find((s) => s.uai === "0690002C")!.id;

    const transfer = { action: "transfer", version: panel.version, toSchoolId: jeanMoulin, reason: "Déménagement de la famille" };
    const teacher = await post(`/api/tab/cases/${ref}/actions`, "Claire Martin", transfer);
    expect(teacher.status).toBe(403);
    // No reason: the card's words for it.
    const noReason = await post(`/api/tab/cases/${ref}/actions`, "Karim Benali", { ...transfer, reason: " " });
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toMatchObject({ field: "transferReason", message: expect.stringMatching(/motif du transfert/) });
    const stale = await post(`/api/tab/cases/${ref}/actions`, "Karim Benali", { ...transfer, version: panel.version - 1 });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ error: "conflict", message: expect.stringMatching(/a changé entre-temps/) });

    const done = await post(`/api/tab/cases/${ref}/actions`, "Karim Benali", transfer);
    expect(done.status).toBe(200);
    // The case is now Jean-Moulin's: its référent sees it there, waiting to be taken in charge;
    // Victor-Hugo's référent no longer sees it.
    expect(await panelOf("Inès Moreau")).toMatchObject({ school: { uai: "0690002C" }, status: "NEW" });
    expect((await get(`/api/tab/cases/${ref}`, "Karim Benali")).status).toBe(404);
    const events = await app.store.db.prisma.caseEvent.findMany({ where: { case: { reference: ref }, type: "TRANSFERRED" } });
    expect(events).toHaveLength(1);
  });
});
