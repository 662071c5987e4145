import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loopbackNotes } from './loopback-notes.js';

const run = mkdtempSync(join(tmpdir(), 'netlab-loopback-notes-'));
afterAll(() => rmSync(run, { recursive: true, force: true }));
const log = (node: string, text: string) => {
  mkdirSync(join(run, 'nodes', node, 'files'), { recursive: true });
  writeFileSync(join(run, 'nodes', node, 'files', '.netlab-loopback.log'), text);
};

describe('loopback notes', () => {
  it('one sentence per rewritten case, none for what was kept, nothing for nodes without a log', () => {
    log('server', '812 bind tcp 127.0.0.1 4000 rewritten 10.77.3.10\n813 bind tcp 127.0.0.1 4000 rewritten 10.77.3.10\n');
    log('phone1', '900 connect tcp 127.0.0.1 4000 rewritten 10.77.3.10\n901 sendto udp 127.0.0.1 9999 kept -\n');
    expect(loopbackNotes(run, ['server', 'phone1', 'phone2'], '.netlab-loopback.log')).toEqual([
      'server bound 127.0.0.1:4000 (TCP); the lab reached it on 10.77.3.10:4000, as if it listened on its own address',
      'phone1 sent to 127.0.0.1:4000 (TCP, connect); the lab delivered it to the server at 10.77.3.10:4000',
    ]);
  });

  it('reads the folders each scenario left (isolation: scenario), not only the last one', () => {
    const after = join(run, 'nodes', 'phone3', 'files-after', 'scenario-2');
    mkdirSync(after, { recursive: true });
    writeFileSync(join(after, '.netlab-loopback.log'), '700 connect tcp 127.0.0.1 4000 rewritten 10.77.3.10\n');
    mkdirSync(join(run, 'nodes', 'phone3', 'files'), { recursive: true });
    expect(loopbackNotes(run, ['phone3'], '.netlab-loopback.log')).toEqual(['phone3 sent to 127.0.0.1:4000 (TCP, connect); the lab delivered it to the server at 10.77.3.10:4000']);
  });
});
