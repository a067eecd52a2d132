import type { Store } from "../store/index.js";

export type HealthReport = { status: "ok" | "unhealthy"; database: "ok" | "unreachable"; databaseKind: "postgres" | "embedded" };

export class HealthService {
  constructor(private readonly store: Store) {}

  async check(): Promise<HealthReport> {
    const ok = await this.store.db.ping();
    return { status: ok ? "ok" : "unhealthy", database: ok ? "ok" : "unreachable", databaseKind: this.store.db.kind };
  }
}
