import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readResults, runDirOf, runLabCli } from './helpers/lab-cli.js';

it('a failed gate is said once: later scenarios through the same gate are not run, the others run', async () => {
  const runs = mkdtempSync(join(tmpdir(), 'netlab-gate-'));
  const run = await runLabCli(['up', 'test/fixtures/gate.yaml', '--runtime', 'local', '--runs', runs]);
  expect(run.code).toBe(1);
  const res = readResults(runDirOf(run));
  const by = Object.fromEntries(res.scenarios.map((s: { name: string }) => [s.name, s]));
  expect(by.login.failure).toMatchObject({ gate: 'the client asks for a username', timedOut: true, message: expect.stringMatching(/did not print/) });
  for (const name of ['logout', 'download', 'upload']) {
    expect(by[name].failure, name).toMatchObject({
      notRun: { gate: 'the client asks for a username', scenario: 'login' },
      timedOut: true, // so that a grading retry runs it again with the scenario that closed the gate
      message: expect.stringMatching(/^not run: "the client asks for a username" already failed in scenario "login"/),
    });
    // Not run at all: no restart, no wait.
    expect(by[name].steps.every((s: { status: string }) => s.status === 'skipped'), name).toBe(true);
  }
  expect(by['server speaks'].status).toBe('passed');
});

it('lab grade refuses to run student code outside the sandbox unless asked by name (--unsafe-local), exit 2, nothing written', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'netlab-unsafe-')), 'out');
  const args = ['grade', 'test/fixtures/grading-retry.yaml', '--submission', 'test/fixtures/sandbox-probe', '--out', out];
  const local = await runLabCli([...args, '--runtime', 'local']);
  expect(local.code).toBe(2);
  expect(local.stderr).toMatch(/--runtime local has no sandbox.*pass --unsafe-local/);
  const noEngine = await runLabCli(args, { env: { DOCKER_HOST: `unix://${join(tmpdir(), 'netlab-no-engine.sock')}` } });
  expect(noEngine.code).toBe(2);
  expect(noEngine.stderr).toMatch(/lab grade runs submissions in its sandbox, on a Docker engine, and no Docker engine answered.*--unsafe-local/);
  expect(existsSync(out)).toBe(false);
});

it('lab grade --scenario-labs takes a positive whole number: anything else is exit 2 before anything runs or is written', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'netlab-labs-')), 'out');
  for (const bad of ['0', '-1', '2.5', 'two']) {
    const run = await runLabCli(['grade', 'test/fixtures/grading-retry.yaml', '--submission', 'test/fixtures/sandbox-probe', '--out', out, '--scenario-labs', bad]);
    expect(run.code, bad).toBe(2);
    expect(run.stderr, bad).toContain(`--scenario-labs takes a positive whole number, not "${bad}"`);
  }
  expect(existsSync(out)).toBe(false);
});
