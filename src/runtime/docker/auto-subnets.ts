import { intToIp, parseSubnet, type Subnet } from '../../topology/address-plan.js';

/** Where a lab without network.subnet gets its /24, unless NETLAB_SUBNET_POOL names another range. */
export const DEFAULT_SUBNET_POOL = '10.77.0.0/16';

/**
 * The /24s a lab without network.subnet may take, in the order they are tried: inside the
 * pool (NETLAB_SUBNET_POOL, a /8 to /24, default 10.77.0.0/16), at most 256 of them, starting
 * at a spot derived from the lab's name so that labs of different names rarely collide.
 *
 * Why a pool setting: on a shared engine each user (or test run) can keep its labs inside a
 * range of its own. A pool that is not a CIDR of /8 to /24 is an error naming the variable.
 */
export function autoSubnets(lab: string, pool: string = process.env.NETLAB_SUBNET_POOL?.trim() || DEFAULT_SUBNET_POOL): Subnet[] {
  let range: Subnet;
  try {
    if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(pool)) throw new Error('not an IPv4 CIDR like 10.170.0.0/16');
    range = parseSubnet(pool);
    if (range.prefix > 24) throw new Error('narrower than a /24');
  } catch (e) {
    throw new Error(`NETLAB_SUBNET_POOL=${pool}: ${(e as Error).message}`, { cause: e });
  }
  let h = 0;
  for (const c of lab) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const count = range.size / 256;
  return Array.from({ length: Math.min(count, 256) }, (_, i) => parseSubnet(`${intToIp(range.base + ((h + i) % count) * 256)}/24`));
}
