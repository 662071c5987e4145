import { duplexPair } from '../common/duplex-pair.js';
import type { ChatServer } from './chat-server.js';
import type { ClientTransport } from './client-transport.js';

/**
 * A ClientTransport wired straight into a ChatServer, no sockets.
 *
 * Why: client and server state machines are tested together in memory; `dropUdp` lets a
 * test lose chosen datagrams (by sequence number, both directions counted) to exercise
 * retransmission.
 */
export function memoryTransport(server: ChatServer, dropUdp: (n: number) => boolean = () => false): ClientTransport {
  let seq = 0;
  let port = 40000;
  return {
    openUdp() {
      const from = `mem:${++port}`;
      let listener: ((d: Buffer) => void) | null = null;
      let closed = false;
      return {
        send(datagram) {
          if (dropUdp(seq++)) return;
          queueMicrotask(() => {
            const reply = server.handleDatagram(Buffer.from(datagram), from);
            if (!reply || dropUdp(seq++)) return;
            queueMicrotask(() => {
              if (!closed) listener?.(reply);
            });
          });
        },
        onMessage(l) {
          listener = l;
        },
        close() {
          closed = true;
        },
      };
    },
    connectTcp() {
      const [client, serverEnd] = duplexPair();
      server.attachStream(serverEnd, `mem:${++port}`);
      return client;
    },
  };
}
