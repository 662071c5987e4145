import { z } from 'zod';
import { Step, stepJsonSchemas } from '../scenario/steps/step-registry.js';
import { Duration, TemplateString } from './step-fields.js';
import { parseSize } from './size.js';

/**
 * The topology file, described once with zod: the same description validates files
 * (unknown keys are errors everywhere) and becomes the JSON Schema `lab schema` prints.
 * Nothing here knows how a lab is run.
 */

const NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
/** Docker's smallest memory limit. */
const MIN_MEMORY = 6 * 1024 * 1024;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;


const FileSource = z.union([
  z.string().describe('The file contents, inline'),
  z.strictObject({
    from: z.string().describe('A path, relative to the topology file, whose contents are copied'),
    mode: z.string().regex(/^[0-7]{3,4}$/).optional().describe('Octal permissions, e.g. "0755"'),
  }),
]);

const Limits = z
  .strictObject({
    memory: z
      .string()
      .regex(/^\d+(k|m|g)?$/i, 'a size such as 256m or 1g')
      .refine((s) => !/^\d+(k|m|g)?$/i.test(s) || parseSize(s) >= MIN_MEMORY, 'at least 6m (the engine refuses less; 0 would mean no limit)')
      .refine((s) => !/^\d+(k|m|g)?$/i.test(s) || parseSize(s) <= 64 * 1024 ** 3, 'at most 64g')
      .optional()
      .describe('Memory limit, e.g. 256m'),
    cpus: z.number().min(0.01, 'at least 0.01').max(64).optional().describe('CPU share, e.g. 0.5'),
    pids: z.number().int().min(1).max(32768).optional().describe('Maximum number of processes/threads'),
    disk: z
      .string()
      .regex(/^\d+(k|m|g)?$/i, 'a size such as 128m or 1g')
      .refine((s) => !/^\d+(k|m|g)?$/i.test(s) || parseSize(s) >= 1024 * 1024, 'at least 1m')
      .refine((s) => !/^\d+(k|m|g)?$/i.test(s) || parseSize(s) <= 64 * 1024 ** 3, 'at most 64g')
      .optional()
      .describe("Most a node may write to its folder (docker: its container's writable layer), watched while it runs: past it the node is stopped (default: none; submissions 128m)"),
  })
  .describe('Resource limits (enforced by the docker runtime)');

const Ready = z
  .strictObject({
    port: z.number().int().min(1).max(65535).optional().describe("Ready when the node listens on this TCP port (or has this UDP port bound: transport) (read from its socket table; nothing connects)"),
    transport: z.enum(['tcp', 'udp']).optional().describe('The transport of port: tcp (default) or udp (a bound UDP socket, e.g. a QUIC server)'),
    probe: z
      .enum(['socket', 'connect'])
      .optional()
      .describe('How port is checked: socket (default) reads the socket table; connect opens a connection to it and hangs up (a fragile program may take it for a client)'),
    output: z.string().optional().describe('Ready when the node prints text matching this regular expression'),
    timeout: Duration.optional().describe('How long to wait (default 15s)'),
  })
  .refine((r) => r.port !== undefined || r.output !== undefined, { message: 'ready needs port or output' })
  .refine((r) => !(r.transport === 'udp' && r.probe === 'connect'), { message: 'probe: connect is for TCP ports; a UDP port is read from the socket table' })
  .refine((r) => r.transport === undefined || r.port !== undefined, { message: 'transport needs port' });

/** Fields every node may carry; clients templates and defaults use the same shape. */
const nodeFields = {
  image: z.string().min(1).optional().describe('Container image (docker runtime). Default: the lab image "netlab"'),
  command: z.array(TemplateString).min(1).optional().describe('Program and arguments, e.g. [bluetrace-server, "4000", "60"]'),
  env: z.record(z.string().regex(ENV_NAME, 'an environment variable name: letters, digits, _'), z.union([TemplateString, z.number(), z.boolean()])).optional().describe('Environment variables'),
  files: z.record(z.string(), FileSource).optional().describe("Files placed in the node's working folder before it starts"),
  limits: Limits.optional(),
  ports: z
    .record(z.string(), z.number().int().min(1).max(65535))
    .optional()
    .describe('Named ports, for templates: {{ server.ports.tcp }}'),
  ready: Ready.optional().describe('When the node counts as started'),
  autostart: z.boolean().optional().describe('Start with the lab (default true); otherwise a scenario starts it'),
};

const NodeSpec = z.strictObject({
  name: z.string().regex(NAME, 'lower-case letters, digits, . _ -').optional(),
  ip: z.ipv4().optional().describe('A fixed address inside the subnet'),
  ...nodeFields,
});

