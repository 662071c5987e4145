/** "256m", "1g", "512k" or a plain byte count, as bytes. */
export function parseSize(s: string): number {
  const m = /^(\d+)(k|m|g)?$/i.exec(s.trim());
  if (!m) throw new Error(`not a size: ${s}`);
  return Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
}
