import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../common/manual-clock.js';
import { ContactLog, formatContactLine, parseContactLine } from './contact-log.js';
import { ContactLogKeeper } from './contact-log-keeper.js';
import { makeTestDir } from './test-dir.js';

const entry = (n: number) => ({ tempId: String(n).padStart(20, '0'), start: '01/01/2024 12:00:00', expiry: '01/01/2024 12:15:00' });

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('ContactLog', () => {
  it('removes entries once they are as old as the retention', () => {
    const log = new ContactLog(180_000);
    log.add({ ...entry(1), arrivalMs: 0 });
    log.add({ ...entry(2), arrivalMs: 60_000 });
    expect(log.nextExpiry()).toBe(180_000);
    expect(log.prune(179_999)).toBe(0);
    expect(log.prune(180_000)).toBe(1);
    expect(log.entries().map((e) => e.tempId)).toEqual([entry(2).tempId]);
    expect(log.prune(240_000)).toBe(1);
    expect(log.nextExpiry()).toBeUndefined();
  });

  it('refreshes the arrival time of a TempID seen again instead of duplicating it', () => {
    const log = new ContactLog(180_000);
    log.add({ ...entry(1), arrivalMs: 0 });
    log.add({ ...entry(1), arrivalMs: 100_000 });
    expect(log.size).toBe(1);
    expect(log.prune(200_000)).toBe(0);
  });

  it('formats and parses file lines', () => {
    const e = { ...entry(5), arrivalMs: Date.UTC(2024, 0, 1, 12, 1, 2) };
    const line = formatContactLine(e);
    expect(line).toBe('00000000000000000005 01/01/2024 12:00:00 01/01/2024 12:15:00 01/01/2024 12:01:02');
    expect(parseContactLine(line)).toEqual(e);
    expect(parseContactLine('nonsense')).toBeNull();
  });
});

describe('ContactLogKeeper', () => {
  it('empties contactlog.txt on its own timer when entries pass the retention', async () => {
    const t = await makeTestDir();
    cleanups.push(t.cleanup);
    const clock = new ManualClock();
    const keeper = new ContactLogKeeper(t.dir, 180_000, clock, clock);
    await keeper.load();
    const file = join(t.dir, 'contactlog.txt');
    expect(await readFile(file, 'utf8')).toBe('');

    await keeper.record(entry(1));
    clock.advance(60_000);
    await keeper.record(entry(2));
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(2);

    clock.advance(119_999); // 179.999 s after the first entry
    await keeper.idle();
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(2);

    clock.advance(2); // the first entry is due
    await keeper.idle();
    const left = await readFile(file, 'utf8');
    expect(left).not.toContain(entry(1).tempId);
    expect(left).toContain(entry(2).tempId);

    clock.advance(60_000);
    await keeper.idle();
    expect(await readFile(file, 'utf8')).toBe('');
    expect(clock.pending).toBe(0);
    await keeper.close();
  });

  it('drops already-expired entries when loading an old file', async () => {
    const t = await makeTestDir();
    cleanups.push(t.cleanup);
    const clock = new ManualClock(Date.UTC(2024, 0, 1, 12, 5, 0));
    const old = formatContactLine({ ...entry(1), arrivalMs: Date.UTC(2024, 0, 1, 12, 0, 0) });
    const recent = formatContactLine({ ...entry(2), arrivalMs: Date.UTC(2024, 0, 1, 12, 4, 0) });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(t.dir, 'contactlog.txt'), `${old}\n${recent}\n`);
    const keeper = new ContactLogKeeper(t.dir, 180_000, clock, clock);
    await keeper.load();
    expect(keeper.log.entries().map((e) => e.tempId)).toEqual([entry(2).tempId]);
    expect(await readFile(join(t.dir, 'contactlog.txt'), 'utf8')).toBe(`${recent}\n`);
    await keeper.close();
  });
});
