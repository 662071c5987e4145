import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { systemClock, type Clock } from '../common/clock.js';
import { BeaconCentral } from './beacon-central.js';
import type { ClientConfig } from './cli-args.js';
import { ClientApp, EXIT } from './client-app.js';
import { ClientConnection } from './client-connection.js';
import { connectWithRetry } from './connect-with-retry.js';
import { ContactLogKeeper } from './contact-log-keeper.js';

/** A start-up failure with the exit code the program should use. */
export class ClientStartError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'ClientStartError';
  }
}

/** Everything startClient needs: the parsed command line plus I/O and the exit hook. */
export interface StartClientOptions extends ClientConfig {
  /** Working folder for contactlog.txt (the program passes its cwd). */
  dir: string;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Called once with the exit code after the client has shut down its sockets. */
  onExit: (code: number) => void;
  clock?: Clock;
  /** Bind the UDP socket to this address; the program passes none (all interfaces), tests 127.0.0.1. */
  udpHost?: string;
}

/** Handles on a started client, for tests and the program's stdin wiring. */
export interface RunningClient {
  app: ClientApp;
  /** The UDP port actually bound (useful when 0 was asked for). */
  udpPort: number;
  keeper: ContactLogKeeper;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Wire a complete client: contact log, UDP central, TCP connection, and the
 * command state machine; prints the first prompt once the server has said hello.
 *
 * Why a function apart from client-main: the integration test and the bench run
 * real clients in-process on loopback with exactly the program's wiring.
 */
export async function startClient(o: StartClientOptions): Promise<RunningClient> {
  const clock = o.clock ?? systemClock;
  const keeper = new ContactLogKeeper(o.dir, o.contactRetentionSeconds * 1000, clock);
  await keeper.load();
  const central = new BeaconCentral(keeper, clock, (t) => o.out(t + '\n'));

  const udp: UdpSocket = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      const bound = (): void => {
        udp.off('error', reject);
        resolve();
      };
      if (o.udpHost === undefined) udp.bind(o.udpPort, bound);
      else udp.bind(o.udpPort, o.udpHost, bound);
    });
  } catch (e) {
    await keeper.close();
    throw new ClientStartError(`cannot bind UDP port ${o.udpPort}: ${message(e)}`, EXIT.connection);
  }
  udp.on('error', (e) => o.err(`UDP error: ${message(e)}\n`));
  udp.on('message', (msg, rinfo) => {
    central.receive(msg, `${rinfo.address}:${rinfo.port}`).catch((e: unknown) => o.err(`contactlog.txt: ${message(e)}\n`));
  });

  let conn: ClientConnection;
  try {
    const sock = await connectWithRetry(o.serverHost, o.serverPort, o.connectTimeoutSeconds * 1000);
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 30_000);
    conn = new ClientConnection(sock);
    const helloMs = Math.max(5, o.connectTimeoutSeconds) * 1000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        conn.ready(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no BlueTrace hello from the server')), helloMs);
        }),
      ]);
    } catch (e) {
      conn.close();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  } catch (e) {
    udp.close();
    await keeper.close();
    throw new ClientStartError(`Cannot connect to server ${o.serverHost}:${o.serverPort}: ${message(e)}`, EXIT.connection);
  }

  let exiting = false;
  const exit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    conn.close();
    try {
      udp.close();
    } catch {
      /* already closed */
    }
    void keeper
      .close()
      .catch(() => undefined)
      .finally(() => o.onExit(code));
  };
  const app = new ClientApp({
    conn,
    out: o.out,
    err: o.err,
    clock,
    keeper,
    allowExpiredBeacon: o.allowExpiredBeacon,
    exit,
    sendDatagram: (datagram, host, port) =>
      new Promise((resolve, reject) => udp.send(datagram, port, host, (e) => (e ? reject(e) : resolve()))),
  });
  app.start();
  return { app, udpPort: udp.address().port, keeper };
}
