import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTopology } from '../../topology/load-topology.js';
import { describeStep, stepRequirements } from './step-registry.js';

const dir = mkdtempSync(join(tmpdir(), 'netlab-fault-steps-'));
function load(...steps: string[]) {
  const p = join(dir, 'topo.yaml');
  writeFileSync(p, `name: demo\nserver: { command: [srv] }\nclients: [{ name: c1, command: [cli] }, { name: c2, command: [cli] }]\nscenarios:\n  - name: s\n    steps:\n${steps.map((s) => `      - ${s}\n`).join('')}`);
  return loadTopology(p);
}

describe('wire and fault steps', () => {
  it('read as a person says them, and say what they need from the host', () => {
    const plan = load(
      '{ wire: { from: c1, to: c2, proto: udp, contains: hi } }',
      '{ loss: { between: [c1, server], percent: 10 } }',
      '{ partition: { groups: [[c1], [c2, server]] } }',
      '{ rate: { node: c1, kbit: 800 } }',
      '{ heal: true }',
    );
    expect(plan.scenarios[0].steps.map((s) => describeStep(s))).toEqual([
      'wire: UDP c1 -> c2 holding "hi"',
      'lose 10% of packets between c1 and server',
      'partition [c1] | [c2, server]',
      'limit c1 to 800 kbit/s',
      'heal the network (remove every fault)',
    ]);
    expect(Object.fromEntries(stepRequirements(plan.scenarios))).toEqual({ capture: 'scenario "s" step 1 (wire)', faults: 'scenario "s" step 2 (loss)' });
  });

  it('a delay step needs netem; steps inside foreach are found too', () => {
    const plan = load('{ foreach: { items: [c1], as: n, steps: [{ delay: { node: "{{ n }}", ms: 50 } }] } }');
    expect(stepRequirements(plan.scenarios).get('netem')).toBe('scenario "s" step 1.1 (delay)');
  });

  it('refuses a loss with both node and between, an unknown node, a bad proto, at their lines', () => {
    const refused = (step: string) => {
      try {
        load(step);
      } catch (e) {
        return String(e);
      }
      throw new Error(`${step} was accepted`);
    };
    expect(refused('{ loss: { node: c1, between: [c1, c2], percent: 10 } }')).toMatch(/topo\.yaml:7: scenarios\[0\]\.steps\[0\]\.loss: loss needs exactly one of node: or between/);
    expect(refused('{ partition: { groups: [[c1], [nobody]] } }')).toMatch(/topo\.yaml:7: .*no node named "nobody"/);
    expect(refused('{ wire: { from: c1, to: c2, proto: icmp } }')).toMatch(/topo\.yaml:7: .*proto/);
  });
});
