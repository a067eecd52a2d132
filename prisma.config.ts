// Prisma CLI configuration (migrate dev / status / deploy, generate). The bot itself applies
// migrations at start (src/store/migrate.ts) and never needs the CLI at run time.
// Without DATABASE_URL the CLI works on the embedded PGlite database: stop the bot first.
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";
import { loadConfig, prismaCliEnvironment } from "./src/config.js";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "./src/store/pglite-server.js";
import { patchPgAdapter, unrefLongTimers } from "./prisma/cli-patches.js";

unrefLongTimers();
const config = loadConfig();
const cliEnv = prismaCliEnvironment();
cliEnv.disableCheckpoint();
// schema.prisma says url = env("DATABASE_URL"): it must resolve even when the adapter decides.
if (config.database.kind === "embedded") cliEnv.setDatabaseUrl("postgresql://embedded@127.0.0.1/postgres");

const opened: EmbeddedDatabase[] = [];
let closing = false;
process.on("beforeExit", async () => {
  if (closing) return;
  closing = true;
  for (const db of opened) await db.stop().catch(() => {});
});

const poolOptions = (url: string) => ({ connectionString: url, max: 1, allowExitOnIdle: true, idleTimeoutMillis: 200 });

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  adapter: async () => {
    let url: string;
    if (config.database.kind === "embedded") {
      const db = await startEmbeddedDatabase(config.database.dataDir, { unref: true });
      opened.push(db);
      url = db.url;
    } else {
      url = config.database.url;
    }
    const factory = new PrismaPg(poolOptions(url));
    const connect = factory.connect.bind(factory);
    Object.assign(factory, {
      connect: async () => patchPgAdapter(await connect()),
      // adapter-pg cannot drop its own shadow database while its pool is open: use a throwaway in-memory PGlite.
      connectToShadowDb: async () => {
        const shadow = await startEmbeddedDatabase("memory://", { unref: true });
        opened.push(shadow);
        return patchPgAdapter(await new PrismaPg(poolOptions(shadow.url)).connect(), () => shadow.stop());
      },
    });
    return factory;
  },
});
