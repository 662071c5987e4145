import { z } from 'zod';

let stepSchema: z.ZodType<Record<string, unknown>> | undefined;

/**
 * The schema of one step, for kinds made of steps (parallel, foreach). A late-bound
 * reference: the registry sets it once every kind is loaded, so step files never import
 * the registry (no import cycle).
 */
export const NestedStep: z.ZodType<Record<string, unknown>> = z.lazy(() => {
  if (!stepSchema) throw new Error('the step registry is not loaded');
  return stepSchema;
});

/** Called once by the registry with the dispatching Step schema. */
export function bindStepSchema(schema: z.ZodType<Record<string, unknown>>): void {
  stepSchema = schema;
}

/** A block of steps: a list, or { name, steps }. */
export const Block = z.union([z.array(NestedStep), z.strictObject({ name: z.string().optional(), steps: z.array(NestedStep) })]);

/** The steps of a block in either form. */
export function blockSteps(b: z.output<typeof Block>): Record<string, unknown>[] {
  return Array.isArray(b) ? b : b.steps;
}
