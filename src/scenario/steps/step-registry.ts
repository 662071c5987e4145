import { z } from 'zod';
import { render } from '../../topology/template.js';
import { absent } from './absent.js';
import { clock } from './clock.js';
import { digest } from './digest.js';
import { discard } from './discard.js';
import { exec } from './exec.js';
import { exit } from './exit.js';
import { expect } from './expect.js';
import { expectAll } from './expect-all.js';
import { file } from './file.js';
import { foreach } from './foreach.js';
import { kill } from './kill.js';
import { bindStepSchema, NestedStep } from './nested-step.js';
import { parallel } from './parallel.js';
import { restart } from './restart.js';
import { send } from './send.js';
import { set } from './set.js';
import { sleep } from './sleep.js';
import { start } from './start.js';
import type { StepKind, StepRequirement } from './step-kind.js';
import { stop } from './stop.js';
import { waitPort } from './wait-port.js';
import { wire } from './wire.js';
import { loss } from './loss.js';
import { partition } from './partition.js';
import { heal } from './heal.js';
import { rate } from './rate.js';
import { delay } from './delay.js';
import { jitter } from './jitter.js';

/**
 * Every step kind, in the order the README lists them. Adding a kind is adding its file
 * and one entry here; the topology schema, `lab schema`, the runner, describeStep and
 * `lab validate`'s checks all come from this list.
 */
export const STEP_KINDS: readonly StepKind[] = [
  send,
  expect,
  expectAll,
  absent,
  file,
  digest,
  exit,
  start,
  stop,
  kill,
  restart,
  waitPort,
  discard,
  sleep,
  clock,
  set,
  exec,
  parallel,
  foreach,
  wire,
  loss,
  partition,
  heal,
  rate,
  delay,
  jitter,
] as unknown as readonly StepKind[];

const byKey = new Map(STEP_KINDS.map((k) => [k.kind, k]));

/** Keys that make a step what it is; exactly one per step. */
export const ACTIONS: readonly string[] = STEP_KINDS.map((k) => k.kind);

/** Every key some kind accepts: a key outside this set is unknown, not merely inapplicable. */
const KNOWN_KEYS = new Set(STEP_KINDS.flatMap((k) => Object.keys((k.schema as unknown as z.ZodObject).shape)));

/** The kind of a step, by its one action key (undefined when it has none). */
export function stepKindOf(step: Record<string, unknown>): StepKind | undefined {
  for (const k of ACTIONS) if (step[k] !== undefined) return byKey.get(k);
  return undefined;
}

/**
 * One step: the action key picks the kind, and that kind's strict schema decides. So an
 * inapplicable key ({send: hi, contains: x}) is refused like an unknown one, at its line.
 */
export const Step: z.ZodType<Record<string, unknown>> = z.unknown().transform((v, ctx) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    ctx.addIssue({ code: 'custom', message: `a step is a mapping with one action (${ACTIONS.join(', ')})` });
    return z.NEVER;
  }
  const step = v as Record<string, unknown>;
  const unknown = Object.keys(step).filter((k) => !KNOWN_KEYS.has(k));
  if (unknown.length) {
    ctx.addIssue({ code: 'unrecognized_keys', keys: unknown, message: `unknown key${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}` });
    return z.NEVER;
  }
  const actions = ACTIONS.filter((k) => step[k] !== undefined);
  if (actions.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message: actions.length === 0 ? `a step needs one action: ${ACTIONS.join(', ')}` : `a step has one action, this one has ${actions.join(' and ')}`,
    });
    return z.NEVER;
  }
  const parsed = byKey.get(actions[0])!.schema.safeParse(step);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue } as Parameters<typeof ctx.addIssue>[0]);
  return z.NEVER;
});
bindStepSchema(Step);

/** One line a person can read in progress output and reports: "client1: expect /Welcome/". */
export function describeStep(step: Record<string, unknown>, scope?: Record<string, unknown>): string {
  if (step.name) return String(step.name);
  const r = (v: unknown) => (scope && typeof v === 'string' ? render(v, scope) : String(v));
  return stepKindOf(step)?.describe(step, r) ?? 'step';
}

/**
 * The JSON Schema of one step, for `lab schema`: each kind's own schema, one of which a
 * step must match. `ref` is where the step definition is placed, for nested steps.
 */
export function stepJsonSchemas(ref: string): Record<string, unknown>[] {
  return STEP_KINDS.map((k) => {
    const { $schema: _, ...json } = z.toJSONSchema(k.schema, {
      io: 'input',
      unrepresentable: 'any',
      override: (c) => {
        if ((c.zodSchema as unknown) === NestedStep) {
          for (const key of Object.keys(c.jsonSchema)) delete (c.jsonSchema as Record<string, unknown>)[key];
          (c.jsonSchema as Record<string, unknown>).$ref = ref;
        }
      },
    }) as Record<string, unknown>;
    return json;
  });
}

/**
 * What a lab's scenarios need from the host (capture, faults, netem), each with the first
 * step that needs it ("scenario \"x\" step 2.1 (loss)"), for `lab validate` and the start checks.
 */
export function stepRequirements(scenarios: { name: string; steps: unknown[] }[]): Map<StepRequirement, string> {
  const out = new Map<StepRequirement, string>();
  const visit = (scenario: string, steps: unknown[], prefix: string) =>
    steps.forEach((raw, i) => {
      const step = raw as Record<string, unknown>;
      const kind = stepKindOf(step);
      if (!kind) return;
      for (const r of kind.requires ?? []) if (!out.has(r)) out.set(r, `scenario "${scenario}" step ${prefix}${i + 1} (${kind.kind})`);
      for (const c of kind.refs?.(step).children ?? []) visit(scenario, c.steps, `${prefix}${i + 1}.`);
    });
  for (const s of scenarios) visit(s.name, s.steps, '');
  return out;
}

/** Every pattern a list of steps holds (nested steps included), as written (templates unfilled). */
export function stepPatterns(steps: unknown[]): { kind: string; text: string; literal?: boolean }[] {
  const out: { kind: string; text: string; literal?: boolean }[] = [];
  for (const raw of steps) {
    const step = raw as Record<string, unknown>;
    const k = stepKindOf(step);
    const refs = k?.refs?.(step) ?? {};
    for (const p of refs.patterns ?? []) if (typeof p.text === 'string') out.push({ kind: k!.kind, text: p.text, literal: p.literal });
    for (const c of refs.children ?? []) out.push(...stepPatterns(c.steps));
  }
  return out;
}
