// `npm run import -- FILE --district NORD [--yes]`: imports a rentrée campaign list (CSV) for a
// district, for the académie's IT team. Prints the preview, asks for confirmation unless --yes,
// then imports with progress lines. Texts in DEFAULT_LOCALE. Exit code 1 with one line on errors.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../src/config.js";
import { UsageError, ask, oneLine } from "./cli.js";
import { createServices } from "../src/services/index.js";
import { createStore, openDatabase, type Database } from "../src/store/index.js";
import { translator } from "../src/teams/i18n.js";
import { confirmRefusalText, doneText, importable, previewRefusalText, previewText } from "../src/teams/imports/import-views.js";

const USAGE = "usage: npm run import -- FILE --district CODE [--yes]";

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ allowPositionals: true, options: { district: { type: "string", short: "d" }, yes: { type: "boolean", short: "y", default: false } } });
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (${USAGE})`);
  }
  const file = args.positionals[0];
  const districtCode = args.values.district?.trim();
  if (!file || args.positionals.length > 1 || !districtCode) throw new UsageError(USAGE);
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
    const importer = { kind: "system" as const, districtCode };
    const outcome = await services.imports.preview(importer, { name: path.basename(file), bytes });
    if (!outcome.ok) {
      const text = oneLine(previewRefusalText(t, config.defaultLocale, outcome));
      // The same file again is not an error: there is simply nothing to do.
      if (outcome.reason === "ALREADY_IMPORTED") {
        console.log(text);
        return 0;
      }
      console.error(text);
      return 1;
    }
    const preview = outcome.preview;
    console.log(previewText(t, preview));
    console.log("");
    const count = importable(preview);
    if (count === 0) {
      await services.imports.cancel(importer, preview.batchId);
      console.error(t("import.preview.nothing"));
      return 1;
    }
    if (!args.values.yes && !/^(o|oui|y|yes)$/i.test(await ask(t("import.preview.cli", { count })))) {
      await services.imports.cancel(importer, preview.batchId);
      console.log(t("import.result.cancelled"));
      return 0;
    }
    const done = await services.imports.confirm(importer, preview.batchId, {
      onProgress: (n, total) => {
        if (n < total) console.log(t("import.result.progress", { done: n, total }));
      },
    });
    if (!done.ok) {
      console.error(oneLine(confirmRefusalText(t, config.defaultLocale, done)));
      return 1;
    }
    console.log(`${t("import.result.title")}. ${oneLine(doneText(t, done.result))}`);
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
