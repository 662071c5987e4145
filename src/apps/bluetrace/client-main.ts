/**
 * Program entry: `bluetrace-client <server_IP> <server_port> <client_udp_port> [options]`.
 * Commands come line by line on stdin; beacons arrive on the UDP port (all interfaces).
 */
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { BeaconCentral } from './beacon-central.js';
import { CLIENT_USAGE, UsageError, parseClientArgs, type ClientConfig } from './cli-args.js';
import { ClientApp, EXIT } from './client-app.js';
import { ClientConnection } from './client-connection.js';
import { systemClock } from './clock.js';
import { connectWithRetry } from './connect-with-retry.js';
import { ContactLogKeeper } from './contact-log-keeper.js';

const out = (text: string): void => void process.stdout.write(text);
const err = (text: string): void => void process.stderr.write(text);
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function main(): Promise<void> {
  let cfg: ClientConfig;
  try {
    cfg = parseClientArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`bluetrace-client: ${e.message}\n${CLIENT_USAGE}\n`);
    process.exit(EXIT.usage);
  }

  const keeper = new ContactLogKeeper(process.cwd(), cfg.contactRetentionSeconds * 1000, systemClock);
  await keeper.load();
  const central = new BeaconCentral(keeper, systemClock, (t) => out(t + '\n'));

  const udp = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(cfg.udpPort, () => {
        udp.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    err(`bluetrace-client: cannot bind UDP port ${cfg.udpPort}: ${message(e)}\n`);
    process.exit(EXIT.connection);
  }
  udp.on('error', (e) => err(`UDP error: ${message(e)}\n`));
  udp.on('message', (msg, rinfo) => {
    central.receive(msg, `${rinfo.address}:${rinfo.port}`).catch((e: unknown) => err(`contactlog.txt: ${message(e)}\n`));
  });

  let conn: ClientConnection;
  try {
    const sock = await connectWithRetry(cfg.serverHost, cfg.serverPort, cfg.connectTimeoutSeconds * 1000);
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 30_000);
    conn = new ClientConnection(sock);
    await conn.ready();
  } catch (e) {
    err(`Cannot connect to server ${cfg.serverHost}:${cfg.serverPort}: ${message(e)}\n`);
    process.exit(EXIT.connection);
  }

  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  let exiting = false;
  const exit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    conn.close();
    rl.close();
    try {
      udp.close();
    } catch {
      /* already closed */
    }
    void keeper
      .close()
      .catch(() => undefined)
      .finally(() => process.stdout.write('', () => process.exit(code)));
  };
  const app = new ClientApp({
    conn,
    out,
    err,
    clock: systemClock,
    keeper,
    allowExpiredBeacon: cfg.allowExpiredBeacon,
    exit,
    sendDatagram: (datagram, host, port) =>
      new Promise((resolve, reject) => udp.send(datagram, port, host, (e) => (e ? reject(e) : resolve()))),
  });
  app.start();
  rl.on('line', (line) => app.feedLine(line));
  rl.on('close', () => app.endOfInput());
}

main().catch((e: unknown) => {
  err(`bluetrace-client: ${message(e)}\n`);
  process.exit(1);
});
