// Summarises a V8 CPU profile (`node --cpu-prof`, e.g. `npm run bench -- --cpu-prof`): self time
// by package / area and the top functions. Usage: npm run profile -w bench -- <file.cpuprofile> [top]
import { readFileSync } from "node:fs";

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

const file = process.argv[2];
if (!file) {
  console.error("usage: npm run profile -w bench -- <file.cpuprofile> [top]");
  process.exit(2);
}
const top = Number(process.argv[3] ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

function area(url: string, fn: string): string {
  if (!url) return fn === "(garbage collector)" ? "(gc)" : fn === "(idle)" || fn === "(program)" ? fn : "(native)";
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith("node:")) return "node core";
  const d = /\/dist\/(.*)$/.exec(url);
  if (d) return `repere ${d[1]!.replace(/\/[^/]+$/, "")}`;
  return url;
}

const areas = new Map<string, number>();
const fns = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id)!;
  const a = area(n.callFrame.url, n.callFrame.functionName);
  areas.set(a, (areas.get(a) ?? 0) + t);
  const key = `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/dist\//, "dist/")}:${n.callFrame.lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + t);
}

// Inclusive time of the Repère code paths that matter (any frame of the stack in that file).
const inclusive = new Map<string, number>();
for (const [id, t] of self) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur)!;
    const u = n.callFrame.url;
    if (u.includes("/dist/") && !u.includes("node_modules")) {
      const key = `${n.callFrame.functionName || "(anonymous)"} ${u.replace(/^.*\/dist\//, "")}`;
      if (!seen.has(key)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + t);
      }
    }
  }
}

/** Areas grouped by what they do, as a share of the busy time. */
const GROUPS: [string, (a: string) => boolean][] = [
  ["Prisma (client, query compiler wasm, adapter)", (a) => a.startsWith("@prisma/") || a.startsWith("wasm://")],
  ["pg driver", (a) => a === "pg" || a.startsWith("pg-")],
  [
    "Bot Framework (botbuilder, connector client, @azure/*, @typespec)",
    (a) => /^(botbuilder|botframework|@azure\/|@typespec\/|@microsoft\/recognizers)/.test(a),
  ],
  [
    "card templating (adaptivecards-templating, adaptive-expressions, antlr4ts)",
    (a) => /^(adaptivecards-templating|adaptive-expressions|antlr4ts|lodash)$/.test(a),
  ],
  ["HTTP server and Node core (restify, sockets, streams)", (a) => a === "restify" || a === "node core" || a === "find-my-way"],
  ["i18next, zod, pino", (a) => a === "i18next" || a === "zod" || a === "pino"],
  ["Repère code", (a) => a.startsWith("repere ")],
  ["garbage collector", (a) => a === "(gc)"],
  ["native (JSON, crypto, syscalls…)", (a) => a === "(native)" || a === "(program)"],
];

const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
const busy = total - (areas.get("(idle)") ?? 0);
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((100 * busy) / total).toFixed(0)} %)`);
console.log("\nbusy time by group:");
const grouped = new Map<string, number>();
for (const [a, t] of areas) {
  if (a === "(idle)") continue;
  const g = GROUPS.find(([, test]) => test(a))?.[0] ?? "other";
  grouped.set(g, (grouped.get(g) ?? 0) + t);
}
for (const [g, t] of [...grouped].sort((x, y) => y[1] - x[1])) console.log(`  ${((100 * t) / busy).toFixed(1).padStart(5)} %  ${g}`);
console.log("\nself time by area:");
for (const [a, t] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`  ${pct(t)}  ${a}`);
console.log("\ntop functions (self):");
for (const [f, t] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`  ${pct(t)}  ${f}`);
console.log("\nRepère functions (inclusive):");
for (const [f, t] of [...inclusive].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`  ${pct(t)}  ${f}`);
