// The Debian mirror this machine's apt already uses (sources.list and deb822 .sources),
// so debootstrap fetches from where apt does and no other address is contacted.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { DEBIAN_SUITE, RootfsError } from './grading-base-spec.js';

// --- the mirror -------------------------------------------------------------------------

export interface AptSource {
  uri: string;
  suites: string[];
  components: string[];
  signedBy?: string;
  file: string;
}

/** Parses one-line (.list) and deb822 (.sources) apt source files; only `deb` entries, enabled ones. */
export function parseAptSources(file: string, text: string): AptSource[] {
  const out: AptSource[] = [];
  if (file.endsWith('.sources')) {
    for (const stanza of text.split(/\n\s*\n/)) {
      const fields = new Map<string, string>();
      let last = '';
      for (const raw of stanza.split('\n')) {
        if (/^\s*#/.test(raw) || !raw.trim()) continue;
        if (/^\s/.test(raw) && last) {
          fields.set(last, `${fields.get(last)} ${raw.trim()}`);
          continue;
        }
        const m = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
        if (!m) continue;
        last = m[1].toLowerCase();
        fields.set(last, m[2].trim());
      }
      const types = (fields.get('types') ?? '').split(/\s+/);
      if (!types.includes('deb')) continue;
      if (/^(no|false)$/i.test(fields.get('enabled') ?? 'yes')) continue;
      const words = (k: string) => (fields.get(k) ?? '').split(/\s+/).filter(Boolean);
      const signedBy = fields.get('signed-by');
      for (const uri of words('uris')) {
        out.push({
          uri,
          suites: words('suites'),
          components: words('components'),
          ...(signedBy && signedBy.startsWith('/') ? { signedBy } : {}),
          file,
        });
      }
    }
    return out;
  }
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line.startsWith('deb ') && !line.startsWith('deb\t')) continue;
    let rest = line.slice(3).trim();
    let signedBy: string | undefined;
    const opts = /^\[([^\]]*)\]\s*/.exec(rest);
    if (opts) {
      rest = rest.slice(opts[0].length);
      const sb = /(?:^|\s)signed-by=(\S+)/.exec(opts[1]);
      if (sb && sb[1].startsWith('/')) signedBy = sb[1];
    }
    const [uri, suite, ...components] = rest.split(/\s+/);
    if (!uri || !suite) continue;
    out.push({ uri, suites: [suite], components, ...(signedBy ? { signedBy } : {}), file });
  }
  return out;
}

/** The source apt uses for `suite` main (first match in apt's file order), or null. */
export function pickMirror(sources: readonly AptSource[], suite: string = DEBIAN_SUITE): AptSource | null {
  return (
    sources.find((s) => /^https?:\/\//.test(s.uri) && s.suites.includes(suite) && s.components.includes('main')) ?? null
  );
}

/** Reads /etc/apt/sources.list and sources.list.d/*.{list,sources} (as apt does) and picks the mirror. */
export async function findDebianMirror(aptDir = '/etc/apt', suite: string = DEBIAN_SUITE): Promise<AptSource> {
  const files: string[] = [path.join(aptDir, 'sources.list')];
  try {
    const names = (await readdir(path.join(aptDir, 'sources.list.d'))).filter((n) => /\.(list|sources)$/.test(n)).sort();
    for (const n of names) files.push(path.join(aptDir, 'sources.list.d', n));
  } catch {
    // no sources.list.d
  }
  const all: AptSource[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch {
      continue;
    }
    all.push(...parseAptSources(f, text));
  }
  const picked = pickMirror(all, suite);
  if (!picked) {
    throw new RootfsError(`no apt source for "${suite} main" in ${files.join(', ')}; set NETLAB_DEBIAN_MIRROR to the Debian mirror URL`);
  }
  return picked;
}

