// `npm run bench`: Repère against a bare botbuilder echo bot; the bot runs compiled, as in production.
//
// For each database (PostgreSQL first, then the embedded PGlite): the bot is started once on a
// fresh database (migrations + demo académie), stopped, filled by SQL with 1,000 cases, restarted
// (cold start timed), measured, stopped, filled up to 10,000, and so on to 100,000 and, on
// PostgreSQL, 1,000,000 (every académie of France in one database: `statut <réf>` and triage
// only). Workloads, each at 1, 16 and 64 concurrent conversations: (a) « aide », (b) « statut
// <référence> » and « statut <nom> », (c) a whole report dialog, (d) an Action.Execute triage
// invoke. The echo baseline is measured in the same run, before each database and beside every
// row. Then the service measures that left the test suite (bench/measures.ts): the statistics
// card on 100,000 cases and a 10,000-row import. Results: a Markdown summary printed and written
// to bench/results/latest.md (the raw figures in latest.json, not committed).
//
// Options: --quick (fewer turns), --only=postgres,embedded,stats,import,people,directory,tab (parts to run),
// --scales=1000,1000000, --concurrency=1,16,64, --workloads=aide,statusRef,statusName,dialog,triage,
// --cpu-prof (V8 profiles of the bot into bench/results/profiles), --out=<file.md>, --keep (leave
// the databases), --keep=<name> (use and keep the database <name>: filled once, reused by the next
// run with the same name).
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { channelInstallActivity, invokeActivity, personalChatId, personalMessage } from "../test/helpers/activities.js";
import { cardText, findAction, submitValue } from "../test/helpers/cards.js";
import { addStaff, fillCases, letters } from "../test/helpers/case-fill.js";
import { POSTGRES_URL, dropSchema } from "../test/helpers/database.js";
import type { MeasureRow } from "./measures.js";
import {
  LeanConnector,
  ROOT,
  botNodeArgs,
  onInterrupt,
  cpuMs,
  embeddedSql,
  members,
  openConnections,
  peakRssMb,
  postJson,
  postgresSql,
  runLanes,
  sleep,
  startProcess,
  summarise,
  untilIdle,
  type Member,
  type Proc,
  type Sent,
  type Sql,
  type Summary,
} from "./lib.js";

type Kind = "postgres" | "embedded";
type Workload = "echo" | "aide" | "statusRef" | "statusName" | "dialog" | "triage";

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

type Part = Kind | "stats" | "import" | "people" | "directory" | "tab";
const PART_NAMES = ["postgres", "embedded", "stats", "import", "people", "directory", "tab"];
const PARTS = (option("only") ?? PART_NAMES.join(",")).split(",") as Part[];
for (const p of PARTS) if (!PART_NAMES.includes(p)) throw new Error(`--only: unknown part ${p} (${PART_NAMES.join(", ")})`);
const QUICK = flag("quick");
const KINDS = PARTS.filter((p): p is Kind => p === "postgres" || p === "embedded");
const SCALES = (option("scales") ?? "1000,10000,100000,1000000").split(",").map(Number);
const CONCURRENCY = (option("concurrency") ?? "1,16,64").split(",").map(Number);
const WORKLOADS = (option("workloads") ?? "aide,statusRef,statusName,triage,dialog").split(",") as Workload[];
/** Above this many cases only PostgreSQL is filled, and only the rows that must stay flat from
 *  one académie to every académie of France are measured (issue 23). */
const LARGE_SCALE = 100_000;
const LARGE_SCALE_WORKLOADS: Workload[] = ["statusRef", "triage"];
const workloadsAt = (kind: Kind, scale: number) =>
  scale <= LARGE_SCALE ? WORKLOADS : kind === "postgres" ? WORKLOADS.filter((w) => LARGE_SCALE_WORKLOADS.includes(w)) : [];
/** --keep: the databases are left; --keep=<name>: that database is used, and kept for the next run. */
const KEEP = flag("keep") || option("keep") !== undefined;
const KEEP_NAME = option("keep");
if (KEEP_NAME !== undefined && !/^[a-z][a-z0-9_]{0,40}$/.test(KEEP_NAME)) throw new Error("--keep=<name>: lower-case letters, digits and _");
const OUT = path.resolve(ROOT, option("out") ?? "bench/results/latest.md");
const PROFILE_DIR = path.join(ROOT, "bench/results/profiles");
const turnsAt = (c: number) => (QUICK ? (c === 1 ? 60 : 300) : c === 1 ? 200 : 1000);
const MAX_ROW_SECONDS = QUICK ? 15 : 40;
const YEAR = new Date().getFullYear();

const BOT_NODE_ARGS = botNodeArgs(option("bot-node-args"));
const BENCH_STAFF = 64;
const CASES_PER_REPORTER = 25;

const WORKLOAD_LABEL: Record<Workload, string> = {
  echo: "echo baseline",
  aide: "(a) aide",
  statusRef: "(b) statut <réf>",
  statusName: "(b) statut <nom>",
  dialog: "(c) report dialog (per turn)",
  triage: "(d) triage invoke",
};

