import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { parse, stringify } from 'yaml';
import { expect, it } from 'vitest';
import { describeDocker, ROOT, runLabCli } from './helpers/lab-cli.js';
import { ensureLabImage } from '../dist/images/node-image.js';

const run = promisify(execFile);
const COMPOSE = '/usr/bin/docker-compose';
const SUBNET = '10.131.0.0/24';

/**
 * The exported five-pairs, brought up and down by Debian's docker-compose (Compose v1
 * 1.29): 11 containers at their addresses with their files in place, two clients log on
 * through the Engine API's attach, and nothing is left after down. On a subnet and
 * project name of its own, so it never meets another run's five-pairs.
 */
describeDocker('lab export compose, brought up by a real Compose', () => {
  it('docker-compose up: 11 nodes at their IPs with their files; clients log on; down leaves nothing', async () => {
    if (!existsSync(COMPOSE)) {
      if (process.env.CI) throw new Error(`CI is set but ${COMPOSE} is missing: .ci/run should have installed Debian's docker-compose`);
      return;
    }
    const docker = new Docker();
    await ensureLabImage(docker, { projectRoot: ROOT });
    const dir = mkdtempSync(join(tmpdir(), 'netlab-compose-'));
    const topo = parse(readFileSync(join(ROOT, 'topologies', 'five-pairs.yaml'), 'utf8'));
    topo.name = `five-pairs-compose-${Math.random().toString(16).slice(2, 8)}`;
    topo.network = { subnet: SUBNET };
    writeFileSync(join(dir, 'five-pairs.yaml'), stringify(topo));
    expect((await runLabCli(['export', 'compose', join(dir, 'five-pairs.yaml'), '-o', join(dir, 'compose.yaml')])).code).toBe(0);
    const project = `netlab-${topo.name}`;
    const compose = (...args: string[]) => run(COMPOSE, ['-p', project, '-f', join(dir, 'compose.yaml'), ...args], { cwd: dir });
    const filters = JSON.stringify({ label: [`com.docker.compose.project=${project}`] });
    try {
      await compose('up', '-d');
      const list = await docker.listContainers({ filters });
      expect(list).toHaveLength(11);
      const ips = Object.fromEntries(list.map((c) => [c.Labels['netlab.node'], Object.values(c.NetworkSettings.Networks)[0]?.IPAddress]));
      expect(ips.server).toBe('10.131.0.10');
      for (let i = 1; i <= 10; i++) expect(ips[`client${i}`]).toBe(`10.131.0.${10 + i}`);

      const byNode = (n: string) => docker.getContainer(list.find((c) => c.Labels['netlab.node'] === n)!.Id);
      const ex = await byNode('server').exec({ Cmd: ['node', '-e', "process.stdout.write(require('fs').readFileSync('/lab/subscribers.txt','utf8'))"], AttachStdout: true, AttachStderr: true });
      const out = await new Promise<string>((ok) => {
        let text = '';
        ex.start({ hijack: true, stdin: false }).then((s) => {
          const stream = s as unknown as Duplex;
          stream.on('data', (d: Buffer) => (text += d.toString('utf8')));
          stream.on('end', () => ok(text));
        });
      });
      expect(out).toContain('client10 secret-10');

      // docker attach semantics through the Engine API: type into two clients, see them log on.
      for (const n of ['client1', 'client2']) {
        const c = byNode(n);
        const stream = (await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
        const seen = new Promise<string>((ok) => {
          let text = '';
          stream.on('data', (d: Buffer) => {
            text += d.toString('utf8');
            if (/Connected/.test(text)) ok(text);
          });
        });
        stream.write('Log on\n');
        expect(await seen).toMatch(/Connected/);
        stream.destroy();
      }
    } finally {
      await compose('down', '--timeout', '2');
    }
    expect(await docker.listContainers({ all: true, filters })).toHaveLength(0);
    expect(await docker.listNetworks({ filters })).toHaveLength(0);
  });
});
