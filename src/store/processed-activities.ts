import type { PrismaClient } from "../generated/prisma/client.js";

/** Activity ids already handled. Teams retries an invoke that was not answered in time with the
 *  same activity id: the second delivery must not change the case again. */
export class ProcessedActivityRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** True the first time an id is seen, on any instance. */
  async firstTime(activityId: string): Promise<boolean> {
    const inserted = await this.prisma.$executeRaw`INSERT INTO "ProcessedActivity" ("activityId", "createdAt") VALUES (${activityId}, now()) ON CONFLICT DO NOTHING`;
    return inserted === 1;
  }

  /** Retries come within minutes; a day of memory is plenty. */
  async forgetOlderThan(date: Date): Promise<number> {
    return (await this.prisma.processedActivity.deleteMany({ where: { createdAt: { lt: date } } })).count;
  }
}
