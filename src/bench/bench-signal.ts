/**
 * Ctrl-C (or SIGTERM) during `npm run bench`: every lab a bench runs is given this signal,
 * so an interrupted bench tears its labs down as an interrupted `./lab` does. bench/main.ts
 * installs the handlers; a second signal exits at once.
 */
const controller = new AbortController();
export const benchSignal: AbortSignal = controller.signal;

export function abortBenches(): void {
  if (controller.signal.aborted) process.exit(130);
  process.stderr.write('\nbench: interrupted, tearing down (again to exit at once)\n');
  controller.abort();
}
