import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTopology } from '../../topology/load-topology.js';
import { TopologyError } from '../../topology/topology-error.js';
import { topologyJsonSchema } from '../../topology/topology-schema.js';
import { matchGlob } from './file.js';
import { ACTIONS, describeStep, STEP_KINDS } from './step-registry.js';

const dir = mkdtempSync(join(tmpdir(), 'netlab-steps-'));
const head = `name: demo
server:
  command: [srv]
  ready: { output: "(?i)listening" }
clients: [{ name: c1, command: [cli] }]
scenarios:
  - name: s
    steps:
      - { node: c1, send: hello }
`;
function load(step: string) {
  const p = join(dir, 'topo.yaml');
  writeFileSync(p, `${head}      - ${step}\n`);
  return loadTopology(p);
}
function refused(step: string): TopologyError {
  try {
    load(step);
  } catch (e) {
    if (e instanceof TopologyError) return e;
    throw e;
  }
  throw new Error(`expected ${step} to be refused`);
}

describe('step registry', () => {
  it('has one file per kind, each with a strict schema, and the README order of actions', () => {
    expect(ACTIONS).toEqual(['send', 'expect', 'expect_all', 'absent', 'file', 'digest', 'exit', 'start', 'stop', 'kill', 'restart', 'wait_port', 'discard', 'sleep', 'clock', 'set', 'exec', 'parallel', 'foreach', 'wire', 'loss', 'partition', 'heal', 'rate', 'delay', 'jitter']);
    expect(new Set(STEP_KINDS.map((k) => k.kind)).size).toBe(STEP_KINDS.length);
  });

  it.each([
    ['{ node: c1, send: hi, contains: x }', /unknown key: contains/],
    ['{ node: c1, send: hi, sha256: y }', /unknown key: sha256/],
    ['{ node: c1, expect: hi, within: 5s }', /unknown key: within/],
    ['{ node: c1, expect: hi, exists: false }', /unknown key: exists/],
    ['{ sleep: 1s, literal: true }', /unknown key: literal/],
    ['{ node: c1, sleep: 1s }', /unknown key: node/],
  ])('refuses the inapplicable key in %s at its line', (step, message) => {
    const e = refused(step);
    expect(e.message).toMatch(message);
    expect(e.line).toBe(10);
    expect(String(e)).toMatch(/topo\.yaml:10: scenarios\[0\]\.steps\[1\]\./);
  });

  it('still refuses unknown keys, no action, two actions, and wrong types in nested steps', () => {
    expect(refused('{ node: c1, sned: hi }').message).toBe('unknown key: sned');
    expect(refused('{ node: c1 }').message).toMatch(/a step needs one action: send, expect/);
    expect(refused('{ node: c1, send: hi, expect: x }').message).toMatch(/one action, this one has send and expect/);
    const nested = refused('{ parallel: [[{ node: c1, send: hi, contains: x }]] }');
    expect(nested.key).toBe('scenarios[0].steps[1].parallel[0][0].contains');
    expect(refused('{ foreach: { items: [1], as: i, steps: [{ node: c9, send: x }] } }').message).toMatch(/no node named "c9"/);
    expect(refused('{ node: c1, send: hi, timeout: soon }').message).toMatch(/a duration/);
    expect(refused('{ send: hi }').key).toBe('scenarios[0].steps[1].node');
  });

  it('accepts every kind with its own keys, and describes each', () => {
    const steps = [
      '{ node: c1, expect: "a(?<x>b)", literal: false, timeout: 2s }',
      '{ node: c1, file: "**/log.txt", contains: x, not_contains: y, within: 1s, literal: true }',
      '{ node: c1, digest: f, as: d }',
      '{ node: c1, exit: 137 }',
      '{ restart: [c1, server] }',
      '{ node: c1, restart: c1 }',
      '{ discard: c1 }',
      '{ set: { a: 1 } }',
      '{ clock: { nodes: [c1], advance: 16m } }',
      '{ clock: { reset: true } }',
      '{ node: c1, exec: [ls], as: out }',
      '{ foreach: { items: [1, 2], as: i, parallel: true, steps: [{ node: c1, send: "{{ i }}" }] } }',
    ];
    for (const s of steps) {
      const plan = load(s);
      const step = plan.scenarios[0].steps[1];
      expect(describeStep(step)).not.toBe('step');
    }
  });

  it('clock: advance or reset, named nodes checked; only a lab with a clock step gets clocks', () => {
    expect(refused('{ clock: { nodes: [c1], advance: 1m, reset: true } }').message).toMatch(/either advance: or reset: true/);
    expect(refused('{ clock: { nodes: [c1] } }').message).toMatch(/either advance: or reset: true/);
    expect(refused('{ clock: { nodes: [c9], advance: 1m } }').message).toMatch(/no node named "c9"/);
    expect(refused('{ clock: { advance: soon } }').message).toMatch(/a duration/);
    expect(describeStep(load('{ clock: { nodes: [c1], advance: 16m } }').scenarios[0].steps[1])).toBe('move the clock of c1 forward 16m');
    expect(load('{ clock: { advance: 3m } }').nodes.every((n) => n.clock === true)).toBe(true);
    expect(load('{ foreach: { items: [1], as: i, steps: [{ clock: { advance: 1s } }] } }').nodes[0].clock).toBe(true);
    expect(load('{ sleep: 1s }').nodes.some((n) => 'clock' in n)).toBe(false);
  });

  it('publishes each kind in the JSON Schema as one of the step shapes', () => {
    const json = topologyJsonSchema() as { $defs: { Step: { anyOf: { properties: Record<string, unknown>; additionalProperties: boolean }[] } } };
    const kinds = json.$defs.Step.anyOf;
    expect(kinds).toHaveLength(STEP_KINDS.length);
    expect(kinds.every((k) => k.additionalProperties === false)).toBe(true);
    expect(Object.keys(kinds[0].properties)).toEqual(['name', 'timeout', 'gate', 'node', 'send']);
  });
});

