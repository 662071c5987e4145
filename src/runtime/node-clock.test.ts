import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clockEnv, clockLibraries, findLibfaketime, NodeClock, offsetSpec, withPreload } from './node-clock.js';
import { RuntimeError } from './runtime.js';

const temp = mkdtempSync(join(tmpdir(), 'netlab-clock-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('node clock', () => {
  it("writes libfaketime's relative form", () => {
    expect(offsetSpec(0)).toBe('+0s');
    expect(offsetSpec(960_000)).toBe('+960s');
    expect(offsetSpec(1_500)).toBe('+1.5s');
    expect(offsetSpec(-2_000)).toBe('-2s');
  });

  it('keeps a cumulative offset, written atomically, reset to real time', () => {
    const c = new NodeClock(join(temp, 'n1', 'clock'));
    expect(readFileSync(c.file, 'utf8')).toBe('+0s\n');
    c.advance(16 * 60_000);
    c.advance(10_000);
    expect(c.offsetMs).toBe(970_000);
    expect(readFileSync(c.file, 'utf8')).toBe('+970s\n');
    expect(readdirSync(c.dir)).toEqual(['offset']); // no temporary file left
    c.reset();
    expect(readFileSync(c.file, 'utf8')).toBe('+0s\n');
  });

  it('re-read at every call: no cache, monotonic clocks left alone', () => {
    expect(clockEnv('/run/netlab/clock/offset')).toEqual({
      FAKETIME_TIMESTAMP_FILE: '/run/netlab/clock/offset',
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
      FAKETIME_FORCE_MONOTONIC_FIX: '0', // else timed waits on the monotonic clock return at once (Java)
    });
  });

  it('joins LD_PRELOAD after the libraries already there, once', () => {
    expect(withPreload(undefined, '/f.so')).toBe('/f.so');
    expect(withPreload('/shim.so', '/f.so')).toBe('/shim.so /f.so');
    expect(withPreload('/shim.so:/f.so', '/f.so')).toBe('/shim.so /f.so');
  });

  it('finds libfaketime, or says which package gives it', () => {
    const lib = join(temp, 'libfaketime.so.1');
    writeFileSync(lib, '');
    expect(findLibfaketime([join(temp, 'missing.so'), lib], {})).toBe(lib);
    expect(() => findLibfaketime([join(temp, 'missing.so')], {})).toThrow(RuntimeError);
    expect(() => findLibfaketime([join(temp, 'missing.so')], {})).toThrow(/apt-get install faketime/);
    expect(findLibfaketime([], { NETLAB_LIBFAKETIME: lib })).toBe(lib);
    expect(() => findLibfaketime([lib], { NETLAB_LIBFAKETIME: join(temp, 'nope') })).toThrow(/NETLAB_LIBFAKETIME names/);
  });

  it("moves a real program's wall clock at once (the host's libfaketime)", () => {
    const lib = findLibfaketime(); // CI installs it (.ci/run); a machine without it fails here
    const c = new NodeClock(join(temp, 'n2', 'clock'));
    const now = () =>
      Number(execFileSync('date', ['+%s'], { env: { ...process.env, LD_PRELOAD: lib, ...clockEnv(c.file) } }).toString());
    const before = now();
    c.advance(960_000);
    expect(now() - before).toBeGreaterThanOrEqual(960);
  });

  it("keeps Python's time.sleep working after a jump (clock-fix.c before libfaketime)", () => {
    const { fix, faketime } = clockLibraries(resolve(import.meta.dirname, '..', '..'));
    const c = new NodeClock(join(temp, 'n3', 'clock'));
    c.advance(960_000);
    const out = execFileSync('python3', ['-c', 'import time,threading\ntime.sleep(0.01)\nc=threading.Condition()\nwith c: c.wait(0.01)\nprint("slept")'], {
      env: { ...process.env, LD_PRELOAD: withPreload(fix, faketime), ...clockEnv(c.file) },
    });
    expect(out.toString()).toBe('slept\n');
  });
});
