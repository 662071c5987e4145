import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { OWNER_FILE, reapStaleHomes } from './stale-db-homes.js';

it('removes temporary cluster folders whose tacw-db is gone, and only those', () => {
  const root = mkdtempSync(join(tmpdir(), 'netlab-tacw-homes-'));
  const make = (name: string, pid?: number) => {
    mkdirSync(join(root, name, 'pgdata'), { recursive: true });
    if (pid !== undefined) writeFileSync(join(root, name, OWNER_FILE), `${pid}\n`);
    return join(root, name);
  };
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // ran and was waited for: gone
  const stale = make('tacw-db-aaaaaaaaaaaa', dead);
  const live = make('tacw-db-bbbbbbbbbbbb', process.pid);
  const starting = make('tacw-db-cccccccccccc'); // no owner file yet: being made
  const other = make('tacw-db-notours', dead);
  expect(reapStaleHomes(root)).toEqual([stale]);
  expect(existsSync(stale)).toBe(false);
  for (const d of [live, starting, other]) expect(existsSync(d), d).toBe(true);
});
