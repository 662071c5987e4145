import { describe, expect, it } from 'vitest';
import { autoSubnets } from './auto-subnets.js';

describe('autoSubnets', () => {
  it('gives the 256 /24s of 10.77.0.0/16 by default, from a spot the lab name picks', () => {
    const s = autoSubnets('chat', '10.77.0.0/16');
    expect(s).toHaveLength(256);
    expect(new Set(s.map((x) => x.cidr)).size).toBe(256);
    expect(s.every((x) => x.prefix === 24 && x.cidr.startsWith('10.77.'))).toBe(true);
    expect(autoSubnets('chat', '10.77.0.0/16')[0]).toEqual(s[0]);
    expect(autoSubnets('bluetrace', '10.77.0.0/16')[0]!.cidr).not.toBe(s[0]!.cidr);
  });

  it('stays inside the pool it is given, however wide or narrow', () => {
    const wide = autoSubnets('quicchat-grading', '10.172.0.0/14');
    expect(wide).toHaveLength(256);
    expect(wide.every((x) => /^10\.17[2-5]\.\d+\.0\/24$/.test(x.cidr))).toBe(true);
    expect(autoSubnets('x', '10.174.0.0/22').map((x) => x.cidr).sort()).toEqual(['10.174.0.0/24', '10.174.1.0/24', '10.174.2.0/24', '10.174.3.0/24']);
    expect(autoSubnets('x', '10.174.9.0/24').map((x) => x.cidr)).toEqual(['10.174.9.0/24']);
  });

  it('refuses a pool that is not a CIDR of /8 to /24, naming the variable', () => {
    expect(() => autoSubnets('x', '10.174.0.0/25')).toThrow(/NETLAB_SUBNET_POOL=10.174.0.0\/25: narrower than a \/24/);
    expect(() => autoSubnets('x', 'ten')).toThrow(/NETLAB_SUBNET_POOL=ten: not an IPv4 CIDR/);
  });
});
