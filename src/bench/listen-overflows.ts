import { readFileSync } from 'node:fs';

/**
 * The kernel's TcpExt ListenOverflows + ListenDrops counters (all sockets of this network
 * namespace), or undefined where /proc/net/netstat is not readable.
 *
 * Why: an accept queue that overflows makes clients retry their SYN a second later; the
 * delta over a run is the evidence that no connection attempt was dropped. The counters
 * are machine-wide, so a busy neighbour can raise them too; a zero delta is conclusive.
 */
export function listenOverflows(): number | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/net/netstat', 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n').filter((l) => l.startsWith('TcpExt:'));
  if (lines.length < 2) return undefined;
  const names = lines[0]!.trim().split(/\s+/);
  const values = lines[1]!.trim().split(/\s+/);
  const at = (n: string): number => Number(values[names.indexOf(n)] ?? NaN);
  const sum = at('ListenOverflows') + at('ListenDrops');
  return Number.isFinite(sum) ? sum : undefined;
}
