import { ChatState } from './chat-state.js';
import { MType, SUPPORTED_VERSIONS } from './pdu.js';
import type { ServerSession } from './server-session.js';

type Handler = (s: ServerSession, body: Record<string, unknown>) => void;

/** Longest chat text accepted, in characters. */
const MAX_TEXT = 4000;

function refuse(s: ServerSession, reason: string, extra: Record<string, unknown> = {}): void {
  s.dfa.handledError();
  s.send(MType.MSG_UNSUCCESSFUL, { reason, ...extra });
}

function needVersion(s: ServerSession): boolean {
  if (s.version !== null) return true;
  refuse(s, 'send VERSIONS first');
  return false;
}

function needLogin(s: ServerSession): boolean {
  if (!needVersion(s)) return false;
  if (s.dfa.is(ChatState.AUTHENTICATED, ChatState.SENDING_MESSAGE)) return true;
  refuse(s, 'log in first');
  return false;
}

function text(s: ServerSession, body: Record<string, unknown>): string | null {
  const t = body.text;
  if (typeof t !== 'string' || t.length > MAX_TEXT) {
    refuse(s, `text must be a string of at most ${MAX_TEXT} characters`);
    return null;
  }
  return t;
}

/** Deliver a 1:1 or 1:n message to the active targets; tell the sender which were not. */
function deliver(s: ServerSession, mtype: MType, targets: unknown[], t: string): void {
  s.dfa.fire('send');
  const inactive: unknown[] = [];
  const seen = new Set<number>();
  for (const id of targets) {
    const to = typeof id === 'number' ? s.server.byId.get(id) : undefined;
    if (!to) {
      inactive.push(id);
      continue;
    }
    if (seen.has(id as number)) continue;
    seen.add(id as number);
    to.send(mtype, { from: s.userId, from_name: s.username, to: targets, text: t });
  }
  if (inactive.length > 0) {
    s.send(MType.MSG_UNSUCCESSFUL, { reason: 'not active', inactive, delivered: [...seen] });
  }
}

/**
 * One handler per message type a client may send (aedes-style handler table). Types a
 * client never sends have no entry; the session answers those MSG_UNSUCCESSFUL.
 */
export const SERVER_HANDLERS: Partial<Record<MType, Handler>> = {
  [MType.VERSIONS](s, body) {
    const offered = Array.isArray(body.versions) ? body.versions.filter((v): v is number => Number.isInteger(v)) : [];
    const common = SUPPORTED_VERSIONS.filter((v) => offered.includes(v));
    if (s.version !== null) return refuse(s, `version ${s.version} is already agreed`);
    if (common.length === 0) {
      s.server.log(`${s.label()}: version mismatch (offered ${JSON.stringify(offered)}, supported ${SUPPORTED_VERSIONS.join(',')})`);
      s.dfa.fire('error');
      s.closeWith(MType.VERSIONS, { version: null, versions: SUPPORTED_VERSIONS, reason: 'no common version' }, 'version mismatch');
      return;
    }
    s.version = Math.max(...common);
    s.send(MType.VERSIONS, { version: s.version, versions: SUPPORTED_VERSIONS });
  },

  [MType.LOGIN](s, body) {
    if (!needVersion(s)) return;
    if (!s.dfa.is(ChatState.CONNECTED)) return refuse(s, 'already logged in');
    if (s.checking) return refuse(s, 'a login is being checked');
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    s.checking = true;
    const server = s.server;
    server.users
      .check(username, password)
      .then((ok) =>
        s.guard(() => {
          s.checking = false;
          if (s.isEnded) return;
          const taken = ok ? server.loggedIn(username) : undefined;
          if (ok && !taken) {
            s.loggedIn();
            const id = server.register(s, username);
            s.dfa.fire('authenticated');
            const active = [...server.byId.values()].filter((o) => o !== s).map((o) => ({ user_id: o.userId, username: o.username }));
            s.send(MType.LOGIN_ACK, { user_id: id, username, active });
            server.log(`login ${username} (user ${id}) from ${s.remote}`);
            return;
          }
          s.failedLogins++;
          const reason = taken ? `${username} is already logged in` : 'wrong username or password';
          server.log(`login failed for ${JSON.stringify(username)} from ${s.remote}: ${reason} (${s.failedLogins} of ${server.limits.maxLoginAttempts})`);
          const left = server.limits.maxLoginAttempts - s.failedLogins;
          if (left <= 0) {
            s.closeWith(MType.LOGIN_DISCONNECT, { reason: 'too many failed login attempts' }, 'too many failed logins');
            return;
          }
          s.dfa.handledError();
          s.send(MType.LOGIN_RETRY, { reason, attempts_left: left });
        }),
      )
      .catch((e: Error) => s.guard(() => s.abort(`login check failed: ${e.message}`)));
  },

  [MType.ALIVE]() {
    // Any PDU re-arms the silence timer; ALIVE exists to do only that.
  },

  [MType.ONE_TO_ONE](s, body) {
    if (!needLogin(s)) return;
    const t = text(s, body);
    if (t === null) return;
    if (typeof body.to !== 'number') return refuse(s, 'to must be a user id');
    deliver(s, MType.ONE_TO_ONE, [body.to], t);
  },

  [MType.ONE_TO_MANY](s, body) {
    if (!needLogin(s)) return;
    const t = text(s, body);
    if (t === null) return;
    if (!Array.isArray(body.to) || body.to.length === 0 || body.to.length > 256) return refuse(s, 'to must be a list of 1 to 256 user ids');
    deliver(s, MType.ONE_TO_MANY, body.to, t);
  },

  [MType.BROADCAST](s, body) {
    if (!needLogin(s)) return;
    const t = text(s, body);
    if (t === null) return;
    s.dfa.fire('send');
    for (const to of s.server.byId.values()) to.send(MType.BROADCAST, { from: s.userId, from_name: s.username, text: t });
  },

  [MType.LOGOUT](s) {
    if (!needLogin(s)) return;
    s.server.log(`logout ${s.username} (user ${s.userId})`);
    s.closeWith(MType.LOGOUT_ACK, {}, 'logged out');
  },
};
