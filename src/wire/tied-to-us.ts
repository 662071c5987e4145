import { existsSync } from 'node:fs';

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/**
 * The argv of a helper (tcpdump) that must not outlive the controller: run through
 * util-linux's setpriv with a parent-death signal, so even a SIGKILL of `lab up` ends it
 * (measured before: every capture's tcpdump kept running, writing into the dead run's
 * folder). tcpdump is told to stay root (`-Z root`): the kernel clears a parent-death
 * signal when a process changes its user, which tcpdump otherwise does once it has opened
 * the capture. Without setpriv the argv is unchanged.
 */
export function tiedToUs(argv: string[]): string[] {
  return SETPRIV ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...argv] : argv;
}

/** tcpdump's option to keep its user (so tiedToUs holds), when it runs as root. */
export const TCPDUMP_KEEP_USER: string[] = process.getuid?.() === 0 ? ['-Z', 'root'] : [];
