import { describe, expect, it } from 'vitest';
import { UsageError } from '../common/usage-error.js';
import { parseClientArgs, parseServerArgs } from './cli-args.js';

describe('server arguments', () => {
  it('takes port and block duration, with a 15-minute default lifetime', () => {
    expect(parseServerArgs(['4000', '10'], {})).toEqual({ port: 4000, blockDurationSeconds: 10, tempIdLifetimeSeconds: 900, backlog: 4096 });
  });
  it('takes the lifetime from the flag over the environment', () => {
    expect(parseServerArgs(['4000', '10'], { BLUETRACE_TEMPID_LIFETIME: '20' }).tempIdLifetimeSeconds).toBe(20);
    expect(parseServerArgs(['4000', '10', '--tempid-lifetime', '2'], { BLUETRACE_TEMPID_LIFETIME: '20' }).tempIdLifetimeSeconds).toBe(2);
    expect(parseServerArgs(['--tempid-lifetime=3', '4000', '10'], {}).tempIdLifetimeSeconds).toBe(3);
  });
  it('takes the listen backlog from --backlog over NETLAB_LISTEN_BACKLOG', () => {
    expect(parseServerArgs(['4000', '10'], { NETLAB_LISTEN_BACKLOG: '2000' }).backlog).toBe(2000);
    expect(parseServerArgs(['4000', '10', '--backlog', '64'], { NETLAB_LISTEN_BACKLOG: '2000' }).backlog).toBe(64);
    expect(() => parseServerArgs(['4000', '10', '--backlog', '0'], {})).toThrow(/--backlog/);
    expect(() => parseServerArgs(['4000', '10'], { NETLAB_LISTEN_BACKLOG: 'many' })).toThrow(/NETLAB_LISTEN_BACKLOG/);
  });
  it('rejects bad input', () => {
    for (const argv of [[], ['4000'], ['4000', '10', '1'], ['x', '10'], ['70000', '10'], ['4000', '-1'], ['4000', '10', '--what'], ['4000', '10', '--tempid-lifetime', '0']]) {
      expect(() => parseServerArgs(argv, {})).toThrow(UsageError);
    }
    expect(() => parseServerArgs(['4000', '10'], { BLUETRACE_TEMPID_LIFETIME: 'soon' })).toThrow(UsageError);
  });
});

describe('client arguments', () => {
  it('takes server IP, server port and UDP port with defaults', () => {
    expect(parseClientArgs(['10.0.0.1', '4000', '5001'], {})).toEqual({
      serverHost: '10.0.0.1',
      serverPort: 4000,
      udpPort: 5001,
      contactRetentionSeconds: 180,
      allowExpiredBeacon: false,
      connectTimeoutSeconds: 10,
    });
  });
  it('reads flags and environment', () => {
    const env = { BLUETRACE_CONTACT_RETENTION: '15', BLUETRACE_ALLOW_EXPIRED_BEACON: '1', BLUETRACE_CONNECT_TIMEOUT: '0' };
    expect(parseClientArgs(['h', '1', '2'], env)).toMatchObject({ contactRetentionSeconds: 15, allowExpiredBeacon: true, connectTimeoutSeconds: 0 });
    expect(parseClientArgs(['h', '1', '2', '--contact-retention', '5', '--allow-expired-beacon'], {})).toMatchObject({
      contactRetentionSeconds: 5,
      allowExpiredBeacon: true,
    });
  });
  it('rejects bad input', () => {
    for (const argv of [[], ['h', '1'], ['h', '0', '2'], ['h', '1', 'x'], ['h', '1', '2', '3'], ['h', '1', '2', '--bogus']]) {
      expect(() => parseClientArgs(argv, {})).toThrow(UsageError);
    }
    expect(() => parseClientArgs(['h', '1', '2'], { BLUETRACE_ALLOW_EXPIRED_BEACON: 'maybe' })).toThrow(UsageError);
  });
});
