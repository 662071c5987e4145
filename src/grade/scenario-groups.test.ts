import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ScenarioSpec } from '../topology/topology-schema.js';
import { scenarioGroups } from './scenario-groups.js';

const scenario = (name: string, sleep?: string): ScenarioSpec =>
  ({ name, steps: sleep ? [{ node: 'c', send: 'x' }, { parallel: [{ sleep }] }] : [{ node: 'c', send: 'x' }] }) as unknown as ScenarioSpec;

describe('scenarioGroups', () => {
  it('puts the scenario that waits longest alone, and keeps the topology order in each group', () => {
    const list = [scenario('login'), scenario('lockout', '5s'), scenario('download'), scenario('upload'), scenario('checking'), scenario('expiry')];
    const groups = scenarioGroups(list, 2).map((g) => g.map((s) => s.name));
    expect(groups).toEqual([['lockout'], ['login', 'download', 'upload', 'checking', 'expiry']]);
  });

  it('one lab, or fewer scenarios than labs: one group each at most, none empty', () => {
    const list = [scenario('a'), scenario('b')];
    expect(scenarioGroups(list, 1)).toEqual([list]);
    expect(scenarioGroups(list, 5).map((g) => g.map((s) => s.name))).toEqual([['a'], ['b']]);
    expect(scenarioGroups([], 3)).toEqual([]);
  });

  it('any list, any number of labs: every scenario in exactly one group, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }), { maxLength: 30 }), fc.integer({ min: 1, max: 8 }), (sleeps, labs) => {
        const list = sleeps.map((s, i) => scenario(`s${i}`, s === undefined ? undefined : `${s}s`));
        const groups = scenarioGroups(list, labs);
        expect(groups.length).toBeLessThanOrEqual(labs);
        expect(groups.flat().map((s) => s.name).sort()).toEqual(list.map((s) => s.name).sort());
        for (const g of groups) expect(g).toEqual(list.filter((s) => g.includes(s)));
      }),
    );
  });
});
