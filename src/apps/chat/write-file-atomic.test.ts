import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActiveUserList } from './active-user-list.js';
import { MessageBoard } from './message-board.js';
import { writeFileAtomic } from './write-file-atomic.js';

describe('writeFileAtomic', () => {
  it('writes a temporary file in the same directory, then renames it over the target', () => {
    const calls: string[] = [];
    writeFileAtomic('/logs/userlog.txt', 'x', {
      writeFileSync: (f) => calls.push(`write ${path.dirname(f)} ${path.basename(f) !== 'userlog.txt'}`),
      renameSync: (from, to) => calls.push(`rename ${path.dirname(from)} -> ${to}`),
    });
    expect(calls).toEqual(['write /logs true', 'rename /logs -> /logs/userlog.txt']);
  });

  it('replaces the content whole and leaves no temporary file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-atomic-'));
    try {
      const f = path.join(dir, 'messagelog.txt');
      writeFileAtomic(f, 'a much longer first version\n');
      writeFileAtomic(f, 'short\n');
      expect(fs.readFileSync(f, 'utf8')).toBe('short\n');
      expect(fs.readdirSync(dir)).toEqual(['messagelog.txt']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('log formats', () => {
  it('userlog.txt renumbers when a user leaves', () => {
    const list = new ActiveUserList();
    const t = Date.UTC(2021, 3, 25, 5, 26, 30);
    list.add({ user: 'jess', ip: '197.83.62.1', udpPort: 9999, sinceMs: t, sessionId: 1 });
    list.add({ user: 'steve', ip: '123.0.1.22', udpPort: 7777, sinceMs: t + 2000, sessionId: 2 });
    list.add({ user: 'bob', ip: '10.0.0.5', udpPort: 7000, sinceMs: t + 3000, sessionId: 3 });
    expect(list.render()).toBe(
      '1; 25 Apr 2021 05:26:30; jess; 197.83.62.1; 9999\n2; 25 Apr 2021 05:26:32; steve; 123.0.1.22; 7777\n3; 25 Apr 2021 05:26:33; bob; 10.0.0.5; 7000\n',
    );
    expect(list.removeSession(1)?.user).toBe('jess');
    expect(list.removeSession(1)).toBeUndefined();
    expect(list.render()).toBe('1; 25 Apr 2021 05:26:32; steve; 123.0.1.22; 7777\n2; 25 Apr 2021 05:26:33; bob; 10.0.0.5; 7000\n');
  });

  it('messagelog.txt shows the edited flag and renumbers after a delete', () => {
    const b = new MessageBoard();
    const t = Date.UTC(2021, 3, 25, 5, 33, 41);
    b.post('jess', 'i want to leave', t);
    b.post('steve', 'not valid tho', t + 5000);
    b.post('jess', 'lol', t + 7000);
    expect(b.edit(2, 'steve', t + 5000, 'not valid tho', t + 5000)).toMatchObject({ edited: true });
    expect(b.render()).toBe(
      '1; 25 Apr 2021 05:33:41; jess; i want to leave; no\n2; 25 Apr 2021 05:33:46; steve; not valid tho; yes\n3; 25 Apr 2021 05:33:48; jess; lol; no\n',
    );
    expect(b.delete(1, 'steve', t)).toBe('not-author');
    expect(b.delete(1, 'jess', t + 1000)).toBe('timestamp-mismatch');
    expect(b.delete(1, 'jess', t)).toMatchObject({ text: 'i want to leave' });
    expect(b.render()).toBe('1; 25 Apr 2021 05:33:46; steve; not valid tho; yes\n2; 25 Apr 2021 05:33:48; jess; lol; no\n');
    expect(b.since(t + 5000).map((e) => e.number)).toEqual([2]);
  });
});