type Row = Summary & {
  cpuMsPerTurn: number;
  workload: Workload;
  kind: Kind | "-";
  cases: number | null;
  concurrency: number;
  rssMb: number | null;
  note?: string;
  echoP50?: number;
  ratioP50?: number;
  ratioRate?: number;
  load: number;
};
type StartRow = { kind: Kind; cases: number | null; coldStartMs: number; seedSeconds: number | null; what: string };
/** One fill of the database before a scale: how long it took, statement by statement. */
type FillRow = { kind: Kind; from: number; to: number; seconds: number; steps: [string, number][] };

const rows: Row[] = [];
const starts: StartRow[] = [];
const fills: FillRow[] = [];
const measures: MeasureRow[] = [];
const log = (...a: unknown[]) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

// ---------------------------------------------------------------------------------------------

type Turn = { ok: boolean; ms: number; sent: Sent[]; body: string; status: number };

class Client {
  constructor(
    readonly bot: Proc,
    readonly connector: LeanConnector,
    readonly tenantId: string,
  ) {}

  async message(who: Member, conversationId: string, content: { text?: string; value?: unknown }): Promise<Turn> {
    const before = this.connector.count(conversationId);
    const r = await postJson(`${this.bot.url}/api/messages`, personalMessage(this.connector.url, who, { ...content, tenantId: this.tenantId, conversationId }));
    const sent = this.connector.since(conversationId, before);
    return { ok: r.status >= 200 && r.status < 300 && sent.length > 0, ms: r.ms, sent, body: r.body, status: r.status };
  }

  async invoke(who: Member, conversationId: string, verb: string, data: Record<string, unknown>): Promise<Turn> {
    const r = await postJson(
      `${this.bot.url}/api/messages`,
      invokeActivity(this.connector.url, who, { conversationId, type: "personal", tenantId: this.tenantId }, verb, data),
    );
    return { ok: r.status === 200, ms: r.ms, sent: [], body: r.body, status: r.status };
  }
}

const personalChat = personalChatId;

type Fixtures = {
  staff: Member[];
  coordinator: Member;
  /** Per bench STAFF member: references and last names of cases they reported. */
  ownCases: Map<string, { reference: string; lastName: string }[]>;
  /** Per triage lane: a case of a school with a référent, with its two possible assignees. */
  triage: { caseId: string; version: string; assignees: [string, string]; actor: Member }[];
  referents: Member[];
  /** The coordinators' channel of the district measured (its cases are posted there). */
  channel: { teamId: string; channelId: string } | null;
};

