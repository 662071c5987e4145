/**
 * The p-th percentile (0-100) of an ascending array by the nearest-rank method; NaN when
 * the array is empty.
 *
 * Why nearest-rank: the result is always a latency that was actually measured, so a
 * bench's p99 of 200 samples is its second-worst sample, not an interpolation.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
