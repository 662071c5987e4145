import { LABEL_LAB, LABEL_NODE, LABEL_RUN } from '../runtime/docker/docker-labels.js';
import { listLabs } from '../lab/lab-registry.js';
import { EXIT } from './exit-codes.js';
import { maybeDocker } from './find-node.js';

interface Row {
  lab: string;
  run: string;
  runtime: string;
  node: string;
  address: string;
  state: string;
}

/** `lab ps`: every node of every running lab, docker ones found by label, local ones by registry. */
export async function ps(projectRoot: string, opts: { json?: boolean }): Promise<number> {
  const rows: Row[] = [];
  const docker = await maybeDocker();
  if (docker) {
    for (const c of await docker.listContainers({ all: true, filters: JSON.stringify({ label: [LABEL_LAB] }) })) {
      const nets = Object.values(c.NetworkSettings?.Networks ?? {});
      rows.push({ lab: c.Labels[LABEL_LAB], run: c.Labels[LABEL_RUN], runtime: 'docker', node: c.Labels[LABEL_NODE], address: nets[0]?.IPAddress || nets[0]?.IPAMConfig?.IPv4Address || '-', state: c.State });
    }
  }
  for (const rec of listLabs(projectRoot)) {
    if (rec.runtime !== 'local') continue;
    for (const n of rec.nodes) rows.push({ lab: rec.lab, run: rec.runId, runtime: 'local', node: n.name, address: n.address, state: `held by pid ${rec.pid}` });
  }
  if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  else if (!rows.length) process.stderr.write('no labs are running\n');
  else {
    const cols: (keyof Row)[] = ['lab', 'run', 'runtime', 'node', 'address', 'state'];
    const w = cols.map((k) => Math.max(k.length, ...rows.map((r) => r[k].length)));
    const fmt = (r: Row | Record<string, string>) => cols.map((k, i) => (r as Record<string, string>)[k].padEnd(w[i])).join('  ');
    process.stdout.write([fmt(Object.fromEntries(cols.map((k) => [k, k.toUpperCase()]))), ...rows.map(fmt)].join('\n') + '\n');
  }
  return EXIT.ok;
}
