import { createHash, timingSafeEqual } from 'node:crypto';
import type { LoginGuard } from './login-guard.js';
import { MSG, checkLine, entryLine, logoutLine, tempIdLine, userLine } from './messages.js';
import type { ClientMessage, ClientMessageType, ServerMessage } from './protocol.js';
import type { TempIdStore } from './tempid-store.js';
import { formatTime } from './time-format.js';

/** What every handler may use: shared server state and the server's console. */
export interface ServerContext {
  credentials: Map<string, string>;
  guard: LoginGuard;
  tempIds: TempIdStore;
  /** Print one line (or several, joined by newlines) on the server's stdout. */
  log(text: string): void;
}

/** Per-connection state a handler may read and change. */
export interface SessionState {
  user: string | undefined;
  /** Set by a handler to close the connection once its reply is sent. */
  endAfterReply: boolean;
}

/** One message type's handler: returns the single reply to send. */
type Handler<M extends ClientMessage> = (
  msg: M,
  session: SessionState,
  ctx: ServerContext,
) => ServerMessage | Promise<ServerMessage>;

/** One handler per client message type. */
export type HandlerTable = { [K in ClientMessageType]: Handler<Extract<ClientMessage, { type: K }>> };

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Compare passwords in constant time so response timing does not leak a prefix match. */
function samePassword(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

const notLoggedIn: ServerMessage = { type: 'error', code: 'not_logged_in', message: 'log in first' };

/** Check credentials against the lockout; the only place a session becomes logged in. */
const handleLogin: Handler<Extract<ClientMessage, { type: 'login' }>> = (msg, session, ctx) => {
  if (session.user !== undefined) return { type: 'error', code: 'already_logged_in', message: `already logged in as ${session.user}` };
  const expected = ctx.credentials.get(msg.username);
  if (expected === undefined) return { type: 'login_failed', reason: 'unknown_user' };
  const verdict = ctx.guard.attempt(msg.username, samePassword(expected, msg.password));
  if (verdict === 'ok') {
    session.user = msg.username;
    ctx.log(`${msg.username} login`);
    return { type: 'login_ok', username: msg.username };
  }
  if (verdict === 'now_blocked') ctx.log(`${msg.username} blocked`);
  return { type: 'login_failed', reason: verdict };
};

/** Hand out the user's TempID once tempIDs.txt holds it, and print it. */
const handleDownloadTempId: Handler<Extract<ClientMessage, { type: 'download_tempid' }>> = async (_msg, session, ctx) => {
  const user = session.user;
  if (user === undefined) return notLoggedIn;
  const { record } = await ctx.tempIds.issue(user);
  ctx.log(`${userLine(user)}\n${tempIdLine(record.tempId)}`);
  return { type: 'tempid', tempId: record.tempId, start: formatTime(record.startMs), expiry: formatTime(record.expiryMs) };
};

/** Print the uploaded log, then map each TempID back to its owner's phone number. */
const handleUploadContactLog: Handler<Extract<ClientMessage, { type: 'upload_contact_log' }>> = (msg, session, ctx) => {
  const user = session.user;
  if (user === undefined) return notLoggedIn;
  const out = [`received contact log from ${user}`];
  for (const e of msg.entries) out.push(entryLine(e.tempId, e.start, e.expiry));
  out.push(MSG.contactLogChecking);
  for (const e of msg.entries) {
    const r = ctx.tempIds.lookup(e.tempId);
    out.push(r ? checkLine(r.userId, formatTime(r.startMs), e.tempId) : checkLine('unknown', e.start, e.tempId));
  }
  ctx.log(out.join('\n'));
  return { type: 'upload_ok', received: msg.entries.length };
};

/** Print `<userID> logout` and close the connection after the reply. */
const handleLogout: Handler<Extract<ClientMessage, { type: 'logout' }>> = (_msg, session, ctx) => {
  const user = session.user;
  if (user === undefined) return notLoggedIn;
  ctx.log(logoutLine(user));
  session.user = undefined;
  session.endAfterReply = true;
  return { type: 'logout_ok' };
};

/** The server's dispatch table. */
export const serverHandlers: HandlerTable = {
  login: handleLogin,
  download_tempid: handleDownloadTempId,
  upload_contact_log: handleUploadContactLog,
  logout: handleLogout,
};
