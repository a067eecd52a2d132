// `npm run loadtest` (issue #9, reliability and scale-out): two bot instances (`node dist/main.js`)
// on one fresh PostgreSQL schema, a fake Teams connector on loopback, and 200 simulated STAFF
// members at once, each sending « aide », filling a whole report (signaler → pupil → signals →
// steps → confirm, pressing the cards' buttons with the cards' inputs) and asking « mes
// signalements » and « statut <their reference> », every turn sent to one instance or the other at
// random. Then it checks: no HTTP status >= 500, every user's report confirmed, each confirmed
// reference exactly once in the Case table and as many cases as confirmations, and the outbox
// drained by the instances' workers (no PENDING, no FAILED row). Exit code 1 when a check fails.
//
// The summary is printed and written to bench/results/load-latest.md (--out=… elsewhere).
//
// Options: --users=200, --keep (leave the schema), --timeout=240 (seconds for the whole run),
// --bot-node-args=… (added to the node flags of `npm run start:prod`), --out=<file.md>.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { channelInstallActivity, personalChatId, personalMessage } from "../test/helpers/activities.js";
import { cardText, submitValue } from "../test/helpers/cards.js";
import { addStaff, letters } from "../test/helpers/case-fill.js";
import { POSTGRES_URL, dropSchema } from "../test/helpers/database.js";
import {
  ROOT,
  LeanConnector,
  onInterrupt,
  botNodeArgs,
  members,
  peakRssMb,
  percentile,
  postJson,
  postgresSql,
  sleep,
  startProcess,
  staleSocketRetries,
  type Member,
  type Proc,
} from "./lib.js";

const args = process.argv.slice(2);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const USERS = Number(option("users") ?? 200);
const TIMEOUT_S = Number(option("timeout") ?? 240);
const KEEP = args.includes("--keep");
const NODE_ARGS = botNodeArgs(option("bot-node-args"));
const OUT = path.resolve(ROOT, option("out") ?? "bench/results/load-latest.md");
const YEAR = new Date().getFullYear();

const log = (...a: unknown[]) => console.error(`[load ${new Date().toISOString().slice(11, 19)}]`, ...a);

type TurnRecord = { instance: number; status: number; ms: number; what: string; error?: string; retried?: boolean };

