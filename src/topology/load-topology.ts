import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Document, LineCounter, isAlias, isMap, isNode, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { planLab, type LabPlan } from './lab-plan.js';
import { TopologyError } from './topology-error.js';
import { Scenario, Topology, type TopologyFile } from './topology-schema.js';

/** A parsed YAML file that can say on which line any key path sits. */
export class SourceMap {
  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** The 1-based line of the deepest existing node along the path. */
  lineOf(path: readonly PropertyKey[]): number | undefined {
    // Walk down, remembering the line of the last key (or item) found: for a missing
    // key that is the line of its parent's key, where a person would add it.
    let node: unknown = this.doc.contents;
    let line = isNode(node) && node.range ? this.lines.linePos(node.range[0]).line : undefined;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
        if (!pair) break;
        if (isNode(pair.key) && pair.key.range) line = this.lines.linePos(pair.key.range[0]).line;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
        node = node.items[seg];
        if (isNode(node) && node.range) line = this.lines.linePos(node.range[0]).line;
      } else break;
    }
    return line;
  }

  error(message: string, path: readonly PropertyKey[]): TopologyError {
    return new TopologyError(message, this.file, this.lineOf(path), formatPath(path));
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

function parseYaml(file: string): { data: unknown; map: SourceMap } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new TopologyError(`cannot read the file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, file);
  }
  if (bytes.length > MAX_TOPOLOGY_BYTES) throw new TopologyError(`the file is ${bytes.length} bytes; a topology is at most ${MAX_TOPOLOGY_BYTES}`, file);
  const text = utf8(bytes, file);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const bad = doc.errors[0];
  if (bad) {
    const line = bad.linePos?.[0]?.line ?? lines.linePos(bad.pos[0]).line;
    throw new TopologyError(`malformed YAML: ${bad.message.split('\n')[0]}`, file, line);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    // yaml refuses an alias bomb (aliases expanding into aliases); say where the aliases are.
    let line: number | undefined;
    visit(doc, {
      Alias(_k, node) {
        if (isAlias(node) && node.range) line ??= lines.linePos(node.range[0]).line;
      },
    });
    throw new TopologyError(`too many YAML aliases (${(e as Error).message}); at most ${MAX_ALIASES} expansions`, file, line);
  }
  return { data, map: new SourceMap(file, doc, lines) };
}

const MAX_TOPOLOGY_BYTES = 4 * 1024 * 1024;
const MAX_ALIASES = 200;

/** The file as UTF-8; invalid bytes are refused with their line, never silently replaced. */
function utf8(bytes: Buffer, file: string): string {
  const strict = new TextDecoder('utf-8', { fatal: true });
  try {
    return strict.decode(bytes);
  } catch {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        try {
          strict.decode(bytes.subarray(start, i));
        } catch {
          break;
        }
        line++;
        start = i + 1;
      }
    }
    throw new TopologyError('not valid UTF-8 (save the file as UTF-8)', file, line);
  }
}

function firstIssue(error: z.ZodError, map: SourceMap, prefix: PropertyKey[] = []): TopologyError {
  // Unions report every branch; the most specific (deepest) issue is the useful one.
  const flat = flatten(error.issues);
  const issue = flat.sort((a, b) => b.path.length - a.path.length)[0];
  const path = [...prefix, ...issue.path];
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') path.push(issue.keys[0]);
  if (issue.code === 'unrecognized_keys') message = `unknown key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type' && /received undefined/.test(message)) message = 'is required';
  return map.error(message, path);
}

type Issue = z.core.$ZodIssue;
function flatten(issues: readonly Issue[]): Issue[] {
  const out: Issue[] = [];
  for (const i of issues) {
    if (i.code === 'invalid_union' && i.errors.length) {
      for (const branch of i.errors) out.push(...flatten(branch.map((b) => ({ ...b, path: [...i.path, ...b.path] }))));
    } else out.push(i);
  }
  return out;
}

/**
 * Read, validate and plan a topology file. Every problem becomes a TopologyError naming
 * the file, the line and the key, before anything is created.
 */
export function loadTopology(path: string): LabPlan {
  const file = resolve(path);
  const { data, map } = parseYaml(file);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new TopologyError('a topology file is a YAML mapping (name:, server:, clients:, scenarios:)', file, 1);
  }
  const parsed = Topology.safeParse(data);
  if (!parsed.success) throw firstIssue(parsed.error, map);
  const topology: TopologyFile = parsed.data;

  let scenarios = topology.scenarios ?? [];
  let scenarioMap = map;
  let scenarioRoot: PropertyKey[] = ['scenarios'];
  if (topology.scenarios_from) {
    if (topology.scenarios) throw map.error('give scenarios or scenarios_from, not both', ['scenarios_from']);
    const sfile = resolve(dirname(file), topology.scenarios_from);
    const loaded = parseYaml(sfile);
    const list = Scenario.array().safeParse(loaded.data);
    if (!list.success) throw firstIssue(list.error, loaded.map);
    scenarios = list.data;
    scenarioMap = loaded.map;
    scenarioRoot = [];
  }
  return planLab(topology, scenarios, { file, map, scenarioMap, scenarioRoot });
}