describe('expect_all', () => {
  it('takes a list of patterns; a bad one is refused at its line, an empty list at the key', () => {
    expect(load("{ node: c1, expect_all: ['a(?=b)', c] }").scenarios[0].steps[1]).toMatchObject({ expect_all: ['a(?=b)', 'c'] });
    const bad = refused("{ node: c1, expect_all: [ok, 'x((', ] }");
    expect(bad.message).toMatch(/not a valid regular expression/);
    expect(String(bad)).toMatch(/topo\.yaml:10: scenarios\[0\]\.steps\[1\]\.expect_all\[1\]: /);
    expect(String(refused('{ node: c1, expect_all: [] }'))).toMatch(/:10: scenarios\[0\]\.steps\[1\]\.expect_all: at least one pattern/);
  });
});

describe('ready.output', () => {
  it('is compiled like step patterns: (?i) is accepted by validate, a bad one refused at its line', () => {
    expect(load('{ node: c1, send: x }').nodes[0].ready?.output).toBe('(?i)listening');
    const p = join(dir, 'bad-ready.yaml');
    writeFileSync(p, head.replace('(?i)listening', 'listening (('));
    expect(() => loadTopology(p)).toThrow(/not a valid regular expression/);
    try {
      loadTopology(p);
    } catch (e) {
      expect(String(e)).toMatch(/bad-ready\.yaml:4: server\.ready\.output: /);
    }
  });
});

describe('file globs (picomatch)', () => {
  const files = ['log.txt', 'catalog.txt', 'a/log.txt', 'a/b/log.txt', 'b.txt', 'c.txt', 'x.csv', '.hidden'];
  it.each([
    ['**/log.txt', ['log.txt', 'a/log.txt', 'a/b/log.txt']],
    ['[!a]*.txt', ['log.txt', 'catalog.txt', 'b.txt', 'c.txt'].filter((f) => !f.startsWith('a'))],
    ['{b,c}.txt', ['b.txt', 'c.txt']],
    ['*.{txt,csv}', ['log.txt', 'catalog.txt', 'b.txt', 'c.txt', 'x.csv']],
    ['?.txt', ['b.txt', 'c.txt']],
    ['.h*', ['.hidden']],
  ])('%s', (glob, want) => {
    expect(matchGlob(glob, files)).toEqual(want);
  });
});
