import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../common/manual-clock.js';
import { makeTestDir } from './test-dir.js';
import { TempIdStore, formatTempIdLine, parseTempIdLine, randomTempId } from './tempid-store.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function tmp(): Promise<string> {
  const t = await makeTestDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('TempID generation', () => {
  it('is 20 decimal digits and does not repeat', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = randomTempId();
      expect(id).toMatch(/^\d{20}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(2000);
  });

  it('formats and parses tempIDs.txt lines', () => {
    const r = { userId: '+61410888888', tempId: '00000000000000000042', startMs: Date.UTC(2020, 0, 2, 3, 4, 5), expiryMs: Date.UTC(2020, 0, 2, 3, 19, 5) };
    const line = formatTempIdLine(r);
    expect(line).toBe('+61410888888 00000000000000000042 02/01/2020 03:04:05 02/01/2020 03:19:05');
    expect(parseTempIdLine(line)).toEqual(r);
    expect(parseTempIdLine('+614 123 02/01/2020 03:04:05 02/01/2020 03:19:05')).toBeNull();
  });
});

describe('TempIdStore', () => {
  it('returns the same TempID while valid and a new one after expiry', async () => {
    const dir = await tmp();
    const clock = new ManualClock(Date.UTC(2024, 0, 1, 12, 0, 0, 400));
    const store = new TempIdStore({ dir, lifetimeMs: 15 * 60_000, clock });
    const a = await store.issue('+61410888888');
    expect(a.reused).toBe(false);
    expect(a.record.startMs).toBe(Date.UTC(2024, 0, 1, 12, 0, 0));
    expect(a.record.expiryMs - a.record.startMs).toBe(15 * 60_000);
    clock.advance(10 * 60_000);
    const b = await store.issue('+61410888888');
    expect(b).toEqual({ record: a.record, reused: true });
    clock.set(a.record.expiryMs + 1);
    const c = await store.issue('+61410888888');
    expect(c.reused).toBe(false);
    expect(c.record.tempId).not.toBe(a.record.tempId);
    expect(store.lookup(a.record.tempId)?.userId).toBe('+61410888888');
  });

  it('gives different users different TempIDs even if the generator repeats itself', async () => {
    const dir = await tmp();
    const ids = ['11111111111111111111', '11111111111111111111', '22222222222222222222'];
    const store = new TempIdStore({ dir, lifetimeMs: 60_000, clock: new ManualClock(), generate: () => ids.shift()! });
    const a = await store.issue('a');
    const b = await store.issue('b');
    expect(a.record.tempId).toBe('11111111111111111111');
    expect(b.record.tempId).toBe('22222222222222222222');
  });

  it('writes tempIDs.txt before answering, leaves no temp files, and survives a restart', async () => {
    const dir = await tmp();
    const clock = new ManualClock();
    const store = new TempIdStore({ dir, lifetimeMs: 60_000, clock });
    const issued = await Promise.all(Array.from({ length: 50 }, (_, i) => store.issue(`user${i}`)));
    const text = await readFile(join(dir, 'tempIDs.txt'), 'utf8');
    for (const { record } of issued) expect(text).toContain(formatTempIdLine(record));
    expect(text.trim().split('\n')).toHaveLength(50);
    expect(await readdir(dir)).toEqual(['tempIDs.txt']);

    const again = new TempIdStore({ dir, lifetimeMs: 60_000, clock });
    await again.load();
    expect(again.size).toBe(50);
    const r = await again.issue('user7');
    expect(r).toEqual({ record: issued[7]!.record, reused: true });
  });

  it('skips malformed lines when loading', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'tempIDs.txt'), 'garbage\n+61 12345678901234567890 01/01/2024 12:00:00 01/01/2024 12:15:00\n');
    const warnings: string[] = [];
    const store = new TempIdStore({ dir, lifetimeMs: 60_000, clock: new ManualClock(), warn: (w) => warnings.push(w) });
    await store.load();
    expect(store.size).toBe(1);
    expect(warnings).toHaveLength(1);
  });
});
