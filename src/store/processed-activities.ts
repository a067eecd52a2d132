import type { Db } from "./kysely.js";

/** Activity ids already handled. Teams retries an invoke that was not answered in time with the
 *  same activity id: a delivery after the action was done must not change the case again. The mark
 *  is written once the action is done (read at the start of the invoke, store/turn-start.ts): an
 *  action whose instance died before finishing is applied by the retry. Two deliveries handled at
 *  the same moment are told apart by the case's version (optimistic concurrency), as two people are. */
export class ProcessedActivityRepository {
  constructor(private readonly db: Db) {}

  async markHandled(activityKey: string): Promise<void> {
    await this.db
      .insertInto("ProcessedActivity")
      .values({ activityId: activityKey })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  /** Retries come within minutes; a day of memory is plenty. */
  async forgetOlderThan(date: Date): Promise<number> {
    const r = await this.db.deleteFrom("ProcessedActivity").where("createdAt", "<", date).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
