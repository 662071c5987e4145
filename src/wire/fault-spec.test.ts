import { describe, expect, it } from 'vitest';
import { dropRules } from './fault-spec.js';

const nodes = ['server', 'a', 'b', 'c'];

describe('drop rules: every drop at the receiving end', () => {
  it('a partition drops both ways between groups, nothing inside a group or for nodes left out', () => {
    const r = dropRules({ kind: 'partition', groups: [['a', 'b'], ['c']] }, nodes);
    expect(r.map((x) => `${x.source}>${x.receiver}`).sort()).toEqual(['a>c', 'b>c', 'c>a', 'c>b']);
    expect(r.every((x) => x.probability === 1)).toBe(true);
  });

  it('loss of a node: in is everything it receives, out is every other node receiving from it', () => {
    const both = dropRules({ kind: 'loss', node: 'a', percent: 10, direction: 'both' }, nodes);
    expect(both.map((x) => `${x.source ?? '*'}>${x.receiver}`)).toEqual(['*>a', 'a>server', 'a>b', 'a>c']);
    expect(both[0].probability).toBeCloseTo(0.1);
    expect(dropRules({ kind: 'loss', node: 'a', percent: 10, direction: 'in' }, nodes)).toHaveLength(1);
  });

  it('loss between two nodes: out is a to b, in is b to a', () => {
    expect(dropRules({ kind: 'loss', between: ['a', 'b'], percent: 5, direction: 'out' }, nodes).map((x) => `${x.source}>${x.receiver}`)).toEqual(['a>b']);
    expect(dropRules({ kind: 'loss', between: ['a', 'b'], percent: 5, direction: 'in' }, nodes).map((x) => `${x.source}>${x.receiver}`)).toEqual(['b>a']);
    expect(dropRules({ kind: 'heal' }, nodes)).toEqual([]);
  });
});
