import { NetlabError } from '../model/netlab-error.js';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** How a submission is built and started, found from its files. */
export interface Launch {
  language: 'python' | 'java' | 'make' | 'node';
  /** A shell command run in the node's folder before the program starts. */
  build?: string;
  server?: string[];
  client?: string[];
}

/** A submission folder netlab cannot grade: nothing to run, an unreadable file. */
export class SubmissionError extends NetlabError {}

/**
 * The JVM as a grading node runs it: half a core, a program started again for every
 * scenario. One garbage collector thread and the quick (C1) compiler only: the JVM's own
 * threads otherwise spend the node's CPU quota at start-up (a server took 9-17 s to print
 * its first line on a loaded grading machine; 0.47 s against 0.31 s on a quiet one). The
 * program's behaviour is the same.
 */
const JAVA = ['java', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', '.'];

/**
 * server.py / client.py run with Python 3 (unbuffered); Server.java / Client.java are
 * compiled with javac; a Makefile is run and must produce ./server and ./client (their
 * stdout is made unbuffered with stdbuf, as C's stdio buffers a pipe); server.js /
 * client.js run with node.
 */
export function detectSubmission(dir: string): Launch {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    throw new SubmissionError(`cannot read the submission folder ${dir}`);
  }
  const has = (f: string) => files.includes(f);
  if (has('server.py') || has('client.py')) {
    return {
      language: 'python',
      server: has('server.py') ? ['python3', '-u', 'server.py'] : undefined,
      client: has('client.py') ? ['python3', '-u', 'client.py'] : undefined,
    };
  }
  if (has('Server.java') || has('Client.java')) {
    return {
      language: 'java',
      build: 'javac -d . *.java',
      server: has('Server.java') ? [...JAVA, 'Server'] : undefined,
      client: has('Client.java') ? [...JAVA, 'Client'] : undefined,
    };
  }
  const makefile = ['Makefile', 'makefile', 'GNUmakefile'].find(has);
  if (makefile) {
    return { language: 'make', build: 'make -B', server: ['stdbuf', '-o0', '-e0', './server'], client: ['stdbuf', '-o0', '-e0', './client'] };
  }
  if (has('server.js') || has('client.js')) {
    return { language: 'node', server: has('server.js') ? ['node', 'server.js'] : undefined, client: has('client.js') ? ['node', 'client.js'] : undefined };
  }
  const what = existsSync(join(dir, 'src')) ? ' (files in src/ are not looked at)' : '';
  throw new SubmissionError(`cannot tell how to start the submission in ${dir}${what}: expected server.py/client.py, Server.java/Client.java, a Makefile, or server.js/client.js (or give grading.server.command in the topology)`);
}

/**
 * Wrap a program in its build step: a failed build ends the node with the compiler's last
 * lines. A build that finished leaves a marker, so a restarted node does not build again;
 * one stopped half-way (a scenario restarts the node while make runs) leaves none, and the
 * next start builds everything again: make alone would take the linker's half-written,
 * non-executable ./client for up to date (seen in CI: "./client: Permission denied").
 */
export function withBuild(build: string | undefined, argv: string[]): string[] {
  if (!build) return argv;
  const fail = `{ echo "netlab: build failed: ${build.replace(/"/g, '\\"')}"; tail -n 30 .netlab-build.log; exit 97; }`;
  const script = `[ -e .netlab-built ] || { ${build} > .netlab-build.log 2>&1 || ${fail}; touch .netlab-built; }; exec "$@"`;
  return ['sh', '-c', script, 'netlab-build', ...argv];
}
