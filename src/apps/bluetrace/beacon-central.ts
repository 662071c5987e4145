import type { Clock } from '../common/clock.js';
import { decodeBeacon, isBeaconValidAt } from './beacon.js';
import type { ContactLogKeeper } from './contact-log-keeper.js';
import { MSG } from './messages.js';
import { formatTime } from './time-format.js';

/**
 * The central role: judge each received datagram and keep the valid ones.
 *
 * Why separate from the socket: tests hand it datagrams directly; the program
 * wires it to a dgram socket. The output lines are listed in the protocol doc.
 */
export class BeaconCentral {
  constructor(
    private readonly keeper: ContactLogKeeper,
    private readonly clock: Clock,
    private readonly print: (text: string) => void,
  ) {}

  /** Handle one datagram from `from` (`ip:port`); resolves once contactlog.txt is updated. */
  async receive(datagram: Buffer, from: string): Promise<'valid' | 'invalid' | 'malformed'> {
    const decoded = decodeBeacon(datagram);
    if (!decoded.ok) {
      this.print(`received malformed beacon from ${from}: ${decoded.reason}`);
      return 'malformed';
    }
    const b = decoded.beacon;
    const now = this.clock.now();
    const valid = isBeaconValidAt(b, now);
    this.print(
      [
        `received beacon from ${from}: ${b.tempId}, ${b.start}, ${b.expiry}, version ${b.version}.`,
        `Current time is: ${formatTime(now)}.`,
        valid ? MSG.beaconValid : MSG.beaconInvalid,
      ].join('\n'),
    );
    if (valid) await this.keeper.record({ tempId: b.tempId, start: b.start, expiry: b.expiry });
    return valid ? 'valid' : 'invalid';
  }
}
