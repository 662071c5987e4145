/** A typed command line, turned into what the client must do. */
export type ParsedCommand =
  | { kind: 'empty' }
  | { kind: 'help' }
  | { kind: 'request'; t: 'msg' | 'dlt' | 'edt' | 'rdm' | 'atu' | 'out' | 'pwd'; fields: Record<string, unknown> }
  | { kind: 'upd'; user: string; file: string }
  | { kind: 'dm'; user: string; text: string }
  | { kind: 'error'; text: string };

export const COMMAND_HELP =
  'Commands: MSG <message> | DLT #<n> <timestamp> | EDT #<n> <timestamp> <message> | RDM <timestamp> | ATU | ' +
  'UPD <user> <file> | DM <user> <message> | PWD <old password> <new password> | OUT';

const USAGE: Record<string, string> = {
  MSG: 'MSG <message>',
  DLT: 'DLT #<message number> <timestamp>, for example DLT #1 25 Apr 2021 05:33:41',
  EDT: 'EDT #<message number> <timestamp> <new message>, for example EDT #1 25 Apr 2021 05:33:41 hello again',
  RDM: 'RDM <timestamp>, for example RDM 25 Apr 2021 05:30:00',
  ATU: 'ATU',
  OUT: 'OUT',
  UPD: 'UPD <username> <filename>',
  DM: 'DM <username> <message>',
  PWD: 'PWD <current password> <new password>',
};

const usage = (cmd: string): ParsedCommand => ({ kind: 'error', text: `Usage: ${USAGE[cmd]}` });

/** Split off `count` whitespace-separated words; returns them and the untouched rest. */
function words(text: string, count: number): { taken: string[]; rest: string } | undefined {
  const taken: string[] = [];
  let rest = text;
  for (let i = 0; i < count; i++) {
    const m = /^\s*(\S+)/.exec(rest);
    if (!m) return undefined;
    taken.push(m[1]!);
    rest = rest.slice(m[0].length);
  }
  return { taken, rest: rest.replace(/^\s/, '') };
}

/**
 * Parse one line typed after login. Keywords are case-insensitive; message text is kept
 * exactly as typed (after the single separating space).
 *
 * Why: syntax errors are answered locally with a usage line, so only well-formed requests
 * travel to the server (which still validates everything itself).
 */
export function parseCommand(line: string): ParsedCommand {
  const trimmed = line.replace(/^\s+/, '');
  if (trimmed.trim() === '') return { kind: 'empty' };
  const head = /^(\S+)\s?/.exec(trimmed)!;
  const cmd = head[1]!.toUpperCase();
  const rest = trimmed.slice(head[0].length);
  switch (cmd) {
    case 'HELP':
      return { kind: 'help' };
    case 'MSG':
      return rest.trim() === '' ? usage(cmd) : { kind: 'request', t: 'msg', fields: { text: rest } };
    case 'DLT': {
      const w = words(rest, 5);
      if (!w || w.rest.trim() !== '') return usage(cmd);
      return { kind: 'request', t: 'dlt', fields: { n: w.taken[0], ts: w.taken.slice(1).join(' ') } };
    }
    case 'EDT': {
      const w = words(rest, 5);
      if (!w || w.rest.trim() === '') return usage(cmd);
      return { kind: 'request', t: 'edt', fields: { n: w.taken[0], ts: w.taken.slice(1).join(' '), text: w.rest } };
    }
    case 'RDM': {
      const w = words(rest, 4);
      if (!w || w.rest.trim() !== '') return usage(cmd);
      return { kind: 'request', t: 'rdm', fields: { ts: w.taken.join(' ') } };
    }
    case 'ATU':
    case 'OUT':
      return rest.trim() !== '' ? usage(cmd) : { kind: 'request', t: cmd === 'ATU' ? 'atu' : 'out', fields: {} };
    case 'PWD': {
      const w = words(rest, 2);
      if (!w || w.rest.trim() !== '') return usage(cmd);
      return { kind: 'request', t: 'pwd', fields: { old: w.taken[0], new: w.taken[1] } };
    }
    case 'UPD': {
      const w = words(rest, 2);
      if (!w || w.rest.trim() !== '') return usage(cmd);
      return { kind: 'upd', user: w.taken[0]!, file: w.taken[1]! };
    }
    case 'DM': {
      const w = words(rest, 1);
      if (!w || w.rest.trim() === '') return usage(cmd);
      return { kind: 'dm', user: w.taken[0]!, text: w.rest };
    }
    default:
      return {
        kind: 'error',
        text: `Unknown command "${head[1]}". Valid commands: MSG, DLT, EDT, RDM, ATU, OUT, UPD, DM, PWD (HELP for their syntax).`,
      };
  }
}
