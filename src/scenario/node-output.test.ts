import { describe, expect, it } from 'vitest';
import { NodeOutput } from './node-output.js';
import { ExpectEofError, ExpectTimeoutError } from './scenario-errors.js';
import { toPattern } from '../topology/pattern.js';

describe('NodeOutput', () => {
  it('matches a prompt without a newline as soon as it arrives, split across chunks', async () => {
    const out = new NodeOutput('c1');
    const waiting = out.expect(/Password: /, 1000);
    out.push('stdout', Buffer.from('Username: Pass'));
    out.push('stdout', Buffer.from('word: '));
    await expect(waiting).resolves.toMatchObject({ before: 'Username: ', match: 'Password: ' });
  });

  it('moves a cursor past each match, like pexpect', async () => {
    const out = new NodeOutput('c1');
    out.push('stdout', Buffer.from('TempID: 1\nTempID: 2\n'));
    expect((await out.expect(/TempID: (?<id>\d)/, 10)).groups).toEqual({ id: '1' });
    expect((await out.expect(/TempID: (?<id>\d)/, 10)).groups).toEqual({ id: '2' });
    await expect(out.expect(/TempID/, 20)).rejects.toBeInstanceOf(ExpectTimeoutError);
  });

  it('keeps the cursor for readiness checks (consume: false)', async () => {
    const out = new NodeOutput('s');
    out.push('stdout', Buffer.from('listening\n'));
    await out.expect(/listening/, 10, undefined, { consume: false });
    await expect(out.expect(/listening/, 10)).resolves.toMatchObject({ match: 'listening' });
  });

  it('expectAll: every pattern, in any order, on RE2; the cursor stays; a timeout names the one missing', async () => {
    const out = new NodeOutput('phone1');
    const pats = ['(?i)(?<![0-9a-z])1234(?:[^0-9a-z]|$)', '(?i)(?<![a-z])(?<!not )valid'].map((p) => toPattern(p));
    expect(pats.map((p) => p.engine)).toEqual(['re2', 're2']);
    const waiting = out.expectAll(pats, 2000);
    out.push('stdout', Buffer.from('beacon is VALID\n'));
    out.push('stdout', Buffer.from('tempid 1234\n'));
    await expect(waiting).resolves.toMatchObject({ match: '' });
    // The cursor did not move: what follows can still match from the start.
    await expect(out.expect(/beacon/, 10)).resolves.toMatchObject({ match: 'beacon' });
    const late = new NodeOutput('phone1');
    late.push('stdout', Buffer.from('1234 is not valid\n'));
    await expect(late.expectAll(pats, 30)).rejects.toThrow(/valid.*\(of 2 patterns, in any order\) within/);
  });

  it('fails at once when the program has ended, naming the exit and the last output', async () => {
    const out = new NodeOutput('c2');
    out.push('stderr', Buffer.from('Traceback: boom\n'));
    const waiting = out.expect(/Welcome/, 5000);
    out.ended('code 1');
    const e = await waiting.catch((x) => x);
    expect(e).toBeInstanceOf(ExpectEofError);
    expect(e.message).toBe('c2 exited (code 1) before printing /Welcome/');
    expect(e.tail).toContain('Traceback: boom');
  });

  it('decodes UTF-8 split inside a character', async () => {
    const out = new NodeOutput('c');
    const bytes = Buffer.from('ünïcødé ✓');
    out.push('stdout', bytes.subarray(0, 1));
    out.push('stdout', bytes.subarray(1));
    await expect(out.expect(/ünïcødé ✓/, 10)).resolves.toBeTruthy();
  });

  it('absent reports a forbidden pattern that shows up in the window, and discard forgets the past', async () => {
    const out = new NodeOutput('s');
    out.push('stdout', Buffer.from('+61410000004 login\n'));
    expect(await out.absent(/\+61410000004/, 10)).toBe('+61410000004');
    out.discard();
    const watching = out.absent(/\+61410000004/, 50);
    out.push('stdout', Buffer.from('+61410000002, ...\n'));
    expect(await watching).toBeUndefined();
  });
});
