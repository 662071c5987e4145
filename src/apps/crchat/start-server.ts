import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { systemClock, type TimerClock } from '../common/clock.js';
import { DEFAULT_LISTEN_BACKLOG } from '../common/listen-backlog.js';
import { normaliseIp } from '../common/normalise-ip.js';
import { ChatServer } from './chat-server.js';
import type { HistoryStore } from './history-store.js';

/** What startServer needs. */
export interface StartServerOptions {
  udpPort: number;
  /** TCP port for the chat phase; defaults to the UDP port number (0 = any free port). */
  tcpPort?: number;
  subscribers: ReadonlyMap<string, string>;
  history: HistoryStore;
  idleTimeoutMs: number;
  cookieTtlMs?: number;
  /** TCP listen backlog (default DEFAULT_LISTEN_BACKLOG). */
  backlog?: number;
  clock?: TimerClock;
  log?: (line: string) => void;
}

/** A running server: its actual ports, and a way to stop it. */
export interface RunningServer {
  udpPort: number;
  tcpPort: number;
  core: ChatServer;
  close(): Promise<void>;
}

/**
 * Bind the UDP login port and the TCP chat port on all interfaces and feed them to a ChatServer.
 *
 * Why no host argument: in the lab the server has its own IP on a bridge network; binding
 * every interface lets clients reach it there and on loopback alike. A bad datagram or a
 * socket error is logged, never fatal.
 */
export async function startServer(o: StartServerOptions): Promise<RunningServer> {
  const log = o.log ?? (() => {});
  const tcp = createServer();
  let tcpPort = 0;
  const core = new ChatServer({
    subscribers: o.subscribers,
    history: o.history,
    clock: o.clock ?? systemClock,
    idleTimeoutMs: o.idleTimeoutMs,
    ...(o.cookieTtlMs !== undefined ? { cookieTtlMs: o.cookieTtlMs } : {}),
    tcpPort: () => tcpPort,
    log,
  });
  const sockets = new Set<Socket>();
  tcp.on('connection', (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.setNoDelay(true);
    core.attachStream(sock, `${normaliseIp(sock.remoteAddress)}:${sock.remotePort}`);
  });
  tcp.on('error', (err) => log(`TCP server error: ${err.message}`));
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen({ port: o.tcpPort ?? o.udpPort, backlog: o.backlog ?? DEFAULT_LISTEN_BACKLOG }, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  tcpPort = (tcp.address() as AddressInfo).port;

  const udp = createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    try {
      const reply = core.handleDatagram(msg, `${rinfo.address}:${rinfo.port}`);
      if (reply) udp.send(reply, rinfo.port, rinfo.address);
    } catch (err) {
      log(`UDP error from ${rinfo.address}:${rinfo.port}: ${(err as Error).message}`);
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(o.udpPort, () => {
        udp.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    tcp.close();
    throw err;
  }
  udp.on('error', (err) => log(`UDP socket error: ${err.message}`));
  const udpPort = udp.address().port;

  return {
    udpPort,
    tcpPort,
    core,
    async close() {
      core.closeAll();
      await new Promise<void>((r) => udp.close(() => r()));
      const closed = new Promise<void>((r) => tcp.close(() => r()));
      // Give clients a moment to read DISCONNECT, then cut whoever is still there.
      const grace = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, 300);
      await closed;
      clearTimeout(grace);
    },
  };
}
