// `npm run retention -- --dry-run | --apply`: the retention job on demand, for the académie's IT
// team. --dry-run (the default) lists the closed cases past their retention (RETENTION) without
// changing anything; --apply anonymises them, as the daily job does. Prints case references only
// (no pupil data). Exit code 0 when done, 1 on an error, 2 on wrong arguments.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../src/config.js";
import { createServices } from "../src/services/index.js";
import { createStore, openDatabase, type Database } from "../src/store/index.js";

const USAGE = "usage: npm run retention -- --dry-run | --apply";

async function main(): Promise<number> {
  let values: { "dry-run"?: boolean; apply?: boolean };
  try {
    ({ values } = parseArgs({ options: { "dry-run": { type: "boolean" }, apply: { type: "boolean" } } }));
  } catch (err) {
    console.error(`${(err as Error).message} (${USAGE})`);
    return 2;
  }
  if (values["dry-run"] && values.apply) {
    console.error(USAGE);
    return 2;
  }
  const dryRun = !values.apply;
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.problems.join("\n"));
      return 1;
    }
    throw err;
  }
  let db: Database | undefined;
  try {
    db = await openDatabase(config.database);
    const services = createServices(createStore(db), () => new Date(), { retention: config.retention });
    const report = await services.retention.run({ dryRun });
    const when = report.cutoff.toISOString();
    if (dryRun) {
      console.log(
        `Retention: ${report.policy}. ${report.references.length} closed case(s) closed before ${when} are past their retention (dry run, nothing changed).`,
      );
      if (report.references.length > 0) console.log(report.references.join("\n"));
      if (report.references.length > 0) console.log("Run with --apply to anonymise them.");
    } else {
      console.log(`Retention: ${report.policy}. ${report.references.length} closed case(s) anonymised.`);
      if (report.references.length > 0) console.log(report.references.join("\n"));
    }
    return 0;
  } catch (err) {
    console.error(`Retention failed: ${(err as Error).message.split("\n")[0]}`);
    return 1;
  } finally {
    await db?.close();
  }
}

process.exitCode = await main();
