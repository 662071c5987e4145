import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, createConnection, type AddressInfo, type Server } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindShim } from '../src/runtime/local/bind-shim.js';
import { ROOT } from './helpers/lab-cli.js';

// The loopback policy of the socket shim (src/runtime/local/bind-shim.c), for real: local
// processes on 127.x addresses, as the local runtime runs them. A student's Python server
// that binds 127.0.0.1 must be reachable on its node's address; a C client that connects
// to a hard-coded 127.0.0.1 must reach the lab's server at another address.

const has = (cmd: string) => {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const tools = has('cc') && has('python3');
if (!tools && process.env.CI) throw new Error('the loopback shim test needs cc and python3 (CI is set)');
const describeTools = tools ? describe : describe.skip;

// Addresses of this test only: 127.<random>.<random>.x, like a local-runtime lab block.
const NET = `127.${200 + Math.floor(Math.random() * 50)}.${1 + Math.floor(Math.random() * 250)}`;
const SERVER_NODE = `${NET}.5`;
const CLIENT_NODE = `${NET}.6`;

const work = mkdtempSync(join(tmpdir(), 'netlab-loopback-'));
const children: ChildProcess[] = [];
const servers: Server[] = [];
let shim = '';

/** A port free on every address this test uses, from the kernel. */
async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  s.close();
  return port;
}

