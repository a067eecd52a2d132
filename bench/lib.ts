// Shared pieces of `npm run bench` and `npm run loadtest`: a lean fake Teams connector, a keep-alive
// HTTP client, the bot and baseline processes, Teams activities, card buttons, percentiles and the
// SQL that fills a database with cases. Everything talks to 127.0.0.1 only.
import http from "node:http";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import net, { type AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

/** The project root (dist/bench/lib.js -> ../..). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
export const BOT = { id: "28:repere-bot", name: "Repère" };
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Fake connector: answers every send at once with an id, keeps the last few sends of each
// conversation (to read the card a simulated user presses next) and counts everything.

export type Sent = { method: "POST" | "PUT"; reply: boolean; card?: any; text?: string };

export class LeanConnector {
  url = "";
  replies = 0;
  proactivePosts = 0;
  updates = 0;
  lastTrafficAt = 0;
  private counter = 0;
  /** Per conversation: how many sends so far, and the last ones (channels receive thousands). */
  private readonly byConversation = new Map<string, { total: number; tail: Sent[] }>();
  private readonly server = http.createServer((req, res) => this.handle(req, res));

  async start(): Promise<this> {
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Sends to a conversation so far (replies and proactive). */
  count(conversationId: string): number {
    return this.byConversation.get(conversationId)?.total ?? 0;
  }

  /** Sends to a conversation since `from` (a previous count), as far as the kept tail goes. */
  since(conversationId: string, from: number): Sent[] {
    const c = this.byConversation.get(conversationId);
    if (!c) return [];
    return c.tail.slice(Math.max(0, from - (c.total - c.tail.length)));
  }

  /** The last sends recorded for a conversation. */
  all(conversationId: string): Sent[] {
    return this.byConversation.get(conversationId)?.tail ?? [];
  }

  /** Waits until nothing came for `quietMs` (the bots' outbox workers have delivered), at most `maxMs`. */
  async quiet(quietMs = 700, maxMs = 30_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    while (Date.now() < deadline && Date.now() - this.lastTrafficAt < quietMs) await sleep(100);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      this.lastTrafficAt = Date.now();
      const url = decodeURIComponent(req.url ?? "");
      const m = /\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?/.exec(url);
      if (m && (req.method === "POST" || req.method === "PUT")) {
        const conversationId = m[1]!;
        const reply = req.method === "POST" && m[2] !== undefined;
        if (req.method === "PUT") this.updates++;
        else if (reply) this.replies++;
        else this.proactivePosts++;
        let body: any = {};
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          /* not JSON: counted anyway */
        }
        const card = (body.attachments ?? []).find((a: any) => a.contentType === "application/vnd.microsoft.card.adaptive")?.content;
        let c = this.byConversation.get(conversationId);
        if (!c) this.byConversation.set(conversationId, (c = { total: 0, tail: [] }));
        c.total++;
        c.tail.push({ method: req.method as "POST" | "PUT", reply, ...(card ? { card } : {}), ...(typeof body.text === "string" ? { text: body.text } : {}) });
        // Bounded memory: keep the tail of long conversations.
        if (c.tail.length > 400) c.tail.splice(0, 200);
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: `activity-${++this.counter}` }));
    });
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP client with keep-alive (the Bot Framework service keeps its connections to a bot open).

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
// A request sent again goes on a socket of its own: the other idle sockets of `agent` may have
// been closed by the server at the same moment.
const freshAgent = new http.Agent({ keepAlive: false });

export type HttpResult = { status: number; body: string; ms: number; error?: string; retried?: boolean };

/** Requests this process had to send again because a kept-alive socket was closed under them. */
export let staleSocketRetries = 0;

export function postJson(url: string, payload: unknown, timeoutMs = 30_000): Promise<HttpResult> {
  const data = Buffer.from(JSON.stringify(payload));
  const started = performance.now();
  const attempt = (retried: boolean): Promise<HttpResult> =>
    new Promise((resolve) => {
      const req = http.request(url, { method: "POST", agent: retried ? freshAgent : agent, headers: { "content-type": "application/json", "content-length": data.length }, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), ms: performance.now() - started, ...(retried ? { retried } : {}) }));
        res.on("error", (err) => resolve({ status: 0, body: "", ms: performance.now() - started, error: err.message }));
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (err: NodeJS.ErrnoException) => {
        // The server closes a kept-alive socket after its idle timeout (5 s in Node); a request
        // written to it in that instant never reached the bot. Node's documentation advises sending
        // it again, as the Bot Framework service's own clients do; any other failure is reported.
        if (!retried && req.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE")) {
          staleSocketRetries++;
          resolve(attempt(true));
          return;
        }
        resolve({ status: 0, body: "", ms: performance.now() - started, error: `${err.code ?? ""} ${err.message}`.trim() });
      });
      req.end(data);
    });
  return attempt(false);
}

