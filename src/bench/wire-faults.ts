/**
 * How exact the fault steps are: `loss` requested vs measured at the receiver over 10,000
 * datagrams (1%, 10%, 30%), and `rate` requested vs a TCP transfer's measured throughput.
 * One small lab of two inline Node programs, on the default runtime.
 */
import { benchSignal } from './bench-signal.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTopology } from '../topology/load-topology.js';
import { chooseRuntime } from '../runtime/choose-runtime.js';
import { runLab } from '../lab/run-lab.js';
import { nodeFiles } from '../model/run-paths.js';
import { quietReporter } from '../lab/quiet-reporter.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const N = 10_000;
const LOSSES = [1, 10, 30];
const RATES = [[800, 200_000], [4000, 1_000_000]] as const;

const receiver = `const port = +process.argv[1]; let got = 0;
const u = require('dgram').createSocket('udp4'); u.on('message', () => got++);
u.bind(port, () => require('net').createServer((s) => { let n = 0; let t; s.on('data', (d) => { t ??= Date.now(); n += d.length; }); s.on('end', () => console.log('tcp ' + n + ' bytes in ' + (Date.now() - t) + ' ms')); }).listen(port, () => console.log('ready')));
require('readline').createInterface({ input: process.stdin }).on('line', (l) => { if (l === 'count') { console.log('got ' + got); got = 0; } });`;
const sender = `const [host, port] = [process.argv[1], +process.argv[2]];
const u = require('dgram').createSocket('udp4');
require('readline').createInterface({ input: process.stdin }).on('line', (l) => {
  const [cmd, arg] = l.split(' ');
  if (cmd === 'udp') { let i = 0; const tick = () => { if (i >= +arg) return console.log('sent ' + i); u.send('d' + i++, port, host, () => (i % 10 ? setImmediate(tick) : setTimeout(tick, 1))); }; tick(); }
  if (cmd === 'tcp') { const s = require('net').connect(port, host, () => s.end(Buffer.alloc(+arg, 120), () => console.log('tcp sent ' + arg))); }
});
console.log('sender ready');`;

function topology(): string {
  const steps: string[] = [];
  for (const p of LOSSES) {
    steps.push(`      - { loss: { between: [sender, receiver], percent: ${p}, direction: out } }`, `      - { node: sender, send: udp ${N} }`, `      - { node: sender, expect: "sent ${N}", timeout: 120s }`, '      - { node: receiver, send: count }', '      - { node: receiver, expect: "got \\\\d+" }', '      - { heal: true }');
  }
  for (const [kbit, bytes] of RATES) {
    steps.push(`      - { rate: { node: sender, kbit: ${kbit} } }`, `      - { node: sender, send: tcp ${bytes} }`, '      - { node: receiver, expect: "tcp \\\\d+ bytes in", timeout: 60s }', '      - { heal: true }');
  }
  return `name: wirebench
network: { subnet: 10.112.0.0/24 }
server:
  name: receiver
  command: [node, -e, ${JSON.stringify(receiver)}, "47120"]
  ready: { output: ready }
clients:
  - name: sender
    command: [node, -e, ${JSON.stringify(sender)}, "{{ server.ip }}", "47120"]
    ready: { output: sender ready }
scenarios:
  - name: loss and rate accuracy
    timeout: 30s
    steps:
${steps.join('\n')}
`;
}

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-bench-faults-'));
  const file = join(dir, 'wirebench.yaml');
  writeFileSync(file, topology());
  const { runtime } = await chooseRuntime('auto', root);
  const res = await runLab({ plan: loadTopology(file), runtime, projectRoot: root, runsDir: join(dir, 'runs'), signal: benchSignal, reporter: quietReporter, capture: 'off' });
  if (res.status !== 'passed') throw new Error(`wirebench ${res.status}: ${res.error?.message ?? res.scenarios.find((s) => s.failure)?.failure?.message}`);
  const log = readFileSync(nodeFiles.transcript(res.runDir, 'receiver'), 'utf8');
  const got = [...log.matchAll(/got (\d+)/g)].map((m) => Number(m[1]));
  const tcp = [...log.matchAll(/tcp (\d+) bytes in (\d+) ms/g)].map((m) => [Number(m[1]), Number(m[2])]);
  return {
    title: `fault accuracy on ${runtime.kind}: loss over ${N} datagrams, rate by a TCP transfer`,
    lines: [
      ...LOSSES.map((p, i) => `loss ${String(p).padStart(2)}% requested: ${(100 - (got[i] / N) * 100).toFixed(2)}% measured (${got[i]}/${N} received)`),
      ...RATES.map(([kbit], i) => `rate ${kbit} kbit/s requested: ${((tcp[i][0] * 8) / tcp[i][1]).toFixed(0)} kbit/s measured (${tcp[i][0]} B in ${tcp[i][1]} ms, timed from the first byte)`),
    ],
  };
}
