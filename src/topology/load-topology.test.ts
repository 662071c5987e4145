import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTopology } from './load-topology.js';
import { renderNode } from './lab-plan.js';
import { TopologyError } from './topology-error.js';

const dir = mkdtempSync(join(tmpdir(), 'netlab-topo-'));
function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
function fails(text: string): TopologyError {
  try {
    loadTopology(write('bad.yaml', text));
  } catch (e) {
    if (e instanceof TopologyError) return e;
    throw e;
  }
  throw new Error('expected a TopologyError');
}

const GOOD = `name: demo
network: { subnet: 10.99.1.0/24 }
vars: { port: 4000 }
server:
  command: [srv, "{{ vars.port }}"]
  files: { credentials.txt: "a b\\n" }
clients:
  count: 3
  name: "c{n}"
  command: [cli, "{{ server.ip }}", "{{ vars.port }}", "{{ self.name }}"]
scenarios:
  - name: s
    steps:
      - { node: c1, send: hello }
      - { node: c1, expect: "hi" }
`;

describe('loadTopology', () => {
  it('expands client groups and allocates addresses', () => {
    const plan = loadTopology(write('good.yaml', GOOD));
    expect(plan.nodes.map((n) => [n.name, n.host])).toEqual([
      ['server', 10],
      ['c1', 11],
      ['c2', 12],
      ['c3', 13],
    ]);
    const ip = (n: { host: number }) => `10.99.1.${n.host}`;
    expect(renderNode(plan, plan.nodes[2], ip).command).toEqual(['cli', '10.99.1.10', '4000', 'c2']);
    expect(plan.nodes[0].files[0].content.toString()).toBe('a b\n');
  });

  it.each([
    ['unknown key', GOOD.replace('vars:', 'varz:'), 3, /unknown key: varz/],
    ['malformed yaml', 'name: x\nserver: [\n', 3, /malformed YAML/],
    ['duplicate key', GOOD.replace('vars: { port: 4000 }', 'vars: { port: 4000 }\nvars: {}'), 4, /unique|duplicate/i],
    ['missing command', GOOD.replace('  command: [srv, "{{ vars.port }}"]\n', ''), 4, /no command/],
    ['ip outside subnet', GOOD.replace('  command: [srv', '  ip: 10.99.2.5\n  command: [srv'), 5, /outside 10\.99\.1\.0\/24/],
    ['unknown template name', GOOD.replace('{{ server.ip }}', '{{ server.addr }}'), 10, /server\.addr/],
    ['unknown node in a step', GOOD.replace('node: c1, send', 'node: c9, send'), 14, /no node named "c9"/],
    ['step with two actions', GOOD.replace('send: hello', 'send: hello, expect: x'), 14, /one action/],
  ])('%s is refused with its line', (_name, text, line, message) => {
    const e = fails(text);
    expect(e.line).toBe(line);
    expect(e.message).toMatch(message);
    expect(String(e)).toContain('bad.yaml:');
  });

  it('refuses two nodes on one IP and duplicate names', () => {
    const twoIps = `name: d\nnetwork: {subnet: 10.9.0.0/24}\nserver: {command: [a], ip: 10.9.0.5}\nclients:\n  - {name: x, command: [b], ip: 10.9.0.5}\n`;
    expect(fails(twoIps).message).toMatch(/already the address of node "server"/);
    const dup = `name: d\nserver: {command: [a]}\nclients:\n  - {name: server, command: [b]}\n`;
    const e = fails(dup);
    expect(e.message).toMatch(/duplicate node name "server"/);
    expect(e.line).toBe(4);
  });
});

describe('grading keys of issue 9', () => {
  const base = `name: g
server: { command: [srv] }
grading:
`;
  it('packages: Debian package names only, refused at their line; loopback: allow, warn or fail', () => {
    expect(loadTopology(write('pk.yaml', `${base}  packages: [python3-scipy, python3-matplotlib]\n  loopback: fail\n`)).grading).toMatchObject({
      packages: ['python3-scipy', 'python3-matplotlib'],
      loopback: 'fail',
    });
    const e = fails(`${base}  packages: [python3-scipy, "Scipy Now"]\n`);
    expect(e.message).toMatch(/a Debian package name/);
    expect(e.key).toBe('grading.packages[1]');
    expect(fails(`${base}  loopback: maybe\n`).key).toBe('grading.loopback');
  });

  it('limits.disk: a size from 1m to 64g, for a node and for submissions; refused with its key otherwise', () => {
    const plan = loadTopology(write('disk.yaml', GOOD.replace('  command: [srv, "{{ vars.port }}"]', '  command: [srv, "{{ vars.port }}"]\n  limits: { disk: 32m }')));
    expect(plan.nodes[0].limits.disk).toBe('32m');
    expect(loadTopology(write('gdisk.yaml', `${base}  limits: { disk: 1g }\n`)).grading?.limits?.disk).toBe('1g');
    const small = fails(`${base}  limits: { disk: 512k }\n`);
    expect(small.message).toMatch(/at least 1m/);
    expect(small.key).toBe('grading.limits.disk');
    expect(fails(`${base}  limits: { disk: 65g }\n`).message).toMatch(/at most 64g/);
    expect(fails(`${base}  limits: { disk: lots }\n`).message).toMatch(/a size such as 128m/);
  });
});

describe('ready on a UDP port', () => {
  it('takes transport: udp with a port, and refuses it with probe: connect or without a port, at its line', () => {
    const udp = GOOD.replace('  files: { credentials.txt: "a b\\n" }\n', '  files: { credentials.txt: "a b\\n" }\n  ready: { port: 4433, transport: udp }\n');
    expect(loadTopology(write('udp.yaml', udp)).nodes[0]!.ready).toMatchObject({ port: 4433, transport: 'udp' });
    const e = fails(udp.replace('transport: udp }', 'transport: udp, probe: connect }'));
    expect(e.message).toMatch(/probe: connect is for TCP ports/);
    expect([e.line, e.key]).toEqual([7, 'server.ready']);
    expect(fails(udp.replace('port: 4433, transport: udp', 'output: x, transport: udp')).message).toMatch(/transport needs port/);
  });
});
