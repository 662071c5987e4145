import { describe, expect, it } from 'vitest';
import { ChatState, ChatStateMachine, InvalidTransitionError, TRANSITIONS, type ChatEvent } from './chat-state.js';

const S = ChatState;
const EVENTS: ChatEvent[] = ['connect', 'connected', 'authenticated', 'send', 'error', 'recovered', 'disconnect', 'closed'];

describe('the DFA', () => {
  it('walks the seed path: connect, log in, send, disconnect', () => {
    const m = new ChatStateMachine();
    for (const e of ['connect', 'connected', 'authenticated', 'send', 'send', 'disconnect', 'closed'] as ChatEvent[]) m.fire(e);
    expect(m.history).toEqual([S.DISCONNECTED, S.CONNECTING, S.CONNECTED, S.AUTHENTICATED, S.SENDING_MESSAGE, S.SENDING_MESSAGE, S.DISCONNECTING, S.DISCONNECTED]);
  });

  it.each([S.CONNECTING, S.CONNECTED, S.AUTHENTICATED, S.SENDING_MESSAGE])('ERROR from %s returns to it when handled', (from) => {
    const m = new ChatStateMachine(from);
    m.fire('error');
    expect(m.state).toBe(S.ERROR);
    m.fire('recovered');
    expect(m.state).toBe(from);
  });

  it('ERROR not handled goes to DISCONNECTING', () => {
    const m = new ChatStateMachine(S.AUTHENTICATED);
    m.fire('error');
    expect(m.fire('disconnect')).toBe(S.DISCONNECTING);
    expect(m.fire('closed')).toBe(S.DISCONNECTED);
  });

  it('every live state can start disconnecting; DISCONNECTED cannot', () => {
    for (const s of [S.CONNECTING, S.CONNECTED, S.AUTHENTICATED, S.SENDING_MESSAGE, S.ERROR, S.DISCONNECTING]) {
      expect(new ChatStateMachine(s).fire('disconnect')).toBe(S.DISCONNECTING);
    }
    expect(() => new ChatStateMachine().fire('disconnect')).toThrow(InvalidTransitionError);
  });

  it('refuses every transition the table lacks, and leaves the state alone', () => {
    let refused = 0;
    for (const s of Object.values(S)) {
      for (const e of EVENTS) {
        if (TRANSITIONS[s][e] !== undefined) continue;
        const m = new ChatStateMachine(s);
        expect(() => m.fire(e), `${s} on ${e}`).toThrow(InvalidTransitionError);
        expect(m.state).toBe(s);
        refused++;
      }
    }
    // No chat before login, no second login, no sending while connecting...
    expect(TRANSITIONS.CONNECTED.send).toBeUndefined();
    expect(TRANSITIONS.AUTHENTICATED.authenticated).toBeUndefined();
    expect(refused).toBeGreaterThan(30);
  });

  it('handledError() is a round trip through ERROR, recorded, and a no-op where errors cannot happen', () => {
    const m = new ChatStateMachine(S.SENDING_MESSAGE);
    m.handledError();
    expect(m.history).toEqual([S.SENDING_MESSAGE, S.ERROR, S.SENDING_MESSAGE]);
    const d = new ChatStateMachine(S.DISCONNECTED);
    d.handledError();
    expect(d.history).toEqual([S.DISCONNECTED]);
  });
});
