/**
 * `::ffff:10.0.0.2` -> `10.0.0.2`; an absent address becomes `unknown`. A server that
 * listens on every interface sees IPv4 peers as IPv4-mapped IPv6; people read the IPv4.
 */
export function normaliseIp(ip: string | undefined): string {
  if (!ip) return 'unknown';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
