// `npm run directory:schools -- FILE.csv --academie CODE [--bassins BASSINS.csv] [--yes]`: imports
// the académie's schools and bassins from the ministry's directory export, for its IT team. Prints
// the preview, asks for confirmation (unless --yes; no answer is no), imports in one transaction.
// Texts in DEFAULT_LOCALE. Exit code 0 when done (or nothing to do), 1 when refused (bad file,
// errors, answer no on a refusal), 2 on bad usage.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../src/config.js";
import { UsageError, ask, oneLine } from "./cli.js";
import { DirectorySchoolService } from "../src/services/directory-schools.js";
import { createStore, openDatabase, type Database } from "../src/store/index.js";
import { translator } from "../src/teams/i18n.js";
import { ownerlessLines, schoolsDoneText, schoolsPreviewText, schoolsRefusalText, schoolsToWrite } from "../src/teams/directory/school-directory-views.js";

const USAGE = "usage: npm run directory:schools -- FILE.csv --academie CODE [--bassins BASSINS.csv] [--yes]";

async function readInput(file: string): Promise<{ name: string; bytes: Uint8Array }> {
  try {
    return { name: path.basename(file), bytes: await readFile(file) };
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: { academie: { type: "string", short: "a" }, bassins: { type: "string", short: "b" }, yes: { type: "boolean", short: "y", default: false } },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (${USAGE})`);
  }
  const fileName = args.positionals[0];
  const academy = args.values.academie?.trim();
  if (!fileName || args.positionals.length > 1 || !academy) throw new UsageError(USAGE);
  const file = await readInput(fileName);
  const bassins = args.values.bassins ? await readInput(args.values.bassins) : null;
  const config = loadConfig();
  const t = translator(config.defaultLocale);

  let db: Database | undefined;
  try {
    db = await openDatabase(config.database);
    const service = new DirectorySchoolService(createStore(db));
    const importer = { kind: "system" as const };
    const outcome = await service.preview(importer, { academy, file, bassins });
    if (!outcome.ok) {
      console.error(oneLine(schoolsRefusalText(t, outcome)));
      return outcome.reason === "BAD_ACADEMY" ? 2 : 1;
    }
    const preview = outcome.preview;
    console.log(schoolsPreviewText(t, preview));
    console.log("");
    if (preview.errors.length > 0) {
      await service.cancel(importer, preview.importId);
      console.error(t("schoolDirectory.refusal.HAS_ERRORS"));
      return 1;
    }
    if (schoolsToWrite(preview) === 0) {
      await service.cancel(importer, preview.importId);
      console.log(t("schoolDirectory.preview.nothing"));
      return 0;
    }
    if (!args.values.yes && !/^(o|oui|y|yes)$/i.test(await ask(t("schoolDirectory.preview.cli", { create: preview.create, update: preview.update })))) {
      await service.cancel(importer, preview.importId);
      console.log(t("schoolDirectory.result.cancelled"));
      return 0;
    }
    const done = await service.confirm(importer, preview.importId);
    if (!done.ok) {
      console.error(oneLine(schoolsRefusalText(t, done)));
      return 1;
    }
    console.log(schoolsDoneText(t, done.result));
    if (done.result.ownerless.length > 0) {
      console.log("");
      console.log(`${t("schoolDirectory.owner.title", { count: done.result.ownerless.length })} :`);
      console.log(ownerlessLines(t, done.result.ownerless).join("\n"));
    }
    return 0;
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
    console.error(err instanceof ConfigError ? err.problems.join("\n") : `Import failed: ${oneLine((err as Error).message)}`);
    process.exit(1);
  },
);
