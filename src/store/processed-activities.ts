import type { PrismaClient } from "../generated/prisma/client.js";
import type { HotSql } from "./hot-sql.js";

/** Activity ids already handled. Teams retries an invoke that was not answered in time with the
 *  same activity id: a delivery after the action was done must not change the case again. The mark
 *  is written once the action is done (read at the start of the invoke, store/turn-start.ts): an
 *  action whose instance died before finishing is applied by the retry. Two deliveries handled at
 *  the same moment are told apart by the case's version (optimistic concurrency), as two people are. */
export class ProcessedActivityRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: HotSql,
  ) {}

  async markHandled(activityKey: string): Promise<void> {
    await this.sql.rowCount(
      "processed_activity_mark",
      `INSERT INTO "ProcessedActivity" ("activityId", "createdAt") VALUES ($1, now() AT TIME ZONE 'UTC') ON CONFLICT DO NOTHING`,
      [activityKey],
    );
  }

  /** Retries come within minutes; a day of memory is plenty. */
  async forgetOlderThan(date: Date): Promise<number> {
    return (await this.prisma.processedActivity.deleteMany({ where: { createdAt: { lt: date } } })).count;
  }
}
