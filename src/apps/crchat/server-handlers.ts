import type { MessageOf, MessageType } from './message.js';
import type { ServerConnection } from './server-connection.js';

type Handler<T extends MessageType> = (conn: ServerConnection, msg: MessageOf<T>) => void;

/** CONNECT(cookie): the only message accepted before CONNECTED; cookie single-use and bound to the ID. */
function onConnect(conn: ServerConnection, msg: MessageOf<'CONNECT'>): void {
  if (conn.state !== 'connect') return conn.send({ type: 'ERROR', reason: 'already-connected' });
  const refusal = conn.server.cookies.take(conn.id, msg.cookie);
  if (refusal) {
    conn.server.log(`${conn.label()}: CONNECT refused (${refusal})`);
    conn.send({ type: 'DISCONNECT', reason: refusal });
    return conn.disconnect(refusal);
  }
  conn.server.register(conn);
  conn.markConnected();
  conn.send({ type: 'CONNECTED' });
  conn.server.log(`${conn.label()}: CONNECTED`);
}

/** CHAT_REQUEST(B): start a session if B is connected and free, else UNREACHABLE(B). */
function onChatRequest(conn: ServerConnection, msg: MessageOf<'CHAT_REQUEST'>): void {
  const s = conn.server;
  const peer = s.connectionOf(msg.peer);
  if (msg.peer === conn.id || conn.session !== null || !peer || peer.session !== null) {
    s.log(`CHAT_REQUEST ${conn.id} -> ${msg.peer}: UNREACHABLE`);
    return conn.send({ type: 'UNREACHABLE', peer: msg.peer });
  }
  const session = s.startSession(conn, peer);
  conn.send({ type: 'CHAT_STARTED', session, peer: peer.id });
  peer.send({ type: 'CHAT_STARTED', session, peer: conn.id });
  s.log(`CHAT_STARTED ${session}: ${conn.id} <-> ${peer.id}`);
}

/** END_REQUEST(session): end it and send END_NOTIF to the other side; a stale ID is ignored. */
function onEndRequest(conn: ServerConnection, msg: MessageOf<'END_REQUEST'>): void {
  if (conn.session !== msg.session) return;
  conn.server.endSession(msg.session, conn, 'ended');
}

/** CHAT(session, text): store, then relay to the peer; a message for a finished session is dropped. */
function onChat(conn: ServerConnection, msg: MessageOf<'CHAT'>): void {
  if (conn.session !== msg.session) return;
  conn.server.relay(conn, msg.session, msg.text);
}

/** HISTORY_REQ(B): one HISTORY_RESP per stored message with B, in order, then HISTORY_END. */
function onHistoryReq(conn: ServerConnection, msg: MessageOf<'HISTORY_REQ'>): void {
  const records = conn.server.history.between(conn.id, msg.peer);
  for (const r of records) conn.send({ type: 'HISTORY_RESP', session: r.session, from: r.from, text: r.text });
  conn.send({ type: 'HISTORY_END', peer: msg.peer, count: records.length });
  conn.server.log(`HISTORY_REQ ${conn.id} -> ${msg.peer}: ${records.length} message(s)`);
}

/** Guard: everything but CONNECT needs a completed handshake. */
function connected<T extends MessageType>(h: Handler<T>): Handler<T> {
  return (conn, msg) => {
    if (conn.state !== 'connected') return conn.abort('not-connected');
    h(conn, msg);
  };
}

/**
 * The server's handler table: one small function per client-to-server message type.
 *
 * Why a table: adding a message is adding one entry; the session layer only decodes and
 * dispatches, and a type missing here is answered with ERROR.
 */
export const serverHandlers: Partial<{ [T in MessageType]: Handler<T> }> = {
  CONNECT: onConnect,
  CHAT_REQUEST: connected(onChatRequest),
  END_REQUEST: connected(onEndRequest),
  CHAT: connected(onChat),
  HISTORY_REQ: connected(onHistoryReq),
};
