/**
 * The match worker's code, as a string run with `new Worker(code, { eval: true })`, so the
 * same code runs from dist/ and from the TypeScript sources under vitest (no loader for
 * a .ts worker file). It requires re2js by the absolute path the parent resolved.
 */
export function matchWorkerSource(re2Path: string): string {
  return `
const { parentPort } = require('node:worker_threads');
const { RE2JS } = require(${JSON.stringify(re2Path)});
const cache = new Map();
function compile(source, flags, engine) {
  const key = engine + '/' + flags + '/' + source;
  let re = cache.get(key);
  if (re) return re;
  if (engine === 're2') {
    let f = RE2JS.LOOKBEHINDS;
    if (flags.includes('m')) f |= RE2JS.MULTILINE;
    if (flags.includes('i')) f |= RE2JS.CASE_INSENSITIVE;
    if (flags.includes('s')) f |= RE2JS.DOTALL;
    re = RE2JS.compile(RE2JS.translateRegExp(source), f);
  } else re = new RegExp(source, flags);
  if (cache.size > 256) cache.clear();
  cache.set(key, re);
  return re;
}
parentPort.on('message', ({ id, source, flags, engine, text }) => {
  try {
    const re = compile(source, flags, engine);
    const m = engine === 're2' && !re.test(text) ? null : re.exec(text);
    if (!m) return parentPort.postMessage({ id, found: null });
    const groups = {};
    for (const [k, v] of Object.entries(m.groups || {})) if (v !== undefined && v !== null) groups[k] = v;
    parentPort.postMessage({ id, found: { index: m.index, match: m[0], groups } });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message || e) });
  }
});
`;
}