async function main(): Promise<number> {
  const schema = `load_${Date.now().toString(36)}`;
  const env = { DATABASE_URL: `${POSTGRES_URL}?schema=${schema}`, SEED_DEMO: "always", LOG_LEVEL: "warn" };
  const connector = await new LeanConnector().start();
  const instances: Proc[] = [];
  const forget = KEEP ? () => {} : onInterrupt(() => dropSchema(schema));
  const watchdog = setTimeout(() => {
    console.error(`load test: still running after ${TIMEOUT_S} s, giving up`);
    process.kill(process.pid, "SIGTERM"); // stops the instances and drops the schema, exit code 130
  }, TIMEOUT_S * 1000);
  watchdog.unref();
  try {
    // Instance A migrates and seeds; the extra reporters go in before B starts and before the load.
    instances.push(await startProcess("bot-a", "dist/main.js", env, NODE_ARGS));
    const sql = await postgresSql(schema);
    await addStaff(sql, Math.max(0, USERS - 2), "Load Staff", "l");
    instances.push(await startProcess("bot-b", "dist/main.js", env, NODE_ARGS));
    const all = await members(sql);
    const users = [
      ...all.filter((m) => m.displayName === "Claire Martin" || m.displayName === "Thomas Girard"),
      ...all.filter((m) => m.displayName.startsWith("Load Staff")),
    ].slice(0, USERS);
    if (users.length < USERS) throw new Error(`only ${users.length} STAFF members`);
    const sophie = all.find((m) => m.displayName === "Sophie Laurent")!;
    const tenantId = sophie.tenantId;
    const [channel] = await sql.query<{ teamId: string; channelId: string }>(`SELECT "teamId", "channelId" FROM "RoutingChannel" WHERE "districtId" = $1`, [
      sophie.districtId,
    ]);
    log(`two instances up (${instances.map((p) => `${p.url}, cold start ${p.coldStartMs.toFixed(0)} ms`).join("; ")}); ${users.length} users`);

    const turns: TurnRecord[] = [];
    const pick = () => Math.floor(Math.random() * instances.length);
    const send = async (activity: Record<string, unknown>, what: string) => {
      const instance = pick();
      const r = await postJson(`${instances[instance]!.url}/api/messages`, activity, 30_000);
      turns.push({ instance, status: r.status, ms: r.ms, what, ...(r.error ? { error: r.error } : {}), ...(r.retried ? { retried: true } : {}) });
      return r;
    };

    // The coordinators' channel and the référents' chats are known (as once the app is installed),
    // so that the routed sends have somewhere to go.
    if (channel) await send(channelInstallActivity(connector.url, sophie, channel, tenantId), "install");
    for (const r of all.filter((m) => m.role === "REFERENT")) await send(personalMessage(connector.url, r, { text: "aide", tenantId }), "aide");

    const confirmations: { user: string; reference: string }[] = [];
    const problems: string[] = [];
    const tag = letters(Date.now() % 1_000_000);

    const simulate = async (who: Member, i: number) => {
      const conversation = personalChatId(who);
      const turn = async (content: { text?: string; value?: unknown }, what: string) => {
        const before = connector.count(conversation);
        const r = await send(personalMessage(connector.url, who, { ...content, tenantId, conversationId: conversation }), what);
        const sent = connector.since(conversation, before);
        return { status: r.status, card: [...sent].reverse().find((s) => s.card)?.card as unknown, texts: sent.flatMap((s) => (s.text ? [s.text] : [])) };
      };
      const fail = (what: string) => problems.push(`${who.displayName}: ${what}`);
      await sleep(Math.random() * 200); // users do not all press Enter in the same millisecond
      const help = await turn({ text: "aide" }, "aide");
      if (!help.card) fail("no help card");

      const pupil = await turn({ text: "signaler" }, "signaler");
      const pupilValue =
        pupil.card &&
        submitValue(pupil.card, "Suivant", { lastName: `Charge${tag}`, firstName: `Eleve${letters(i)}`, className: "2nde 3", birthYear: String(YEAR - 16) });
      if (!pupilValue) return fail(`no pupil card (HTTP ${pupil.status})`);
      const signals = await turn({ value: pupilValue }, "report.pupil");
      const signalsValue =
        signals.card && submitValue(signals.card, "Suivant", { signal_UNJUSTIFIED_ABSENCES: "true", absenceHalfDays: "5", signal_WORK_NOT_DONE: "true" });
      if (!signalsValue) return fail(`no signals card (HTTP ${signals.status}) ${signals.texts.join(" ")}`);
      const notes = await turn({ value: signalsValue }, "report.signals");
      const notesValue = notes.card && submitValue(notes.card, "Suivant", { note_WORK_NOT_DONE: "Aucun devoir rendu depuis trois semaines" });
      if (!notesValue) return fail(`no notes card (HTTP ${notes.status}) ${notes.texts.join(" ")}`);
      const steps = await turn({ value: notesValue }, "report.notes");
      const stepsValue =
        steps.card && submitValue(steps.card, "Voir le récapitulatif", { urgency: String(1 + (i % 3)), stepsTaken: "FAMILY_CONTACTED,INTERVIEW_PP_CPE" });
      if (!stepsValue) return fail(`no steps card (HTTP ${steps.status}) ${steps.texts.join(" ")}`);
      const summary = await turn({ value: stepsValue }, "report.steps");
      const summaryValue = summary.card && submitValue(summary.card, "Envoyer le signalement");
      if (!summaryValue) return fail(`no summary card (HTTP ${summary.status}) ${summary.texts.join(" ")}`);
      const confirmed = await turn({ value: summaryValue }, "report.confirm");
      const reference = confirmed.card ? /D-\d{4}-\d+/.exec(cardText(confirmed.card))?.[0] : undefined;
      if (!reference) return fail(`not confirmed (HTTP ${confirmed.status}) ${confirmed.texts.join(" ")}`);
      confirmations.push({ user: who.displayName, reference });

      const mine = await turn({ text: "mes signalements" }, "mes signalements");
      if (!mine.card && mine.texts.length === 0) fail("no answer to « mes signalements »");
      const status = await turn({ text: `statut ${reference}` }, "statut");
      if (!status.card && status.texts.length === 0) fail("no answer to « statut »");
    };

    log(`load: ${users.length} users at once`);
    const started = performance.now();
    await Promise.all(users.map((u, i) => simulate(u, i).catch((err: Error) => problems.push(`${u.displayName}: ${err.message}`))));
    const seconds = (performance.now() - started) / 1000;
    log(`load done in ${seconds.toFixed(1)} s; waiting for the outbox`);

    // The instances' workers deliver the routed cards (at Teams' pace: 8 sends in 2 s, 60 in 30 s per channel).
    const outbox = async () => {
      const rows = await sql.query<{ status: string; n: number }>(`SELECT status::text AS status, count(*)::int AS n FROM "OutboxMessage" GROUP BY status`);
      return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>;
    };
    const drainStarted = performance.now();
    let box = await outbox();
    while ((box.PENDING ?? 0) > 0 && performance.now() - drainStarted < 120_000) {
      await sleep(500);
      box = await outbox();
    }
    const drainSeconds = (performance.now() - drainStarted) / 1000;

    const references = confirmations.map((c) => c.reference);
    const counted = await sql.query<{ reference: string; n: number }>(
      `SELECT reference, count(*)::int AS n FROM "Case" WHERE reference = ANY($1::text[]) GROUP BY reference`,
      [references],
    );
    const [{ cases }] = (await sql.query<{ cases: number }>(`SELECT count(*)::int AS cases FROM "Case"`)) as [{ cases: number }];
    const [{ reports }] = (await sql.query<{ reports: number }>(`SELECT count(*)::int AS reports FROM "Report"`)) as [{ reports: number }];
    await sql.close();

    const measured = turns.filter((t) => t.what !== "install");
    const latencies = measured.map((t) => t.ms).sort((a, b) => a - b);
    const server5xx = turns.filter((t) => t.status >= 500).length;
    const noAnswer = turns.filter((t) => t.status === 0).length;
    const perInstance = instances.map((_, k) => turns.filter((t) => t.instance === k).length);
    const checks: [string, boolean][] = [
      [`no HTTP status >= 500 (got ${server5xx}) and no request without an answer (got ${noAnswer})`, server5xx === 0 && noAnswer === 0],
      [`every user's report confirmed (${confirmations.length} / ${users.length})`, confirmations.length === users.length],
      [`confirmed references all different (${new Set(references).size} / ${references.length})`, new Set(references).size === references.length],
      [
        `each confirmed reference exactly once in Case (${counted.filter((c) => c.n === 1).length} / ${references.length})`,
        counted.length === references.length && counted.every((c) => c.n === 1),
      ],
      [
        `as many cases as confirmations (${cases} cases, ${reports} reports, ${confirmations.length} confirmations)`,
        cases === confirmations.length && reports === confirmations.length,
      ],
      [`outbox drained: no PENDING row (${box.PENDING ?? 0}) after ${drainSeconds.toFixed(1)} s`, (box.PENDING ?? 0) === 0],
      [`no FAILED outbox row (${box.FAILED ?? 0})`, (box.FAILED ?? 0) === 0],
      [`no simulated user saw a problem (${problems.length})`, problems.length === 0],
    ];

    const retried = turns.filter((t) => t.retried).length;
    const rss = instances.map((p) => peakRssMb(p.pid));
    const row = (what: string, l: number[]) =>
      `| ${what} | ${l.length} | ${percentile(l, 50).toFixed(0)} | ${percentile(l, 95).toFixed(0)} | ${percentile(l, 99).toFixed(0)} | ${(l.at(-1) ?? 0).toFixed(0)} |`;
    const command = `npm run loadtest${args.length ? ` -- ${args.join(" ")}` : ""}`;
    const passed = checks.filter(([, ok]) => ok).length;
    const lines = [
      "# Repère load test",
      "",
      `${new Date().toISOString()} · ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? ""}) · Node ${process.version} · ${os.platform()} ${os.release()}`,
      "",
      `Command: \`${command}\`. ${users.length} users at once, 2 instances (\`node --disable-warning=DEP0111 ${[...NODE_ARGS, "dist/main.js"].join(" ")}\`) on one PostgreSQL schema (${schema}, dropped afterwards), each turn sent to either instance at random.`,
      "",
      `- **${passed} / ${checks.length} checks passed**`,
      `- turns: ${measured.length} (${perInstance.join(" + ")} per instance) in ${seconds.toFixed(1)} s = ${(measured.length / seconds).toFixed(0)} turns/s`,
      `- latency: p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${(latencies.at(-1) ?? 0).toFixed(0)} ms`,
      `- errors: HTTP 5xx ${server5xx}, no answer ${noAnswer}, other non-2xx ${turns.filter((t) => t.status >= 300 && t.status < 500).length}; requests sent again on a fresh socket after the server closed an idle kept-alive one: ${retried}`,
      `- cases ${cases}, reports ${reports}, confirmations ${confirmations.length}`,
      `- outbox ${JSON.stringify(box)} (drained ${drainSeconds.toFixed(1)} s after the load); the connector got ${connector.replies} replies, ${connector.proactivePosts} proactive posts, ${connector.updates} updates`,
      `- cold starts ${instances.map((p) => `${p.coldStartMs.toFixed(0)} ms`).join(", ")}; peak RSS ${rss.map((r) => `${r} MB`).join(", ")}`,
      "",
      "| turn | count | p50 ms | p95 ms | p99 ms | max ms |",
      "|---|---:|---:|---:|---:|---:|",
      row("all", latencies),
      ...[...new Set(measured.map((t) => t.what))].map((what) =>
        row(
          what,
          measured
            .filter((t) => t.what === what)
            .map((t) => t.ms)
            .sort((a, b) => a - b),
        ),
      ),
      "",
      "## Checks",
      "",
      ...checks.map(([what, ok]) => `- ${ok ? "PASS" : "FAIL"} ${what}`),
      ...turns
        .filter((t) => t.status === 0)
        .slice(0, 10)
        .map((t) => `  - no answer: ${t.what} on instance ${t.instance} after ${t.ms.toFixed(0)} ms (${t.error ?? "?"})`),
      ...problems.slice(0, 20).map((p) => `  - problem: ${p}`),
      "",
    ];
    const md = lines.join("\n");
    console.log(md);
    mkdirSync(path.dirname(OUT), { recursive: true });
    writeFileSync(OUT, md);
    log(`written to ${path.relative(ROOT, OUT)}${staleSocketRetries ? ` (${staleSocketRetries} stale-socket retries)` : ""}`);
    for (const p of instances) {
      const out = p.output().trim();
      if (out) log(`${p.name} output (tail):\n${out.slice(-1500)}`);
    }
    return checks.every(([, ok]) => ok) ? 0 : 1;
  } finally {
    await Promise.all(instances.map((p) => p.stop()));
    await connector.stop();
    forget();
    if (!KEEP) await dropSchema(schema).catch(() => {});
    else log(`kept schema ${schema}`);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
