import { dockerDriver } from './docker/docker-driver.js';
import { localDriver } from './local/local-driver.js';
import type { RuntimeKind } from './runtime.js';
import type { RuntimeDriver } from './runtime-driver.js';

/** Every runtime, one line each; a new runtime is a driver (runtime-driver.ts) added here. */
export const DRIVERS: readonly RuntimeDriver[] = [dockerDriver, localDriver];

export function driverOf(kind: RuntimeKind): RuntimeDriver {
  const d = DRIVERS.find((x) => x.kind === kind);
  if (!d) throw new Error(`no runtime driver for ${kind}`);
  return d;
}
