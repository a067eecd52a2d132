import type { Db } from "./kysely.js";

/** Scheduled jobs that run once across instances: the database decides. A run is claimed by a
 *  conditional UPDATE of the job's JobRun row (PostgreSQL re-checks the condition on the locked
 *  row, so of two instances claiming at once exactly one gets it) and is held with a lease, which
 *  another instance may take over when the holder crashed. */
export class JobRunRepository {
  constructor(private readonly db: Db) {}

  /** Claims the job when it has not completed since `notRunSince` and nobody holds it. */
  async claim(name: string, opts: { now: Date; notRunSince: Date; leaseMs: number; owner: string }): Promise<boolean> {
    await this.db
      .insertInto("JobRun")
      .values({ name })
      .onConflict((oc) => oc.column("name").doNothing())
      .execute();
    const claimed = await this.db
      .updateTable("JobRun")
      .set({ lockedBy: opts.owner, lockedUntil: new Date(opts.now.getTime() + opts.leaseMs) })
      .where("name", "=", name)
      .where((eb) => eb.or([eb("lastRunAt", "is", null), eb("lastRunAt", "<", opts.notRunSince)]))
      .where((eb) => eb.or([eb("lockedUntil", "is", null), eb("lockedUntil", "<", opts.now)]))
      .executeTakeFirst();
    return claimed.numUpdatedRows === 1n;
  }

  /** Records a completed run (only by the instance holding the claim). */
  async finish(name: string, owner: string, at: Date): Promise<boolean> {
    const done = await this.db
      .updateTable("JobRun")
      .set({ lastRunAt: at, lockedBy: null, lockedUntil: null })
      .where("name", "=", name)
      .where("lockedBy", "=", owner)
      .executeTakeFirst();
    return done.numUpdatedRows === 1n;
  }

  /** Gives the claim back after a failed run, so that the next tick (here or elsewhere) retries. */
  async release(name: string, owner: string): Promise<void> {
    await this.db.updateTable("JobRun").set({ lockedBy: null, lockedUntil: null }).where("name", "=", name).where("lockedBy", "=", owner).execute();
  }

  async get(name: string): Promise<{ lastRunAt: Date | null; lockedBy: string | null; lockedUntil: Date | null } | null> {
    return (await this.db.selectFrom("JobRun").select(["lastRunAt", "lockedBy", "lockedUntil"]).where("name", "=", name).executeTakeFirst()) ?? null;
  }
}
