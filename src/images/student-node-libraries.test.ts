import { describe, expect, it } from 'vitest';
import type { ContextEntry } from './image-context.js';
import { studentLibraryEntries } from './student-node-libraries.js';

const file = (rel: string, text = ''): ContextEntry => ({ rel, kind: 'file', mode: 0o644, data: Buffer.from(text) });
const dir = (rel: string): ContextEntry => ({ rel, kind: 'dir', mode: 0o755 });
const pkg = (name: string, deps: Record<string, string> = {}, optional: Record<string, string> = {}): ContextEntry[] => [
  dir(`dist/apps/node_modules/${name}`),
  file(`dist/apps/node_modules/${name}/package.json`, JSON.stringify({ name, dependencies: deps, optionalDependencies: optional })),
  file(`dist/apps/node_modules/${name}/index.js`, `// ${name}`),
];

const apps: ContextEntry[] = [
  dir('dist'),
  dir('dist/apps'),
  file('dist/apps/quicchat/server-main.js', "import '@s/quic';"),
  dir('dist/apps/node_modules'),
  dir('dist/apps/node_modules/@s'),
  ...pkg('@s/quic', { '@s/logger': '1', tiny: '1' }, { '@s/quic-linux-x64': '1', '@s/quic-darwin-arm64': '1' }),
  ...pkg('@s/logger'),
  ...pkg('@s/quic-linux-x64'),
  ...pkg('tiny', { '@s/logger': '1' }),
  ...pkg('fastify', { tiny: '1' }),
  ...pkg('@s/other'),
];

describe('studentLibraryEntries', () => {
  it('copies the library and its dependencies, re-rooted, and nothing else of the apps', () => {
    const out = studentLibraryEntries(apps, ['@s/quic']);
    const rels = out.map((e) => e.rel);
    expect(rels).toContain('student-node-modules');
    expect(rels).toContain('student-node-modules/@s');
    expect(rels.filter((r) => r.endsWith('/package.json')).sort()).toEqual([
      'student-node-modules/@s/logger/package.json',
      'student-node-modules/@s/quic-linux-x64/package.json',
      'student-node-modules/@s/quic/package.json',
      'student-node-modules/tiny/package.json',
    ]);
    expect(rels.some((r) => r.includes('fastify') || r.includes('other') || r.includes('quicchat'))).toBe(false);
    expect(out.find((e) => e.rel === 'student-node-modules/tiny/index.js')?.data?.toString()).toBe('// tiny');
    // A scope folder comes before the first package inside it (the tar needs parents first).
    expect(rels.indexOf('student-node-modules/@s')).toBeLessThan(rels.findIndex((r) => r.startsWith('student-node-modules/@s/')));
  });

  it('refuses to build without a library that is not vendored', () => {
    expect(() => studentLibraryEntries(apps, ['@s/missing'])).toThrow(/@s\/missing is not in dist\/apps\/node_modules/);
  });
});