function run(argv: string[], env: Record<string, string>): { child: ChildProcess; output: () => string; waitFor: (re: RegExp) => Promise<RegExpExecArray>; done: Promise<number | null> } {
  const child = spawn(argv[0], argv.slice(1), { cwd: work, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LD_PRELOAD: shim, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of [...listeners]) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const done = new Promise<number | null>((ok) => child.once('close', (code) => ok(code)));
  const waitFor = (re: RegExp) =>
    new Promise<RegExpExecArray>((ok, fail) => {
      const check = () => {
        const m = re.exec(out);
        if (m) {
          listeners.delete(check);
          ok(m);
        }
      };
      listeners.add(check);
      void done.then(() => {
        check();
        if (listeners.has(check)) fail(new Error(`${argv.join(' ')} ended without printing ${re}:\n${out}`));
      });
      check();
    });
  return { child, output: () => out, waitFor, done };
}

/** Connects from the test (no shim) and returns the first line the server sends, or the error code. */
function greet(host: string, port: number): Promise<string> {
  return new Promise((ok) => {
    const c = createConnection({ host, port });
    let got = '';
    c.on('data', (d) => (got += d));
    c.on('end', () => ok(got.trim()));
    c.on('error', (e: NodeJS.ErrnoException) => ok(e.code ?? e.message));
  });
}

const PY_SERVER = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(5)
print("listening on %s:%d" % s.getsockname(), flush=True)
while True:
    c, a = s.accept()
    c.sendall(("hello " + a[0] + "\\n").encode())
    c.close()
`;

// A hurried student's client: the server's address is hard-coded, whatever argv says.
const C_CLIENT = `
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int tcp = atoi(argv[1]), udp = atoi(argv[2]);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(tcp);
  a.sin_addr.s_addr = inet_addr("127.0.0.1");
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) { perror("connect"); return 1; }
  char buf[100] = {0};
  ssize_t n = read(s, buf, sizeof buf - 1);
  printf("tcp says: %.*s\\n", (int)(n > 0 ? n : 0), buf);
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  a.sin_port = htons(udp);
  if (sendto(u, "beacon", 6, 0, (struct sockaddr *)&a, sizeof a) < 0) { perror("sendto"); return 1; }
  printf("sent\\n");
  return 0;
}
`;

describeTools('the loopback policy of the socket shim (local processes on 127.x addresses)', () => {
  beforeAll(() => {
    const s = bindShim(ROOT);
    if (!s.path) throw new Error(s.why);
    shim = s.path;
    writeFileSync(join(work, 'server.py'), PY_SERVER);
    writeFileSync(join(work, 'client.c'), C_CLIENT);
    execFileSync('cc', ['-o', join(work, 'client'), join(work, 'client.c')]);
  });
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const s of servers) s.close();
  });

  for (const host of ['127.0.0.1', 'localhost']) {
    it(`a Python server that binds ${host} listens on its node's address instead (warn), and says so in the log`, async () => {
      const port = await freePort();
      const log = join(work, `bind-${host}.log`);
      const p = run(['python3', 'server.py', host, String(port)], { NETLAB_NODE_ADDRESS: SERVER_NODE, NETLAB_LOOPBACK: 'warn', NETLAB_LOOPBACK_LOG: log });
      const [, where] = await p.waitFor(/listening on (\S+)/);
      expect(where).toBe(`${SERVER_NODE}:${port}`);
      expect(await greet(SERVER_NODE, port)).toMatch(/^hello 127\./);
      expect(await greet('127.0.0.1', port)).toBe('ECONNREFUSED');
      expect(readFileSync(log, 'utf8')).toMatch(new RegExp(`^\\d+ bind tcp 127\\.0\\.0\\.1 ${port} rewritten ${SERVER_NODE.replace(/\./g, '\\.')}\\n$`));
      p.child.kill('SIGKILL');
    });
  }

  it('a Python IPv6 server that binds ::1 listens on the node address (as ::ffff:a.b.c.d)', async (ctx) => {
    const probe = createServer();
    const v6 = await new Promise<boolean>((ok) => probe.once('error', () => ok(false)).listen(0, '::1', () => (probe.close(), ok(true))));
    if (!v6) return ctx.skip(); // no IPv6 loopback on this machine
    const port = await freePort();
    const log = join(work, 'bind-v6.log');
    writeFileSync(join(work, 'server6.py'), PY_SERVER.replace('socket.AF_INET,', 'socket.AF_INET6,').replace('"listening on %s:%d" % s.getsockname()', '"listening on %s:%d" % s.getsockname()[:2]'));
    const p = run(['python3', 'server6.py', '::1', String(port)], { NETLAB_NODE_ADDRESS: SERVER_NODE, NETLAB_LOOPBACK: 'warn', NETLAB_LOOPBACK_LOG: log });
    expect((await p.waitFor(/listening on (\S+)/))[1]).toBe(`::ffff:${SERVER_NODE}:${port}`);
    expect(await greet(SERVER_NODE, port)).toMatch(/^hello ::ffff:127\./);
    expect(readFileSync(log, 'utf8')).toMatch(new RegExp(`^\\d+ bind tcp ::1 ${port} rewritten ${SERVER_NODE.replace(/\./g, '\\.')}\\n$`));
    p.child.kill('SIGKILL');
  });

  it('fail keeps the 127.0.0.1 bind (unreachable from other nodes) and records it as kept; off records nothing', async () => {
    const port = await freePort();
    const log = join(work, 'fail.log');
    const p = run(['python3', 'server.py', '127.0.0.1', String(port)], { NETLAB_NODE_ADDRESS: SERVER_NODE, NETLAB_LOOPBACK: 'fail', NETLAB_LOOPBACK_LOG: log });
    expect((await p.waitFor(/listening on (\S+)/))[1]).toBe(`127.0.0.1:${port}`);
    expect(await greet(SERVER_NODE, port)).toBe('ECONNREFUSED');
    expect(readFileSync(log, 'utf8')).toMatch(new RegExp(`^\\d+ bind tcp 127\\.0\\.0\\.1 ${port} kept -\\n$`));
    p.child.kill('SIGKILL');
    await p.done;

    const offLog = join(work, 'off.log');
    const q = run(['python3', 'server.py', '127.0.0.1', String(port)], { NETLAB_NODE_ADDRESS: SERVER_NODE, NETLAB_LOOPBACK_LOG: offLog });
    expect((await q.waitFor(/listening on (\S+)/))[1]).toBe(`127.0.0.1:${port}`);
    expect(existsSync(offLog)).toBe(false);
    q.child.kill('SIGKILL');
  });

  it('a C client that connects and sends to a hard-coded 127.0.0.1 reaches the server at its own address, from its node address', async () => {
    const tcp = createServer((c) => c.end(`hi ${c.remoteAddress}\n`));
    servers.push(tcp);
    tcp.listen(0, SERVER_NODE);
    await once(tcp, 'listening');
    const tcpPort = (tcp.address() as AddressInfo).port;
    const udp = createSocket('udp4');
    udp.bind(0, SERVER_NODE);
    await once(udp, 'listening');
    const udpPort = udp.address().port;
    const datagram = once(udp, 'message') as Promise<[Buffer, { address: string }]>;
    const log = join(work, 'client.log');
    const c = run(['./client', String(tcpPort), String(udpPort)], {
      NETLAB_NODE_ADDRESS: CLIENT_NODE,
      NETLAB_SERVER_ADDRESS: SERVER_NODE,
      NETLAB_SERVER_PORTS: `${tcpPort},${udpPort}`,
      NETLAB_LOOPBACK: 'warn',
      NETLAB_LOOPBACK_LOG: log,
    });
    expect(await c.done, c.output()).toBe(0);
    expect(c.output()).toContain(`tcp says: hi ${CLIENT_NODE}`);
    const [msg, from] = await datagram;
    udp.close();
    expect(msg.toString()).toBe('beacon');
    expect(from.address).toBe(CLIENT_NODE);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.replace(/^\d+ /, ''));
    expect(lines).toEqual([`connect tcp 127.0.0.1 ${tcpPort} rewritten ${SERVER_NODE}`, `sendto udp 127.0.0.1 ${udpPort} rewritten ${SERVER_NODE}`]);
  });

  it('a connect to 127.0.0.1 on a port that is not the lab server\'s is left alone', async () => {
    const local = createServer((c) => c.end('local\n'));
    servers.push(local);
    local.listen(0, '127.0.0.1');
    await once(local, 'listening');
    const port = (local.address() as AddressInfo).port;
    const log = join(work, 'other-port.log');
    const c = run(['./client', String(port), '9'], {
      NETLAB_NODE_ADDRESS: CLIENT_NODE,
      NETLAB_SERVER_ADDRESS: SERVER_NODE,
      NETLAB_SERVER_PORTS: String(port + 1),
      NETLAB_LOOPBACK: 'warn',
      NETLAB_LOOPBACK_LOG: log,
    });
    expect(await c.done, c.output()).toBe(0);
    expect(c.output()).toContain('tcp says: local');
    expect(existsSync(log)).toBe(false);
  });

  it('a bad policy value turns the policy off and is recorded', async () => {
    const port = await freePort();
    const log = join(work, 'bad.log');
    const p = run(['python3', 'server.py', '127.0.0.1', String(port)], { NETLAB_NODE_ADDRESS: SERVER_NODE, NETLAB_LOOPBACK: 'maybe', NETLAB_LOOPBACK_LOG: log });
    expect((await p.waitFor(/listening on (\S+)/))[1]).toBe(`127.0.0.1:${port}`);
    expect(readFileSync(log, 'utf8')).toMatch(/^\d+ bad-policy maybe\n$/);
    p.child.kill('SIGKILL');
  });
});
