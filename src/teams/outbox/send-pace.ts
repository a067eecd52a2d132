/**
 * How fast the bot may send to one Teams conversation (a personal chat, a group chat or a channel).
 *
 * Teams' "per bot per thread" limits for "Send to conversation" (Microsoft Learn, "Optimize your
 * bot with rate limiting and best practices in Teams", msteams-platform/bots/how-to/rate-limit.md):
 * 7 operations in 1 s, 8 in 2 s, 60 in 30 s, 1800 in 3600 s; beyond them Teams answers 429. Each
 * window is taken 10 % longer here: Teams counts arrivals, and a request can take longer to arrive
 * than the next one does. Updates of a posted card count as sends.
 */
export type SendLimit = { count: number; windowMs: number };

export const TEAMS_THREAD_LIMITS: readonly SendLimit[] = [
  { count: 7, windowMs: 1_100 },
  { count: 8, windowMs: 2_200 },
  { count: 60, windowMs: 33_000 },
  { count: 1800, windowMs: 3_960_000 },
];

/** The longest window: starts older than this no longer matter. */
export function paceMemoryMs(limits: readonly SendLimit[]): number {
  return Math.max(0, ...limits.map((l) => l.windowMs));
}

/**
 * The earliest start times of the next `n` sends to a conversation, given the start times already
 * given out (`recent`, ascending, in ms), such that no window of any limit ever holds more than its
 * count. Times never go backwards: a conversation's sends keep their order.
 */
export function nextSlots(recent: readonly number[], n: number, now: number, limits: readonly SendLimit[] = TEAMS_THREAD_LIMITS): number[] {
  const starts = [...recent];
  const slots: number[] = [];
  for (let i = 0; i < n; i++) {
    let t = Math.max(now, starts.at(-1) ?? now);
    // A window (t - windowMs, t] may hold count - 1 earlier starts; the count-th latest must have
    // left it. Moving t later only empties windows, so one pass over the limits is enough.
    for (const { count, windowMs } of limits) {
      const kth = starts[starts.length - count];
      if (kth !== undefined) t = Math.max(t, kth + windowMs);
    }
    starts.push(t);
    slots.push(t);
  }
  return slots;
}
