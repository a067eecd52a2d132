// `npm run directory:check [-- --academie CODE]`: lists the open schools nobody answers for (no
// active référent décrochage or chef d'établissement, or no route for their cases: no coordinator
// or channel for their bassin and no fallback channel), grouped by bassin. Exit code 1 when any, 0
// when every school has an owner, 2 on bad usage.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../src/config.js";
import { UsageError } from "./cli.js";
import { academyCodeOf } from "../src/domain/directory/index.js";
import { DirectorySchoolService } from "../src/services/directory-schools.js";
import { createStore, openDatabase, type Database } from "../src/store/index.js";
import { translator } from "../src/teams/i18n.js";
import { ownerlessLines } from "../src/teams/directory/school-directory-views.js";

const USAGE = "usage: npm run directory:check [-- --academie CODE]";

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { academie: { type: "string", short: "a" } } });
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (${USAGE})`);
  }
  const academy = args.values.academie === undefined ? null : academyCodeOf(args.values.academie);
  if (args.values.academie !== undefined && academy === null) throw new UsageError(USAGE);
  const config = loadConfig();
  const t = translator(config.defaultLocale);
  let db: Database | undefined;
  try {
    db = await openDatabase(config.database);
    const schools = await new DirectorySchoolService(createStore(db)).ownerless(academy);
    if (schools.length === 0) {
      console.log(t("schoolDirectory.owner.none"));
      return 0;
    }
    console.log(`${t("schoolDirectory.owner.title", { count: schools.length })}`);
    console.log(t("schoolDirectory.owner.intro"));
    console.log("");
    console.log(ownerlessLines(t, schools).join("\n"));
    return 1;
  } finally {
    await db?.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) {
      console.error(err.message);
      process.exit(2);
    }
    console.error(err instanceof ConfigError ? err.problems.join("\n") : `Check failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
