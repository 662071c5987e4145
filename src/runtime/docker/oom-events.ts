import type Docker from 'dockerode';
import { LABEL_RUN } from './docker-labels.js';

/**
 * The engine's "oom" events for one run's containers, counted per container. Docker 20.10
 * sets State.OOMKilled from the same kernel notice, but when the container's exit is
 * handled before the notice the flag stays false and the exit reads as a bare code 137; the
 * event itself is still sent, sometimes just after the exit. A node that ends with 137
 * looks here (and waits a moment for a late event) to say "out of memory" all the same.
 */
export class OomEvents {
  private readonly counts = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  private stream?: NodeJS.ReadableStream & { destroy?: () => void };
  private buffered = '';
  private closed = false;

  /** Subscribe before any container of the run starts (the engine sends only events after the subscription). */
  static async open(docker: Docker, runId: string): Promise<OomEvents> {
    const ev = new OomEvents();
    const filters = JSON.stringify({ type: ['container'], event: ['oom'], label: [`${LABEL_RUN}=${runId}`] });
    const stream = (await docker.getEvents({ filters } as object)) as unknown as NodeJS.ReadableStream & { destroy?: () => void };
    ev.stream = stream;
    stream.on('data', (c: Buffer) => ev.feed(c.toString('utf8')));
    stream.on('error', () => undefined);
    return ev;
  }

  /** Events as the engine streams them: one JSON object per line. */
  feed(text: string): void {
    this.buffered += text;
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl).trim();
      this.buffered = this.buffered.slice(nl + 1);
      if (!line) continue;
      try {
        const e = JSON.parse(line) as { id?: string; Action?: string; status?: string; Actor?: { ID?: string } };
        const id = e.Actor?.ID ?? e.id;
        if (id && (e.Action ?? e.status) === 'oom') this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
      } catch {
        continue;
      }
      for (const w of [...this.waiters]) w();
    }
  }

  /** OOM kills seen so far in this container. */
  count(id: string): number {
    return this.counts.get(id) ?? 0;
  }

  /** True once the container has had more OOM kills than `since`; false when none comes within ms. */
  waitFor(id: string, since: number, ms: number): Promise<boolean> {
    if (this.count(id) > since || this.closed) return Promise.resolve(this.count(id) > since);
    return new Promise((ok) => {
      const check = () => {
        if (this.count(id) > since || this.closed) done(this.count(id) > since);
      };
      const timer = setTimeout(() => done(false), ms);
      timer.unref();
      const done = (v: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        ok(v);
      };
      this.waiters.add(check);
    });
  }

  /** Stop listening; a wait still pending answers at once with what was seen. */
  close(): void {
    this.closed = true;
    this.stream?.destroy?.();
    this.stream = undefined;
    for (const w of [...this.waiters]) w();
  }
}
