import { NetlabError } from '../model/netlab-error.js';

/**
 * `{{ path.to.value }}` substitution, and nothing more: no code runs, so a topology
 * file from anyone is safe to render. An unknown name is an error, not an empty string,
 * because a silently empty server address is the worst kind of bug to find in a lab.
 */
export class TemplateError extends NetlabError {}

const TAG = /\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*(?:\|\s*(re)\s*)?\}\}/g;

/** Filters after a bar: `{{ vars.user | re }}` escapes a value for use inside a regular expression. */
const FILTERS: Record<string, (s: string) => string> = {
  re: (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
};

export function lookup(scope: Record<string, unknown>, path: string): unknown {
  let cur: unknown = scope;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(part in (cur as object))) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function render(text: string, scope: Record<string, unknown>): string {
  return text.replace(TAG, (_all, path: string, filter?: string) => {
    const v = lookup(scope, path);
    if (v === undefined || v === null || typeof v === 'object') {
      throw new TemplateError(`{{ ${path} }} is not defined${hint(scope)}`);
    }
    return filter ? FILTERS[filter](String(v)) : String(v);
  });
}

function hint(scope: Record<string, unknown>): string {
  const names = Object.keys(scope).sort();
  return names.length ? ` (known: ${names.join(', ')})` : '';
}
