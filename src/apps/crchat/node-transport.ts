import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import type { ClientTransport } from './client-transport.js';

/**
 * Real sockets to a server at host: UDP to udpPort, TCP to the announced port.
 *
 * Why no bind address: the OS picks the source address and port, which works on loopback
 * and across the lab's bridge network alike.
 */
export function nodeTransport(host: string, udpPort: number): ClientTransport {
  return {
    openUdp() {
      const sock = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
      let closed = false;
      sock.on('error', () => {});
      return {
        send(datagram) {
          if (!closed) sock.send(datagram, udpPort, host, () => {});
        },
        onMessage(listener) {
          sock.on('message', (msg) => listener(msg));
        },
        close() {
          if (closed) return;
          closed = true;
          sock.close();
        },
      };
    },
    connectTcp(port) {
      const sock = connect({ host, port });
      sock.setNoDelay(true);
      return sock;
    },
  };
}