/**
 * Opens `count` kept-alive connections to the server at `url` (GET /healthz on each, at once), so
 * that a timed row meets no connection still to be accepted. Node (libuv 1.45 and later, libuv
 * pull request 3696) accepts one new connection per turn of its event loop: while 16 connections
 * keep a server busy, 48 new ones were accepted one by one over 1 to 2 s, which was the p99 of
 * every 64-conversation row (a bare Node HTTP server spending 2 ms a request does the same: 2.3 s).
 * The Bot Framework service keeps its connections to a bot open, as does `agent`.
 */
export async function openConnections(url: string, count: number): Promise<void> {
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve) => {
          const req = http.get(`${url}/healthz`, { agent, timeout: 30_000 }, (res) => {
            res.resume();
            res.on("end", () => resolve());
          });
          req.on("timeout", () => req.destroy());
          req.on("error", () => resolve());
        }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Processes.

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// Children never outlive the bench, even when it is interrupted.
const children = new Set<ChildProcess>();
const cleanups = new Set<() => Promise<void>>();
const killChildren = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
};
process.once("exit", killChildren);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP", "SIGPIPE"] as const) {
  process.once(signal, () => {
    killChildren();
    const timer = setTimeout(() => process.exit(130), 5000);
    void Promise.allSettled([...cleanups].map((f) => f())).then(() => {
      clearTimeout(timer);
      process.exit(130);
    });
  });
}

/** Runs `cleanup` if the bench is interrupted (a schema to drop); call the returned function once done. */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

export type Proc = { name: string; url: string; child: ChildProcess; pid: number; coldStartMs: number; output(): string; stop(): Promise<void> };

