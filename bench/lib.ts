// Shared pieces of `npm run bench` and `npm run loadtest` that the tests do not have: a lean fake
// Teams connector, a keep-alive HTTP client, the bot and baseline processes, percentiles, and SQL
// from the bench's own connection. Teams activities, card buttons and the fill of a database with
// cases are the tests' (test/helpers/activities.ts, cards.ts, case-fill.ts). Everything talks to
// 127.0.0.1 only.
import http from "node:http";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { type AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { freePort } from "../test/helpers/bot-process.js";
import type { SqlRunner } from "../test/helpers/case-fill.js";
import { POSTGRES_URL } from "../test/helpers/database.js";

/** The project root (bench/lib.ts -> ..). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
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
      const req = http.request(
        url,
        {
          method: "POST",
          agent: retried ? freshAgent : agent,
          headers: { "content-type": "application/json", "content-length": data.length },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString("utf8"),
              ms: performance.now() - started,
              ...(retried ? { retried } : {}),
            }),
          );
          res.on("error", (err) => resolve({ status: 0, body: "", ms: performance.now() - started, error: err.message }));
        },
      );
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
// Figures.

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export type Summary = { turns: number; seconds: number; perSecond: number; p50: number; p95: number; p99: number; errors: number };

export function summarise(latencies: number[], seconds: number, errors: number): Summary {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    turns: sorted.length,
    seconds,
    perSecond: sorted.length / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    errors,
  };
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

export type Sql = SqlRunner & { close(): Promise<void> };

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

export type Member = {
  id: string;
  aadObjectId: string;
  displayName: string;
  role: string;
  tenantId: string;
  schoolId: string | null;
  districtId: string | null;
};

export async function members(sql: Sql): Promise<Member[]> {
  return sql.query<Member>(
    `SELECT m.id, m."aadObjectId", m."displayName", m.role::text AS role, m."tenantId", ms."schoolId", COALESCE(m."districtId", s."districtId") AS "districtId"
       FROM "Member" m LEFT JOIN LATERAL (SELECT "schoolId" FROM "MemberSchool" WHERE "memberId" = m.id ORDER BY "schoolId" LIMIT 1) ms ON true
       LEFT JOIN "School" s ON s.id = ms."schoolId"
      ORDER BY m."displayName"`,
  );
}
