import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, describeDocker, leftovers, ROOT, runLabCli, startLab, waitForStderr } from './helpers/lab-cli.js';

/** Type a line into `lab attach NODE` and wait until the node's answer comes back, then detach (end of input). */
function attachAndType(node: string, line: string, answer: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'attach', node], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    const timer = setTimeout(() => (child.kill(), reject(new Error(`no ${answer} from ${node}: ${out}`))), 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (answer.test(out)) child.stdin.end();
    });
    child.once('close', () => (clearTimeout(timer), resolve(out)));
    child.stdin.write(`${line}\n`);
  });
}

/** A kept lab is reachable: ps lists it, exec runs in a node, logs show its output, attach is its terminal; down removes it. */
function keptLab(runtime: 'local' | 'docker') {
  it(`on ${runtime}: ps, exec, logs, attach, down`, async () => {
    const lab = startLab(['up', 'test/fixtures/echo.yaml', '--runtime', runtime, '--keep', '--runs', mkdtempSync(join(tmpdir(), 'netlab-keep-'))]);
    await waitForStderr(lab, /kept running/);
    try {
      const ps = JSON.parse((await runLabCli(['ps', '--json'])).stdout);
      expect(ps.filter((r: { lab: string }) => r.lab === 'echo').map((r: { node: string }) => r.node).sort()).toEqual(['client1', 'client2', 'server']);
      const ex = await runLabCli(['exec', 'echo/server', '--', 'node', '-e', 'console.log(process.env.NETLAB_NODE_NAME)']);
      expect(ex.stdout.trim()).toBe('server');
      expect(ex.code).toBe(0);
      // exec runs with the node's own address environment: a connection made from it comes
      // from the node's address (local: through the node's bind shim, as the node's own program).
      const at = (n: string) => ps.find((r: { lab: string; node: string }) => r.lab === 'echo' && r.node === n).address as string;
      const probe = `const s=require('net').connect(47000,'${at('server')}',()=>s.write('from exec'));s.on('data',d=>{console.log(process.env.NETLAB_NODE_ADDRESS+' '+d);s.end()})`;
      const from = await runLabCli(['exec', 'echo/client2', '--', 'node', '-e', probe]);
      expect(from.stdout.trim()).toBe(`${at('client2')} echo from ${at('client2')}: from exec`);
      expect(from.code).toBe(0);
      expect((await runLabCli(['logs', 'echo/server'])).stdout).toContain('listening');
      expect(await attachAndType('echo/client2', 'typed by a person', /echo from [\d.]+: typed by a person/)).toMatch(/echo from/);
    } finally {
      expect((await runLabCli(['down', 'echo'])).code).toBe(0);
    }
    const run = await lab.done; // docker: returned after up; local: ends once down stopped it
    expect(run.code).toBe(0);
    expect(await leftovers('echo')).toBe(0);
  });
}

describe('kept labs', () => keptLab('local'));
describeDocker('kept labs (docker)', () => keptLab('docker'));
