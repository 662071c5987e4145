import { join } from 'node:path';

/**
 * Where things are in a run folder (runs/<lab>-<time>/) and in the project's .netlab/
 * folder: the one module that knows their layout. Every layer reads and writes through it.
 *
 * ```
 * runs/<run>/results.json, junit.xml, controller.log, capture.pcap, sequence.md, sequence-<n>.svg,
 *           control.sock, replays/
 * runs/<run>/replays/<time>-<scenario>/results.json, junit.xml
 * runs/<run>/nodes/<node>/transcript.log, files/, files-after/, clock/, .work/ (while it runs), terminal.sock, exec-env.json
 * .netlab/labs/<lab>.<run id>.json   kept labs (lab ps, attach, down)
 * .netlab/cache/                     compiled shims, debootstrap trees
 * .netlab/pull-failed.json           image pulls that failed (not tried again soon)
 * ```
 */
/** The capture file's name inside the run folder, as results.json gives it. */
export const CAPTURE_FILE = 'capture.pcap';
/** The wire's sequence diagrams, by name inside the run folder (results.json lists them). */
export const SEQUENCE_FILE = 'sequence.md';
export const sequenceSvgFile = (scenario: number) => `sequence-${scenario}.svg`;

export const runFiles = {
  results: (runDir: string) => join(runDir, 'results.json'),
  junit: (runDir: string) => join(runDir, 'junit.xml'),
  controllerLog: (runDir: string) => join(runDir, 'controller.log'),
  capture: (runDir: string) => join(runDir, CAPTURE_FILE),
  /** The control socket a controller holding a lab (kept local, or under --ui) listens on. */
  control: (runDir: string) => join(runDir, 'control.sock'),
  replays: (runDir: string) => join(runDir, 'replays'),
  nodes: (runDir: string) => join(runDir, 'nodes'),
};

/** One node's folder in a run folder, and what is in it. */
export const nodeFiles = {
  dir: (runDir: string, node: string) => join(runDir, 'nodes', node),
  transcript: (runDir: string, node: string) => join(runDir, 'nodes', node, 'transcript.log'),
  /** The node's working folder (local), or where its collected files go (docker). */
  files: (runDir: string, node: string) => join(runDir, 'nodes', node, 'files'),
  clock: (runDir: string, node: string) => join(runDir, 'nodes', node, 'clock'),
  /** isolation: scenario on docker: incarnation n's working folder, bind-mounted at /lab while it runs; none is left after tear-down. */
  work: (runDir: string, node: string, n?: number) => join(runDir, 'nodes', node, '.work', ...(n === undefined ? [] : [String(n)])),
  /** isolation: scenario: the folder as the node left it when scenario n (1-based) ended and the node was made fresh. */
  filesAfter: (runDir: string, node: string, scenario: number) => join(runDir, 'nodes', node, 'files-after', `scenario-${scenario}`),
  /** Where a held local node's terminal is served for `lab attach`. */
  terminal: (runDir: string, node: string) => join(runDir, 'nodes', node, 'terminal.sock'),
  /** A local node's environment, for `lab exec` to run with the same. */
  execEnv: (runDir: string, node: string) => join(runDir, 'nodes', node, 'exec-env.json'),
};

/** The project's own state folder, .netlab/. */
export const projectFiles = {
  dir: (projectRoot: string) => join(projectRoot, '.netlab'),
  /** One record per kept lab. */
  labs: (projectRoot: string) => join(projectRoot, '.netlab', 'labs'),
  cache: (projectRoot: string) => join(projectRoot, '.netlab', 'cache'),
  pullMarker: (projectRoot: string) => join(projectRoot, '.netlab', 'pull-failed.json'),
};
