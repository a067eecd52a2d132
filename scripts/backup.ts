// `npm run backup`: a consistent copy of the embedded database, taken while the bot runs (the bot
// writes it when asked by a signal) or directly when it is stopped. Restore: `npm run restore -- FILE`.
import { ConfigError, loadConfig } from "../src/config.js";
import { listBackups, lockHolder, openDatabase, writeBackup } from "../src/store/index.js";

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.database.kind !== "embedded") {
    throw new Error("npm run backup is for the embedded database; with DATABASE_URL, back up PostgreSQL with pg_dump (see the README)");
  }
  const dataDir = config.database.dataDir;
  const pid = lockHolder(dataDir);
  if (pid) {
    const before = new Set(listBackups(dataDir));
    process.kill(pid, "SIGUSR2");
    const deadline = Date.now() + 120_000;
    for (;;) {
      const added = listBackups(dataDir).find((f) => !before.has(f));
      if (added) return console.log(`Backup written by the running bot: ${added}`);
      if (Date.now() > deadline) throw new Error(`the running bot (process ${pid}) wrote no backup within two minutes; see its log`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const db = await openDatabase(config.database, { migrate: false });
  try {
    console.log(`Backup written: ${await writeBackup(db, dataDir)}`);
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.problems.join("\n") : `Backup failed: ${(err as Error).message}`);
  process.exit(1);
});
