/**
 * IPv4 arithmetic for the lab's address plan: which host addresses a subnet offers,
 * and whether two subnets overlap. Kept pure so it is trivially testable.
 */
export interface Subnet {
  cidr: string;
  base: number; // network address as an unsigned 32-bit int
  prefix: number;
  size: number; // number of addresses
}

function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseSubnet(cidr: string): Subnet {
  const [ip, p] = cidr.split('/');
  const prefix = Number(p);
  if (!Number.isInteger(prefix) || prefix < 8 || prefix > 29) throw new Error(`subnet prefix must be /8 to /29: ${cidr}`);
  const size = 2 ** (32 - prefix);
  const base = (ipToInt(ip) & ~(size - 1)) >>> 0;
  return { cidr: `${intToIp(base)}/${prefix}`, base, prefix, size };
}

/** The host index of an address inside a subnet (1 = first host), or undefined when outside or reserved. */
export function hostIndex(subnet: Subnet, ip: string): number | undefined {
  const off = ipToInt(ip) - subnet.base;
  if (off <= 0 || off >= subnet.size - 1) return undefined;
  return off;
}

export function hostAddress(subnet: Subnet, index: number): string {
  if (index <= 0 || index >= subnet.size - 1) throw new Error(`host ${index} does not fit in ${subnet.cidr}`);
  return intToIp(subnet.base + index);
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}
