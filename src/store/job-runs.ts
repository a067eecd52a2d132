import type { PrismaClient } from "../generated/prisma/client.js";

/** Scheduled jobs that run once across instances: the database decides. A run is claimed by a
 *  conditional UPDATE of the job's JobRun row (PostgreSQL re-checks the condition on the locked
 *  row, so of two instances claiming at once exactly one gets it) and is held with a lease, which
 *  another instance may take over when the holder crashed. */
export class JobRunRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Claims the job when it has not completed since `notRunSince` and nobody holds it. */
  async claim(name: string, opts: { now: Date; notRunSince: Date; leaseMs: number; owner: string }): Promise<boolean> {
    await this.prisma.$executeRaw`INSERT INTO "JobRun" ("name") VALUES (${name}) ON CONFLICT ("name") DO NOTHING`;
    const until = new Date(opts.now.getTime() + opts.leaseMs);
    const rows = await this.prisma.$queryRaw<{ name: string }[]>`
      UPDATE "JobRun" SET "lockedBy" = ${opts.owner}, "lockedUntil" = ${until}::timestamp(3)
       WHERE "name" = ${name}
         AND ("lastRunAt" IS NULL OR "lastRunAt" < ${opts.notRunSince}::timestamp(3))
         AND ("lockedUntil" IS NULL OR "lockedUntil" < ${opts.now}::timestamp(3))
      RETURNING "name"`;
    return rows.length === 1;
  }

  /** Records a completed run (only by the instance holding the claim). */
  async finish(name: string, owner: string, at: Date): Promise<boolean> {
    const n = await this.prisma.$executeRaw`
      UPDATE "JobRun" SET "lastRunAt" = ${at}::timestamp(3), "lockedBy" = NULL, "lockedUntil" = NULL WHERE "name" = ${name} AND "lockedBy" = ${owner}`;
    return n === 1;
  }

  /** Gives the claim back after a failed run, so that the next tick (here or elsewhere) retries. */
  async release(name: string, owner: string): Promise<void> {
    await this.prisma.$executeRaw`UPDATE "JobRun" SET "lockedBy" = NULL, "lockedUntil" = NULL WHERE "name" = ${name} AND "lockedBy" = ${owner}`;
  }

  async get(name: string): Promise<{ lastRunAt: Date | null; lockedBy: string | null; lockedUntil: Date | null } | null> {
    return this.prisma.jobRun.findUnique({ where: { name }, select: { lastRunAt: true, lockedBy: true, lockedUntil: true } });
  }
}