const ClientGroup = z.strictObject({
  count: z.number().int().min(1).max(250).describe('How many clients'),
  name: z
    .string()
    .regex(/\{n\}/, 'a pattern holding {n}, e.g. client{n}')
    .default('client{n}')
    .describe('Name pattern; {n} counts from 1'),
  ...nodeFields,
});

const NodeDefaults = z.strictObject(nodeFields);


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
  port: z.number().int().min(1).max(65535).optional().describe('The port it must listen on (its readiness, and the diagnosis for TCP)'),
  transport: z.enum(['tcp', 'udp']).optional().describe('The transport of port: tcp (default) or udp (a bound UDP socket, e.g. a QUIC server)'),
});

const Grading = z
  .strictObject({
    image: z.string().optional().describe('Image submissions run in on docker (default: the grading image "grading")'),
    server: SubmissionRole.optional().describe("How a submission's server is started"),
    client: SubmissionRole.optional().describe("How a submission's client is started"),
    limits: Limits.optional().describe('Limits for submission nodes (default memory 256m, cpus 0.5, pids 64, disk 128m)'),
    output_limit: Size.optional().describe('Output kept per node; a node printing more is stopped (default 1m)'),
    file_limit: Size.optional().describe('Largest file a submission may write (default 64m)'),
    scenario_timeout: Duration.optional().describe('Time limit for one scenario (default 60s)'),
    submission_timeout: Duration.optional().describe('Time limit for one submission run (default 10m)'),
    retry_timeouts: z
      .number()
      .int()
      .min(0)
      .max(3)
      .optional()
      .describe('Scenarios that failed by a timeout are graded again this many times on a fresh lab, the best result counting (default 1): a busy grading machine must not cost points'),
    packages: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, 'a Debian package name (lower-case letters, digits, + . -)'))
      .optional()
      .describe('Debian packages to add to the grading image (e.g. python3-scipy): built once into a cached variant'),
    loopback: z
      .enum(['allow', 'warn', 'fail'])
      .optional()
      .describe('A submission bound to / connecting to 127.0.0.1: allow (rewrite, say nothing), warn (default: rewrite, the report says so), fail (leave it unreachable)'),
  })
  .describe('How submissions take the place of reference nodes (lab grade)');

export const Topology = z.strictObject({
  name: z.string().regex(NAME, 'lower-case letters, digits, . _ - (it names containers and networks)'),
  description: z.string().optional(),
  network: z
    .strictObject({
      subnet: z
        .cidrv4()
        .refine((c) => {
          const p = Number(c.split('/')[1]);
          return p >= 8 && p <= 29;
        }, 'a subnet from /8 to /29 (a /30 or smaller leaves no room for a lab)')
        .optional()
        .describe('IPv4 subnet; default: a free 10.77.x.0/24'),
    })
    .optional(),
  vars: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional().describe('Values for templates: {{ vars.X }}'),
  defaults: NodeDefaults.optional().describe('Applied to every node'),
  server: NodeSpec,
  clients: z.union([z.array(NodeSpec), ClientGroup]).optional(),
  scenarios: z.array(Scenario).optional(),
  scenarios_from: z.string().optional().describe('A YAML file beside this one holding a list of scenarios'),
  isolation: z
    .enum(['scenario', 'shared'])
    .optional()
    .describe(
      'scenario: every scenario starts from fresh nodes (files as placed, nothing a scenario wrote, servers ready), so no failure cascades; shared: scenarios run one after another on the same nodes (default, and lab grade defaults to scenario)',
    ),
  grading: Grading.optional(),
});

export type TopologyFile = z.output<typeof Topology>;
export type ScenarioSpec = z.output<typeof Scenario>;
export type NodeSpecFile = z.output<typeof NodeSpec>;
export type LimitsSpec = z.output<typeof Limits>;
export type ReadySpec = z.output<typeof Ready>;
export type GradingSpec = z.output<typeof Grading>;

/** The JSON Schema of a topology file, for editors. */
export function topologyJsonSchema(): unknown {
  // Steps validate through the registry (one kind's strict schema per step); for editors
  // they are described as "one of" the kinds, defined once under $defs.Step.
  const ref = '#/$defs/Step';
  const json = z.toJSONSchema(Topology, {
    io: 'input',
    unrepresentable: 'any',
    override: (c) => {
      if ((c.zodSchema as unknown) !== Step) return;
      for (const key of Object.keys(c.jsonSchema)) delete (c.jsonSchema as Record<string, unknown>)[key];
      (c.jsonSchema as Record<string, unknown>).$ref = ref;
    },
  }) as Record<string, unknown> & { $defs?: Record<string, unknown> };
  json.$defs = { ...(json.$defs ?? {}), Step: { anyOf: stepJsonSchemas(ref) } };
  return json;
}
