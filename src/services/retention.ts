import { randomUUID } from "node:crypto";
import { DEFAULT_RETENTION, describeRetention, retentionCutoff, startOfParisDay, type RetentionPolicy } from "../domain/retention.js";
import type { Store } from "../store/index.js";

export const RETENTION_JOB = "retention";
/** Cases anonymised per transaction: a batch holds its cases' rows locked until it commits. */
const BATCH = 200;
const LEASE_MS = 30 * 60_000;
/** An unfinished report is kept this long after its last step (it survives restarts and a
 *  holiday week), then deleted by the daily job. */
export const IDLE_DIALOG_DAYS = 30;

export type RetentionReport = {
  policy: string;
  /** Cases closed before this instant are past retention. */
  cutoff: Date;
  dryRun: boolean;
  /** References of the cases past retention (dry run) or anonymised (apply). */
  references: string[];
};

/** Closed cases lose the identity of their pupil and every free text once their retention is
 *  over (RETENTION: the end of the school year of closure by default). Runs daily, once across
 *  instances, and on demand with `npm run retention -- --dry-run|--apply`. */
export class RetentionService {
  constructor(
    private readonly store: Store,
    private readonly clock: () => Date,
    readonly policy: RetentionPolicy = DEFAULT_RETENTION,
    private readonly owner: string = randomUUID(),
  ) {}

  /** Lists (dry run) or anonymises (apply) every closed case past retention. Cases are anonymised
   *  by batches, each in its own transaction and each case only once, so runs may overlap or be
   *  interrupted. */
  async run({ dryRun }: { dryRun: boolean }): Promise<RetentionReport> {
    const now = this.clock();
    const cutoff = retentionCutoff(now, this.policy);
    const references: string[] = [];
    if (dryRun) {
      for (let seen = new Set<string>(); ;) {
        const due = (await this.store.privacy.retentionDue(cutoff, 10_000)).filter((c) => !seen.has(c.id));
        due.forEach((c) => (seen.add(c.id), references.push(c.reference)));
        if (due.length < 10_000) break;
      }
      return { policy: describeRetention(this.policy), cutoff, dryRun, references };
    }
    for (;;) {
      const done = await this.store.privacy.anonymizeClosedCases({ now, cutoff, limit: BATCH });
      references.push(...done);
      // Fewer than a batch: the rest, if any, is held by another run, which will finish it.
      if (done.length < BATCH) break;
    }
    return { policy: describeRetention(this.policy), cutoff, dryRun, references };
  }

  /** The daily run: whichever instance claims the day runs it; the others do nothing. */
  async runDaily(): Promise<{ ran: boolean; anonymized: number; idleDialogsForgotten: number }> {
    const now = this.clock();
    const claimed = await this.store.jobRuns.claim(RETENTION_JOB, { now, notRunSince: startOfParisDay(now), leaseMs: LEASE_MS, owner: this.owner });
    if (!claimed) return { ran: false, anonymized: 0, idleDialogsForgotten: 0 };
    try {
      const report = await this.run({ dryRun: false });
      const idleDialogsForgotten = await this.store.privacy.forgetIdleDialogState(new Date(now.getTime() - IDLE_DIALOG_DAYS * 86_400_000));
      // Case packages for another académie past their time (also every 5 minutes while running).
      await this.store.academieTransfers.purgeExpired(now);
      await this.store.jobRuns.finish(RETENTION_JOB, this.owner, now);
      return { ran: true, anonymized: report.references.length, idleDialogsForgotten };
    } catch (err) {
      await this.store.jobRuns.release(RETENTION_JOB, this.owner).catch(() => {});
      throw err;
    }
  }
}
