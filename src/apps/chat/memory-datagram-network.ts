import type { DatagramPort, PeerAddress } from './datagram-port.js';

export interface MemoryNetworkOptions {
  /** Fraction of datagrams dropped. */
  loss?: number;
  /** Fraction of datagrams held back a few milliseconds, so they arrive out of order. */
  reorder?: number;
  /** Random source (seeded in tests). */
  random?: () => number;
  /** Inspect or alter a datagram in flight; return undefined to drop it. */
  tamper?: (data: Buffer, from: PeerAddress, to: PeerAddress) => Buffer | undefined;
}

/**
 * An in-memory datagram network with injectable loss, reordering and tampering.
 *
 * Why: the reliable-transfer tests wrap the datagram layer to prove recovery from
 * exactly the faults UDP allows, without real sockets or timing luck.
 */
export class MemoryDatagramNetwork {
  private readonly ports = new Map<string, (data: Buffer, from: PeerAddress) => void>();
  delivered = 0;
  dropped = 0;
  reordered = 0;

  constructor(private readonly options: MemoryNetworkOptions = {}) {}

  port(address: string, port: number): DatagramPort {
    const self = { address, port };
    const key = `${address}:${port}`;
    let handler: ((data: Buffer, from: PeerAddress) => void) | undefined;
    this.ports.set(key, (d, f) => handler?.(d, f));
    return {
      send: (data, to) => this.transmit(Buffer.isBuffer(data) ? Buffer.from(data) : Buffer.concat(data), self, to),
      onMessage: (h) => {
        handler = h;
      },
      close: () => {
        this.ports.delete(key);
      },
    };
  }

  private transmit(data: Buffer, from: PeerAddress, to: PeerAddress): void {
    const random = this.options.random ?? Math.random;
    if (random() < (this.options.loss ?? 0)) {
      this.dropped++;
      return;
    }
    const out = this.options.tamper ? this.options.tamper(data, from, to) : data;
    if (!out) {
      this.dropped++;
      return;
    }
    const deliver = (): void => {
      const target = this.ports.get(`${to.address}:${to.port}`);
      if (!target) return;
      this.delivered++;
      target(out, { ...from });
    };
    if (random() < (this.options.reorder ?? 0)) {
      this.reordered++;
      setTimeout(deliver, 1 + Math.floor(random() * 4));
    } else setImmediate(deliver);
  }
}
