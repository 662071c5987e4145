import { describe, expect, it } from 'vitest';
import { TopologyError } from '../topology/topology-error.js';
import { RuntimeError } from '../runtime/runtime.js';
import { AbortedError, StepError } from '../scenario/scenario-errors.js';
import { ImageError } from '../images/image-error.js';
import { EXIT, exitCodeOf, NetlabError, UsageError } from './netlab-error.js';

describe('NetlabError', () => {
  it('every error class carries its exit code; anything else is internal (3)', () => {
    expect(exitCodeOf(new TopologyError('bad', 'f.yaml', 3, 'server'))).toBe(EXIT.badInput);
    expect(exitCodeOf(new RuntimeError('no engine'))).toBe(EXIT.badInput);
    expect(exitCodeOf(new ImageError('cannot build'))).toBe(EXIT.badInput);
    expect(exitCodeOf(new UsageError('say which lab'))).toBe(EXIT.badInput);
    expect(exitCodeOf(new StepError('did not print'))).toBe(EXIT.scenarioFailed);
    expect(exitCodeOf(new AbortedError())).toBe(EXIT.interrupted);
    expect(exitCodeOf(new TypeError('x is undefined'))).toBe(EXIT.internal);
    expect(EXIT.internal).toBe(3);
  });

  it('keeps node, tail and hint, and names itself after its class', () => {
    const e = new RuntimeError('port 4000 is taken', 'server', { hint: 'stop the other program' });
    expect(e).toBeInstanceOf(NetlabError);
    expect(e).toMatchObject({ name: 'RuntimeError', node: 'server', hint: 'stop the other program' });
    expect(e.describe()).toBe('port 4000 is taken\n  hint: stop the other program');
    expect(new TopologyError('unknown key: x', '/a/t.yaml', 4, 'server.x').describe()).toBe('/a/t.yaml:4: server.x: unknown key: x');
  });
});
