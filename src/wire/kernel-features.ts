import { execFileSync } from 'node:child_process';

let netem: { ok: boolean; why: string } | undefined;

/**
 * Whether this kernel has the netem qdisc, which delay and jitter need. Probed once by
 * adding netem to the loopback of a throwaway network namespace (`unshare -n`), so no
 * real interface is touched; needs root, and says so when it cannot tell.
 */
export function netemSupport(): { ok: boolean; why: string } {
  if (netem) return netem;
  if (process.getuid?.() !== 0) return (netem = { ok: false, why: 'checking for the kernel netem qdisc needs root, and delay/jitter need it too' });
  try {
    execFileSync('unshare', ['-n', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], { stdio: 'pipe', timeout: 5000 });
    netem = { ok: true, why: 'netem available' };
  } catch (e) {
    const err = String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim();
    netem = { ok: false, why: `this kernel has no netem qdisc (sch_netem; tc says: ${err || 'failed'})` };
  }
  return netem;
}
