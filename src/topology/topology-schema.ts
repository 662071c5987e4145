import { z } from 'zod';

/**
 * The topology file, described once with zod: the same description validates files
 * (unknown keys are errors everywhere) and becomes the JSON Schema `lab schema` prints.
 * Nothing here knows how a lab is run.
 */

const NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

/** "10s", "500ms", "2m", "1.5s", or a number of seconds. */
export const Duration = z
  .union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'a duration such as 500ms, 10s or 2m')])
  .describe('A duration: a number of seconds, or a string such as 500ms, 10s, 2m');

const TemplateString = z.string().describe('Text; {{ server.ip }}, {{ nodes.NAME.ip }}, {{ self.ip }}, {{ vars.X }} are replaced');

const FileSource = z.union([
  z.string().describe('The file contents, inline'),
  z.strictObject({
    from: z.string().describe('A path, relative to the topology file, whose contents are copied'),
    mode: z.string().regex(/^[0-7]{3,4}$/).optional().describe('Octal permissions, e.g. "0755"'),
  }),
]);

export const Limits = z
  .strictObject({
    memory: z
      .string()
      .regex(/^\d+(k|m|g)?$/i, 'a size such as 256m or 1g')
      .optional()
      .describe('Memory limit, e.g. 256m'),
    cpus: z.number().positive().max(64).optional().describe('CPU share, e.g. 0.5'),
    pids: z.number().int().positive().optional().describe('Maximum number of processes/threads'),
  })
  .describe('Resource limits (enforced by the docker runtime)');

export const Ready = z
  .strictObject({
    port: z.number().int().min(1).max(65535).optional().describe('Ready when this TCP port accepts connections on the node address'),
    output: z.string().optional().describe('Ready when the node prints text matching this regular expression'),
    timeout: Duration.optional().describe('How long to wait (default 15s)'),
  })
  .refine((r) => r.port !== undefined || r.output !== undefined, { message: 'ready needs port or output' });

/** Fields every node may carry; clients templates and defaults use the same shape. */
const nodeFields = {
  image: z.string().min(1).optional().describe('Container image (docker runtime). Default: the lab image "netlab"'),
  command: z.array(TemplateString).min(1).optional().describe('Program and arguments, e.g. [bluetrace-server, "4000", "60"]'),
  env: z.record(z.string(), z.union([TemplateString, z.number(), z.boolean()])).optional().describe('Environment variables'),
  files: z.record(z.string(), FileSource).optional().describe("Files placed in the node's working folder before it starts"),
  limits: Limits.optional(),
  ports: z
    .record(z.string(), z.number().int().min(1).max(65535))
    .optional()
    .describe('Named ports, for templates: {{ server.ports.tcp }}'),
  ready: Ready.optional().describe('When the node counts as started'),
  autostart: z.boolean().optional().describe('Start with the lab (default true); otherwise a scenario starts it'),
};

export const NodeSpec = z.strictObject({
  name: z.string().regex(NAME, 'lower-case letters, digits, . _ -').optional(),
  ip: z.ipv4().optional().describe('A fixed address inside the subnet'),
  ...nodeFields,
});

export const ClientGroup = z.strictObject({
  count: z.number().int().min(1).max(250).describe('How many clients'),
  name: z
    .string()
    .regex(/\{n\}/, 'a pattern holding {n}, e.g. client{n}')
    .default('client{n}')
    .describe('Name pattern; {n} counts from 1'),
  ...nodeFields,
});

export const NodeDefaults = z.strictObject(nodeFields);

const StepBase = {
  name: z.string().optional().describe('What this step checks, shown in reports'),
  node: TemplateString.optional().describe('The node the step acts on'),
  timeout: Duration.optional().describe('Deadline for this step (default: the scenario timeout)'),
};

export interface StepShape {
  [k: string]: unknown;
}

const NodeList = z.union([TemplateString, z.array(TemplateString)]);

