import type { Duplex } from 'node:stream';
import type { DatagramPort } from './datagram-port.js';

/**
 * How the client reaches the server: a fresh UDP endpoint per log-on, and a TCP stream to
 * the port AUTH_SUCCESS named.
 *
 * Why: ChatClient takes this instead of opening sockets itself, so tests wire it straight
 * to a ChatServer in memory; nodeTransport() is the real thing.
 */
export interface ClientTransport {
  openUdp(): DatagramPort;
  connectTcp(port: number): Duplex;
}
