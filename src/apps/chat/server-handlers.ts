import { CHAT_LIMITS } from './chat-limits.js';
import { formatTimestamp, parseTimestamp, toWholeSeconds } from './format-timestamp.js';
import type { ActiveUser } from './active-user-list.js';
import type { ChatFrame } from './frame-reader.js';
import type { BoardMessage, BoardRefusal } from './message-board.js';
import type { ServerSession } from './server-session.js';

/** A handler for one request type, and the login phase it is allowed in. */
export interface ServerHandler {
  phase: 'login' | 'session' | 'any';
  run(session: ServerSession, frame: ChatFrame, id: number | undefined): void;
}

const str = (f: ChatFrame, key: string): string | undefined => (typeof f[key] === 'string' ? (f[key] as string) : undefined);
const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

function validText(s: ServerSession, id: number | undefined, text: string | undefined): text is string {
  if (text === undefined || text.trim() === '') {
    s.fail(id, 'bad-request', 'The message is empty.');
    return false;
  }
  if (Buffer.byteLength(text) > CHAT_LIMITS.maxMessageBytes) {
    s.fail(id, 'too-long', `The message is longer than ${CHAT_LIMITS.maxMessageBytes} bytes.`);
    return false;
  }
  return true;
}

function validUdpPort(s: ServerSession, id: number | undefined, port: unknown): port is number {
  if (typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535) return true;
  s.fail(id, 'bad-request', 'The login request needs the client UDP port (1..65535).');
  return false;
}

function blockedText(ms: number): string {
  return `Your account is blocked due to multiple login failures. Please try again in ${seconds(ms)} second(s).`;
}

/** Each active user's ATU line, made once (every welcome and ATU lists everybody). */
const atuLines = new WeakMap<ActiveUser, string>();

function atuLine(u: ActiveUser): string {
  let line = atuLines.get(u);
  if (line === undefined) atuLines.set(u, (line = `${u.user}, ${u.ip}, ${u.udpPort}, active since ${formatTimestamp(u.sinceMs)}.`));
  return line;
}

/** Lines listing the other active users, as ATU and the welcome show them. */
function otherUsersLines(s: ServerSession): string[] {
  const lines = ['Other active users:'];
  for (const u of s.server.active.list()) if (u.sessionId !== s.id) lines.push(atuLine(u));
  return lines.length === 1 ? ['No other active users.'] : lines;
}

/**
 * Mark the session logged in, add it to userlog.txt, and send the welcome.
 *
 * Why the welcome is encoded first: if it could not be sent (it is paged over as many
 * frames as the user list needs, so it always fits), the login must not be half-done with
 * the session marked logged in and the client told "Internal server error".
 */
function completeLogin(s: ServerSession, id: number | undefined, user: string, udpPort: number, first: string[] = []): void {
  const srv = s.server;
  const sinceMs = toWholeSeconds(srv.clock.now());
  const others = otherUsersLines(s);
  const frames = s.encodeReply(id, [...first, `Welcome to the chat server, ${user}!`, ...others], {
    user,
    otherUsers: others.length - 1,
  });
  s.user = user;
  s.pendingUser = undefined;
  srv.guard.recordSuccess(user);
  const entry = { user, ip: s.ip, udpPort, sinceMs, sessionId: s.id };
  srv.userAdded(srv.active.add(entry), entry, s);
  srv.log(`${user} logged in from ${s.ip} (UDP port ${udpPort}) at ${formatTimestamp(sinceMs)}.`);
  s.sendFrames(frames);
}

function refusalText(r: BoardRefusal, n: number, verb: string, m: BoardMessage | undefined): string {
  if (r === 'no-such-message' || !m) return `Message #${n} does not exist.`;
  if (r === 'not-author') return `Message #${n} was posted by ${m.author}; you can only ${verb} your own messages.`;
  return `The timestamp does not match message #${n} (its timestamp is ${formatTimestamp(m.atMs)}).`;
}

/** Parse `n` (number or "#3") and `ts` from a DLT/EDT frame; replies with the error itself. */
function target(s: ServerSession, f: ChatFrame, id: number | undefined): { n: number; atMs: number } | undefined {
  const raw = typeof f.n === 'number' ? String(f.n) : (str(f, 'n') ?? '');
  const n = /^#?\d{1,9}$/.test(raw) ? Number(raw.replace('#', '')) : NaN;
  if (!Number.isInteger(n)) {
    s.fail(id, 'bad-request', `Invalid message number "${raw}"; use #<number>, for example #1.`);
    return undefined;
  }
  const atMs = parseTimestamp(str(f, 'ts') ?? '');
  if (atMs === undefined) {
    s.fail(id, 'bad-timestamp', `Invalid timestamp "${str(f, 'ts') ?? ''}"; use the form 25 Apr 2021 05:33:41.`);
    return undefined;
  }
  return { n, atMs };
}

