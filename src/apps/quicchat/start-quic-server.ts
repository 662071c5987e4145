import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { events, QUICServer, type QUICConnection, type QUICStream } from '@matrixai/quic';
import type { ChatServer } from './chat-server.js';
import type { LabCertificates } from './lab-certificates.js';
import { quietLogger, QUIC_COMMON } from './quic-config.js';
import { serverCrypto } from './quic-crypto.js';
import { quicStreamDuplex } from './quic-stream-duplex.js';

export interface StartQuicServerOptions {
  core: ChatServer;
  port: number;
  host?: string;
  certs: LabCertificates;
  /** Also serve the CA certificate on this TCP port (0: any free one; null: not at all). */
  caPort?: number | null;
  log?: (line: string) => void;
}

/** A listening server: its ports, and a way to stop it. */
export interface RunningQuicServer {
  port: number;
  caPort: number | null;
  close(): Promise<void>;
}

const swallow = (): void => {};

/**
 * Serve the chat over QUIC: every connection's first bidirectional stream becomes a
 * session of `core`; the CA certificate is handed out on a TCP port of the same number.
 *
 * Why the guards: @matrixai/quic rejects promises and dispatches error events when peers
 * reset, vanish mid-read or close with streams open; each one is caught here and costs only
 * that connection. A second stream on a connection is cancelled (the protocol uses one).
 */
export async function startQuicServer(o: StartQuicServerOptions): Promise<RunningQuicServer> {
  const log = o.log ?? swallow;
  const server = new QUICServer({
    crypto: await serverCrypto(),
    config: { ...QUIC_COMMON, key: o.certs.keyPem, cert: o.certs.certPem, verifyPeer: false },
    logger: quietLogger(),
  });
  const connections = new Set<QUICConnection>();
  server.addEventListener(events.EventQUICServerError.name, (e) => log(`QUIC server error: ${String((e as events.EventQUICServerError).detail?.message)}`));
  server.addEventListener(events.EventQUICServerConnection.name, (e) => {
    try {
      onConnection((e as events.EventQUICServerConnection).detail);
    } catch (err) {
      log(`QUIC connection setup failed: ${(err as Error).message}`);
    }
  });

  function onConnection(conn: QUICConnection): void {
    connections.add(conn);
    conn.closedP.catch(swallow).finally(() => connections.delete(conn));
    const remote = `${conn.remoteHost}:${conn.remotePort}`;
    let attached = false;
    conn.addEventListener(events.EventQUICConnectionError.name, swallow);
    conn.addEventListener(events.EventQUICConnectionStream.name, (ev) => {
      const stream = (ev as events.EventQUICConnectionStream).detail as QUICStream;
      try {
        stream.closedP.catch(swallow);
        stream.addEventListener(events.EventQUICStreamError.name, swallow);
        if (attached || stream.type !== 'bidi') {
          stream.cancel(new Error('one stream per connection'));
          return;
        }
        attached = true;
        const duplex = quicStreamDuplex(stream);
        duplex.on('error', swallow);
        // When the session is over, close the connection (after a moment for the last PDU).
        duplex.once('close', () => {
          setTimeout(() => conn.stop({ isApp: true, errorCode: 0, force: true }).catch(swallow), 500).unref();
        });
        o.core.attachStream(duplex, remote);
      } catch (err) {
        log(`${remote}: stream setup failed: ${(err as Error).message}`);
        try {
          stream.cancel(err);
        } catch {
          /* gone already */
        }
      }
    });
  }

  await server.start({ host: o.host ?? '0.0.0.0', port: o.port });
  const port = server.port as number;
  widenReceiveBuffer(server, log);

  let tcp: TcpServer | null = null;
  let caPort: number | null = null;
  if (o.caPort !== null) {
    tcp = createTcpServer((sock) => {
      sock.on('error', swallow);
      sock.end(o.certs.caPem);
    });
    tcp.on('error', (err) => log(`CA port error: ${err.message}`));
    try {
      await new Promise<void>((resolve, reject) => {
        tcp!.once('error', reject);
        tcp!.listen(o.caPort ?? port, o.host ?? '0.0.0.0', () => resolve());
      });
      const addr = tcp.address();
      caPort = typeof addr === 'object' && addr ? addr.port : null;
    } catch (err) {
      await server.stop({ force: true }).catch(swallow);
      throw err;
    }
  }

  return {
    port,
    caPort,
    async close() {
      o.core.closeAll();
      await new Promise<void>((r) => (tcp ? tcp.close(() => r()) : r()));
      await server.stop({ isApp: true, errorCode: 0, force: true }).catch(swallow);
    },
  };
}

/** What the server's receive buffer is asked to be (the kernel caps it at net.core.rmem_max). */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Asks for a larger receive buffer on the server's UDP socket.
 *
 * Why: every client talks to this one socket, and the default buffer (about 208 KiB)
 * holds fewer than 100 full-size QUIC packets. While the event loop is busy (a TLS
 * handshake, a bcrypt check) a burst from many clients overflowed it: 100 clients logging
 * in at once lost about 2,000 datagrams per run, and QUIC's retransmission backoff made
 * some logins wait 30 s and more. The library keeps its dgram socket in a protected field
 * (`server.socket.socket`), so it is reached here defensively: if that ever changes, the
 * server runs with the default buffer and says so.
 */
function widenReceiveBuffer(server: QUICServer, log: (line: string) => void): void {
  try {
    const dgram = (server as unknown as { socket?: { socket?: { setRecvBufferSize(n: number): void } } }).socket?.socket;
    if (!dgram) throw new Error('no dgram socket found in the QUIC server');
    dgram.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
  } catch (err) {
    log(`QUIC server: kept the default UDP receive buffer (${(err as Error).message})`);
  }
}
