import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupSocketInodes, hexToIp, listenState, parseSocketTable, readSocketTables } from './socket-table.js';

const temp = mkdtempSync(join(tmpdir(), 'netlab-sockets-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

// Lines as the kernel writes them (header, then one socket per line).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0FA0 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0000000000000000 100 0 0 10 0
   1: 0A334D0A:0FA1 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 112 1 0000000000000000 100 0 0 10 0
   2: 0A334D0A:0FA1 0B334D0A:C350 01 00000000:00000000 00:00000000 00000000  1000        0 113 1 0000000000000000 100 0 0 10 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0FA2 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 114 1 0000000000000000 100 0 0 10 0
`;

describe('socket table', () => {
  it('parses addresses, ports, states and inodes', () => {
    expect(parseSocketTable(TCP, 'tcp')).toEqual([
      { proto: 'tcp', ip: '127.0.0.1', port: 4000, state: '0A', inode: '111' },
      { proto: 'tcp', ip: '10.77.51.10', port: 4001, state: '0A', inode: '112' },
      { proto: 'tcp', ip: '10.77.51.10', port: 4001, state: '01', inode: '113' },
    ]);
    expect(hexToIp('0000000000000000FFFF00000A334D0A')).toBe('10.77.51.10');
    expect(hexToIp('00000000000000000000000001000000')).toBe('::1');
  });

  it('keeps listening TCP and bound UDP sockets from one /proc/<pid>/net folder', () => {
    const net = join(temp, 'net');
    mkdirSync(net);
    writeFileSync(join(net, 'tcp'), TCP);
    writeFileSync(join(net, 'tcp6'), TCP6);
    writeFileSync(join(net, 'udp'), TCP.replaceAll(' 0A ', ' 07 '));
    const all = readSocketTables(net)!;
    expect(all.filter((s) => s.proto === 'tcp').map((s) => s.port)).toEqual([4000, 4001, 4002]);
    expect(all.filter((s) => s.proto === 'udp').map((s) => s.port)).toEqual([4000, 4001]);
    expect(readSocketTables(join(temp, 'nowhere'))).toBeUndefined();
  });

  it('says whether a port is reachable by other nodes, on loopback only, or not listened on', () => {
    const s = [...parseSocketTable(TCP, 'tcp'), ...parseSocketTable(TCP6, 'tcp')].filter((x) => x.state === '0A');
    expect(listenState(s, 4001, '10.77.51.10')).toBe('reachable'); // its own address
    expect(listenState(s, 4002, '10.77.51.10')).toBe('reachable'); // every address (::)
    expect(listenState(s, 4000, '10.77.51.10')).toBe('loopback');
    expect(listenState(s, 4003, '10.77.51.10')).toBe('none');
    expect(listenState(s, 4001, '10.77.51.99')).toBe('none'); // another node's address
  });

  it('with udp, asks about bound UDP sockets on the port and not TCP listeners', () => {
    const udp = parseSocketTable(TCP.replaceAll(' 0A ', ' 07 '), 'udp');
    const s = [...parseSocketTable(TCP, 'tcp').filter((x) => x.state === '0A'), ...udp.filter((x) => x.state === '07')];
    expect(listenState(s, 4001, '10.77.51.10', 'udp')).toBe('reachable');
    expect(listenState(s, 4000, '10.77.51.10', 'udp')).toBe('loopback');
    expect(listenState(udp, 4001, '10.77.51.10', 'tcp')).toBe('none');
    expect(listenState(s, 4002, '10.77.51.10', 'udp')).toBe('none');
  });

  it("finds the socket inodes of one process group's processes", () => {
    const proc = join(temp, 'proc');
    for (const [pid, pgrp, target] of [
      ['100', 100, 'socket:[111]'],
      ['101', 100, 'socket:[112]'],
      ['200', 200, 'socket:[113]'],
    ] as const) {
      mkdirSync(join(proc, pid, 'fd'), { recursive: true });
      writeFileSync(join(proc, pid, 'stat'), `${pid} (python3 (x)) S 1 ${pgrp} ${pgrp} 0 -1`);
      symlinkSync(target, join(proc, pid, 'fd', '3'));
      symlinkSync('/dev/null', join(proc, pid, 'fd', '0'));
    }
    expect([...groupSocketInodes(100, proc)].sort()).toEqual(['111', '112']);
  });

  it("reads this machine's real table: a listening server is found on its port", async () => {
    const server = createServer();
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as { port: number }).port;
    const table = readSocketTables('/proc/net')!;
    expect(listenState(table, port, '127.9.9.9')).toBe('loopback');
    server.close();
  });
});
