/**
 * The median of some numbers (the mean of the middle two for an even count); NaN when empty.
 *
 * Why: the benches repeat each measurement and its baseline a few times, interleaved, on a
 * shared two-core machine; the median of the rounds is the figure a busy neighbour moves least.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
