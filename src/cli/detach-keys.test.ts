import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DETACH_HELP, readTyped } from './detach-keys.js';

/** A terminal in raw mode, as `lab attach` sees one: keys arrive one by one. */
function terminal() {
  const input = Object.assign(new PassThrough(), { isTTY: true, rawMode: false, setRawMode(on: boolean) { this.rawMode = on; return this; } });
  const echo = new PassThrough();
  const sent: string[] = [];
  let detached = 0;
  const stop = readTyped(input as unknown as NodeJS.ReadStream, echo, (t) => sent.push(t), () => detached++);
  return { input, echo, sent, detached: () => detached, stop };
}

describe('lab attach keys', () => {
  it('sends whole edited lines, and Ctrl-D at the start of a line detaches (not in the middle)', () => {
    const t = terminal();
    expect(t.input.rawMode).toBe(true);
    t.input.write('helo\x7flo\r');
    expect(t.sent).toEqual(['hello\n']);
    t.input.write('ab\x04c\r'); // Ctrl-D mid-line is not a detach
    expect(t.sent).toEqual(['hello\n', 'abc\n']);
    expect(t.detached()).toBe(0);
    t.input.write('\x04');
    expect(t.detached()).toBe(1);
    t.stop();
    expect(t.input.rawMode).toBe(false);
  });

  it('Ctrl-] detaches at once, half a line typed or not; the help names both keys', () => {
    const t = terminal();
    t.input.write('half a li\x1d');
    expect(t.detached()).toBe(1);
    expect(t.sent).toEqual([]);
    expect(DETACH_HELP).toBe('Ctrl-] or Ctrl-D detaches (the node keeps running)');
  });

  it('from a pipe, input passes through and Ctrl-] or the end of input detaches', () => {
    const input = new PassThrough();
    const sent: string[] = [];
    let detached = 0;
    readTyped(input as unknown as NodeJS.ReadStream, new PassThrough(), (x) => sent.push(x), () => detached++);
    input.write('one\ntwo\n');
    input.write('three\x1drest');
    expect(sent).toEqual(['one\ntwo\n', 'three']);
    expect(detached).toBe(1);
  });
});
