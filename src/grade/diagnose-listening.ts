import type { LabNode } from '../lab/lab-node.js';

export interface Listener {
  ip: string;
  port: number;
}

/** Listening TCP sockets from /proc/net/tcp and tcp6 text (state 0A). */
export function parseListening(procNetTcp: string): Listener[] {
  const out: Listener[] = [];
  for (const line of procNetTcp.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3] !== '0A' || !f[1].includes(':')) continue;
    const [hexIp, hexPort] = f[1].split(':');
    out.push({ ip: hexToIp(hexIp), port: parseInt(hexPort, 16) });
  }
  return out;
}

function hexToIp(hex: string): string {
  if (hex.length === 8) {
    const n = parseInt(hex, 16);
    return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
  }
  if (/^0{20}FFFF0000/i.test(hex) || /^0000000000000000FFFF0000/i.test(hex)) return hexToIp(hex.slice(24));
  if (/^0+$/.test(hex)) return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  return hex;
}

/**
 * Why clients cannot reach a submission's server, in words a student can act on:
 * it listens only on 127.0.0.1, or on another port, or not at all.
 */
export async function diagnoseServer(server: LabNode | undefined, port: number | undefined): Promise<string | undefined> {
  if (!server || !port) return undefined;
  if (!server.runtime.running()) return `the server is not running (${server.output.exited ?? 'never started'})`;
  const use = await server.runtime.usage?.().catch(() => undefined);
  if (use?.pids && use.pidsLimit && use.pids >= use.pidsLimit - 1) {
    return `the server node is at its process limit (${use.pids} of ${use.pidsLimit}): the program keeps creating processes (a fork bomb?)`;
  }
  const res = await server.runtime.exec(['cat', '/proc/net/tcp', '/proc/net/tcp6'], 5000);
  if (res.code !== 0 && !res.output.includes(' sl ')) return undefined;
  // 127.0.0.11 is Docker's own DNS resolver inside every container, not the program.
  const listening = parseListening(res.output).filter((l) => l.ip !== '127.0.0.11');
  const onPort = listening.filter((l) => l.port === port);
  const reachable = onPort.some((l) => l.ip === '0.0.0.0' || l.ip === '::' || l.ip === server.runtime.address);
  if (reachable) return undefined;
  if (onPort.some((l) => l.ip.startsWith('127.') || l.ip === '::1')) {
    return `the server listens on ${onPort.map((l) => `${l.ip}:${l.port}`).join(', ')} only, so no other machine can reach it; it must listen on all interfaces (0.0.0.0, or '' in Python) or on its own address ${server.runtime.address}`;
  }
  const others = [...new Set(listening.map((l) => l.port))].filter((p) => p !== port);
  return `nothing listens on TCP port ${port} on the server node${others.length ? ` (it listens on ${others.join(', ')})` : ''}`;
}
