import type { PrismaClient } from "../generated/prisma/client.js";

/** Activity ids already handled. Teams retries an invoke that was not answered in time with the
 *  same activity id: the second delivery must not change the case again (recorded by the invoke's
 *  first statement, store/turn-start.ts). */
export class ProcessedActivityRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Retries come within minutes; a day of memory is plenty. */
  async forgetOlderThan(date: Date): Promise<number> {
    return (await this.prisma.processedActivity.deleteMany({ where: { createdAt: { lt: date } } })).count;
  }
}
