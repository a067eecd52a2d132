// Service measures of `npm run bench` (--only=stats, --only=import, --only=directory): the timings that the test
// suite used to assert (test/integration/stats.test.ts, import.test.ts), which vary with the
// machine and its load and so belong here. Each runs the services in this process on a fresh
// PostgreSQL schema (dropped afterwards), as the tests do, and returns its figures and its target.
import os from "node:os";
import { createServices } from "../src/services/index.js";
import { createStore, openDatabase } from "../src/store/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../src/store/demo-seed.js";
import { translator } from "../src/teams/i18n.js";
import { statsCard } from "../src/teams/stats/stats-views.js";
import { addStaff, fillCases } from "../test/helpers/case-fill.js";
import { POSTGRES_URL, dropSchema, uniqueSchemaName } from "../test/helpers/database.js";
import { csvBytes, generatedList } from "../test/helpers/import-files.js";
import { bassinsFileOf, generateDirectoryExtract, generateStaffList } from "../test/helpers/directory-files.js";
import { seedPlaces } from "../test/helpers/directory-places.js";
import { DirectorySchoolService } from "../src/services/directory-schools.js";
import { postgresSql } from "./lib.js";
import { seedDemo } from "../src/services/demo-academie.js";
import { DashboardService, caseListQuerySchema } from "../src/services/dashboard.js";

export type MeasureRow = { measure: string; figures: string; target: string; pass: boolean; load: number };

const aad = (name: string) => DEMO_PEOPLE.find((p) => p.displayName === name)!.aadObjectId;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** The nearest-rank percentile. */
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)]!;

async function withDatabase<T>(run: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const schema = uniqueSchemaName();
  const db = await openDatabase({ kind: "postgres", url: POSTGRES_URL }, { schema });
  try {
    return await run(db);
  } finally {
    await db.close();
    await dropSchema(schema);
  }
}

/** The statistics card (the service's aggregation and the card) of the académie, of a district and
 *  of a school, on 100,000 cases: five times each; the target is on the median. */
