import type { Store } from "../store/index.js";

export type HealthReport = { status: "ok" | "unhealthy"; database: "ok" | "unreachable"; databaseKind: "postgres" | "embedded" };

/** A key no conversation has: the probe reads nothing and writes nothing. */
const PROBE_STATE_KEY = "healthz/probe";
const PROBE_TIMEOUT_MS = 2000;

export class HealthService {
  constructor(private readonly store: Store) {}

  /** Healthy when a turn could start: the probe runs the statement every message turn begins with,
   *  on the same pool (a `SELECT 1` once answered while every turn failed on a named statement). */
  async check(): Promise<HealthReport> {
    const ok = await this.probe();
    return { status: ok ? "ok" : "unhealthy", database: ok ? "ok" : "unreachable", databaseKind: this.store.db.kind };
  }

  private async probe(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("health probe timed out")), PROBE_TIMEOUT_MS);
      });
      await Promise.race([this.store.turnStart.message(null, null, PROBE_STATE_KEY), timeout]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
