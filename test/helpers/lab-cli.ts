import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { describe, it } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Start ./lab (the compiled CLI) with arguments; the caller may watch stderr and signal it. */
export function startLab(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {}): { child: ChildProcess; done: Promise<CliRun>; stderrSoFar: () => string } {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), CLI, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, NO_COLOR: '1', ...opts.env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliRun>((ok) => child.once('close', (code) => ok({ code, stdout, stderr })));
  return { child, done, stderrSoFar: () => stderr };
}

export function runLabCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {}): Promise<CliRun> {
  return startLab(args, opts).done;
}

/**
 * Node arguments that make a ./lab child append the URL of every module it resolves to
 * file, one a line (a loader hook registered before the CLI starts): what a verb loads.
 */
export function loadedModulesArgs(file: string): string[] {
  const loader = `import { appendFileSync } from 'node:fs'; export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(file)}, r.url + '\\n'); return r; }`;
  const hook = `import { register } from 'node:module'; register(${JSON.stringify('data:text/javascript,' + encodeURIComponent(loader))});`;
  return ['--import', `data:text/javascript,${encodeURIComponent(hook)}`];
}

/**
 * Node arguments that make a ./lab child write its peak resident memory (KiB, from
 * process.resourceUsage().maxRSS) to file as it exits: a memory bound a test can assert
 * without any clock.
 */
export function maxRssArgs(file: string): string[] {
  const hook = `import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(${JSON.stringify(file)}, String(process.resourceUsage().maxRSS)));`;
  return ['--import', `data:text/javascript,${encodeURIComponent(hook)}`];
}

/** Resolve once the child's stderr matches, for acting at a given phase; no sleeping. */
export function waitForStderr(run: ReturnType<typeof startLab>, re: RegExp, timeoutMs = 120_000): Promise<void> {
  return new Promise((ok, fail) => {
    const t = setTimeout(() => fail(new Error(`stderr never matched ${re}:\n${run.stderrSoFar()}`)), timeoutMs);
    const check = () => {
      if (re.test(run.stderrSoFar())) {
        clearTimeout(t);
        run.child.stderr!.off('data', check);
        ok();
      }
    };
    run.child.stderr!.on('data', check);
    check();
  });
}

/** The run folder a `lab up` printed as its evidence. */
export function runDirOf(run: CliRun, cwd = ROOT): string {
  const m = /evidence: (\S+)/.exec(run.stderr);
  if (!m) throw new Error(`no run folder in output:\n${run.stderr}`);
  return resolve(cwd, m[1]);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read any field of results.json
export function readResults(dir: string): any {
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
}

export function listRunDirs(runs: string): string[] {
  try {
    return readdirSync(runs);
  } catch {
    return [];
  }
}

const docker = new Docker();
async function dockerUp(): Promise<boolean> {
  try {
    await Promise.race([docker.ping(), new Promise((_, r) => setTimeout(() => r(new Error('timeout')), 3000))]);
    return true;
  } catch {
    return false;
  }
}
export const DOCKER = await dockerUp();

/**
 * describe() for tests that need a Docker engine: skipped on a machine without one,
 * but under CI (CI set) a missing engine is a failure, never a silent skip.
 */
export function describeDocker(name: string, fn: () => void): void {
  if (DOCKER) return describe(name, fn);
  if (process.env.CI) {
    return describe(name, () => {
      it('needs a Docker engine', () => {
        throw new Error('CI is set but no Docker engine answers at the default socket: .ci/run should have started dockerd');
      });
    });
  }
  describe.skip(`${name} (no Docker engine here)`, fn);
}

/**
 * Containers and networks of netlab still present for a lab, or for one run with
 * { run: id } (precise even when another run of the same lab is going on).
 */
export async function leftovers(lab: string | { run: string }): Promise<number> {
  if (!DOCKER) return 0;
  const filters = JSON.stringify({ label: [typeof lab === 'string' ? `netlab.lab=${lab}` : `netlab.run=${lab.run}`] });
  const [c, n] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters })]);
  // Say what was left, so that a failure in CI can be read without the machine.
  for (const x of c) console.error(`left behind: container ${x.Id.slice(0, 12)} ${x.Names.join(',')} ${x.State} (${x.Status}) ${JSON.stringify(x.Labels)}`);
  for (const x of n) console.error(`left behind: network ${x.Id.slice(0, 12)} ${x.Name} ${JSON.stringify(x.Labels)} containers=${Object.keys(x.Containers ?? {}).length}`);
  return c.length + n.length;
}