export async function measureStatistics(cases = 100_000, log: (...a: unknown[]) => void = () => {}): Promise<MeasureRow[]> {
  return withDatabase(async (db) => {
    const store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    // Filled through a connection of the bench's own, as the turn rows are.
    const sql = await postgresSql(db.schema);
    const started = performance.now();
    try {
      await addStaff(sql, Math.ceil(cases / 25), "Reporting Staff", "r");
      await fillCases(sql, cases, { bulkSession: true });
    } finally {
      await sql.close();
    }
    log(`stats: ${cases.toLocaleString("en-US")} cases filled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const services = createServices(store, () => new Date());
    const t = translator("fr");
    const out: MeasureRow[] = [];
    for (const who of ["Nathalie Roux", "Sophie Laurent", "Karim Benali"]) {
      const actor = await services.members.identify(DEMO_TENANT_ID, aad(who));
      if (!actor) throw new Error(`no demo member ${who}`);
      const times: number[] = [];
      let scope = "";
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const r = await services.statistics.view(actor);
        if (!r.ok) throw new Error(`statistics refused for ${who}: ${r.reason}`);
        statsCard(t, "fr", r.view, (e) => services.statistics.chartUrl(e), { mayExportCases: true });
        times.push(performance.now() - t0);
        scope = `${r.view.scope.kind}, ${r.view.openedTotal?.toLocaleString("en-US") ?? "< 5"} cases opened in the period`;
      }
      const p50 = median(times);
      out.push({
        measure: `statistics card of ${who} (${scope}) on ${cases.toLocaleString("en-US")} cases`,
        figures: `median ${p50.toFixed(0)} ms (best ${Math.min(...times).toFixed(0)}, worst ${Math.max(...times).toFixed(0)}; 5 runs)`,
        target: "median < 1,000 ms",
        pass: p50 < 1000,
        load: os.loadavg()[0]!,
      });
      log(`stats: ${who}: ${times.map((x) => x.toFixed(0)).join(" / ")} ms`);
    }
    return out;
  });
}

/** A rentrée list of 10,000 young people (Windows-1252, with INE) previewed and imported by a
 *  coordinator, as test/integration/import.test.ts does it; the target is on the whole. */
export async function measureImport(rows = 10_000, log: (...a: unknown[]) => void = () => {}): Promise<MeasureRow[]> {
  return withDatabase(async (db) => {
    const store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    const services = createServices(store, () => new Date());
    const sophie = await services.members.identify(DEMO_TENANT_ID, aad("Sophie Laurent"));
    if (!sophie) throw new Error("no demo coordinator");
    const bytes = csvBytes(generatedList(rows, ["0690001B", "0690002C", "0690003D"], { withIne: true }), { encoding: "windows-1252" });
    const who = { kind: "member" as const, actor: sophie };
    const started = performance.now();
    const p = await services.imports.preview(who, { name: "siei-rentree.csv", bytes });
    const previewed = performance.now();
    if (!p.ok) throw new Error(`import preview refused: ${JSON.stringify(p)}`);
    const done = await services.imports.confirm(who, p.preview.batchId);
    const finished = performance.now();
    if (!done.ok || done.result.created !== rows) throw new Error(`import did not create ${rows} cases: ${JSON.stringify(done)}`);
    const total = (finished - started) / 1000;
    log(`import: preview ${((previewed - started) / 1000).toFixed(1)} s, import ${((finished - previewed) / 1000).toFixed(1)} s`);
    return [
      {
        measure: `rentrée list of ${rows.toLocaleString("en-US")} young people, previewed and imported (PostgreSQL)`,
        figures: `preview ${((previewed - started) / 1000).toFixed(1)} s, import ${((finished - previewed) / 1000).toFixed(1)} s, total ${total.toFixed(1)} s`,
        target: "total < 60 s",
        pass: total < 60,
        load: os.loadavg()[0]!,
      },
    ];
  });
}

/** The académie's staff list of `people` people over an extract of 1,500 schools (issue #24: with
 *  the schools, under 30 s): previewed and applied, then previewed again (nothing to change). */
export async function measurePeopleImport(people = 5_000, log: (...a: unknown[]) => void = () => {}): Promise<MeasureRow[]> {
  return withDatabase(async (db) => {
    const extract = generateDirectoryExtract({ schools: 1_500, seed: 24 });
    await seedPlaces(db, {
      bassins: extract.bassins.map((b) => ({ ...b, departmentCode: null })),
      schools: extract.schools.map((s) => ({ uai: s.uai, name: s.name, bassin: s.bassinCode, departmentCode: s.departmentCode })),
    });
    const departments = [...new Set(extract.schools.map((s) => s.departmentCode))];
    const list = generateStaffList({ people, seed: 24, schools: extract.schools, bassins: extract.bassins, departments });
    const services = createServices(createStore(db), () => new Date());
    const system = { kind: "system" as const };
    const bytes = Buffer.from(list.csv);
    const started = performance.now();
    const p = await services.directoryPeople.preview(system, { name: "personnels.csv", bytes });
    const previewed = performance.now();
    if (!p.ok || p.preview.importId === null) throw new Error(`staff list preview refused: ${JSON.stringify(p).slice(0, 500)}`);
    const done = await services.directoryPeople.confirm(system, p.preview.importId);
    const finished = performance.now();
    if (!done.ok || done.result.created !== people) throw new Error(`staff list did not create ${people} members: ${JSON.stringify(done)}`);
    const again = await services.directoryPeople.preview(system, { name: "personnels.csv", bytes });
    const reread = performance.now();
    if (!again.ok || again.preview.unchanged !== people) throw new Error("staff list read again found changes");
    const total = (finished - started) / 1000;
    const s = (a: number, b: number) => ((b - a) / 1000).toFixed(1);
    log(`people: preview ${s(started, previewed)} s, apply ${s(previewed, finished)} s, again ${s(finished, reread)} s`);
    return [
      {
        measure: `staff list of ${people.toLocaleString("en-US")} people over 1,500 schools, previewed and applied (PostgreSQL)`,
        figures: `preview ${s(started, previewed)} s, apply ${s(previewed, finished)} s, total ${total.toFixed(1)} s; same list again ${s(finished, reread)} s`,
        target: "total < 20 s",
        pass: total < 20,
        load: os.loadavg()[0]!,
      },
    ];
  });
}

/** The académie's school directory: an « Annuaire de l'éducation » extract of `schools` EPLE and
 *  EREA (and the rows it leaves out) with its bassins file, previewed and imported on PostgreSQL,
 *  then imported again (nothing to create). Issue 24: 1,500 schools in under 10 s. */
export async function measureDirectory(schools = 1_500, log: (...a: unknown[]) => void = () => {}): Promise<MeasureRow[]> {
  return withDatabase(async (db) => {
    const service = new DirectorySchoolService(createStore(db));
    const extract = generateDirectoryExtract({ schools, seed: 24 });
    const file = { name: "fr-en-annuaire-education.csv", bytes: new TextEncoder().encode(extract.csv) };
    const bassins = { name: "bassins.csv", bytes: new TextEncoder().encode(bassinsFileOf(extract.schools).csv) };
    const system = { kind: "system" as const };
    const run = async () => {
      const started = performance.now();
      const p = await service.preview(system, { academy: "10", file, bassins });
      const previewed = performance.now();
      if (!p.ok || p.preview.errors.length > 0) throw new Error(`directory preview refused: ${JSON.stringify(p).slice(0, 500)}`);
      const done = await service.confirm(system, p.preview.importId);
      const finished = performance.now();
      if (!done.ok) throw new Error(`directory import refused: ${JSON.stringify(done)}`);
      return { preview: (previewed - started) / 1000, apply: (finished - previewed) / 1000, created: done.result.created };
    };
    const first = await run();
    if (first.created !== schools) throw new Error(`directory import created ${first.created} schools, not ${schools}`);
    const again = await run();
    if (again.created !== 0) throw new Error(`directory re-import created ${again.created} schools`);
    const total = first.preview + first.apply;
    log(`directory: preview ${first.preview.toFixed(1)} s, import ${first.apply.toFixed(1)} s; again ${(again.preview + again.apply).toFixed(1)} s`);
    return [
      {
        measure: `school directory of ${schools.toLocaleString("en-US")} schools with its bassins file, previewed and imported (PostgreSQL)`,
        figures: `preview ${first.preview.toFixed(1)} s, import ${first.apply.toFixed(1)} s, total ${total.toFixed(1)} s; re-import ${(again.preview + again.apply).toFixed(1)} s`,
        target: "total < 10 s",
        pass: total < 10,
        load: os.loadavg()[0]!,
      },
    ];
  });
}

/** Issue #28: the first page of the tab « Mes dossiers » (GET /api/tab/cases: DashboardService.list,
 *  the call the route makes, its audit of listed names included) for Bassin Nord's coordinator, on a
 *  bassin of `cases` cases on PostgreSQL: every filled case is reported in one of the bassin's
 *  schools. `runs` runs per query after two warm-ups; the target is on the p95 of the first page. */
export async function measureTabFirstPage(cases = 100_000, runs = 30, log: (...a: unknown[]) => void = () => {}): Promise<MeasureRow[]> {
  return withDatabase(async (db) => {
    const store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    const sql = await postgresSql(db.schema);
    const started = performance.now();
    try {
      const [nord] = await sql.query<{ id: string }>(`SELECT id FROM "District" WHERE code = 'NORD'`);
      if (!nord) throw new Error("no Bassin Nord in the demo académie");
      const [{ all, inNord }] = (await sql.query<{ all: number; inNord: number }>(
        `SELECT count(*)::int AS all, count(*) FILTER (WHERE "districtId" = $1)::int AS "inNord" FROM "School"`,
        [nord.id],
      )) as [{ all: number; inNord: number }];
      // Enough reporters (25 cases each) once those of the other bassins' schools are moved to Nord's.
      await addStaff(sql, Math.ceil(cases / 25) + 50, "Reporting Staff", "r");
      await sql.query(
        `WITH nord AS (SELECT id, row_number() OVER (ORDER BY uai) - 1 AS i, count(*) OVER () AS n FROM "School" WHERE "districtId" = $1),
              moved AS (DELETE FROM "MemberSchool" ms USING "Member" m, "School" s
                         WHERE m.id = ms."memberId" AND s.id = ms."schoolId" AND s."districtId" <> $1 AND m."aadObjectId" LIKE '00000000-0000-4000-9000-r%'
                         RETURNING ms."memberId")
         INSERT INTO "MemberSchool" ("memberId", "schoolId")
         SELECT moved."memberId", nord.id FROM moved JOIN nord ON nord.i = abs(hashtext(moved."memberId")) % nord.n
         ON CONFLICT DO NOTHING`,
        [nord.id],
      );
      log(`tab: ${inNord} of the ${all} demo schools in Bassin Nord`);
      await fillCases(sql, cases, { bulkSession: true });
    } finally {
      await sql.close();
    }
    const [{ n: inBassin }] = (await db.kysely
      .selectFrom("Case")
      .innerJoin("District", "District.id", "Case.districtId")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("District.code", "=", "NORD")
      .execute()) as [{ n: number | string }];
    log(
      `tab: ${cases.toLocaleString("en-US")} cases filled in ${((performance.now() - started) / 1000).toFixed(1)} s, ${Number(inBassin).toLocaleString("en-US")} in Bassin Nord`,
    );
    const services = createServices(store, () => new Date());
    const dashboard = new DashboardService(store, services.triage, services.plans);
    const sophie = await services.members.identify(DEMO_TENANT_ID, aad("Sophie Laurent"));
    if (!sophie) throw new Error("no demo coordinator");
    const queries: { name: string; query: Record<string, string>; target?: number }[] = [
      { name: "first page (default sort: open first, newest first)", query: {}, target: 300 },
      { name: "first page, status NEW", query: { status: "NEW" } },
      { name: "first page, 16 and over, overdue", query: { age: "16plus", overdue: "true" } },
      { name: "page 40", query: { page: "40" } },
      { name: "search by reference prefix", query: { search: `D-${new Date().getFullYear()}-0004` } },
      { name: "search by name", query: { search: "Nomdaz" } },
    ];
    const out: MeasureRow[] = [];
    for (const q of queries) {
      const query = caseListQuerySchema.parse(q.query);
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i < runs + 2; i++) {
        const t0 = performance.now();
        const page = await dashboard.list(sophie, query);
        const ms = performance.now() - t0;
        if (i >= 2) times.push(ms);
        total = page.total;
      }
      const p50 = percentile(times, 50);
      const p95 = percentile(times, 95);
      out.push({
        measure: `tab « Mes dossiers » of Sophie Laurent (coordinator, Bassin Nord of ${Number(inBassin).toLocaleString("en-US")} cases): ${q.name}, ${total.toLocaleString("en-US")} matching`,
        figures: `p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms (best ${Math.min(...times).toFixed(0)}, worst ${Math.max(...times).toFixed(0)}; ${runs} runs)`,
        target: q.target ? `p95 < ${q.target} ms` : "none (for comparison)",
        pass: q.target ? p95 < q.target : true,
        load: os.loadavg()[0]!,
      });
      log(`tab: ${q.name}: p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms`);
    }
    return out;
  });
}
