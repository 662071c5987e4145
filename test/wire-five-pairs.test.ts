import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeDocker, readResults, ROOT, runDirOf, runLabCli } from './helpers/lab-cli.js';

const PHASE = ['HELLO', 'CHALLENGE', 'RESPONSE', 'AUTH_SUCCESS', 'CONNECT', 'CONNECTED'];
const canRun = process.getuid?.() === 0;
const describeWire = canRun || process.env.CI ? describe : describe.skip;

/**
 * Seed 002: "client A and server go through the connection phase and exchange the
 * messages shown". The run's sequence diagram must show the six messages, in order,
 * between each client and the server, by node name.
 */
function suite(runtime: 'local' | 'docker') {
  it('the sequence diagram shows each client\'s connection phase, the six messages in order', async () => {
    if (!canRun) throw new Error('CI is set but this is not root: capture needs root and tcpdump (.ci/run)');
    const runs = mkdtempSync(join(tmpdir(), `netlab-5p-wire-${runtime}-`));
    const run = await runLabCli(['up', join(ROOT, 'topologies', 'five-pairs.yaml'), '--runtime', runtime, '--runs', runs, '--capture']);
    expect(run.stderr).toContain('PASSED 1/1');
    const dir = runDirOf(run);
    const md = readFileSync(join(dir, 'sequence.md'), 'utf8');
    for (let i = 1; i <= 10; i++) {
      const c = `client${i}`;
      const names = md
        .split('\n')
        .map((l) => new RegExp(`^ {2}(${c}|server)(?:-\\)|->>)(${c}|server): [\\d.]+s (?:UDP|TCP) (\\w+)`).exec(l))
        .filter((m): m is RegExpExecArray => !!m && (m[1] === c || m[2] === c))
        .map((m) => `${m[1] === c ? 'c>s' : 's>c'} ${m[3]}`)
        .filter((s) => PHASE.includes(s.split(' ')[1]));
      expect(names, c).toEqual(['c>s HELLO', 's>c CHALLENGE', 'c>s RESPONSE', 's>c AUTH_SUCCESS', 'c>s CONNECT', 's>c CONNECTED']);
    }
    expect(md).not.toMatch(/\b10\.\d+\.\d+\.\d+|127\.\d+\.\d+\.\d+/); // node names, not addresses
    const res = readResults(dir);
    expect(res.wire.sequence).toContain('sequence-1.svg');
    expect(readFileSync(join(dir, 'sequence-1.svg'), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*CONNECTED[\s\S]*<\/svg>\n$/);
  });
}

describeWire('five-pairs on the wire, local runtime', () => suite('local'));
describeDocker('five-pairs on the wire, docker runtime', () => suite('docker'));
