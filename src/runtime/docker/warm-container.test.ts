import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { cgroupProcsCandidates, WarmContainer } from './warm-container.js';

/** A container's root as the host sees it through /proc/<pid>/root, faked in a folder. */
function fakeProc(): { proc: string; root: string; outside: string; container: Docker.Container } {
  const proc = mkdtempSync(join(tmpdir(), 'netlab-warm-proc-'));
  const root = join(proc, '4242', 'root');
  for (const d of ['tmp/sub', 'dev/shm', 'etc/skel', 'home/student/.cache']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nstudent:x:1000:1000::/home/student:/bin/bash\n');
  writeFileSync(join(root, 'etc/skel/.profile'), 'skel profile\n');
  writeFileSync(join(root, 'tmp/litter'), 'x');
  writeFileSync(join(root, 'tmp/sub/deeper'), 'x');
  writeFileSync(join(root, 'dev/shm/litter'), 'x');
  writeFileSync(join(root, 'home/student/.cache/litter'), 'x');
  writeFileSync(join(root, 'home/student/.profile'), 'changed by the student\n');
  // /var is a link out of the root: through /proc/<pid>/root an absolute link resolves on
  // the host, so var/tmp must be left alone, not emptied.
  const outside = mkdtempSync(join(tmpdir(), 'netlab-warm-outside-'));
  mkdirSync(join(outside, 'tmp'));
  writeFileSync(join(outside, 'tmp', 'host-file'), 'keep me\n');
  symlinkSync(outside, join(root, 'var'));
  const container = { inspect: async () => ({ State: { Running: true, Pid: 4242 } }) } as unknown as Docker.Container;
  return { proc, root, outside, container };
}

describe('WarmContainer.wipeScratch', () => {
  it("empties /tmp, /dev/shm and the user's home (home gets /etc/skel again), never through a link", async () => {
    const { proc, root, outside, container } = fakeProc();
    await new WarmContainer(container, ['python3', 'server.py'], '1000:1000', proc).wipeScratch();
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    expect(readdirSync(join(root, 'dev/shm'))).toEqual([]);
    expect(readdirSync(join(root, 'home/student'))).toEqual(['.profile']);
    expect(readFileSync(join(root, 'home/student/.profile'), 'utf8')).toBe('skel profile\n');
    expect(lstatSync(join(root, 'home/student/.profile')).uid).toBe(1000);
    expect(readFileSync(join(outside, 'tmp', 'host-file'), 'utf8')).toBe('keep me\n');
  });

  it('leaves homes alone for a node run as root', async () => {
    const { proc, root, container } = fakeProc();
    await new WarmContainer(container, ['node', 'x.js'], undefined, proc).wipeScratch();
    expect(existsSync(join(root, 'tmp/litter'))).toBe(false);
    expect(readFileSync(join(root, 'home/student/.profile'), 'utf8')).toBe('changed by the student\n');
  });
});

describe('cgroupProcsCandidates', () => {
  const id = 'a'.repeat(64);
  it("names only the container's own cgroup, v1 or v2", () => {
    expect(cgroupProcsCandidates(`9:name=systemd:/docker/${id}\n8:pids:/docker/${id}\n7:blkio:/docker/${id}\n`, id)).toEqual([`/sys/fs/cgroup/pids/docker/${id}/cgroup.procs`]);
    expect(cgroupProcsCandidates(`0::/system.slice/docker-${id}.scope\n`, id)).toEqual([`/sys/fs/cgroup/system.slice/docker-${id}.scope/cgroup.procs`]);
  });
  it("gives nothing for a process outside it: the root's cgroup, another container's, or no id", () => {
    expect(cgroupProcsCandidates('9:name=systemd:/\n8:pids:/\n0::/\n', id)).toEqual([]);
    expect(cgroupProcsCandidates(`8:pids:/docker/${'b'.repeat(64)}\n`, id)).toEqual([]);
    expect(cgroupProcsCandidates('8:pids:/\n', '')).toEqual([]);
  });
});