/** Starts `node <script>` and waits for GET /healthz to answer 200; coldStartMs runs from spawn. */
export async function startProcess(name: string, script: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<Proc> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ["--disable-warning=DEP0111", ...nodeArgs, script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", CHECKPOINT_DISABLE: "1", LOG_LEVEL: "warn", ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  let out = "";
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get(`${url}/healthz`, { timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on("error", () => resolve(false));
      req.on("timeout", () => req.destroy());
    });
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${name} did not start:\n${out}`);
    await sleep(20);
  }
  const coldStartMs = performance.now() - started;
  return {
    name,
    url,
    child,
    pid: child.pid!,
    coldStartMs,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Node flags for the bot: those of `npm run start:prod` (a heap limit, say), then `extra`
 *  (--bot-node-args=…) and BENCH_NODE_ARGS (diagnostic preloads). */
export function botNodeArgs(extra = ""): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  const m = /\bnode\s+(.*?)\s*dist\/main\.js/.exec(pkg.scripts?.["start:prod"] ?? "");
  const fromScript = m ? m[1]!.split(/\s+/).filter((t) => t.startsWith("--") && !t.startsWith("--disable-warning")) : [];
  return [...fromScript, ...extra.split(" "), ...(process.env.BENCH_NODE_ARGS ?? "").split(" ")].filter(Boolean);
}

/** CPU time (user + system) a live process has used so far, in ms. */
export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** Waits until a process has been (almost) idle for a second: under 5 % of a CPU in each of two
 *  half seconds, at most `maxMs`. Returns the wait in ms. */
export async function untilIdle(pid: number, maxMs = 30_000): Promise<number> {
  const started = Date.now();
  let quiet = 0;
  let last = cpuMs(pid);
  while (quiet < 2 && Date.now() - started < maxMs) {
    await sleep(500);
    const now = cpuMs(pid);
    quiet = now - last < 25 ? quiet + 1 : 0;
    last = now;
    if (Number.isNaN(now)) break;
  }
  return Date.now() - started;
}

/** Peak resident set size of a live process (VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------------------------------------
// Teams activities (as in test/helpers/bot-harness.ts).

export type Who = { aadObjectId: string; displayName: string };
let activityCounter = 0;
const runTag = Math.random().toString(36).slice(2, 8);

export function message(serviceUrl: string, tenantId: string, who: Who, conversationId: string, content: { text?: string; value?: unknown }): Record<string, unknown> {
  return {
    type: "message",
    id: `bench-${runTag}-${++activityCounter}`,
    timestamp: new Date().toISOString(),
    serviceUrl,
    channelId: "msteams",
    from: { id: `29:${who.aadObjectId}`, name: who.displayName, aadObjectId: who.aadObjectId },
    recipient: BOT,
    conversation: { id: conversationId, conversationType: "personal", tenantId },
    channelData: { tenant: { id: tenantId } },
    locale: "fr-FR",
    ...(content.text !== undefined ? { text: content.text } : {}),
    ...(content.value !== undefined ? { value: content.value } : {}),
  };
}

export function invoke(serviceUrl: string, tenantId: string, who: Who, conversationId: string, verb: string, data: Record<string, unknown>): Record<string, unknown> {
  return {
    type: "invoke",
    name: "adaptiveCard/action",
    id: `bench-inv-${runTag}-${++activityCounter}`,
    timestamp: new Date().toISOString(),
    serviceUrl,
    channelId: "msteams",
    from: { id: `29:${who.aadObjectId}`, name: who.displayName, aadObjectId: who.aadObjectId },
    recipient: BOT,
    conversation: { id: conversationId, conversationType: "personal", tenantId },
    channelData: { tenant: { id: tenantId } },
    locale: "fr-FR",
    value: { action: { type: "Action.Execute", verb, data }, trigger: "manual" },
  };
}

/** The bot's installation in a team channel (so that its channel posts have a conversation reference). */
export function channelInstall(serviceUrl: string, tenantId: string, who: Who, channelId: string): Record<string, unknown> {
  return {
    type: "conversationUpdate",
    id: `bench-install-${runTag}-${++activityCounter}`,
    serviceUrl,
    channelId: "msteams",
    from: { id: `29:${who.aadObjectId}`, aadObjectId: who.aadObjectId },
    recipient: BOT,
    conversation: { id: channelId, conversationType: "channel", isGroup: true, tenantId },
    channelData: { tenant: { id: tenantId }, team: { id: channelId }, channel: { id: channelId } },
    membersAdded: [{ id: BOT.id }],
  };
}

// ---------------------------------------------------------------------------------------------
// Cards (as in test/helpers/conversation.ts): a button press sends the card's inputs with the button's data.

function walk(node: unknown, visit: (o: Record<string, any>) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => walk(n, visit));
  if (!node || typeof node !== "object") return;
  visit(node as Record<string, any>);
  for (const v of Object.values(node)) walk(v, visit);
}

export function findAction(card: unknown, pred: (o: Record<string, any>) => boolean): any {
  let found: any = null;
  walk(card, (o) => {
    if (!found && typeof o.type === "string" && o.type.startsWith("Action.") && pred(o)) found = o;
  });
  return found;
}

export function inputValues(card: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  walk(card, (o) => {
    if (typeof o.type === "string" && o.type.startsWith("Input.") && typeof o.id === "string") {
      values[o.id] = o.value === undefined ? (o.type === "Input.Toggle" ? (o.valueOff ?? "false") : "") : String(o.value);
    }
  });
  return values;
}

/** The value of Action.Submit pressing `title` on `card`, with `fill` typed into its inputs. */
export function press(card: unknown, title: string, fill: Record<string, string> = {}): Record<string, unknown> | null {
  const action = findAction(card, (o) => o.type === "Action.Submit" && o.title === title);
  if (!action) return null;
  const inputs = action.associatedInputs === "none" ? {} : { ...inputValues(card), ...fill };
  return { ...inputs, ...action.data };
}

export function cardText(card: unknown): string {
  const out: string[] = [];
  walk(card, (o) => {
    for (const key of ["text", "title", "label", "value"]) if (typeof o[key] === "string") out.push(o[key]);
  });
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Figures.

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export type Summary = { turns: number; seconds: number; perSecond: number; p50: number; p95: number; p99: number; errors: number };

export function summarise(latencies: number[], seconds: number, errors: number): Summary {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { turns: sorted.length, seconds, perSecond: sorted.length / seconds, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), errors };
}

/** Runs `lanes` simulated users at once; each calls `unit(lane)` again and again until `budget()`
 *  says stop (count or time). Returns the elapsed seconds. */
export async function runLanes(lanes: number, budget: () => boolean, unit: (lane: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      while (budget()) await unit(lane);
    }),
  );
  return (performance.now() - started) / 1000;
}

// ---------------------------------------------------------------------------------------------
// Database access from the bench (never through the bot): PostgreSQL, or PGlite on the embedded
// data directory while the bot is stopped.

export type Sql = { query<T = Record<string, any>>(sql: string, params?: unknown[]): Promise<T[]>; close(): Promise<void> };

export async function postgresSql(schema: string): Promise<Sql> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
  await client.connect();
  return {
    async query<T>(sql: string, params?: unknown[]) {
      const result = (await client.query(sql, params as unknown[])) as unknown as pg.QueryResult | pg.QueryResult[];
      // Several statements in one string give one result each: keep the last one's rows.
      return (Array.isArray(result) ? (result.at(-1)?.rows ?? []) : result.rows) as T[];
    },
    close: () => client.end(),
  };
}

export async function embeddedSql(dataDir: string): Promise<Sql> {
  const { PGlite } = await import("@electric-sql/pglite");
  const db = await PGlite.create(path.join(dataDir, "pgdata"));
  return {
    async query<T>(sql: string, params?: unknown[]) {
      if (params && params.length) return (await db.query<T>(sql, params)).rows;
      // exec runs several statements; the rows of the last one are returned.
      const results = await db.exec(sql);
      return (results.at(-1)?.rows ?? []) as T[];
    },
    close: () => db.close(),
  };
}

export async function dropPostgresSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export type Member = { id: string; aadObjectId: string; displayName: string; role: string; tenantId: string; schoolId: string | null; districtId: string | null };

export async function members(sql: Sql): Promise<Member[]> {
  return sql.query<Member>(
    `SELECT m.id, m."aadObjectId", m."displayName", m.role::text AS role, m."tenantId", ms."schoolId", COALESCE(m."districtId", s."districtId") AS "districtId"
       FROM "Member" m LEFT JOIN LATERAL (SELECT "schoolId" FROM "MemberSchool" WHERE "memberId" = m.id ORDER BY "schoolId" LIMIT 1) ms ON true
       LEFT JOIN "School" s ON s.id = ms."schoolId"
      ORDER BY m."displayName"`,
  );
}

/** `count` STAFF members named "<label> n", each in one school (round robin over the schools), with
 *  their own AAD object ids (…-9000-<prefix><n>). Idempotent. */
export async function addStaff(sql: Sql, count: number, label: string, prefix: string): Promise<void> {
  if (count <= 0) return;
  await sql.query(
    `WITH t AS (SELECT "tenantId" FROM "Member" LIMIT 1)
     INSERT INTO "Member" (id, "tenantId", "aadObjectId", "displayName", email, role, "updatedAt")
     SELECT gen_random_uuid()::text, t."tenantId", '00000000-0000-4000-9000-' || $2 || lpad(k::text, 12 - length($2), '0'), $1 || ' ' || k, NULL, 'STAFF', now()
       FROM generate_series(1, $3::int) k, t
     ON CONFLICT ("tenantId", "aadObjectId") DO NOTHING`,
    [label, prefix, count],
  );
  await sql.query(
    `WITH schools AS (SELECT id, row_number() OVER (ORDER BY uai) - 1 AS i, count(*) OVER () AS n FROM "School"),
          staff AS (SELECT id, (regexp_replace("displayName", '^.* ', ''))::int AS k FROM "Member" WHERE "aadObjectId" LIKE '00000000-0000-4000-9000-' || $1 || '%')
     INSERT INTO "MemberSchool" ("memberId", "schoolId")
     SELECT staff.id, schools.id FROM staff JOIN schools ON schools.i = staff.k % schools.n
     ON CONFLICT DO NOTHING`,
    [prefix],
  );
}

const SIGNAL_CATALOGUE: [string, string][] = [
  ["UNJUSTIFIED_ABSENCES", "ATTENDANCE"], ["LATENESS", "ATTENDANCE"], ["INTERMITTENT_ABSENCES", "ATTENDANCE"],
  ["WORK_NOT_DONE", "ENGAGEMENT"], ["EQUIPMENT_FORGOTTEN", "ENGAGEMENT"], ["PASSIVITY", "ENGAGEMENT"], ["DISENGAGED_INSIDE", "ENGAGEMENT"],
  ["FALLING_GRADES", "RESULTS"], ["EXAM_FAILED", "RESULTS"], ["INCIDENTS", "BEHAVIOUR"], ["WITHDRAWAL", "BEHAVIOUR"],
  ["ORIENTATION_SUBIE", "ORIENTATION"], ["NO_PLAN", "ORIENTATION"], ["NOT_ASSIGNED", "ORIENTATION"],
];

/** Brings the Case table up to `target` rows with INSERT … SELECT generate_series: a pupil, a case
 *  (reference of the current year, after the counter), a report with two signals and its REPORTED
 *  event each (plus TAKEN_IN_CHARGE for the acknowledged ones). Reporters are the STAFF members
 *  who reported fewer than `perReporter` cases (in turn; each case in its reporter's school);
 *  statuses 40 % NEW, 30 % ACKNOWLEDGED (assigned to the district's coordinator), 10 %
 *  INFO_REQUESTED, 20 % CLOSED; each pupil has a last name of its own. Returns how many were added. */
export async function fillCases(sql: Sql, target: number, year: number, perReporter: number): Promise<number> {
  const [{ n: existing }] = (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Case"`)) as [{ n: number }];
  const add = target - existing;
  if (add <= 0) return 0;
  const [counter] = await sql.query<{ last: number }>(`SELECT last FROM "CaseCounter" WHERE year = $1`, [year]);
  const base = counter?.last ?? 0;
  const signals = SIGNAL_CATALOGUE.map(([c, f], i) => `(${i}, '${c}', '${f}')`).join(", ");
  // One statement per table, from a temporary table of generated ids.
  await sql.query(`DROP TABLE IF EXISTS bench_seed; DROP TABLE IF EXISTS bench_reporters; DROP TABLE IF EXISTS bench_signals`);
  await sql.query(`CREATE TEMP TABLE bench_signals (i int, code text, family text); INSERT INTO bench_signals VALUES ${signals}`);
  // One slot per case a STAFF member may still report (up to `perReporter`), taken in turn (every
  // member's first slot, then every second one...): the cases added go to the members with room.
  // Spread over every member instead, the measured ones ("Bench Staff") reported 15 cases at 1,000
  // and 66 at 100,000, and `statut <nom>`, which looks through the caller's own cases, seemed to
  // grow with the académie.
  await sql.query(
    `CREATE TEMP TABLE bench_reporters AS
       WITH staff AS (
         SELECT m.id, m."aadObjectId", ms."schoolId", s."districtId",
                (SELECT count(*) FROM "Case" h WHERE h."reporterId" = m.id)::int AS held
           FROM "Member" m
           JOIN LATERAL (SELECT "schoolId" FROM "MemberSchool" WHERE "memberId" = m.id ORDER BY "schoolId" LIMIT 1) ms ON true
           JOIN "School" s ON s.id = ms."schoolId"
          WHERE m.role = 'STAFF' AND m.active)
       SELECT row_number() OVER (ORDER BY k, st."aadObjectId") - 1 AS i, st.id AS member_id, st."schoolId" AS school_id, st."districtId" AS district_id,
              (SELECT c.id FROM "Member" c WHERE c.role = 'COORDINATOR' AND c."districtId" = st."districtId" ORDER BY c."displayName" LIMIT 1) AS coordinator_id
         FROM staff st CROSS JOIN LATERAL generate_series(1, greatest(1, ${perReporter} - st.held)) AS k`,
  );
  await sql.query(
    `CREATE TEMP TABLE bench_seed AS
       SELECT g.n, gen_random_uuid()::text AS pupil_id, gen_random_uuid()::text AS case_id, gen_random_uuid()::text AS report_id,
              r.member_id, r.school_id, r.district_id, r.coordinator_id,
              -- One name per pupil, none inside another ("Nombcz" is not in "Nombcdz"): a name search
              -- finds the one case at every scale, so rows compare the same answer.
              'Nom' || translate(g.n::text, '0123456789', 'abcdefghij') || 'z' AS last_name,
              'Prenom' || translate((g.n % 37)::text, '0123456789', 'abcdefghij') AS first_name,
              CASE WHEN g.n % 10 < 4 THEN 'NEW' WHEN g.n % 10 < 7 THEN 'ACKNOWLEDGED' WHEN g.n % 10 = 7 THEN 'INFO_REQUESTED' ELSE 'CLOSED' END AS status,
              now() - ((g.n % 365) || ' days')::interval - ((g.n % 1440) || ' minutes')::interval AS created_at
         FROM generate_series(${base + 1}, ${base + add}) AS g(n)
         JOIN bench_reporters r ON r.i = (g.n - ${base + 1}) % (SELECT count(*) FROM bench_reporters)`,
  );
  await sql.query(
    `INSERT INTO "Pupil" (id, "schoolId", "lastName", "firstName", "nameKey", "birthYear", "className", "createdAt")
     SELECT pupil_id, school_id, last_name, first_name, lower(last_name || ' ' || first_name), ${year} - 11 - (n % 8), '2nde ' || (n % 9 + 1), created_at FROM bench_seed`,
  );
  await sql.query(
    `INSERT INTO "Case" (id, reference, "pupilId", "schoolId", "districtId", status, urgency, "reporterId", "assigneeId", "closedAt", "createdAt", "updatedAt")
     SELECT case_id, 'D-${year}-' || lpad(n::text, greatest(4, length(n::text)), '0'), pupil_id, school_id, district_id, status::"CaseStatus", n % 3 + 1, member_id,
            CASE WHEN status IN ('ACKNOWLEDGED', 'INFO_REQUESTED') THEN coordinator_id END,
            CASE WHEN status = 'CLOSED' THEN created_at + interval '20 days' END, created_at, created_at
       FROM bench_seed`,
  );
  await sql.query(
    `INSERT INTO "Report" (id, "caseId", "reporterId", "submissionKey", "absenceHalfDays", "stepsTaken", urgency, observations, "createdAt")
     SELECT report_id, case_id, member_id, 'bench-' || case_id, CASE WHEN n % 3 = 0 THEN n % 12 END, ARRAY['FAMILY_CONTACTED'], n % 3 + 1, NULL, created_at FROM bench_seed`,
  );
  await sql.query(
    `INSERT INTO "ReportSignal" (id, "reportId", code, family, note)
     SELECT gen_random_uuid()::text, b.report_id, s.code, s.family, CASE WHEN k = 0 THEN 'Constat en classe' END
       FROM bench_seed b CROSS JOIN generate_series(0, 1) AS k JOIN bench_signals s ON s.i = (b.n + k * 5) % 14`,
  );
  await sql.query(
    `INSERT INTO "CaseEvent" ("caseId", at, "actorId", type, data)
     SELECT b.case_id, b.created_at, b.member_id, 'REPORTED', jsonb_build_object('reportId', b.report_id, 'families', jsonb_build_array(s1.family, s2.family), 'urgency', b.n % 3 + 1)
       FROM bench_seed b JOIN bench_signals s1 ON s1.i = b.n % 14 JOIN bench_signals s2 ON s2.i = (b.n + 5) % 14`,
  );
  await sql.query(
    `INSERT INTO "CaseEvent" ("caseId", at, "actorId", type, data)
     SELECT case_id, created_at + interval '1 day', coordinator_id, 'TAKEN_IN_CHARGE', jsonb_build_object('from', 'NEW', 'to', 'ACKNOWLEDGED')
       FROM bench_seed WHERE status <> 'NEW'`,
  );
  await sql.query(
    `INSERT INTO "CaseCounter" (year, last) VALUES (${year}, ${base + add}) ON CONFLICT (year) DO UPDATE SET last = GREATEST("CaseCounter".last, EXCLUDED.last)`,
  );
  await sql.query(`DROP TABLE bench_seed; DROP TABLE bench_reporters; DROP TABLE bench_signals`);
  // A database that grew over the years has been vacuumed by autovacuum as it went; a bulk load
  // just before measuring would instead be vacuumed (and its rows' hint bits written by the first
  // readers) in the middle of the next rows. VACUUM cannot run inside the implicit transaction of
  // a multi-statement query: one statement, for the tables of the bench schema only.
  await sql.query(`VACUUM ANALYZE "Pupil", "Case", "Report", "ReportSignal", "CaseEvent", "CaseCounter", "Member", "MemberSchool"`);
  return add;
}

/** Letters only (pupil names accept no digits): 0 -> "a", 27 -> "bb". */
export function letters(n: number): string {
  let s = "";
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
}
