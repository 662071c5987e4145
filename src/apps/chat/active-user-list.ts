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
  private readonly byUser = new Map<string, ActiveUser>();

  /** Add a user at the end; returns its sequence number (its line in userlog.txt). */
  add(entry: ActiveUser): number {
    this.entries.push(entry);
    this.byUser.set(entry.user, entry);
    return this.entries.length;
  }

  /** Remove the entry of a session; true if there was one. */
  removeSession(sessionId: number): ActiveUser | undefined {
    const i = this.entries.findIndex((e) => e.sessionId === sessionId);
    if (i < 0) return undefined;
    const [gone] = this.entries.splice(i, 1);
    if (gone && this.byUser.get(gone.user) === gone) this.byUser.delete(gone.user);
    return gone;
  }

  find(user: string): ActiveUser | undefined {
    return this.byUser.get(user);
  }

  get size(): number {
    return this.entries.length;
  }

  list(): readonly ActiveUser[] {
    return this.entries;
  }

  /** `1; 25 Apr 2021 05:26:30; jess; 197.83.62.1; 9999` lines. */
  render(): string {
    let out = '';
    for (let i = 0; i < this.entries.length; i++) out += ActiveUserList.line(i + 1, this.entries[i]!) + '\n';
    return out;
  }

  /** One line of userlog.txt (without its newline), for appending a new login. */
  static line(seq: number, e: ActiveUser): string {
    return `${seq}; ${formatTimestamp(e.sinceMs)}; ${e.user}; ${e.ip}; ${e.udpPort}`;
  }
}
