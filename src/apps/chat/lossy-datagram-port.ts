import type { DatagramPort, PeerAddress } from './datagram-port.js';

/**
 * Wraps a datagram port and silently drops a fraction of outgoing datagrams.
 *
 * Why: the lab must show transfers completing under loss (CHAT_UDP_LOSS=0.1); dropping
 * on send affects data, acks, offers and DMs alike, exactly like a lossy link would.
 */
export class LossyDatagramPort implements DatagramPort {
  dropped = 0;
  sent = 0;

  constructor(
    private readonly inner: DatagramPort,
    readonly lossRate: number,
    private readonly random: () => number = Math.random,
  ) {}

  send(data: Buffer | readonly Buffer[], to: PeerAddress): void {
    if (this.random() < this.lossRate) {
      this.dropped++;
      return;
    }
    this.sent++;
    this.inner.send(data, to);
  }

  onMessage(handler: (data: Buffer, from: PeerAddress) => void): void {
    this.inner.onMessage(handler);
  }

  close(): void {
    this.inner.close();
  }
}