export const Step: z.ZodType<StepShape> = z.lazy(() =>
  z
    .strictObject({
      ...StepBase,
      send: TemplateString.optional().describe('Type this line (a newline is added) into the node stdin'),
      expect: TemplateString.optional().describe(
        'Wait for output matching this regular expression; named groups (?<x>...) become variables',
      ),
      literal: z.boolean().optional().describe('expect is plain text, not a regular expression'),
      absent: TemplateString.optional().describe('Fail if output matching this pattern appears during timeout (default 1s)'),
      file: TemplateString.optional().describe("A path (or glob) in the node's working folder"),
      contains: TemplateString.optional(),
      not_contains: TemplateString.optional(),
      exists: z.boolean().optional(),
      sha256: TemplateString.optional().describe('The file must have this SHA-256 (hex)'),
      within: Duration.optional().describe('For file checks: keep checking until true or this long has passed'),
      digest: TemplateString.optional().describe('Compute the SHA-256 of this file into the variable named by as'),
      as: z.string().optional(),
      exit: z.union([z.number().int(), z.literal('any')]).optional().describe('Wait for the node to exit with this code'),
      start: NodeList.optional(),
      stop: NodeList.optional(),
      kill: NodeList.optional(),
      restart: NodeList.optional(),
      wait_port: z.number().int().min(1).max(65535).optional().describe('Wait until this TCP port accepts connections'),
      discard: NodeList.optional().describe('Forget output printed so far, so later expect/absent steps only see what comes next'),
      sleep: Duration.optional().describe('Let time pass, for protocol timers (never for readiness)'),
      set: z.record(z.string(), z.union([z.string(), z.number()])).optional().describe('Set variables'),
      exec: z.array(TemplateString).optional().describe('Run a command inside the node; output is matched by expect'),
      parallel: z.array(Block).optional().describe('Blocks run at the same time'),
      foreach: z
        .strictObject({
          items: z.union([z.array(z.unknown()), TemplateString]),
          as: z.string().regex(/^[a-z_][a-z0-9_]*$/i),
          parallel: z.boolean().optional(),
          steps: z.array(Step),
        })
        .optional()
        .describe('Repeat steps for each item, one after another or all at once'),
    })
    .superRefine((step, ctx) => {
      const actions = ACTIONS.filter((k) => (step as Record<string, unknown>)[k] !== undefined);
      if (actions.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          message:
            actions.length === 0
              ? `a step needs one action: ${ACTIONS.join(', ')}`
              : `a step has one action, this one has ${actions.join(' and ')}`,
        });
      }
    }),
);

/** Keys that make a step what it is; exactly one per step. */
export const ACTIONS = [
  'send',
  'expect',
  'absent',
  'file',
  'digest',
  'exit',
  'start',
  'stop',
  'kill',
  'restart',
  'wait_port',
  'discard',
  'sleep',
  'set',
  'exec',
  'parallel',
  'foreach',
] as const;

export const Block: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.array(Step),
    z.strictObject({ name: z.string().optional(), steps: z.array(Step) }),
  ]),
);

export const Scenario = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  points: z.number().nonnegative().optional().describe('Marks this scenario is worth'),
  timeout: Duration.optional().describe('Default deadline for each step (default 10s)'),
  steps: z.array(Step).min(1),
});

const Size = z.string().regex(/^\d+(k|m|g)?$/i, 'a size such as 512k, 1m or 2g');

const SubmissionRole = z.strictObject({
  args: z.array(TemplateString).describe('Arguments the assignment fixes, e.g. ["{{ vars.port }}", "{{ vars.block }}"]'),
  command: z
    .array(TemplateString)
    .optional()
    .describe('How to start it, overriding detection; {{ args }} is not expanded: list the arguments here too'),
  port: z.number().int().min(1).max(65535).optional().describe('The TCP port it must listen on (for diagnosis)'),
});

export const Grading = z
  .strictObject({
    image: z.string().optional().describe('Image submissions run in on docker (default: the grading image "grading")'),
    server: SubmissionRole.optional().describe("How a submission's server is started"),
    client: SubmissionRole.optional().describe("How a submission's client is started"),
    limits: Limits.optional().describe('Limits for submission nodes (default memory 256m, cpus 0.5, pids 64)'),
    output_limit: Size.optional().describe('Output kept per node; a node printing more is stopped (default 1m)'),
    file_limit: Size.optional().describe('Largest file a submission may write (default 64m)'),
    scenario_timeout: Duration.optional().describe('Time limit for one scenario (default 60s)'),
    submission_timeout: Duration.optional().describe('Time limit for one submission run (default 10m)'),
  })
  .describe('How submissions take the place of reference nodes (lab grade)');

export const Topology = z.strictObject({
  name: z.string().regex(NAME, 'lower-case letters, digits, . _ - (it names containers and networks)'),
  description: z.string().optional(),
  network: z
    .strictObject({
      subnet: z.cidrv4().optional().describe('IPv4 subnet; default: a free 10.77.x.0/24'),
    })
    .optional(),
  vars: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional().describe('Values for templates: {{ vars.X }}'),
  defaults: NodeDefaults.optional().describe('Applied to every node'),
  server: NodeSpec,
  clients: z.union([z.array(NodeSpec), ClientGroup]).optional(),
  scenarios: z.array(Scenario).optional(),
  scenarios_from: z.string().optional().describe('A YAML file beside this one holding a list of scenarios'),
  grading: Grading.optional(),
});

export type TopologyInput = z.input<typeof Topology>;
export type TopologyFile = z.output<typeof Topology>;
export type ScenarioSpec = z.output<typeof Scenario>;
export type NodeSpecFile = z.output<typeof NodeSpec>;
export type LimitsSpec = z.output<typeof Limits>;
export type ReadySpec = z.output<typeof Ready>;
export type GradingSpec = z.output<typeof Grading>;

/** The JSON Schema of a topology file, for editors. */
export function topologyJsonSchema(): unknown {
  return z.toJSONSchema(Topology, { io: 'input', unrepresentable: 'any' });
}
