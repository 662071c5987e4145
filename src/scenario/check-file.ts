import { createHash } from 'node:crypto';
import { durationMs } from '../topology/duration.js';
import { stepPattern } from './step-pattern.js';
import type { StepShape } from '../topology/topology-schema.js';
import type { RuntimeNode } from '../runtime/runtime.js';
import type { NodeOutput } from './node-output.js';
import { globToRegExp } from './glob.js';
import { StepError } from './scenario-errors.js';
import { delay } from './wait.js';

/**
 * A `file:` step: check a file (or the files a glob matches) in a node's folder, and with
 * `within:` keep checking until the check holds or the time is up (a log entry that must
 * disappear on its own, a file written just after a line is printed).
 */
export async function fileStep(step: StepShape, n: { runtime: RuntimeNode; output: NodeOutput }, r: (v: unknown) => string, frame: { signal: AbortSignal; vars: Record<string, unknown> }): Promise<void> {
  const spec = r(step.file);
  const within = durationMs(step.within as string | undefined, 0);
  const deadline = Date.now() + within;
  for (;;) {
    const groups: Record<string, string> = {};
    const problem = await checkFile(n.runtime, spec, step, r, groups);
    if (!problem) {
      // Named groups of a `contains` pattern become variables, as for expect.
      Object.assign(frame.vars, groups);
      return;
    }
    if (Date.now() >= deadline) throw new StepError(problem);
    await delay(Math.min(250, Math.max(10, deadline - Date.now())), frame.signal);
  }
}

/** Check a file (or the files a glob matches); undefined when the check holds. */
async function checkFile(node: RuntimeNode, spec: string, step: StepShape, r: (v: unknown) => string, groups: Record<string, string>): Promise<string | undefined> {
  let files: string[] = [spec];
  if (/[*?[]/.test(spec)) {
    const re = globToRegExp(spec);
    files = (await node.listFiles()).filter((f) => re.test(f));
  }
  const contents = (await Promise.all(files.map((f) => node.readFile(f)))).filter((b): b is Buffer => b !== undefined);
  const wantExists = step.exists !== false;
  if (contents.length === 0) return wantExists ? `${node.name} has no file ${spec}` : undefined;
  if (step.exists === false) return `${node.name} has ${spec}, which should not exist`;
  const text = contents.map((c) => c.toString('utf8')).join('\n');
  if (step.contains !== undefined) {
    const re = stepPattern(r(step.contains), step.literal as boolean);
    const m = re.exec(text);
    if (!m) return `${node.name}:${spec} does not contain /${re.source}/; it holds: ${text.slice(-300)}`;
    for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined) groups[k] = v;
  }
  if (step.not_contains !== undefined) {
    const re = stepPattern(r(step.not_contains), step.literal as boolean);
    const m = re.exec(text);
    if (m) return `${node.name}:${spec} contains "${m[0]}", which it should not; it holds: ${text.slice(-300)}`;
  }
  if (step.sha256 !== undefined) {
    const want = r(step.sha256).toLowerCase();
    const got = contents.map((c) => createHash('sha256').update(c).digest('hex'));
    if (!got.includes(want)) return `${node.name}:${spec} has SHA-256 ${got.join(', ')}, expected ${want}`;
  }
  return undefined;
}
