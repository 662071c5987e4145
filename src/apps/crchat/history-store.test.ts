import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryStore } from './history-store.js';

const dirs: string[] = [];
function tempFile(): string {
  const d = mkdtempSync(join(tmpdir(), 'crchat-hist-'));
  dirs.push(d);
  return join(d, 'history.jsonl');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('HistoryStore', () => {
  it('keeps messages across a restart, in order, per pair', () => {
    const f = tempFile();
    const h = HistoryStore.open(f);
    h.append({ session: 1, from: 'A', to: 'B', text: 'hi, "B" ✓', at: 1 });
    h.append({ session: 1, from: 'B', to: 'A', text: 'yo', at: 2 });
    h.append({ session: 2, from: 'C', to: 'D', text: 'other pair', at: 3 });
    h.append({ session: 3, from: 'A', to: 'B', text: 'again', at: 4 });
    const h2 = HistoryStore.open(f);
    expect(h2.between('B', 'A').map((r) => [r.session, r.from, r.text])).toEqual([
      [1, 'A', 'hi, "B" ✓'],
      [1, 'B', 'yo'],
      [3, 'A', 'again'],
    ]);
    expect(h2.between('A', 'C')).toEqual([]);
    expect(h2.maxSession).toBe(3);
  });

  it('cuts a torn last line and keeps appending on a clean line', () => {
    const f = tempFile();
    const h = HistoryStore.open(f);
    h.append({ session: 1, from: 'A', to: 'B', text: 'whole', at: 1 });
    appendFileSync(f, '{"session":1,"from":"A","to":"B","te');
    const h2 = HistoryStore.open(f);
    expect(h2.tornTail).toBe(true);
    expect(h2.between('A', 'B')).toHaveLength(1);
    h2.append({ session: 2, from: 'B', to: 'A', text: 'after', at: 2 });
    expect(HistoryStore.open(f).between('A', 'B').map((r) => r.text)).toEqual(['whole', 'after']);
    expect(readFileSync(f, 'utf8').split('\n')).toHaveLength(3);
  });

  it('skips unreadable lines instead of refusing to start', () => {
    const f = tempFile();
    writeFileSync(f, 'garbage\n{"session":"x"}\n{"session":4,"from":"A","to":"B","text":"ok","at":0}\n');
    const h = HistoryStore.open(f);
    expect(h.skipped).toBe(2);
    expect(h.between('A', 'B')).toHaveLength(1);
    expect(h.maxSession).toBe(4);
  });

  it('creates a missing file', () => {
    const f = tempFile();
    expect(HistoryStore.open(f).maxSession).toBe(0);
    expect(readFileSync(f, 'utf8')).toBe('');
  });
});
