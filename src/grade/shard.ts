import { NetlabError } from '../model/netlab-error.js';
/**
 * A class split into N stable shares, so N graders (Swarm tasks, Kubernetes Indexed Job
 * pods, or N terminals) each grade a part and nothing is graded twice or missed. The
 * share depends only on the sorted names, never on timing: a re-run of shard i/N grades
 * exactly the submissions it graded before.
 */
export interface Shard {
  /** 1-based, as a person writes it: --shard 1/3 is the first of three. */
  index: number;
  count: number;
}

export class ShardError extends NetlabError {}

/** "2/5" -> { index: 2, count: 5 }; anything else is a clear error. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new ShardError(`--shard takes i/N, e.g. 1/4 (the first of four shares), not "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 10_000) throw new ShardError(`--shard ${text}: N must be between 1 and 10000`);
  if (index < 1 || index > count) throw new ShardError(`--shard ${text}: i must be between 1 and ${count}`);
  return { index, count };
}

/**
 * The names in share i of N: sorted names dealt out round-robin, so shares differ in size
 * by at most one and each holds early and late names alike (no shard gets every large
 * submission that happens to sort together).
 */
export function shardOf<T extends string>(names: readonly T[], shard: Shard): T[] {
  const sorted = [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.filter((_, i) => i % shard.count === shard.index - 1);
}

/** What a shard's output folder says about itself, so a merge can tell what is missing. */
export interface ShardManifest {
  shard: Shard;
  /** Every submission of the class, as this shard saw the folder. */
  class: string[];
  /** The ones this shard was to grade. */
  assigned: string[];
  topology: string;
  finishedAt: string;
}

export const SHARD_MANIFEST = 'shard.json';
