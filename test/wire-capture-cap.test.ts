import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Capture, findTcpdump, packetsOf } from '../src/wire/capture.js';

const root = process.getuid?.() === 0;
const tcpdump = findTcpdump();

// The size cap: a capture past it stops on its own and says so, and the file stays near the
// cap (checked four times a second, so at most about a quarter second of traffic over it).
it.skipIf(!process.env.CI && !(root && tcpdump))('a capture past its size cap stops and leaves a note; the file stays near the cap', async () => {
  if (!root || !tcpdump) throw new Error('CI is set but this is not root with tcpdump: .ci/run installs tcpdump and runs as root');
  const file = join(mkdtempSync(join(tmpdir(), 'netlab-capcap-')), 'capture.pcap');
  const to = '127.77.7.7';
  const cap = 256 * 1024;
  const c = await Capture.start(tcpdump, { iface: 'lo', filter: `udp and dst host ${to}`, snaplen: 2048, marker: { to } }, file, cap);
  const sock = createSocket('udp4');
  const payload = Buffer.alloc(1000, 0x61);
  let sent = 0;
  // Send until the capture says it is capped (about 250 datagrams fill it, and the check runs
  // once a second: some thousands more get in before it stops; give up at 200,000).
  while (!c.cappedNote && sent < 200_000) {
    await new Promise<void>((r) => sock.send(payload, 9999, to, () => r()));
    sent++;
    if (sent % 100 === 0) await new Promise((r) => setImmediate(r));
  }
  sock.close();
  const summary = await c.stop();
  expect(summary.capped).toBe('capture stopped at the size cap of 256 KiB; later traffic is not in capture.pcap');
  expect(summary.bytes).toBeGreaterThan(cap);
  expect(summary.bytes).toBeLessThan(cap + 64 * 1024 * 1024);
  const packets = packetsOf(c.read());
  expect(packets.length).toBeGreaterThan(200);
  expect(packets.every((p) => p.dst === to && p.dstPort === 9999)).toBe(true);
});
