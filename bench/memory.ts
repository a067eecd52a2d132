// `npm run bench:memory` (issue 29): resident memory of the embedded default, the way `npm start`
// runs it (the bundled sources, PGlite inside the bot process): at start, after 5,000 chat turns from the demo
// people, and after a 10,000-row import preview sent as a file in Teams. Writes
// bench/results/memory-embedded.md. Options: --turns=N, --rows=N, --keep (leave the data dir).
import { execFileSync } from "node:child_process";
import http from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { personalMessage } from "../test/helpers/activities.js";
import { csvBytes, generatedList } from "../test/helpers/import-files.js";
import { DEMO_PEOPLE } from "../src/store/demo-seed.js";
import { FILE_DOWNLOAD_INFO } from "../src/teams/imports/import-handler.js";
import { EMBEDDED_SHARED_BUFFERS } from "../src/store/pglite-template.js";
import { LeanConnector, ROOT, onInterrupt, postJson, runLanes, startProcess, untilIdle } from "./lib.js";

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const TURNS = arg("turns", 5000);
const ROWS = arg("rows", 10_000);
const TARGET_MB = 450;

function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: Math.round(kb("VmRSS") / 1024), peak: Math.round(kb("VmHWM") / 1024) };
}

const person = (name: string) => {
  const p = DEMO_PEOPLE.find((d) => d.displayName === name)!;
  return { aadObjectId: p.aadObjectId, displayName: p.displayName };
};
const TEXTS: Array<[string, string]> = [
  ["Claire Martin", "aide"],
  ["Claire Martin", "mes signalements"],
  ["Karim Benali", "à traiter"],
  ["Karim Benali", "en retard"],
  ["Sophie Laurent", "à traiter"],
  ["Sophie Laurent", "statut D-2026-0001"],
  ["Nathalie Roux", "aide"],
  ["Inès Moreau", "mes signalements"],
];

const dataDir = mkdtempSync(path.join(os.tmpdir(), "repere-memory-"));
const connector = await new LeanConnector().start();
const files = new Map<string, Uint8Array>();
const fileHost = http.createServer((req, res) => {
  const body = files.get(req.url ?? "");
  res.writeHead(body ? 200 : 404, { "content-type": "text/csv" });
  res.end(body ?? "");
});
await new Promise<void>((r) => fileHost.listen(0, "127.0.0.1", r));
const fileUrl = `http://127.0.0.1:${(fileHost.address() as AddressInfo).port}`;

// The node flags of `npm start` itself (the package's "start" script), so that what is measured is what runs.
const startScript = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.start!;
const startTokens = startScript.split(/\s+/);
const nodeArgs = startTokens.filter((t) => t.startsWith("--") && !t.startsWith("--disable-warning"));
const entry = startTokens.at(-1)!;
// `prestart` builds the bundle `npm start` runs (scripts/build-server.mjs): built here the same way.
execFileSync(process.execPath, ["scripts/build-server.mjs", "--quiet"], { cwd: ROOT, stdio: "inherit" });
const started = Date.now();
const bot = await startProcess("bot", entry, { DATA_DIR: dataDir, IMPORT_DOWNLOAD_ALLOW_LOOPBACK: "true", LOG_LEVEL: "warn" }, nodeArgs);
const stopAll = async () => {
  await bot.stop();
  await connector.stop();
  fileHost.close();
  if (!process.argv.includes("--keep")) rmSync(dataDir, { recursive: true, force: true });
};
const offInterrupt = onInterrupt(stopAll);
await untilIdle(bot.pid);
const atStart = memoryMb(bot.pid);
console.log(`ready in ${bot.coldStartMs.toFixed(0)} ms; RSS ${atStart.rss} MB (peak ${atStart.peak})`);

let next = 0;
let errors = 0;
await runLanes(
  4,
  () => next < TURNS,
  async () => {
    const [name, text] = TEXTS[next++ % TEXTS.length]!;
    const r = await postJson(`${bot.url}/api/messages`, personalMessage(connector.url, person(name), { text }));
    if (r.status >= 300) errors++;
  },
);
await connector.quiet();
const afterTurns = memoryMb(bot.pid);
console.log(`${TURNS} turns (${errors} errors): RSS ${afterTurns.rss} MB (peak ${afterTurns.peak})`);

const csv = csvBytes(generatedList(ROWS, ["0690001B", "0690002C", "0690003D", "0690004E"]));
files.set("/sieu.csv", csv);
const upload = personalMessage(connector.url, person("Sophie Laurent"), {});
upload.attachments = [
  {
    contentType: FILE_DOWNLOAD_INFO,
    contentUrl: "https://contoso.sharepoint.com/personal/siei.csv",
    name: "siei.csv",
    content: { downloadUrl: `${fileUrl}/sieu.csv`, uniqueId: "u-siei", fileType: "csv" },
  },
];
const sophieChat = `a:personal-${person("Sophie Laurent").aadObjectId}`;
const sentBefore = connector.count(sophieChat);
const importResult = await postJson(`${bot.url}/api/messages`, upload, 120_000);
await connector.quiet();
const afterImport = memoryMb(bot.pid);
const previewShown = connector.since(sophieChat, sentBefore).some((s) => JSON.stringify(s.card ?? {}).includes("import.confirm"));
console.log(
  `${ROWS}-row import preview (HTTP ${importResult.status}, card ${previewShown ? "shown" : "missing"}): RSS ${afterImport.rss} MB (peak ${afterImport.peak})`,
);
await stopAll();
offInterrupt();

const verdict = afterImport.peak <= TARGET_MB ? "PASS" : "MISS";
const lines = [
  "# Resident memory of the embedded default (`npm start`)",
  "",
  `${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)} at the end; \`npm run bench:memory\` (bench/memory.ts).`,
  `The bot runs as \`npm start\` runs it (\`node ${nodeArgs.join(" ")} ${entry}\`, the bundled sources, PGlite in the same process, shared_buffers ${EMBEDDED_SHARED_BUFFERS}) on a new data directory with the demo académie.`,
  "",
  "| moment | RSS MB | peak RSS MB (VmHWM) |",
  "|---|---|---|",
  `| ready (after ${bot.coldStartMs.toFixed(0)} ms, then idle) | ${atStart.rss} | ${atStart.peak} |`,
  `| after ${TURNS.toLocaleString("en-US")} turns (${errors} errors) | ${afterTurns.rss} | ${afterTurns.peak} |`,
  `| after a ${ROWS.toLocaleString("en-US")}-row import preview (${(csv.length / 1e6).toFixed(1)} MB CSV) | ${afterImport.rss} | ${afterImport.peak} |`,
  "",
  `${verdict}: peak ${afterImport.peak} MB (target ≤ ${TARGET_MB} MB, bot and database together). Run took ${((Date.now() - started) / 1000).toFixed(0)} s.`,
  "",
];
mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
writeFileSync(path.join(ROOT, "bench/results/memory-embedded.md"), lines.join("\n"));
console.log(lines.join("\n"));
