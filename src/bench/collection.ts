/**
 * Collection of a node's folder holding 100 000 small files (issue 16): a container's /lab
 * copied out the way every docker run's collection does (the engine's archive, streamed,
 * holes kept, modes and links kept), against the same tree copied with the `tar` command
 * (`tar -c | tar -x` on the host) in the same run, as a ratio, with the engine's own share
 * (its archive read and dropped); and the controller's peak
 * resident memory over it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerClient, pingDocker } from '../runtime/docker/docker-client.js';
import { ensureGradingImage } from '../images/grading-image.js';
import { DockerNode } from '../runtime/docker/docker-node.js';
import { LABEL_LAB, LABEL_RUN, removeByLabel } from '../runtime/docker/docker-labels.js';
import { median } from './median.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FILES = 100_000;
const ROUNDS = 3;

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  const title = `collection: ${FILES / 1000}k small files out of a container, against tar`;
  const docker = dockerClient();
  if (!(await pingDocker(docker))) return { title, lines: ['skipped: needs a Docker engine'] };
  const image = await ensureGradingImage(docker, { projectRoot: root });
  const run = Math.random().toString(16).slice(2, 10);
  const work = mkdtempSync(join(tmpdir(), 'netlab-bench-collect-'));
  try {
    // 100 folders of 1000 files of 20-200 bytes, written inside the container.
    const make = `import os\nfor d in range(100):\n  os.makedirs(f'/lab/d{d}', exist_ok=True)\n  for f in range(${FILES / 100}):\n    open(f'/lab/d{d}/f{f}.txt', 'w').write('x' * (20 + (d * 7 + f) % 180))\n`;
    const container = await docker.createContainer({
      Image: image.tag,
      Cmd: ['python3', '-c', make],
      WorkingDir: '/lab',
      Labels: { [LABEL_LAB]: 'bench-collection', [LABEL_RUN]: run },
      HostConfig: { NetworkMode: 'none' },
    });
    await container.start();
    await container.wait();
    const node = new DockerNode(docker, container, 'bench', '', image.tag);
    const ours: number[] = [];
    const tars: number[] = [];
    const drains: number[] = [];
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = 0;
    const sample = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
    for (let i = 0; i < ROUNDS; i++) {
      const dest = join(work, `netlab-${i}`);
      const t0 = performance.now();
      const failures = await node.collect(dest);
      ours.push(performance.now() - t0);
      if (failures.length) throw new Error(`collection lost files: ${failures.slice(0, 3).map((f) => `${f.path}: ${f.reason}`).join('; ')}`);
      const count = readdirSync(dest, { recursive: true }).length;
      if (count !== FILES + 100) throw new Error(`collected ${count} entries, expected ${FILES + 100}`);
      // The baseline: the same tree, copied by tar through a pipe on the host.
      // The engine's share: its archive of /lab read to the end and thrown away.
      const t2 = performance.now();
      const raw = (await container.getArchive({ path: '/lab' })) as unknown as NodeJS.ReadableStream;
      await new Promise<void>((ok, fail) => raw.on('end', ok).on('error', fail).resume());
      drains.push(performance.now() - t2);
      const copy = join(work, `tar-${i}`);
      const t1 = performance.now();
      const r = spawnSync('sh', ['-c', `mkdir -p "$2" && tar -C "$1" -cf - . | tar -C "$2" -xf -`, 'sh', dest, copy]);
      tars.push(performance.now() - t1);
      if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
      rmSync(dest, { recursive: true, force: true });
      rmSync(copy, { recursive: true, force: true });
    }
    clearInterval(sample);
    const m = median(ours);
    const b = median(tars);
    return {
      title,
      lines: [
        `netlab collect (engine archive, streamed): median ${(m / 1000).toFixed(2)} s of ${ROUNDS} (${((FILES / m) * 1000).toFixed(0)} files/s)`,
        `tar -c | tar -x of the same tree on the host: median ${(b / 1000).toFixed(2)} s`,
        `ratio: ${(m / b).toFixed(1)}x the tar baseline`,
        `of which the engine's archive alone (read and dropped): median ${(median(drains) / 1000).toFixed(2)} s (${(median(drains) / b).toFixed(1)}x tar)`,
        `controller resident memory: ${(rssBefore / 2 ** 20).toFixed(0)} MiB before, peak ${(rssPeak / 2 ** 20).toFixed(0)} MiB during collection`,
      ],
    };
  } finally {
    await removeByLabel(docker, `${LABEL_RUN}=${run}`).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}
