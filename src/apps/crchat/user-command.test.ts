import { describe, expect, it } from 'vitest';
import { parseUserCommand } from './user-command.js';

describe('parseUserCommand', () => {
  it('reads the five commands, case-insensitive', () => {
    expect(parseUserCommand('Log on')).toEqual({ kind: 'log-on' });
    expect(parseUserCommand('  LOG   ON ')).toEqual({ kind: 'log-on' });
    expect(parseUserCommand('log off')).toEqual({ kind: 'log-off' });
    expect(parseUserCommand('Chat Client-ID-B')).toEqual({ kind: 'chat', peer: 'Client-ID-B' });
    expect(parseUserCommand('End chat')).toEqual({ kind: 'end-chat' });
    expect(parseUserCommand('end CHAT')).toEqual({ kind: 'end-chat' });
    expect(parseUserCommand('History B')).toEqual({ kind: 'history', peer: 'B' });
  });

  it('treats anything else as text, kept exactly', () => {
    expect(parseUserCommand('Chat with you later')).toEqual({ kind: 'text', text: 'Chat with you later' });
    expect(parseUserCommand(' hi, "there" ')).toEqual({ kind: 'text', text: ' hi, "there" ' });
    expect(parseUserCommand('Logon please')).toEqual({ kind: 'text', text: 'Logon please' });
    expect(parseUserCommand('')).toEqual({ kind: 'blank' });
  });
});
