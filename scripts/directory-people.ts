// `npm run directory:people -- FILE.csv [--yes]`: loads the académie's staff list (nom, prénom,
// e-mail or UPN, fonction, rattachement), for its IT team. Prints the preview, asks for
// confirmation unless --yes, then applies it in one transaction. Texts in DEFAULT_LOCALE.
// Exit code 1 with the reasons on a bad file (nothing changes), 0 when there is nothing to change.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../src/config.js";
import { UsageError, ask, oneLine } from "./cli.js";
import { applicable } from "../src/services/directory-people.js";
import { createServices } from "../src/services/index.js";
import { createStore, openDatabase, type Database } from "../src/store/index.js";
import { translator } from "../src/teams/i18n.js";
import { peopleConfirmRefusalText, peopleDoneText, peoplePreviewText, peopleRefusalText } from "../src/teams/directory/people-views.js";

const USAGE = "usage: npm run directory:people -- FILE.csv [--yes]";

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ allowPositionals: true, options: { yes: { type: "boolean", short: "y", default: false } } });
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (${USAGE})`);
  }
  const file = args.positionals[0];
  if (!file || args.positionals.length > 1) throw new UsageError(USAGE);
  const config = loadConfig();
  const t = translator(config.defaultLocale);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }

  let db: Database | undefined;
  try {
    db = await openDatabase(config.database);
    const services = createServices(createStore(db));
    const importer = { kind: "system" as const };
    const outcome = await services.directoryPeople.preview(importer, { name: path.basename(file), bytes });
    if (!outcome.ok) {
      console.error(oneLine(peopleRefusalText(t, outcome)));
      return 1;
    }
    const preview = outcome.preview;
    console.log(peoplePreviewText(t, preview));
    console.log("");
    if (preview.errors.length > 0) return 1;
    if (preview.importId === null) return 0;
    const count = applicable(preview);
    if (!args.values.yes && !/^(o|oui|y|yes)$/i.test(await ask(t("people.preview.cli", { count })))) {
      await services.directoryPeople.cancel(importer, preview.importId);
      console.log(t("people.result.cancelled"));
      return 0;
    }
    const done = await services.directoryPeople.confirm(importer, preview.importId);
    if (!done.ok) {
      console.error(oneLine(peopleConfirmRefusalText(t, done)));
      return 1;
    }
    console.log(`${t("people.result.title")}. ${oneLine(peopleDoneText(t, done.result))}`);
    return 0;
  } finally {
    await db?.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(
      err instanceof ConfigError ? err.problems.join("\n") : err instanceof UsageError ? err.message : `Import failed: ${oneLine((err as Error).message)}`,
    );
    process.exit(1);
  },
);
