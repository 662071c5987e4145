/**
 * Writes the client's screen: prompts without a newline, everything else as whole lines.
 *
 * Why: stdin is usually a pipe (the lab types into it), so typed input is not echoed and
 * the newline after a prompt never appears. When `breakAfterPrompt` is set, the next
 * output starts on a fresh line, so every message begins at a line start and is easy to
 * match; the prompt itself still goes out immediately without its newline.
 */
export class TerminalOutput {
  private promptOpen = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly breakAfterPrompt = true,
  ) {}

  prompt(text: string): void {
    this.breakIfNeeded();
    this.write(text);
    this.promptOpen = true;
  }

  line(text: string): void {
    this.breakIfNeeded();
    this.write(`${text}\n`);
  }

  /** The user answered the open prompt (e.g. a TTY echoed the newline). */
  inputReceived(): void {
    if (!this.breakAfterPrompt) this.promptOpen = false;
  }

  private breakIfNeeded(): void {
    if (this.promptOpen && this.breakAfterPrompt) this.write('\n');
    this.promptOpen = false;
  }
}
