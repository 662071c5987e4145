import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTopology } from '../../src/topology/load-topology.js';
import { TopologyError } from '../../src/topology/topology-error.js';
import { runLabCli } from '../helpers/lab-cli.js';

// Issue 16, finding 9: each case refused when the file is loaded (lab validate), with file:line: key.
const dir = mkdtempSync(join(tmpdir(), 'netlab-hostile-val-'));
writeFileSync(join(dir, 'ok.txt'), 'fine\n');
mkdirSync(join(dir, 'sub'));
symlinkSync('/etc/passwd', join(dir, 'sub', 'passwd-link'));
execFileSync('mkfifo', [join(dir, 'fifo')]);
let n = 0;
function refused(yaml: string | Buffer): TopologyError {
  const f = join(dir, `case${++n}.yaml`);
  writeFileSync(f, yaml);
  try {
    loadTopology(f);
  } catch (e) {
    if (e instanceof TopologyError) return e;
    throw e;
  }
  throw new Error(`accepted:\n${yaml}`);
}
const SERVER = 'name: v\nserver:\n  command: [srv]\n';

describe('lab validate refuses hostile topologies with file:line: key', () => {
  it.each([
    ['an alias bomb', `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n${SERVER}`, /:2: too many YAML aliases/],
    ['a /30 subnet', `${SERVER}network: { subnet: 10.120.0.0/30 }\n`, /:4: network\.subnet: a subnet from \/8 to \/29/],
    ['a /32 subnet', `${SERVER}network: { subnet: 10.120.0.0/32 }\n`, /:4: network\.subnet: /],
    ["files key ''", `${SERVER}  files: { '': x }\n`, /:4: server\.files\.: a file path names a file/],
    ['files key .', `${SERVER}  files: { '.': x }\n`, /:4: server\.files\.\.: a file path names a file/],
    ['files x and x/y', `${SERVER}  files: { x: a, x/y: b }\n`, /:4: server\.files\.x\/y: "x" is a file/],
    ['from: /etc/passwd', `${SERVER}  files: { p: { from: /etc/passwd } }\n`, /:4: server\.files\.p\.from: \/etc\/passwd is outside the topology's folder/],
    ['from: /dev/zero', `${SERVER}  files: { z: { from: /dev/zero } }\n`, /:4: server\.files\.z\.from: \/dev\/zero is outside/],
    ['from: a symlink out', `${SERVER}  files: { z: { from: sub/passwd-link } }\n`, /server\.files\.z\.from: sub\/passwd-link is outside/],
    ['from: a FIFO', `${SERVER}  files: { f: { from: fifo } }\n`, /:4: server\.files\.f\.from: fifo is not a regular file/],
    ['timeout: 1000h', `${SERVER}scenarios:\n  - name: s\n    steps:\n      - { node: server, expect: x, timeout: 1000h }\n`, /:7: scenarios\[0\]\.steps\[0\]\.timeout: a duration of at most 24h/],
    ['sleep: 1000h', `${SERVER}scenarios:\n  - name: s\n    steps:\n      - { sleep: 1000h }\n`, /:7: scenarios\[0\]\.steps\[0\]\.sleep: a duration of at most 24h/],
    ['NUL in env', `${SERVER}  env: { A: "x\\0y" }\n`, /:4: server\.env\.A: contains a NUL byte/],
    ['NUL in command', `name: v\nserver:\n  command: [srv, "a\\0b"]\n`, /:3: server\.command\[1\]: contains a NUL byte/],
    ["memory: '1'", `${SERVER}  limits: { memory: '1' }\n`, /:4: server\.limits\.memory: at least 6m/],
    ["memory: '0'", `${SERVER}  limits: { memory: '0' }\n`, /:4: server\.limits\.memory: at least 6m/],
    ['cpus: 0.0001', `${SERVER}  limits: { cpus: 0.0001 }\n`, /:4: server\.limits\.cpus: at least 0\.01/],
    ['duplicate scenario names', `${SERVER}scenarios:\n  - name: s\n    steps: [{ sleep: 1ms }]\n  - name: s\n    steps: [{ sleep: 1ms }]\n`, /:7: scenarios\[1\].name: duplicate scenario name "s"/],
    ['an unknown template in env', `${SERVER}  env:\n    A: ok\n    B: "{{ vars.nope }}"\n`, /:6: server\.env\.B: node "server": \{\{ vars\.nope \}\} is not defined/],
    ['{{ nodes.ghost.ip }} in a step', `${SERVER}scenarios:\n  - name: s\n    steps:\n      - { node: server, send: "hi {{ nodes.ghost.ip }}" }\n`, /:7: scenarios\[0\]\.steps\[0\]\.send: \{\{ nodes\.ghost \}\}: no node named "ghost"/],
    ['a catastrophic V8-only pattern', `${SERVER}scenarios:\n  - name: s\n    steps:\n      - { node: server, expect: '^(a+)+$(?=b)' }\n`, /:7: scenarios\[0\]\.steps\[0\]\.expect: unsafe regular expression/],
    ['an env name with =', `${SERVER}  env: { "A=B": x }\n`, /:4: server\.env\.A=B: /],
  ])('%s', (_name, yaml, want) => {
    expect(refused(yaml).toString()).toMatch(want);
  });

  it('non-UTF-8 bytes, with their line', () => {
    expect(refused(Buffer.concat([Buffer.from(`${SERVER}  env: { A: "`), Buffer.from([0xff, 0xfe]), Buffer.from('" }\n')])).toString()).toMatch(/:4: not valid UTF-8/);
  });

  it('accepts ..hidden and a file from beside the topology', () => {
    const f = join(dir, 'fine.yaml');
    writeFileSync(f, `${SERVER}  files: { ..hidden: x, notes/ok.txt: { from: ok.txt } }\n`);
    expect(loadTopology(f).nodes[0].files.map((x) => x.path).sort()).toEqual(['..hidden', 'notes/ok.txt']);
  });

  it('lab validate exits 2 with the line, no stack', async () => {
    const f = join(dir, 'cli.yaml');
    writeFileSync(f, `${SERVER}network: { subnet: 10.120.0.0/31 }\n`);
    const run = await runLabCli(['validate', f]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cli\.yaml:4: network\.subnet: a subnet from \/8 to \/29/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
