// `npm run restore -- FILE`: replaces the embedded database with a backup (the bot must be stopped;
// the current database is kept aside, not deleted).
import { existsSync } from "node:fs";
import { ConfigError, loadConfig } from "../src/config.js";
import { lockHolder, restoreBackup } from "../src/store/index.js";

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file || !existsSync(file)) throw new Error("give the backup file: npm run restore -- data/backups/repere-….tar.gz");
  const config = loadConfig();
  if (config.database.kind !== "embedded") throw new Error("npm run restore is for the embedded database; restore PostgreSQL with pg_restore or psql");
  const pid = lockHolder(config.database.dataDir);
  if (pid) throw new Error(`the bot is running (process ${pid}): stop it first`);
  const kept = await restoreBackup(config.database.dataDir, file);
  console.log(`Restored ${file}.${kept ? ` The previous database is kept in ${kept}.` : ""}`);
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.problems.join("\n") : `Restore failed: ${(err as Error).message}`);
  process.exit(1);
});
