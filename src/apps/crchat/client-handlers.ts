import type { ChatClient } from './chat-client.js';
import type { MessageOf, MessageType } from './message.js';

type Handler<T extends MessageType> = (c: ChatClient, msg: MessageOf<T>) => void;

/** CONNECTED: the log-on is complete. */
function onConnected(c: ChatClient): void {
  if (c.state !== 'connecting') return;
  c.connected();
  c.print('Connected');
  c.settle();
}

/** CHAT_STARTED(session, peer): to the requester and to the requested side alike. */
function onChatStarted(c: ChatClient, msg: MessageOf<'CHAT_STARTED'>): void {
  if (c.state !== 'connected' && c.state !== 'requesting') return;
  c.state = 'chatting';
  c.session = msg.session;
  c.peer = msg.peer;
  c.print(`Chat started (session ${msg.session} with ${msg.peer})`);
  c.settle();
}

/** UNREACHABLE(peer): the requested client is offline or busy. */
function onUnreachable(c: ChatClient): void {
  if (c.state === 'requesting') c.state = 'connected';
  c.print('Correspondent unreachable');
  c.settle();
}

/** END_NOTIF(session): the other side ended the chat (or vanished). */
function onEndNotif(c: ChatClient, msg: MessageOf<'END_NOTIF'>): void {
  if (c.state !== 'chatting' || c.session !== msg.session) return;
  c.state = 'connected';
  c.session = null;
  c.peer = null;
  c.print('Chat ended');
}

/** CHAT(session, text): a message from the peer, shown as `<peer> text`. */
function onChat(c: ChatClient, msg: MessageOf<'CHAT'>): void {
  if (c.state !== 'chatting' || c.session !== msg.session) return;
  c.print(`<${c.peer}> ${msg.text}`);
}

/** HISTORY_RESP(session, from, text): one stored message, as `<session_id> <from> <text>`. */
function onHistoryResp(c: ChatClient, msg: MessageOf<'HISTORY_RESP'>): void {
  c.print(`${msg.session} ${msg.from} ${msg.text}`);
}

/** HISTORY_END(peer, count): the history is complete. */
function onHistoryEnd(c: ChatClient, msg: MessageOf<'HISTORY_END'>): void {
  c.print(`End of history with ${msg.peer} (${msg.count} message${msg.count === 1 ? '' : 's'})`);
  c.settle();
}

/** DISCONNECT(reason): the server is about to close; remember why for the message shown. */
function onDisconnect(c: ChatClient, msg: MessageOf<'DISCONNECT'>): void {
  c.disconnectReason = msg.reason;
}

/** ERROR(reason): the server refused something we sent; show it, keep going. */
function onError(c: ChatClient, msg: MessageOf<'ERROR'>): void {
  c.print(`Server error: ${msg.reason}`);
  c.settle();
}

/**
 * The client's handler table: one small function per server-to-client message type.
 *
 * Why: the session layer only decrypts and dispatches; each reaction lives in one place.
 * Types not listed (a server should never send them) are ignored.
 */
export const clientHandlers: Partial<{ [T in MessageType]: Handler<T> }> = {
  CONNECTED: onConnected,
  CHAT_STARTED: onChatStarted,
  UNREACHABLE: onUnreachable,
  END_NOTIF: onEndNotif,
  CHAT: onChat,
  HISTORY_RESP: onHistoryResp,
  HISTORY_END: onHistoryEnd,
  DISCONNECT: onDisconnect,
  ERROR: onError,
};
