import type { Store } from "../store/index.js";

export type HealthReport = { status: "ok" | "unhealthy"; database: "ok" | "unreachable"; databaseKind: "postgres" | "embedded"; disk?: DiskReport };

export class HealthService {
  constructor(private readonly store: Store) {}

  async check(): Promise<HealthReport> {
    const ok = await this.store.db.ping();
    const disk = await diskReport(this.store);
    const healthy = ok && disk?.space !== "full";
    return { status: healthy ? "ok" : "unhealthy", database: ok ? "ok" : "unreachable", databaseKind: this.store.db.kind, ...(disk ? { disk } : {}) };
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
