// Seeds the demo académie into the configured database (idempotent). `npm run db:seed`.
import { ConfigError, loadConfig } from "../src/config.js";
import { createStore, openDatabase } from "../src/store/index.js";
import { seedDemo } from "../src/services/demo-academie.js";

try {
  const config = loadConfig();
  const db = await openDatabase(config.database);
  await seedDemo(createStore(db), { onlyIfEmpty: false });
  await db.close();
  console.log("Demo académie seeded.");
} catch (err) {
  console.error(err instanceof ConfigError ? err.problems.join("\n") : `Seed failed: ${(err as Error).message}`);
  process.exit(1);
}
