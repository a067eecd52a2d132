// `npm run bench:start`: how long `npm start`'s command takes to print the ready line, on the embedded
// default: a first start (a fresh data directory: the database is created from the template,
// migrated and seeded) and warm starts (the same directory again), for the bundled server that
// `npm start` runs and for the sources through tsx (what `npm run dev` and the tests run).
// Writes bench/results/start-time.md. Targets (issue 29): first < 6 s, warm < 3 s on a quiet machine.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.env.START_RUNS ?? 5);
const port = Number(process.env.START_PORT ?? 4610);

const variants = {
  bundle: ["--disable-warning=DEP0111", "--max-old-space-size=160", "--enable-source-maps", "node_modules/.cache/repere/server/main.mjs"],
  tsx: ["--disable-warning=DEP0111", "--max-old-space-size=160", "--import", "tsx", "src/main.ts"],
} as const;

/** Milliseconds from spawning node to the ready line on its output. */
function timeToReady(args: readonly string[], dataDir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_FORMAT: "json", DATABASE_URL: "", SEED_DEMO: "auto" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no ready line within 60 s:\n${out}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("Repère is ready at")) {
        const ms = performance.now() - started;
        clearTimeout(timer);
        child.once("exit", () => resolve(ms));
        child.kill("SIGTERM");
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (ms: number) => (ms / 1000).toFixed(2);

execFileSync(process.execPath, ["scripts/build-server.mjs", "--quiet"], { cwd: root, stdio: "inherit" });
const rows: string[] = [];
for (const [name, args] of Object.entries(variants)) {
  const first: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "repere-start-"));
    try {
      first.push(await timeToReady(args, dir));
      warm.push(await timeToReady(args, dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const line = `| ${name} | ${seconds(median(first))} (${first.map(seconds).join(", ")}) | ${seconds(median(warm))} (${warm.map(seconds).join(", ")}) |`;
  console.log(line);
  rows.push(line);
}
const load = os.loadavg()[0]!.toFixed(2);
writeFileSync(
  path.join(root, "bench/results/start-time.md"),
  [
    "# Time to the ready line (embedded default)",
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench:start\` (${runs} runs each, ${os.cpus().length} cores, Node ${process.version}, load average ${load} at the end).`,
    "Seconds from spawning node to « Repère is ready at … »; median (each run).",
    "",
    "| server | first start (new data directory) | warm start |",
    "| --- | --- | --- |",
    ...rows,
    "",
  ].join("\n"),
);
