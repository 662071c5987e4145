import * as dgram from 'node:dgram';

/** Where a datagram came from or goes to. */
export interface PeerAddress {
  address: string;
  port: number;
}

/**
 * The datagram layer under the peer protocol: send, receive, close.
 *
 * Why: the reliable transfer only needs these three operations, so tests and the loss
 * injector can wrap or replace the real UDP socket.
 */
export interface DatagramPort {
  /** Send one datagram; a list of buffers is sent as one datagram of their concatenation. */
  send(data: Buffer | readonly Buffer[], to: PeerAddress): void;
  /** The handler owns each `data` buffer (it may keep it or slices of it). */
  onMessage(handler: (data: Buffer, from: PeerAddress) => void): void;
  close(): void;
}

/** A real UDP (IPv4) socket bound on all interfaces. */
export class UdpDatagramPort implements DatagramPort {
  private constructor(private readonly socket: dgram.Socket) {}

  /** Bind `port` on every interface (0 = any free port). Rejects on EADDRINUSE and friends. */
  static bind(port: number, address?: string): Promise<UdpDatagramPort> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024, sendBufferSize: 8 * 1024 * 1024 });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      const done = (): void => {
        socket.off('error', reject);
        socket.on('error', () => {}); // ICMP unreachable and similar: the protocol retransmits
        resolve(new UdpDatagramPort(socket));
      };
      if (address) socket.bind(port, address, done);
      else socket.bind(port, done);
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(data: Buffer | readonly Buffer[], to: PeerAddress): void {
    try {
      this.socket.send(data as Buffer | Buffer[], to.port, to.address);
    } catch {
      // socket closed or bad address: treated as a lost datagram
    }
  }

  onMessage(handler: (data: Buffer, from: PeerAddress) => void): void {
    // Node gives every datagram its own buffer, and rinfo is a fresh object with address and port.
    this.socket.on('message', handler);
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
