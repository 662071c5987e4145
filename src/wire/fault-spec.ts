/**
 * A fault a scenario puts into the lab's network. Loss and partitions drop packets at the
 * receiving end (INPUT), so the capture still shows what was sent; rate shapes what a
 * node sends. `heal` removes every fault.
 */
export type FaultSpec =
  | { kind: 'loss'; percent: number; node?: string; between?: [string, string]; direction: 'both' | 'in' | 'out' }
  | { kind: 'partition'; groups: string[][] }
  | { kind: 'rate'; node: string; kbit: number }
  | { kind: 'delay'; node: string; ms: number; jitterMs: number }
  | { kind: 'heal' };

/** One drop rule: packets to `receiver` from `source` (undefined: any lab node), dropped with this probability. */
export interface DropRule {
  receiver?: string;
  source?: string;
  probability: number;
  why: string;
}

/**
 * The drop rules of a loss or partition, by node name. "out" of a node is every other
 * node receiving from it; "between [a, b]" is both ways, or a->b for "out", b->a for "in".
 */
export function dropRules(f: FaultSpec, allNodes: string[]): DropRule[] {
  if (f.kind === 'partition') {
    const rules: DropRule[] = [];
    f.groups.forEach((g, i) =>
      f.groups.forEach((other, j) => {
        if (i === j) return;
        for (const r of g) for (const s of other) rules.push({ receiver: r, source: s, probability: 1, why: 'partition' });
      }),
    );
    return rules;
  }
  if (f.kind !== 'loss') return [];
  const probability = f.percent / 100;
  const why = `loss ${f.percent}%`;
  if (f.between) {
    const [a, b] = f.between;
    return [
      ...(f.direction !== 'in' ? [{ receiver: b, source: a, probability, why }] : []),
      ...(f.direction !== 'out' ? [{ receiver: a, source: b, probability, why }] : []),
    ];
  }
  const n = f.node!;
  return [
    ...(f.direction !== 'out' ? [{ receiver: n, probability, why }] : []),
    ...(f.direction !== 'in' ? allNodes.filter((o) => o !== n).map((o) => ({ receiver: o, source: n, probability, why })) : []),
  ];
}
