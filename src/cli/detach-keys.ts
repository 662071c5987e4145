/** The one key that detaches from a node's terminal, in `lab attach` and its help (besides Ctrl-D). */
const DETACH_KEY = 'Ctrl-]';
export const DETACH_HELP = `${DETACH_KEY} or Ctrl-D detaches (the node keeps running)`;

const CTRL_RBRACKET = 0x1d;
const CTRL_D = 0x04;
const CTRL_C = 0x03;

/**
 * Lines typed at this terminal, for a node's stdin. On a real terminal the keys are read
 * one by one (raw mode) so Ctrl-] detaches at once; lines are edited here (Backspace,
 * Enter) and sent whole, as a terminal in line mode would. Without a terminal (a pipe),
 * input passes through and the end of input detaches.
 */
export function readTyped(input: NodeJS.ReadStream, echo: NodeJS.WritableStream, onData: (text: string) => void, onDetach: () => void): () => void {
  let line = '';
  const raw = input.isTTY === true;
  const onChunk = (d: Buffer) => {
    if (!raw) {
      const i = d.indexOf(CTRL_RBRACKET);
      if (i >= 0) {
        if (i > 0) onData(d.subarray(0, i).toString('utf8'));
        return onDetach();
      }
      return onData(d.toString('utf8'));
    }
    for (const ch of d.toString('utf8')) {
      const c = ch.charCodeAt(0);
      if (c === CTRL_RBRACKET || c === CTRL_C || (c === CTRL_D && line === '')) return onDetach();
      if (ch === '\r' || ch === '\n') {
        echo.write('\r\n');
        onData(line + '\n');
        line = '';
      } else if (c === 0x7f || c === 0x08) {
        if (line) {
          line = [...line].slice(0, -1).join('');
          echo.write('\b \b');
        }
      } else if (c >= 0x20) {
        line += ch;
        echo.write(ch);
      }
    }
  };
  if (raw) input.setRawMode(true);
  input.on('data', onChunk);
  input.once('end', onDetach);
  input.resume();
  return () => {
    input.off('data', onChunk);
    input.off('end', onDetach);
    if (raw) input.setRawMode(false);
    input.pause();
  };
}
