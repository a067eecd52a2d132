import type { Store } from "../store/index.js";
import type { Logger } from "../logging.js";
import { isSchoolDay, parisDay, schoolCalendar, type SchoolCalendar } from "../domain/school-days.js";

/** Marks plans whose review date has passed as "bilan à faire" and reminds their assignee, once,
 *  however many instances run it (the database decides). Only on school days: a review that falls
 *  on a weekend, a public holiday or in the school holidays is reminded on the next school day. */
export class ReviewReminderService {
  constructor(
    private readonly store: Store,
    private readonly clock: () => Date,
    private readonly calendar: SchoolCalendar = schoolCalendar(),
  ) {}

  async runOnce(): Promise<number> {
    if (!isSchoolDay(parisDay(this.clock()), this.calendar)) return 0;
    let total = 0;
    for (;;) {
      const claimed = await this.store.reviewReminders.claimDue(this.clock());
      total += claimed.length;
      if (claimed.length < 100) return total;
    }
  }
}

/** Runs `job` every `intervalMs` (the timer does not keep the process alive); errors are logged
 *  and the next run happens anyway. */
export function every(intervalMs: number, job: () => Promise<unknown>, logger: Logger, name: string): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const tick = () => {
    if (stopped || running) return;
    running = job()
      .catch((err) => logger.error({ err, job: name }, "scheduled job failed"))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  setTimeout(tick, 1000).unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
