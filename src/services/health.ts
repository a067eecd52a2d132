import type { Store } from "../store/index.js";

export type HealthReport = { status: "ok" | "unhealthy"; database: "ok" | "unreachable"; databaseKind: "postgres" | "embedded"; disk?: DiskReport };

/** A key no conversation has: the probe reads nothing and writes nothing. */
const PROBE_STATE_KEY = "healthz/probe";
const PROBE_TIMEOUT_MS = 2000;

export class HealthService {
  constructor(private readonly store: Store) {}

  /** Healthy when a turn could start: the probe runs the statement every message turn begins with,
   *  on the same pool (a `SELECT 1` once answered while every turn failed on a named statement). */
  async check(): Promise<HealthReport> {
    const ok = await this.probe();
    const disk = await diskReport(this.store);
    const healthy = ok && disk?.space !== "full";
    return { status: healthy ? "ok" : "unhealthy", database: ok ? "ok" : "unreachable", databaseKind: this.store.db.kind, ...(disk ? { disk } : {}) };
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

/** Below this, the embedded database may fail any write (it extends its files by pages, and a
 *  checkpoint or a backup needs more): people get « indisponible », and /healthz says so. */
export const FULL_DISK_BYTES = 32 * 1024 * 1024;

export type DiskReport = { space: "ok" | "full"; freeMb: number };

/** The embedded database's disk (PostgreSQL's is the server's business). */
async function diskReport(store: Store): Promise<DiskReport | undefined> {
  const free = await store.db.freeDiskBytes?.();
  if (free === undefined || free === null) return undefined;
  return { space: free < FULL_DISK_BYTES ? "full" : "ok", freeMb: Math.floor(free / (1024 * 1024)) };
}
