import { formatTimestamp } from './format-timestamp.js';

/** One logged-in user as userlog.txt and ATU show it. */
export interface ActiveUser {
  user: string;
  ip: string;
  udpPort: number;
  sinceMs: number;
  /** Opaque identity of the connection, so a drop removes exactly its own entry. */
  sessionId: number;
}

/**
 * The ordered list of logged-in users, rendered as userlog.txt.
 *
 * Why: the sequence number in userlog.txt is the position in this list, so removing a
 * user (OUT or a dropped connection) renumbers everyone after it, as the seed requires.
 */
export class ActiveUserList {
  private readonly entries: ActiveUser[] = [];

  add(entry: ActiveUser): void {
    this.entries.push(entry);
  }

  /** Remove the entry of a session; true if there was one. */
  removeSession(sessionId: number): ActiveUser | undefined {
    const i = this.entries.findIndex((e) => e.sessionId === sessionId);
    if (i < 0) return undefined;
    return this.entries.splice(i, 1)[0];
  }

  find(user: string): ActiveUser | undefined {
    return this.entries.find((e) => e.user === user);
  }

  list(): readonly ActiveUser[] {
    return this.entries;
  }

  /** `1; 25 Apr 2021 05:26:30; jess; 197.83.62.1; 9999` lines. */
  render(): string {
    return this.entries
      .map((e, i) => `${i + 1}; ${formatTimestamp(e.sinceMs)}; ${e.user}; ${e.ip}; ${e.udpPort}\n`)
      .join('');
  }
}
