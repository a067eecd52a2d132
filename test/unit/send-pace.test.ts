import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { TEAMS_THREAD_LIMITS, nextSlots, type SendLimit } from "../../src/teams/outbox/send-pace.js";

/** The most starts any window of `limit` holds (windows are half-open: (t - windowMs, t]). */
function busiestWindow(starts: number[], limit: SendLimit): number {
  let most = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[i]! - starts[j]! >= limit.windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe("pace of the sends to one conversation", () => {
  it("starts 7 sends at once, the 8th 1.1 s later, then 8 per 2.2 s, 60 per 33 s and 1800 per 66 min", () => {
    const slots = nextSlots([], 2000, 0);
    expect(slots.slice(0, 9)).toEqual([0, 0, 0, 0, 0, 0, 0, 1100, 2200]);
    for (const limit of TEAMS_THREAD_LIMITS) expect(busiestWindow(slots, limit)).toBeLessThanOrEqual(limit.count);
    expect(slots.filter((t) => t < 33_000)).toHaveLength(60);
    expect(slots.filter((t) => t < 3_960_000)).toHaveLength(1800);
    // Never backwards: the order of the sends is kept.
    expect(slots).toEqual([...slots].sort((a, b) => a - b));
  });

  it("goes on from what other instances already started, whatever the calls", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 1, max: 12 })), { minLength: 1, maxLength: 40 }), (calls) => {
        const starts: number[] = [];
        let now = 0;
        for (const [wait, n] of calls) {
          now += wait;
          starts.push(...nextSlots(starts, n, now));
        }
        return TEAMS_THREAD_LIMITS.every((limit) => busiestWindow(starts, limit) <= limit.count);
      }),
    );
  });

  it("does not hold back a conversation that has been quiet", () => {
    const earlier = nextSlots([], 7, 0);
    expect(nextSlots(earlier, 3, 5_000)).toEqual([5_000, 5_000, 5_000]);
  });
});
