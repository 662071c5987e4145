import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One socket from the kernel's table (/proc/net/tcp, tcp6, udp, udp6). */
export interface SocketEntry {
  proto: 'tcp' | 'udp';
  ip: string;
  port: number;
  /** The kernel's state in hex: 0A is LISTEN for TCP, 07 an unconnected UDP socket. */
  state: string;
  inode: string;
}

/** The sockets in the text of /proc/net/{tcp,tcp6,udp,udp6} (header lines are skipped). */
export function parseSocketTable(text: string, proto: 'tcp' | 'udp'): SocketEntry[] {
  const out: SocketEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^\d+:$/.test(f[0]) || !f[1].includes(':')) continue;
    const [hexIp, hexPort] = f[1].split(':');
    out.push({ proto, ip: hexToIp(hexIp), port: parseInt(hexPort, 16), state: f[3].toUpperCase(), inode: f[9] });
  }
  return out;
}

/** The kernel's little-endian hex address as text; IPv4-mapped IPv6 as plain IPv4. */
export function hexToIp(hex: string): string {
  if (hex.length === 8) {
    const n = parseInt(hex, 16);
    return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
  }
  if (/^0000000000000000FFFF0000/i.test(hex)) return hexToIp(hex.slice(24));
  if (/^0+$/.test(hex)) return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  return hex;
}

/**
 * Listening TCP sockets and bound UDP sockets, from the tables under one /proc/…/net
 * folder; undefined when its TCP table cannot be read (the folder is not on this machine).
 */
export function readSocketTables(netDir: string): SocketEntry[] | undefined {
  try {
    readFileSync(`${netDir}/tcp`);
  } catch {
    return undefined;
  }
  const read = (f: string) => {
    try {
      return readFileSync(`${netDir}/${f}`, 'utf8');
    } catch {
      return '';
    }
  };
  return [
    ...parseSocketTable(read('tcp') + read('tcp6'), 'tcp').filter((s) => s.state === '0A'),
    ...parseSocketTable(read('udp') + read('udp6'), 'udp').filter((s) => s.state === '07'),
  ];
}

/**
 * The socket inodes held open by the processes of one process group (a local node and its
 * children), so a shared table (the host's) can be narrowed to one node's sockets.
 */
export function groupSocketInodes(pgid: number, proc = '/proc'): Set<string> {
  const inodes = new Set<string>();
  for (const pid of readdirSync(proc).filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`${proc}/${pid}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) !== pgid) continue;
      for (const fd of readdirSync(`${proc}/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${proc}/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      }
    } catch {
      /* the process ended while we looked */
    }
  }
  return inodes;
}

/** Whether an address is loopback (127/8 or ::1). */
function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

/**
 * Whether a node listens on TCP `port` (or, for udp, has a socket bound to it) where other
 * nodes reach it (all interfaces or its own address), only on loopback, or not at all:
 * readiness read from the socket table, without ever connecting to the program.
 */
export function listenState(sockets: SocketEntry[], port: number, address: string, proto: 'tcp' | 'udp' = 'tcp'): 'reachable' | 'loopback' | 'none' {
  const on = sockets.filter((s) => s.proto === proto && s.port === port);
  if (on.some((s) => s.ip === '0.0.0.0' || s.ip === '::' || s.ip === address)) return 'reachable';
  if (on.some((s) => isLoopback(s.ip))) return 'loopback';
  return 'none';
}