async function loadFixtures(sql: Sql): Promise<Fixtures> {
  const all = await members(sql);
  const staff = all
    .filter((m) => m.role === "STAFF" && m.displayName.startsWith("Bench Staff"))
    .sort((a, b) => Number(a.displayName.split(" ").at(-1)) - Number(b.displayName.split(" ").at(-1)));
  const coordinator = all.find((m) => m.displayName === "Sophie Laurent")!;
  const referents = all.filter((m) => m.role === "REFERENT");
  const own = await sql.query<{ reporterId: string; reference: string; lastName: string }>(
    `SELECT x."reporterId", x.reference, x."lastName" FROM (
       SELECT c."reporterId", c.reference, p."lastName", row_number() OVER (PARTITION BY c."reporterId" ORDER BY c.reference) AS k
         FROM "Case" c JOIN "Pupil" p ON p.id = c."pupilId" JOIN "Member" m ON m.id = c."reporterId"
        WHERE m."displayName" LIKE 'Bench Staff %') x
      WHERE x.k <= 25`,
  );
  const ownCases = new Map<string, { reference: string; lastName: string }[]>();
  for (const r of own) {
    const list = ownCases.get(r.reporterId) ?? [];
    list.push({ reference: r.reference, lastName: r.lastName });
    ownCases.set(r.reporterId, list);
  }
  // Cases of Sophie's district in a school with a référent: the assign choice is Sophie or that référent.
  // The coordinator triages pupils of 16 and over; the school's référent the younger ones (GPDS).
  const triage = await sql.query<{ id: string; version: number; referentId: string; birthYear: number }>(
    `SELECT c.id, c.version, ms."memberId" AS "referentId", p."birthYear"
       FROM "Case" c JOIN "Pupil" p ON p.id = c."pupilId" JOIN "MemberSchool" ms ON ms."schoolId" = c."schoolId" JOIN "Member" r ON r.id = ms."memberId" AND r.role = 'REFERENT'
      WHERE c."districtId" = $1 AND c.status IN ('ACKNOWLEDGED', 'INFO_REQUESTED')
      ORDER BY md5(c.id || $2) LIMIT 64`,
    [coordinator.districtId, String(Date.now())],
  );
  const byId = new Map(all.map((m) => [m.id, m]));
  const [channel] = await sql.query<{ teamId: string; channelId: string }>(`SELECT "teamId", "channelId" FROM "RoutingChannel" WHERE "districtId" = $1`, [
    coordinator.districtId,
  ]);
  return {
    staff,
    coordinator,
    referents,
    ownCases,
    triage: triage.map((t) => ({
      caseId: t.id,
      version: String(t.version),
      assignees: [t.referentId, coordinator.id],
      actor: new Date().getFullYear() - t.birthYear >= 16 ? coordinator : byId.get(t.referentId)!,
    })),
    channel: channel ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Workloads. `unit(lane)` is one simulated user's next action; it pushes the latency of each turn.

type Unit = { turns: number; run(lane: number, latencies: number[], failures: { n: number }, notes: Map<string, number>): Promise<void> };

function workloadUnit(workload: Workload, client: Client, fx: Fixtures, laneState: Map<string, any>): Unit {
  const record = (t: Turn, latencies: number[], failures: { n: number }, notes?: Map<string, number>) => {
    latencies.push(t.ms);
    if (t.ok) return;
    failures.n++;
    const why = `failed: ${t.status >= 300 || t.status === 0 ? `HTTP ${t.status}` : "no reply"}`;
    notes?.set(why, (notes.get(why) ?? 0) + 1);
  };
  const kindOf = (t: Turn) => (t.sent.some((s) => s.card) ? "card" : t.sent.some((s) => s.text) ? "text" : "none");
  switch (workload) {
    case "echo":
    case "aide":
      return {
        turns: 1,
        async run(lane, latencies, failures, notes) {
          const who = fx.staff[lane % fx.staff.length]!;
          const t = await client.message(who, personalChat(who), { text: "aide" });
          record(t, latencies, failures, notes);
          notes.set(kindOf(t), (notes.get(kindOf(t)) ?? 0) + 1);
        },
      };
    case "statusRef":
    case "statusName":
      return {
        turns: 1,
        async run(lane, latencies, failures, notes) {
          const who = fx.staff[lane % fx.staff.length]!;
          const cases = fx.ownCases.get(who.id) ?? [];
          const k = (laneState.get(`${workload}:${lane}`) ?? 0) as number;
          laneState.set(`${workload}:${lane}`, k + 1);
          const c = cases[k % Math.max(1, cases.length)];
          const text = workload === "statusRef" ? `statut ${c?.reference ?? `D-${YEAR}-0001`}` : `statut ${c?.lastName ?? "Dupont"}`;
          const t = await client.message(who, personalChat(who), { text });
          record(t, latencies, failures, notes);
          notes.set(kindOf(t), (notes.get(kindOf(t)) ?? 0) + 1);
        },
      };
    case "triage":
      return {
        turns: 1,
        async run(lane, latencies, failures, notes) {
          const fixture = fx.triage[lane % Math.max(1, fx.triage.length)];
          if (!fixture) throw new Error("no case to triage");
          const state = (laneState.get(`triage:${lane}`) ?? { version: fixture.version, next: 0 }) as { version: string; next: number };
          if (fx.triage.length < 64) throw new Error(`only ${fx.triage.length} cases to triage`);
          const assigneeId = fixture.assignees[state.next % 2]!;
          const t = await client.invoke(fixture.actor, `a:bench-triage-${lane}`, "case.assign", { caseId: fixture.caseId, version: state.version, assigneeId });
          latencies.push(t.ms);
          let ok = t.ok;
          try {
            const card = (JSON.parse(t.body) as { value?: unknown }).value;
            const assign = findAction(card, (o) => o.verb === "case.assign");
            if (assign?.data?.version !== undefined) state.version = String(assign.data.version);
            const text = cardText(card);
            if (!/assigné|assigned/i.test(text)) {
              ok = false;
              if (process.env.BENCH_DEBUG) console.error("triage refused", lane, fixture.caseId, state, t.status, text.slice(0, 300));
            }
            notes.set(ok ? "assigned" : "refused", (notes.get(ok ? "assigned" : "refused") ?? 0) + 1);
            notes.set("bytes", Math.max(notes.get("bytes") ?? 0, t.body.length));
          } catch {
            ok = false;
          }
          state.next++;
          laneState.set(`triage:${lane}`, state);
          if (!ok) failures.n++;
        },
      };
    case "dialog":
      return {
        turns: 5,
        async run(lane, latencies, failures, notes) {
          // Lanes take the bench's teachers from the other end: the one who asks `statut` at one
          // conversation reported the 57 cases of the dialog rows at each scale, 179 cases at
          // 100,000, and her name search looked through them all.
          const who = fx.staff[fx.staff.length - 1 - (lane % fx.staff.length)]!;
          const conversation = personalChat(who);
          const n = (laneState.get("dialog:n") ?? 0) as number;
          laneState.set("dialog:n", n + 1);
          const fail = async (why: string) => {
            failures.n++;
            notes.set(`failed: ${why}`, (notes.get(`failed: ${why}`) ?? 0) + 1);
            await client.message(who, conversation, { text: "annuler" });
          };
          const step = async (content: { text?: string; value?: unknown }) => {
            const t = await client.message(who, conversation, content);
            latencies.push(t.ms);
            return t.ok ? [...t.sent].reverse().find((s) => s.card)?.card : undefined;
          };
          const pupil = await step({ text: "signaler" });
          const pupilValue =
            pupil &&
            submitValue(pupil, "Suivant", {
              lastName: `Bench${letters(n)}`,
              firstName: `Eleve${letters(lane)}${laneState.get("tag")}`,
              className: "2nde 1",
              birthYear: String(YEAR - 16),
            });
          if (!pupilValue) return fail("no pupil card");
          const signals = await step({ value: pupilValue });
          const signalsValue = signals && submitValue(signals, "Suivant", { signal_WITHDRAWAL: "true", signal_LATENESS: "true" });
          if (!signalsValue) return fail("no signals card");
          const notesCard = await step({ value: signalsValue });
          const notesValue = notesCard && submitValue(notesCard, "Suivant", { note_LATENESS: "En retard trois fois cette semaine" });
          if (!notesValue) return fail("no notes card");
          const steps = await step({ value: notesValue });
          const stepsValue = steps && submitValue(steps, "Voir le récapitulatif", { urgency: "2", stepsTaken: "FAMILY_CONTACTED" });
          if (!stepsValue) return fail("no steps card");
          const summary = await step({ value: stepsValue });
          const summaryValue = summary && submitValue(summary, "Envoyer le signalement");
          if (!summaryValue) return fail("no summary card");
          const confirmed = await step({ value: summaryValue });
          if (!confirmed || !/D-\d{4}-\d+/.test(cardText(confirmed))) return fail("not confirmed");
          notes.set("confirmed", (notes.get("confirmed") ?? 0) + 1);
        },
      };
  }
}

async function measure(
  workload: Workload,
  client: Client,
  fx: Fixtures,
  laneState: Map<string, any>,
  concurrency: number,
  turns: number,
): Promise<{ summary: Summary & { cpuMsPerTurn: number }; notes: Map<string, number> }> {
  const unit = workloadUnit(workload, client, fx, laneState);
  await openConnections(client.bot.url, concurrency);
  const cpuBefore = cpuMs(client.bot.pid);
  const latencies: number[] = [];
  const failures = { n: 0 };
  const notes = new Map<string, number>();
  const units = Math.max(1, Math.round(turns / unit.turns));
  let issued = 0;
  const deadline = Date.now() + MAX_ROW_SECONDS * 1000;
  const seconds = await runLanes(
    concurrency,
    () => issued++ < units && Date.now() < deadline,
    (lane) => unit.run(lane, latencies, failures, notes),
  );
  // The bot's own CPU (user + system) per answered turn, the sends its outbox made meanwhile included.
  const cpuMsPerTurn = (cpuMs(client.bot.pid) - cpuBefore) / Math.max(1, latencies.length);
  return { summary: { ...summarise(latencies, seconds, failures.n), cpuMsPerTurn }, notes };
}

/**
 * At one conversation the row's turns and echo turns alternate (a unit of each in turn), so that
 * both meet the machine in the same state: measured one after the other, a minute apart, their
 * ratio moved by ±30 % from run to run on these shared machines.
 */
async function measurePaired(
  workload: Workload,
  client: Client,
  fx: Fixtures,
  laneState: Map<string, any>,
  echo: EchoBaseline,
  turns: number,
): Promise<{ summary: Summary & { cpuMsPerTurn: number }; notes: Map<string, number>; beside: Summary }> {
  const unit = workloadUnit(workload, client, fx, laneState);
  const echoUnit = echo.unit();
  const cpuBefore = cpuMs(client.bot.pid);
  const latencies: number[] = [];
  const echoLatencies: number[] = [];
  const failures = { n: 0 };
  const echoFailures = { n: 0 };
  const notes = new Map<string, number>();
  let seconds = 0;
  let echoSeconds = 0;
  const units = Math.max(1, Math.round(turns / unit.turns));
  const deadline = Date.now() + MAX_ROW_SECONDS * 1000;
  for (let i = 0; i < units && Date.now() < deadline; i++) {
    let t0 = performance.now();
    await unit.run(0, latencies, failures, notes);
    seconds += (performance.now() - t0) / 1000;
    t0 = performance.now();
    for (let k = 0; k < unit.turns; k++) await echoUnit.run(0, echoLatencies, echoFailures, new Map());
    echoSeconds += (performance.now() - t0) / 1000;
  }
  // The bot idles during the echo turns (but for its outbox's sends, which it counts anyway).
  const cpuMsPerTurn = (cpuMs(client.bot.pid) - cpuBefore) / Math.max(1, latencies.length);
  return { summary: { ...summarise(latencies, seconds, failures.n), cpuMsPerTurn }, notes, beside: summarise(echoLatencies, echoSeconds, echoFailures.n) };
}

async function warmUp(workload: Workload, client: Client, fx: Fixtures, laneState: Map<string, any>): Promise<void> {
  const unit = workloadUnit(workload, client, fx, laneState);
  const failures = { n: 0 };
  let issued = 0;
  // At the highest concurrency, so that every connection exists and the code is compiled.
  const lanes = Math.max(64, ...CONCURRENCY);
  const units = workload === "dialog" ? lanes : lanes * 3;
  await runLanes(
    lanes,
    () => issued++ < units,
    (lane) => unit.run(lane, [], failures, new Map()),
  );
}

function describe(workload: Workload, notes: Map<string, number>): string {
  if (workload === "statusRef" || workload === "statusName") {
    const cards = notes.get("card") ?? 0;
    const texts = notes.get("text") ?? 0;
    return cards >= texts ? "status card" : "text reply (no status card)";
  }
  if (workload === "triage") return `card ${Math.round((notes.get("bytes") ?? 0) / 1024)} KB`;
  const failures = [...notes].filter(([k]) => k.startsWith("failed: ")).map(([k, n]) => `${k.slice(8)} ×${n}`);
  const base = workload === "dialog" ? `${notes.get("confirmed") ?? 0} reports` : "";
  return [base, ...failures].filter(Boolean).join("; ");
}

// ---------------------------------------------------------------------------------------------

/**
 * The echo baseline, measured again beside every row: the speed of these shared machines drifts
 * by a third within a run (aide, which reads no case, once "grew" by 37 % from 1,000 to 100,000
 * cases), so each row is compared with echo turns of the same minute.
 */
class EchoBaseline {
  private constructor(
    private readonly proc: Proc,
    private readonly client: Client,
    private readonly fx: Fixtures,
    private readonly laneState: Map<string, any>,
  ) {}

  static async start(connector: LeanConnector): Promise<EchoBaseline> {
    const proc = await startProcess("echo", "dist/bench/echo-bot.js", { LOG_LEVEL: "silent" });
    const client = new Client(proc, connector, "bench-tenant");
    const staff: Member[] = Array.from({ length: 64 }, (_, i) => ({
      id: `echo-${i}`,
      aadObjectId: `echo-user-${i}`,
      displayName: `Echo ${i}`,
      role: "STAFF",
      tenantId: "bench-tenant",
      schoolId: null,
      districtId: null,
    }));
    const fx: Fixtures = { staff, coordinator: staff[0]!, referents: [], ownCases: new Map(), triage: [], channel: null };
    const echo = new EchoBaseline(proc, client, fx, new Map());
    await warmUp("echo", client, fx, echo.laneState);
    return echo;
  }

  /** One echo turn, as a workload unit (measurePaired). */
  unit(): Unit {
    return workloadUnit("echo", this.client, this.fx, this.laneState);
  }

  async measure(concurrency: number): Promise<Summary & { cpuMsPerTurn: number }> {
    return (await measure("echo", this.client, this.fx, this.laneState, concurrency, turnsAt(concurrency))).summary;
  }

  /** The rows of the table's echo lines for one database run. */
  async rows(kind: Kind): Promise<Row[]> {
    const out: Row[] = [];
    for (const c of CONCURRENCY) {
      const summary = await this.measure(c);
      out.push({ ...summary, workload: "echo", kind, cases: null, concurrency: c, rssMb: peakRssMb(this.proc.pid), load: os.loadavg()[0]! });
      log(`echo c=${c}: ${summary.perSecond.toFixed(0)}/s p50 ${summary.p50.toFixed(2)} ms p99 ${summary.p99.toFixed(2)} ms`);
    }
    return out;
  }

  stop(): Promise<void> {
    return this.proc.stop();
  }
}

/** Variables for diagnostic preloads given with BENCH_NODE_ARGS (memory and SQL logs). */
function diagnosticEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ["MEM_LOG", "SQL_LOG", "SQL_STATS"]) if (process.env[name]) out[name] = process.env[name]!;
  return out;
}

