import type { DecodedMessage } from './decoded-message.js';

/**
 * A BlueTrace (seed 000) beacon: one 59-byte printable datagram, a 20-digit TempID, the
 * start and expiry times (DD/MM/YYYY HH:MM:SS) and a one-digit version.
 */
export function decodeBeaconDatagram(b: Buffer): DecodedMessage | undefined {
  if (b.length !== 59) return undefined;
  const t = b.toString('latin1');
  if (!/^\d{20}\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d\d$/.test(t)) return undefined;
  return { label: `Beacon ${t.slice(0, 20)}` };
}
