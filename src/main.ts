import { ConfigError, loadConfig, loadEnvFile } from "./config.js";
import { DataDirLockedError, recordBackupFailure, writeBackup } from "./store/index.js";
import { startApp } from "./app.js";

/** Composition root: a readable line and exit code 1 for any start-up problem, never a stack trace. */
async function main(): Promise<void> {
  let config;
  try {
    loadEnvFile();
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.problems) console.error(`Configuration error: ${line}`);
      process.exit(1);
    }
    throw err;
  }
  let app;
  try {
    app = await startApp(config);
  } catch (err) {
    if (err instanceof DataDirLockedError) console.error(`Cannot start: ${err.message}`);
    else if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") console.error(`Cannot start: port ${config.port} is already in use (set PORT)`);
    else console.error(`Cannot start: ${(err as Error).message}`);
    process.exit(1);
  }
  const shutdown = (signal: string) => {
    app.logger.info({ signal, graceMs: config.shutdownGraceMs }, "shutting down");
    // app.stop() ends within the grace period; past it and a few seconds more, something hangs.
    const force = setTimeout(() => {
      app.logger.error({ signal }, "shutdown did not finish in time; exiting");
      process.exit(1);
    }, config.shutdownGraceMs + 5000);
    force.unref();
    app.stop().then(
      () => {
        app.logger.info({ signal }, "stopped");
        process.exit(0);
      },
      (err: unknown) => {
        app.logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  const database = config.database;
  if (database.kind === "embedded") {
    // `npm run backup` asks the running bot for a consistent copy of its embedded database.
    process.on("SIGUSR2", () => {
      writeBackup(app.store.db, database.dataDir).then(
        (file) => app.logger.info({ file }, "backup written"),
        (err) => {
          app.logger.error({ err }, "backup failed");
          recordBackupFailure(database.dataDir, err);
        },
      );
    });
  }
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

void main();
