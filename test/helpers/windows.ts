/** The most events within any window of `windowMs` (times in ms, ascending): what Teams counts
 *  against its per-conversation limits. */
export function busiest(times: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}
