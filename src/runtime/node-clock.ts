import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compilePreload } from './compile-preload.js';
import { RuntimeError } from './runtime.js';

/** The file libfaketime reads the node's clock offset from, inside the clock folder. */
export const CLOCK_FILE = 'offset';

/** Where libfaketime lives on Debian and friends (package libfaketime), first match wins. */
const LIBFAKETIME_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/arm-linux-gnueabihf/faketime/libfaketime.so.1',
  '/usr/lib/i386-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
  '/usr/local/lib/faketime/libfaketime.so.1',
  '/usr/lib64/faketime/libfaketime.so.1',
];

/**
 * The host's libfaketime (an LD_PRELOAD library that shifts what programs read as the
 * wall clock), or a RuntimeError saying how to get it. `NETLAB_LIBFAKETIME` overrides.
 */
export function findLibfaketime(candidates: readonly string[] = LIBFAKETIME_CANDIDATES, env = process.env): string {
  const own = env.NETLAB_LIBFAKETIME;
  const list = own ? [own] : candidates;
  const found = list.find((p) => existsSync(p));
  if (found) return found;
  throw new RuntimeError(
    own
      ? `NETLAB_LIBFAKETIME names ${own}, which does not exist`
      : 'this lab moves node clocks (a clock: step), which needs libfaketime on this machine: apt-get install faketime (Debian package libfaketime)',
  );
}

/**
 * What a node with a movable clock preloads, in order: the fix for libfaketime's monotonic
 * sleeps (clock-fix.c, which must come first), then libfaketime. A RuntimeError when either
 * is missing: a clock without the fix breaks every Python time.sleep().
 */
export function clockLibraries(projectRoot: string): { fix: string; faketime: string } {
  const faketime = findLibfaketime();
  const fix = compilePreload(projectRoot, join(projectRoot, 'src', 'runtime', 'clock-fix.c'), 'clock-fix');
  if (!fix.path) throw new RuntimeError(`this lab moves node clocks, which needs a C compiler here: ${fix.why}`);
  return { fix: fix.path, faketime };
}

/**
 * The environment that makes a program read its wall clock from the offset file: the
 * file is re-read at every time call (no cache), so a jump shows at once; monotonic
 * clocks are left alone, so timeouts and sleeps keep their real length.
 * FAKETIME_FORCE_MONOTONIC_FIX=0: FAKETIME_DONT_FAKE_MONOTONIC turns on libfaketime's
 * "monotonic fix" for pthread_cond_timedwait, which then shifts the deadline of a condition
 * variable on the monotonic clock as if it were wall-clock time: a JVM's Object.wait(1000)
 * and LockSupport.parkNanos returned at once, and a JVM took 1-2 s to start (measured
 * under +3600 s; docs/grading.md "Clock"). Without it, waits keep their length in Java,
 * Python and C (realtime condition variables too) before and after a jump.
 */
export function clockEnv(fileInNode: string): Record<string, string> {
  return { FAKETIME_TIMESTAMP_FILE: fileInNode, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1', FAKETIME_FORCE_MONOTONIC_FIX: '0' };
}

/** libfaketime's relative form for an offset in ms: "+960s", "-1.5s", "+0s". */
export function offsetSpec(offsetMs: number): string {
  const s = Math.round(offsetMs) / 1000;
  return `${s < 0 ? '-' : '+'}${Math.abs(s)}s`;
}

/** LD_PRELOAD with one more library, after any already there (space-separated, as ld.so reads it). */
export function withPreload(current: string | undefined, lib: string): string {
  const parts = (current ?? '').split(/[\s:]+/).filter(Boolean);
  return parts.includes(lib) ? parts.join(' ') : [...parts, lib].join(' ');
}

/**
 * One node's wall clock as the lab controls it: a cumulative offset from real time,
 * written to `<dir>/offset` atomically (temporary file, then rename), so a program never
 * reads half a line. The offset survives restarts of the node within one run, like a
 * real machine's clock; `reset` brings it back to real time.
 */
export class NodeClock {
  private offset = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.write();
  }

  /** The offset file on this machine (the runtime mounts or points the node at it). */
  get file(): string {
    return join(this.dir, CLOCK_FILE);
  }

  /** How far ahead of real time the node's clock is, in ms. */
  get offsetMs(): number {
    return this.offset;
  }

  advance(ms: number): void {
    this.offset += ms;
    this.write();
  }

  reset(): void {
    this.offset = 0;
    this.write();
  }

  private write(): void {
    const tmp = join(this.dir, `.${CLOCK_FILE}.${process.pid}.tmp`);
    writeFileSync(tmp, `${offsetSpec(this.offset)}\n`, { mode: 0o644 });
    renameSync(tmp, this.file);
  }
}
