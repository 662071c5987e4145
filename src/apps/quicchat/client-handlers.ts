import type { ChatClient } from './chat-client.js';
import { MType, SUPPORTED_VERSIONS } from './pdu.js';

type Handler = (c: ChatClient, body: Record<string, unknown>) => void;

const ids = (v: unknown): string => (Array.isArray(v) ? v.join(',') : String(v));

/** What the client does with each PDU a server sends (one handler per message type). */
export const CLIENT_HANDLERS: Partial<Record<MType, Handler>> = {
  [MType.VERSIONS](c, b) {
    if (typeof b.version === 'number' && (c.o.versions ?? SUPPORTED_VERSIONS).includes(b.version)) return c.negotiated(b.version);
    c.dfa.fire('error');
    c.finish(1, `Version mismatch: the server supports version ${ids(b.versions ?? '?')}, this client offered ${ids(c.o.versions ?? SUPPORTED_VERSIONS)}`);
  },
  [MType.LOGIN_ACK](c, b) {
    const active = Array.isArray(b.active) ? (b.active as Array<Record<string, unknown>>) : [];
    for (const u of active) if (typeof u.user_id === 'number') c.names.set(u.user_id, String(u.username));
    c.o.print(`Logged in as ${String(b.username)} (user id ${String(b.user_id)})`);
    c.o.print(active.length ? `Online: ${active.map((u) => `${String(u.user_id)} ${String(u.username)}`).join(', ')}` : 'Online: nobody else');
    c.authenticated(Number(b.user_id), String(b.username));
  },
  [MType.LOGIN_RETRY](c, b) {
    c.dfa.handledError();
    c.o.print(`Login failed: ${String(b.reason ?? 'refused')} (${String(b.attempts_left ?? '?')} attempt(s) left)`);
    c.askUsername();
  },
  [MType.LOGIN_DISCONNECT](c, b) {
    c.finish(1, `Disconnected by the server: ${String(b.reason ?? 'login failed')}`);
  },
  [MType.LOGIN_BROADCAST](c, b) {
    if (typeof b.user_id === 'number') c.names.set(b.user_id, String(b.username));
    c.o.print(`[server] ${String(b.username)} (user ${String(b.user_id)}) logged in`);
  },
  [MType.LOGOUT_BROADCAST](c, b) {
    if (typeof b.user_id === 'number') c.names.delete(b.user_id);
    const how = b.reason === 'logged out' ? 'logged out' : `left (${String(b.reason ?? 'connection lost')})`;
    c.o.print(`[server] ${String(b.username)} (user ${String(b.user_id)}) ${how}`);
  },
  [MType.ONE_TO_ONE](c, b) {
    c.o.print(`[${String(b.from)} ${String(b.from_name)}] ${String(b.text)}`);
  },
  [MType.ONE_TO_MANY](c, b) {
    c.o.print(`[${String(b.from)} ${String(b.from_name)} to ${ids(b.to)}] ${String(b.text)}`);
  },
  [MType.BROADCAST](c, b) {
    c.o.print(`[${String(b.from)} ${String(b.from_name)} to everyone] ${String(b.text)}`);
  },
  [MType.MSG_UNSUCCESSFUL](c, b) {
    c.dfa.handledError();
    if (Array.isArray(b.inactive)) c.o.print(`Not delivered to user(s) ${ids(b.inactive)}: not active`);
    else c.o.print(`Server: unsuccessful: ${String(b.reason ?? '?')}`);
  },
  [MType.LOGOUT_ACK](c) {
    c.finish(0, 'Logged out');
  },
  [MType.ALIVE]() {},
};