async function benchDatabase(kind: Kind, connector: LeanConnector): Promise<void> {
  const scales = SCALES.filter((scale) => workloadsAt(kind, scale).length > 0);
  for (const scale of SCALES.filter((x) => !scales.includes(x)))
    log(
      `${kind}: ${scale.toLocaleString("en-US")} cases skipped (above ${LARGE_SCALE.toLocaleString("en-US")}: PostgreSQL only, rows ${LARGE_SCALE_WORKLOADS.join(", ")})`,
    );
  if (scales.length === 0) return;
  const name = KEEP_NAME ?? Date.now().toString(36);
  const schema = `bench_${name}`;
  const dataDir = path.join(os.tmpdir(), `repere-bench-${name}`);
  const dbEnv: Record<string, string> = kind === "postgres" ? { DATABASE_URL: `${POSTGRES_URL}?schema=${schema}` } : { DATA_DIR: dataDir };
  // RETENTION: the filled cases reach a year back; a start on a later day (a kept database) would
  // otherwise anonymise the closed ones while rows are measured. Nothing measured depends on it.
  const botEnv: Record<string, string> = { ...dbEnv, SEED_DEMO: "always", LOG_LEVEL: "warn", RETENTION: "3650", ...diagnosticEnv() };
  const nodeArgs = [
    ...BOT_NODE_ARGS,
    ...(flag("cpu-prof") ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=bot-${kind}-${Date.now()}.cpuprofile`] : []),
  ];
  if (flag("cpu-prof")) mkdirSync(PROFILE_DIR, { recursive: true });
  const openSql = () => (kind === "postgres" ? postgresSql(schema) : embeddedSql(dataDir));
  const drop = async () => {
    if (kind === "postgres") await dropSchema(schema).catch(() => {});
    else rmSync(dataDir, { recursive: true, force: true });
  };
  const forget = KEEP ? () => {} : onInterrupt(drop);
  try {
    log(`${kind}: ${KEEP_NAME ? `database ${KEEP_NAME} (created if missing, migrated, kept)` : "fresh database (migrations + demo académie)"}`);
    const fresh = await startProcess("bot", "dist/main.js", botEnv);
    starts.push({
      kind,
      cases: null,
      coldStartMs: fresh.coldStartMs,
      seedSeconds: null,
      what: KEEP_NAME ? `database ${KEEP_NAME} as found: migrations + demo seed if missing` : "empty database: migrations + demo seed",
    });
    // Its jobs run once at start, the daily retention among them: stopped in the middle, that run
    // would be taken up again by a later start (its lease expired) and anonymise the filled cases
    // while rows are measured.
    await untilIdle(fresh.pid, KEEP_NAME ? 120_000 : 30_000);
    await fresh.stop();

    for (const scale of scales) {
      const sql = await openSql();
      const [{ n: before }] = (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Case"`)) as [{ n: number }];
      const t0 = performance.now();
      await addStaff(sql, BENCH_STAFF, "Bench Staff", "b");
      // An académie with more cases has more teachers reporting them, not teachers with more
      // reports each: one reporting STAFF member per CASES_PER_REPORTER cases.
      await addStaff(sql, Math.ceil(scale / CASES_PER_REPORTER) - BENCH_STAFF, "Reporting Staff", "r");
      const steps: [string, number][] = [];
      const added = await fillCases(sql, scale, {
        year: YEAR,
        perReporter: CASES_PER_REPORTER,
        bulkSession: true,
        onStep: (step, ms) => steps.push([step, ms]),
      });
      const seedSeconds = (performance.now() - t0) / 1000;
      const [{ n: cases }] = (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Case"`)) as [{ n: number }];
      if (added > 0) fills.push({ kind, from: before, to: cases, seconds: seedSeconds, steps });
      if (cases > scale * 1.05)
        log(`${kind}: the kept database already holds ${cases.toLocaleString("en-US")} cases, more than ${scale.toLocaleString("en-US")}: measured as it is`);
      const fx = await loadFixtures(sql);
      await sql.close();
      log(
        `${kind}: ${cases} cases (${added} added in ${seedSeconds.toFixed(1)} s${added > 0 ? `: ${steps.map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)}`).join(", ")}` : ""}); starting the bot`,
      );

      // A fresh echo for each bot process: both answer about as many turns, so V8 has optimised
      // them alike (an echo kept all run long answered in 0.8-1.3 ms at one conversation where a fresh one took 1.5).
      const echo = await EchoBaseline.start(connector);
      const bot = await startProcess(
        "bot",
        "dist/main.js",
        botEnv,
        nodeArgs.map((a) => a.replace(".cpuprofile", `-${scale}.cpuprofile`)),
      );
      starts.push({ kind, cases, coldStartMs: bot.coldStartMs, seedSeconds, what: "existing database" });
      log(`${kind}: cold start ${bot.coldStartMs.toFixed(0)} ms`);
      // The bot's scheduled jobs tick once a second after the start (review reminders; the daily
      // retention if the day's run is not done yet): measured rows are the turns' own cost, not that
      // of a job running beside them.
      await sleep(1500);
      log(`${kind}: bot idle after ${((1500 + (await untilIdle(bot.pid, 120_000))) / 1000).toFixed(1)} s`);
      try {
        const client = new Client(bot, connector, fx.coordinator.tenantId);
        // The coordinators' channel and the référents' chats are known, so that the outbox delivers.
        if (fx.channel) await postJson(`${bot.url}/api/messages`, channelInstallActivity(connector.url, fx.coordinator, fx.channel, fx.coordinator.tenantId));
        for (const r of fx.referents) await client.message(r, personalChat(r), { text: "aide" });
        const laneState = new Map<string, any>([["tag", letters(Date.now() % 100000)]]);
        for (const workload of workloadsAt(kind, scale)) {
          await warmUp(workload, client, fx, laneState);
          await connector.quiet(700, 3000);
          for (const c of CONCURRENCY) {
            const { summary, notes, beside } =
              c === 1
                ? await measurePaired(workload, client, fx, laneState, echo, turnsAt(c))
                : { beside: await echo.measure(c), ...(await measure(workload, client, fx, laneState, c, turnsAt(c))) };
            const row: Row = {
              ...summary,
              workload,
              kind,
              cases,
              concurrency: c,
              rssMb: peakRssMb(bot.pid),
              load: os.loadavg()[0]!,
              note: describe(workload, notes),
              echoP50: beside.p50,
              ratioP50: summary.p50 / beside.p50,
              ratioRate: summary.perSecond / beside.perSecond,
            };
            rows.push(row);
            if (bot.child.exitCode !== null || bot.child.signalCode !== null)
              throw new Error(`the bot stopped during ${workload}:\n${bot.output().slice(-3000)}`);
            log(
              `${kind} ${cases} ${workload} c=${c}: ${summary.turns} turns ${summary.perSecond.toFixed(0)}/s p50 ${summary.p50.toFixed(1)} p95 ${summary.p95.toFixed(1)} p99 ${summary.p99.toFixed(1)} ms, errors ${summary.errors}, RSS ${row.rssMb} MB ${row.note ?? ""}`,
            );
            // The sends that the turns queued (channel posts, notifications) go out in the background,
            // at most 7 a second per conversation as Teams allows; wait a little, not for all of them.
            await connector.quiet(700, 3000);
          }
        }
      } finally {
        await echo.stop();
        const rss = peakRssMb(bot.pid);
        await bot.stop();
        log(`${kind}: bot stopped; peak RSS ${rss} MB`);
        if (bot.output().trim()) log(`${kind} bot output (tail):\n${bot.output().slice(-2000)}`);
      }
    }
  } finally {
    forget();
    if (!KEEP) await drop();
    else log(`kept ${kind === "postgres" ? `schema ${schema}` : dataDir}${KEEP_NAME ? ` (--keep=${KEEP_NAME} uses it again)` : ""}`);
  }
}

// ---------------------------------------------------------------------------------------------

const fmt = (n: number | null | undefined, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? "–" : n.toFixed(digits));

/** The commit measured, so that before/after summaries say what they compare. */
function sourceVersion(): string {
  try {
    const head = execFileSync("git", ["log", "-1", "--format=%h %s"], { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: ROOT, encoding: "utf8" }).trim() !== "";
    return ` on commit ${head}${dirty ? " (with uncommitted changes)" : ""}`;
  } catch {
    return "";
  }
}

function markdown(cpuModel: string): string {
  const lines: string[] = [];
  lines.push(`# Repère benchmark`, "");
  lines.push(
    `${new Date().toISOString()} · ${os.cpus().length} CPUs (${cpuModel}) · Node ${process.version} · ${os.platform()} ${os.release()}${QUICK ? " · --quick" : ""}`,
    "",
  );
  lines.push(`Command: \`npm run bench${args.length ? ` -- ${args.join(" ")}` : ""}\`${sourceVersion()}.`, "");
  if (rows.length > 0) {
    lines.push(
      `Bot started as \`node --disable-warning=DEP0111 ${BOT_NODE_ARGS.filter((a) => !a.includes("/tmp/")).join(" ")} dist/main.js\` (flags of \`npm run start:prod\`${option("bot-node-args") ? ` plus \`${option("bot-node-args")}\`` : ""}); baseline \`node dist/bench/echo-bot.js\`.`,
      "",
    );
    lines.push(
      "Latencies are per HTTP turn (POST /api/messages until the bot's answer, its replies delivered to a fake connector on loopback), on connections opened before the row (bench/README.md: Node accepts one new connection per event-loop turn). Ratios compare with the echo baseline at the same concurrency (echo p50 beside; the machine's speed drifts during a run, so each row is compared with echo turns of the same moment): at 1 conversation echo turns alternate with the row's turns, at 16 and 64 the echo is measured just before the row: p50 ratio (higher = slower) and throughput ratio (lower = slower). The echo lines at the top of each database are the first of these measures. Peak RSS: VmHWM of the bot process at the end of the row (it is a high-water mark since that process started). PostgreSQL 15 on the same machine; the embedded database runs inside the bot process, so its RSS includes it. Bot CPU: user + system time of the bot process during the row per turn (10 ms ticks of /proc; for Repère it includes the Teams sends its outbox made meanwhile). Load avg: the machine's 1-minute load average at the end of the row (the bench alone keeps it near 2; more means other work shared the 2 CPUs and the row is slower for it).",
      "",
    );
    lines.push(
      "| workload | database | cases | conc. | turns | turns/s | p50 ms | p95 ms | p99 ms | echo p50 ms beside | p50 × echo | turns/s × echo | bot CPU ms/turn | peak RSS MB | errors | load avg | note |",
    );
    lines.push("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (const r of rows) {
      lines.push(
        `| ${WORKLOAD_LABEL[r.workload]} | ${r.kind} | ${r.cases?.toLocaleString("en-US") ?? "–"} | ${r.concurrency} | ${r.turns} | ${fmt(r.perSecond, 0)} | ${fmt(r.p50, 2)} | ${fmt(r.p95, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.echoP50, 2)} | ${fmt(r.ratioP50, 2)} | ${fmt(r.ratioRate, 2)} | ${fmt(r.cpuMsPerTurn, 1)} | ${r.rssMb ?? "–"} | ${r.errors} | ${fmt(r.load, 1)} | ${r.note ?? ""} |`,
      );
    }
    lines.push("", "## Cold start (from `node` to a healthy `/healthz`)", "");
    lines.push("| database | cases | cold start ms | what | seeding by SQL before it, s |");
    lines.push("|---|---:|---:|---|---:|");
    for (const s of starts)
      lines.push(`| ${s.kind} | ${s.cases?.toLocaleString("en-US") ?? "–"} | ${fmt(s.coldStartMs, 0)} | ${s.what} | ${fmt(s.seedSeconds, 1)} |`);
  }
  if (fills.length > 0) {
    lines.push("", "## Fills (INSERT … SELECT generate_series, then VACUUM ANALYZE; test/helpers/case-fill.ts)", "");
    lines.push("| database | cases before | cases after | seconds | cases/s | slowest statements, s |");
    lines.push("|---|---:|---:|---:|---:|---|");
    for (const f of fills) {
      const slowest = [...f.steps]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)}`)
        .join(", ");
      lines.push(
        `| ${f.kind} | ${f.from.toLocaleString("en-US")} | ${f.to.toLocaleString("en-US")} | ${fmt(f.seconds, 1)} | ${fmt((f.to - f.from) / f.seconds, 0)} | ${slowest} |`,
      );
    }
  }
  if (measures.length > 0) {
    lines.push("", "## Service measures (bench/measures.ts: in this process, a fresh PostgreSQL schema each)", "");
    lines.push("| measure | figures | target | load avg |");
    lines.push("|---|---|---|---:|");
    for (const m of measures) lines.push(`| ${m.measure} | ${m.figures} | ${m.pass ? "PASS" : "MISS"} ${m.target} | ${fmt(m.load, 1)} |`);
  }
  lines.push("", "## Targets", "");
  for (const line of targets()) lines.push(`- ${line}`);
  for (const m of measures) lines.push(`- ${m.pass ? "PASS" : "MISS"} ${m.measure}: ${m.figures} (target: ${m.target})`);
  lines.push("");
  return lines.join("\n");
}

function targets(): string[] {
  const out: string[] = [];
  const data = rows.filter((r) => r.workload !== "echo");
  for (const kind of KINDS) {
    const k = data.filter((r) => r.kind === kind);
    if (k.length === 0) continue;
    for (const w of ["statusRef", "statusName"] as Workload[]) {
      for (const r of k.filter((x) => x.workload === w && x.concurrency === 1)) {
        out.push(
          `${r.ratioP50 !== undefined && r.ratioP50 <= 2 ? "PASS" : "MISS"} ${kind} ${r.cases} cases ${WORKLOAD_LABEL[w]} p50 at concurrency 1 = ${fmt(r.ratioP50, 2)} × echo (target ≤ 2)${r.note?.startsWith("text") ? " — status queries not answered yet: measured the fallback reply" : ""}`,
        );
      }
    }
    // Judged on the p50 relative to the echo beside each row (the machine's own drift aside), from
    // the smallest scale to each larger one measured.
    const lo = Math.min(...SCALES);
    for (const hi of SCALES.filter((x) => x > lo).sort((a, b) => a - b)) {
      for (const w of WORKLOADS) {
        for (const c of CONCURRENCY) {
          const near = (r: Row, scale: number) => r.workload === w && r.concurrency === c && r.cases !== null && Math.abs(r.cases - scale) / scale < 0.5;
          const a = k.find((r) => near(r, lo));
          const b = k.find((r) => near(r, hi));
          if (!a || !b) continue;
          const pct = (g: number) => `${g >= 0 ? "+" : ""}${(g * 100).toFixed(0)} %`;
          const growth = b.p50 / a.p50 - 1;
          const relative = a.ratioP50 !== undefined && b.ratioP50 !== undefined ? b.ratioP50 / a.ratioP50 - 1 : growth;
          out.push(
            `${relative <= 0.2 ? "PASS" : "MISS"} ${kind} ${WORKLOAD_LABEL[w]} c=${c}: from ${a.cases!.toLocaleString("en-US")} to ${b.cases!.toLocaleString("en-US")} cases p50 × echo ${fmt(a.ratioP50, 2)} → ${fmt(b.ratioP50, 2)} (${pct(relative)}, target ≤ +20 %); p50 ${fmt(a.p50, 2)} → ${fmt(b.p50, 2)} ms (${pct(growth)})`,
          );
        }
      }
    }
    for (const r of k.filter((x) => x.concurrency === 64 && ["aide", "statusRef", "statusName", "triage"].includes(x.workload))) {
      out.push(
        `${r.p99 < 250 ? "PASS" : "MISS"} ${kind} ${r.cases} cases ${WORKLOAD_LABEL[r.workload]} at 64 conversations: p99 ${fmt(r.p99, 1)} ms (target < 250)`,
      );
    }
    const peak = Math.max(...k.map((r) => r.rssMb ?? 0));
    out.push(
      `${kind === "postgres" ? (peak < 250 ? "PASS" : "MISS") : "INFO"} ${kind}: peak RSS ${peak} MB${kind === "postgres" ? " (target < 250)" : " (embedded, reported beside the PostgreSQL figure)"}`,
    );
  }
  return out;
}

async function main(): Promise<void> {
  if (KINDS.length > 0)
    for (const f of ["dist/main.js", "dist/bench/echo-bot.js"])
      if (!existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing: run npm run bench from the root (it builds them)`);
  const connector = await new LeanConnector().start();
  const cpuModel = os.cpus()[0]?.model.trim() ?? "";
  try {
    for (const kind of KINDS) {
      log(`${kind}: echo baseline`);
      const echo = await EchoBaseline.start(connector);
      try {
        rows.push(...(await echo.rows(kind)));
      } finally {
        await echo.stop();
      }
      await benchDatabase(kind, connector);
      await sleep(200);
    }
  } finally {
    await connector.stop();
  }
  // Loaded only when asked for: they bring the bot's services into this process.
  if (PARTS.includes("stats")) {
    const { measureStatistics } = await import("./measures.js");
    measures.push(...(await measureStatistics(100_000, (...a) => log(...a))));
  }
  if (PARTS.includes("import")) {
    const { measureImport } = await import("./measures.js");
    measures.push(...(await measureImport(10_000, (...a) => log(...a))));
  }
  if (PARTS.includes("people")) {
    const { measurePeopleImport } = await import("./measures.js");
    measures.push(...(await measurePeopleImport(5_000, (...a) => log(...a))));
  }
  if (PARTS.includes("tab")) {
    const { measureTabFirstPage } = await import("./measures.js");
    measures.push(...(await measureTabFirstPage(100_000, 30, (...a) => log(...a))));
  }
  if (PARTS.includes("directory")) {
    const { measureDirectory } = await import("./measures.js");
    measures.push(...(await measureDirectory(1_500, (...a) => log(...a))));
  }
  const md = markdown(cpuModel);
  console.log(md);
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, md);
  // The raw figures, for whoever wants to compare runs by script; git ignores them (.gitignore).
  writeFileSync(
    OUT.replace(/\.md$/, ".json"),
    JSON.stringify(
      { date: new Date().toISOString(), args, cpus: os.cpus().length, cpuModel, node: process.version, quick: QUICK, rows, starts, fills, measures },
      null,
      2,
    ),
  );
  log(`written ${path.relative(ROOT, OUT)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