/**
 * The request handlers, one small function per frame type.
 *
 * Why: a table keeps the protocol surface visible in one place; the session layer does
 * the phase check (login vs logged in) so each handler only does its own job.
 */
export const serverHandlers: Record<string, ServerHandler> = {
  /** Login step 1: the username. Unknown and blocked users are refused here. */
  user: {
    phase: 'login',
    run(s, f, id) {
      const name = str(f, 'name') ?? '';
      const srv = s.server;
      if (!srv.credentials.has(name)) {
        s.pendingUser = undefined;
        s.fail(id, 'unknown-user', `Unknown username "${name}". Try again, or type REG <username> <password> to register.`);
        return;
      }
      const left = srv.guard.remainingBlockMs(name);
      if (left > 0) {
        srv.log(`Refused login of blocked user ${name} from ${s.ip}.`);
        s.fail(id, 'blocked', blockedText(left), { retryInSeconds: seconds(left) });
        s.end();
        return;
      }
      s.pendingUser = name;
      s.reply(id, [], { next: 'password' });
    },
  },

  /** Login step 2: the password, plus the client's UDP port for userlog.txt. */
  pass: {
    phase: 'login',
    run(s, f, id) {
      const srv = s.server;
      const name = s.pendingUser;
      if (!name) {
        s.fail(id, 'bad-request', 'Send a username first.');
        return;
      }
      if (!validUdpPort(s, id, f.udpPort)) return;
      const left = srv.guard.remainingBlockMs(name);
      if (left > 0) {
        s.fail(id, 'blocked', blockedText(left), { retryInSeconds: seconds(left) });
        s.end();
        return;
      }
      if (!srv.credentials.verify(name, str(f, 'password') ?? '')) {
        const outcome = srv.guard.recordFailure(name);
        if (outcome.blocked) {
          const secs = seconds(srv.guard.blockMs);
          srv.log(`${name} blocked for ${secs} s after ${srv.guard.maxAttempts} failed attempt(s) (last from ${s.ip}).`);
          s.fail(
            id,
            'blocked-now',
            `Invalid password. Your account has been blocked for ${secs} second(s) after ${srv.guard.maxAttempts} consecutive failed attempt(s). Please try again later.`,
            { retryInSeconds: secs },
          );
          s.end();
        } else {
          s.fail(id, 'wrong-password', `Invalid password. Please try again (${outcome.attemptsLeft} attempt(s) left).`, {
            attemptsLeft: outcome.attemptsLeft,
          });
        }
        return;
      }
      const existing = srv.active.find(name);
      if (existing) {
        s.pendingUser = undefined;
        s.fail(id, 'already-logged-in', `${name} is already logged in from ${existing.ip}; log out there first.`);
        return;
      }
      completeLogin(s, id, name, f.udpPort);
    },
  },

  /** Register a new account and log in with it in one step. */
  register: {
    phase: 'login',
    run(s, f, id) {
      const name = str(f, 'name') ?? '';
      const password = str(f, 'password') ?? '';
      if (!CHAT_LIMITS.userNamePattern.test(name)) {
        s.fail(id, 'bad-request', `Invalid username "${name}": use 1 to 32 letters, digits, "_", "." or "-".`);
        return;
      }
      if (!CHAT_LIMITS.passwordPattern.test(password)) {
        s.fail(id, 'bad-request', 'Invalid password: use 1 to 64 printable characters without spaces.');
        return;
      }
      if (!validUdpPort(s, id, f.udpPort)) return;
      if (!s.server.credentials.register(name, password)) {
        s.fail(id, 'user-exists', `Username "${name}" is already taken; choose another.`);
        return;
      }
      s.server.log(`New user ${name} registered from ${s.ip}.`);
      completeLogin(s, id, name, f.udpPort, [`Registered new user ${name}.`]);
    },
  },

  /** MSG: post to the board. */
  msg: {
    phase: 'session',
    run(s, f, id) {
      const text = str(f, 'text');
      if (!validText(s, id, text)) return;
      const srv = s.server;
      const { number, message } = srv.board.post(s.user!, text, toWholeSeconds(srv.clock.now()));
      srv.messagePosted(number, message, s);
      const ts = formatTimestamp(message.atMs);
      srv.log(`${s.user} posted message #${number} at ${ts}: ${text}`);
      s.reply(id, [`Message #${number} posted at ${ts}.`], { number, ts });
    },
  },

  /** DLT: delete one's own message, timestamp must match. */
  dlt: {
    phase: 'session',
    run(s, f, id) {
      const t = target(s, f, id);
      if (!t) return;
      const srv = s.server;
      const before = srv.board.get(t.n);
      const r = srv.board.delete(t.n, s.user!, t.atMs);
      if (typeof r === 'string') {
        s.fail(id, r, refusalText(r, t.n, 'delete', before));
        return;
      }
      srv.writeMessageLog(s);
      const ts = formatTimestamp(srv.clock.now());
      srv.log(`${s.user} deleted message #${t.n} at ${ts}: ${r.text}`);
      s.reply(id, [`Message #${t.n} deleted at ${ts}.`], { number: t.n, ts });
    },
  },

  /** EDT: replace the text of one's own message; its timestamp becomes now and edited becomes yes. */
  edt: {
    phase: 'session',
    run(s, f, id) {
      const t = target(s, f, id);
      if (!t) return;
      const text = str(f, 'text');
      if (!validText(s, id, text)) return;
      const srv = s.server;
      const before = srv.board.get(t.n);
      const r = srv.board.edit(t.n, s.user!, t.atMs, text, toWholeSeconds(srv.clock.now()));
      if (typeof r === 'string') {
        s.fail(id, r, refusalText(r, t.n, 'edit', before));
        return;
      }
      srv.writeMessageLog(s);
      const ts = formatTimestamp(r.atMs);
      srv.log(`${s.user} edited message #${t.n} at ${ts}: ${text}`);
      s.reply(id, [`Message #${t.n} edited at ${ts}.`], { number: t.n, ts });
    },
  },

  /** RDM: messages posted or edited strictly after the given time. */
  rdm: {
    phase: 'session',
    run(s, f, id) {
      const raw = str(f, 'ts') ?? '';
      const afterMs = parseTimestamp(raw);
      if (afterMs === undefined) {
        s.fail(id, 'bad-timestamp', `Invalid timestamp "${raw}"; use the form 25 Apr 2021 05:33:41.`);
        return;
      }
      const since = formatTimestamp(afterMs);
      const found = s.server.board.since(afterMs);
      s.server.log(`${s.user} read ${found.length} message(s) after ${since}.`);
      if (found.length === 0) {
        s.reply(id, [`No messages after ${since}.`], { count: 0 });
        return;
      }
      s.reply(
        id,
        [
          `Messages after ${since}:`,
          ...found.map(
            ({ number, message: m }) =>
              `#${number} ${m.author}: ${m.text} (${m.edited ? 'edited' : 'posted'} at ${formatTimestamp(m.atMs)})`,
          ),
        ],
        { count: found.length },
      );
    },
  },

  /** ATU: the other active users with IP, UDP port and login time. */
  atu: {
    phase: 'session',
    run(s, _f, id) {
      s.server.log(`${s.user} listed active users.`);
      s.reply(id, otherUsersLines(s));
    },
  },

  /** OUT: log out, leave userlog.txt, close. */
  out: {
    phase: 'session',
    run(s, _f, id) {
      const srv = s.server;
      srv.active.removeSession(s.id);
      srv.writeUserLog(s);
      srv.log(`${s.user} logged out.`);
      s.reply(id, [`Bye, ${s.user}!`]);
      s.end();
    },
  },

  /** Peer lookup for UPD and DM: the IP and UDP port of an active user. */
  whereis: {
    phase: 'session',
    run(s, f, id) {
      const name = str(f, 'user') ?? '';
      const u = s.server.active.find(name);
      if (!u) {
        s.fail(id, 'not-active', `${name} is not active.`);
        return;
      }
      s.reply(id, [], { user: u.user, ip: u.ip, port: u.udpPort });
    },
  },

  /** PWD: change one's own password (the current one must be given). */
  pwd: {
    phase: 'session',
    run(s, f, id) {
      const srv = s.server;
      if (!srv.credentials.verify(s.user!, str(f, 'old') ?? '')) {
        s.fail(id, 'wrong-password', 'The current password is wrong; password not changed.');
        return;
      }
      const next = str(f, 'new') ?? '';
      if (!CHAT_LIMITS.passwordPattern.test(next)) {
        s.fail(id, 'bad-request', 'Invalid new password: use 1 to 64 printable characters without spaces.');
        return;
      }
      srv.credentials.setPassword(s.user!, next);
      srv.log(`${s.user} changed their password.`);
      s.reply(id, ['Password changed.']);
    },
  },

  /** Keep-alive; lets the server drop connections that went silent. */
  ping: {
    phase: 'any',
    run(s, _f, id) {
      s.send('pong', { id });
    },
  },
};
