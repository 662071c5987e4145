/**
 * The seed's DFA, the same for a client and for the server's view of one client:
 * DISCONNECTED → CONNECTING → CONNECTED → AUTHENTICATED ⇄ SENDING_MESSAGE, any state →
 * DISCONNECTING → DISCONNECTED, and ERROR, entered from any live state and left either back
 * to the state it came from (the error was handled) or to DISCONNECTING.
 */
export const ChatState = {
  DISCONNECTED: 'DISCONNECTED',
  CONNECTING: 'CONNECTING',
  CONNECTED: 'CONNECTED',
  AUTHENTICATED: 'AUTHENTICATED',
  SENDING_MESSAGE: 'SENDING_MESSAGE',
  DISCONNECTING: 'DISCONNECTING',
  ERROR: 'ERROR',
} as const;
export type ChatState = (typeof ChatState)[keyof typeof ChatState];

/** What moves the machine. */
export type ChatEvent = 'connect' | 'connected' | 'authenticated' | 'send' | 'error' | 'recovered' | 'disconnect' | 'closed';

const S = ChatState;
/** The transition table: state → event → next state (ERROR's `recovered` is special, see fire). */
export const TRANSITIONS: Readonly<Record<ChatState, Partial<Record<ChatEvent, ChatState>>>> = {
  DISCONNECTED: { connect: S.CONNECTING },
  CONNECTING: { connected: S.CONNECTED, error: S.ERROR, disconnect: S.DISCONNECTING },
  CONNECTED: { authenticated: S.AUTHENTICATED, error: S.ERROR, disconnect: S.DISCONNECTING },
  AUTHENTICATED: { send: S.SENDING_MESSAGE, error: S.ERROR, disconnect: S.DISCONNECTING },
  SENDING_MESSAGE: { send: S.SENDING_MESSAGE, error: S.ERROR, disconnect: S.DISCONNECTING },
  ERROR: { recovered: S.ERROR, disconnect: S.DISCONNECTING },
  DISCONNECTING: { closed: S.DISCONNECTED, disconnect: S.DISCONNECTING },
};

/** A transition the table does not have: a bug in the caller, or a peer out of order. */
export class InvalidTransitionError extends Error {
  constructor(
    readonly from: ChatState,
    readonly event: ChatEvent,
  ) {
    super(`no transition from ${from} on ${event}`);
    this.name = 'InvalidTransitionError';
  }
}

/**
 * One connection's state, moved only through the table.
 *
 * Why explicit: handlers ask `is(...)` before acting (no LOGIN once authenticated, no chat
 * before), and every move is checked, so an impossible sequence fails loudly in tests.
 */
export class ChatStateMachine {
  private current: ChatState;
  private beforeError: ChatState | null = null;
  /** Every state entered, oldest first (tests read it). */
  readonly history: ChatState[];

  constructor(
    start: ChatState = S.DISCONNECTED,
    private readonly onChange?: (from: ChatState, to: ChatState, event: ChatEvent) => void,
  ) {
    this.current = start;
    this.history = [start];
  }

  get state(): ChatState {
    return this.current;
  }

  is(...states: ChatState[]): boolean {
    return states.includes(this.current);
  }

  /** Whether `event` is allowed now. */
  can(event: ChatEvent): boolean {
    return TRANSITIONS[this.current][event] !== undefined;
  }

  /** Take the transition for `event`, or throw InvalidTransitionError. Returns the new state. */
  fire(event: ChatEvent): ChatState {
    let next = TRANSITIONS[this.current][event];
    if (next === undefined) throw new InvalidTransitionError(this.current, event);
    if (event === 'error') this.beforeError = this.current;
    if (event === 'recovered') {
      next = this.beforeError ?? S.DISCONNECTING;
      this.beforeError = null;
    }
    const from = this.current;
    this.current = next;
    this.history.push(next);
    this.onChange?.(from, next, event);
    return next;
  }

  /** Enter ERROR and come back: an error the session handled (a bad PDU answered). */
  handledError(): void {
    if (!this.can('error')) return;
    this.fire('error');
    this.fire('recovered');
  }
}
