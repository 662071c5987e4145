import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadedModulesArgs, runLabCli } from './helpers/lab-cli.js';

/** The packages under node_modules a verb of ./lab loaded, by name. */
async function packagesLoadedBy(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; packages: Set<string>; stderr: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'netlab-modules-')), 'loaded.txt');
  const run = await runLabCli(args, { nodeArgs: loadedModulesArgs(file), env });
  const urls = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const packages = new Set(urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []));
  return { code: run.code, packages, stderr: run.stderr };
}

// Each verb loads what it uses (issue 17: start-up was 0.43 s a command, most of it
// dockerode's protobuf and ssh stacks, zod and yaml loaded by every verb).
describe('what each verb loads', () => {
  it('lab validate loads no Docker client and no web server', async () => {
    const r = await packagesLoadedBy(['validate', 'topologies/five-pairs.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.packages.has('yaml') && r.packages.has('zod')).toBe(true); // the hook sees packages: the test can fail
    for (const p of ['dockerode', 'docker-modem', 'protobufjs', 'ssh2', 'fastify', 'pino', 'playwright-core']) expect(r.packages, p).not.toContain(p);
  });

  it('lab ps lists Docker labs without dockerode (the engine API over plain HTTP), and loads no topology code', async () => {
    const r = await packagesLoadedBy(['ps']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.packages.has('commander')).toBe(true);
    for (const p of ['dockerode', 'docker-modem', 'protobufjs', 'ssh2', 'zod', 'yaml', 'fastify']) expect(r.packages, p).not.toContain(p);
  });

  it('lab ps with DOCKER_HOST over ssh:// falls back to dockerode (which can reach it)', async () => {
    const r = await packagesLoadedBy(['ps'], { DOCKER_HOST: 'ssh://nobody@127.0.0.1:1' });
    expect(r.packages).toContain('dockerode');
  });
});
