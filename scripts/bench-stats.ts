// Statistics on volume (issue #12): fills a fresh PostgreSQL schema with the demo académie and
// 100,000 cases (one INSERT … SELECT generate_series a table), then times the statistics card of
// the académie, of a district and of a school: the service's aggregation plus the card. Run:
//   node --import tsx scripts/bench-stats.ts [--cases 100000] [--keep]
import { createServices } from "../src/services/index.js";
import { createStore, openDatabase } from "../src/store/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../src/store/demo-seed.js";
import { translator } from "../src/teams/i18n.js";
import { statsCard } from "../src/teams/stats-views.js";
import { fillCases } from "../test/helpers/stats-volume.js";
import { POSTGRES_URL, dropSchema, uniqueSchemaName } from "../test/helpers/database.js";

const arg = (name: string) => process.argv.indexOf(`--${name}`);
const cases = arg("cases") > 0 ? Number(process.argv[arg("cases") + 1]) : 100_000;
const keep = arg("keep") > 0;
const schema = uniqueSchemaName();
const db = await openDatabase({ kind: "postgres", url: POSTGRES_URL }, { schema });
try {
  const store = createStore(db);
  await store.seedDemo({ onlyIfEmpty: false });
  let started = performance.now();
  await fillCases(db.prisma, cases);
  console.log(`${cases} cases inserted in ${(performance.now() - started).toFixed(0)} ms (schema ${schema})`);
  const services = createServices(store, () => new Date("2027-06-30T10:00:00Z"));
  const t = translator("fr");
  for (const name of ["Nathalie Roux", "Sophie Laurent", "Karim Benali"]) {
    const actor = await services.members.identify(DEMO_TENANT_ID, DEMO_PEOPLE.find((p) => p.displayName === name)!.aadObjectId);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      started = performance.now();
      const r = await services.statistics.view(actor!);
      if (!r.ok) throw new Error(r.reason);
      statsCard(t, "fr", r.view, (e) => services.statistics.chartUrl(e), { mayExportCases: true });
      times.push(performance.now() - started);
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.log(`${name.padEnd(16)} ${actor!.role.padEnd(12)} median ${sorted[2]!.toFixed(0)} ms, worst ${sorted[4]!.toFixed(0)} ms`);
  }
} finally {
  await db.close();
  if (!keep) await dropSchema(schema);
}
