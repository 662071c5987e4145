import { describe, expect, it } from 'vitest';
import { duplexPair } from '../common/duplex-pair.js';
import { ClientConnection, ConnectionClosedError } from './client-connection.js';

describe('ClientConnection', () => {
  it('matches replies to requests in order, whatever the splitting, and skips unknown frame types', async () => {
    const [c, s] = duplexPair();
    const conn = new ClientConnection(c);
    const wire = Buffer.from(
      '{"v":1,"type":"hello","server":"bluetrace"}\n{"v":1,"type":"news","x":1}\n{"v":1,"type":"logout_ok"}\n{"v":1,"type":"upload_ok","received":3}\n',
    );
    const a = conn.request({ type: 'logout' });
    const b = conn.request({ type: 'upload_contact_log', entries: [] });
    for (const byte of wire) s.write(Buffer.from([byte]));
    await conn.ready();
    expect(await a).toEqual({ type: 'logout_ok' });
    expect(await b).toEqual({ type: 'upload_ok', received: 3 });
  });

  it('turns an unreadable reply into an error instead of waiting forever', async () => {
    const [c, s] = duplexPair();
    const conn = new ClientConnection(c);
    const r = conn.request({ type: 'download_tempid' });
    s.write('{"v":1,"type":"tempid","tempId":"1234567890","start":"01/01/2024 12:00:00","expiry":"01/01/2024 12:15:00"}\n');
    expect(await r).toMatchObject({ type: 'error', code: 'bad_frame' });
  });

  it('fails pending requests and emits close when the server goes away', async () => {
    const [c, s] = duplexPair();
    const conn = new ClientConnection(c);
    const closed = new Promise<string>((resolve) => conn.once('close', resolve));
    const r = conn.request({ type: 'logout' });
    s.destroy();
    await expect(r).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(await closed).toMatch(/closed/);
    await expect(conn.request({ type: 'logout' })).rejects.toBeInstanceOf(ConnectionClosedError);
  });
});
