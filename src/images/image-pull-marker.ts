// Remembers a failed pull of the official base so that builds within the next 24 h do not
// contact an outside registry again. Stored at <projectRoot>/.netlab/pull-failed.json.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectFiles } from '../model/run-paths.js';

export const PULL_FAILURE_TTL_MS = 24 * 60 * 60 * 1000;

export interface PullFailureRecord {
  image: string;
  at: string; // ISO timestamp
  error: string;
}

type MarkerFile = Record<string, PullFailureRecord>;

export function pullMarkerPath(projectRoot: string): string {
  return projectFiles.pullMarker(projectRoot);
}

async function readMarker(projectRoot: string): Promise<MarkerFile> {
  try {
    const parsed: unknown = JSON.parse(await readFile(pullMarkerPath(projectRoot), 'utf8'));
    if (!parsed || typeof parsed !== 'object') return {};
    const obj = parsed as Record<string, unknown>;
    // Accept a single record ({image, at, error}) as well as the map form.
    if (typeof obj.image === 'string' && typeof obj.at === 'string') {
      return { [obj.image]: obj as unknown as PullFailureRecord };
    }
    return obj as MarkerFile;
  } catch {
    return {};
  }
}

/** The recorded failure for `image` if it is younger than the TTL, else null. */
export async function recentPullFailure(projectRoot: string, image: string, now = Date.now()): Promise<PullFailureRecord | null> {
  const rec = (await readMarker(projectRoot))[image];
  if (!rec || typeof rec.at !== 'string') return null;
  const t = Date.parse(rec.at);
  if (!Number.isFinite(t) || now - t >= PULL_FAILURE_TTL_MS || t - now > PULL_FAILURE_TTL_MS) return null;
  return rec;
}

/** Records a failed pull (atomic write: concurrent writers never leave a torn file). */
export async function recordPullFailure(projectRoot: string, image: string, error: string, now = Date.now()): Promise<void> {
  const file = pullMarkerPath(projectRoot);
  await mkdir(path.dirname(file), { recursive: true });
  const data = await readMarker(projectRoot);
  data[image] = { image, at: new Date(now).toISOString(), error: error.slice(0, 500) };
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, JSON.stringify(data, null, 2) + '\n');
  await rename(tmp, file);
}

/** Forgets a failure (after a successful pull). */
export async function clearPullFailure(projectRoot: string, image: string): Promise<void> {
  const data = await readMarker(projectRoot);
  if (!(image in data)) return;
  delete data[image];
  const file = pullMarkerPath(projectRoot);
  if (Object.keys(data).length === 0) {
    await rm(file, { force: true });
    return;
  }
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, JSON.stringify(data, null, 2) + '\n');
  await rename(tmp, file);
}
