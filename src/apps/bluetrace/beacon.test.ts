import { describe, expect, it } from 'vitest';
import { BEACON_LENGTH, decodeBeacon, encodeBeacon, isBeaconValidAt, type Beacon } from './beacon.js';
import { parseTime } from './time-format.js';

const beacon: Beacon = { tempId: '01234567890123456789', start: '09/05/2020 10:48:29', expiry: '09/05/2020 11:03:29', version: 1 };

describe('beacon', () => {
  it('encodes to 59 bytes: TempID(20) start(19) expiry(19) version(1)', () => {
    const buf = encodeBeacon(beacon);
    expect(BEACON_LENGTH).toBe(59);
    expect(buf).toHaveLength(59);
    expect(buf.toString('latin1')).toBe('0123456789012345678909/05/2020 10:48:2909/05/2020 11:03:291');
  });

  it('round-trips', () => {
    expect(decodeBeacon(encodeBeacon(beacon))).toEqual({ ok: true, beacon });
  });

  it('rejects datagrams of the wrong size or shape', () => {
    const good = encodeBeacon(beacon);
    expect(decodeBeacon(good.subarray(0, 58)).ok).toBe(false);
    expect(decodeBeacon(Buffer.concat([good, Buffer.from('x')])).ok).toBe(false);
    const badId = Buffer.from(good);
    badId[3] = 0x41;
    expect(decodeBeacon(badId).ok).toBe(false);
    const badTime = Buffer.from(good);
    badTime[22] = 0x3a;
    expect(decodeBeacon(badTime).ok).toBe(false);
    expect(decodeBeacon(Buffer.alloc(59, 0xff)).ok).toBe(false);
    expect(decodeBeacon(Buffer.alloc(0)).ok).toBe(false);
  });

  it('refuses to encode a malformed beacon', () => {
    expect(() => encodeBeacon({ ...beacon, tempId: '123' })).toThrow();
    expect(() => encodeBeacon({ ...beacon, start: 'yesterday' })).toThrow();
  });

  it('is valid only between start and expiry, inclusive, with the known version', () => {
    const start = parseTime(beacon.start)!;
    const expiry = parseTime(beacon.expiry)!;
    expect(isBeaconValidAt(beacon, start - 1)).toBe(false);
    expect(isBeaconValidAt(beacon, start)).toBe(true);
    expect(isBeaconValidAt(beacon, expiry)).toBe(true);
    expect(isBeaconValidAt(beacon, expiry + 1)).toBe(false);
    expect(isBeaconValidAt({ ...beacon, version: 2 }, start)).toBe(false);
  });
});
