/**
 * Loaded into every Node program of a local-runtime node (NODE_OPTIONS=--import).
 * Makes the program's sockets use the node's own loopback address, listening and
 * outgoing, so a server sees each client at its own IP, as on a real network.
 * A program that names an address itself (127.0.0.1, say) keeps it.
 */
import dgram from 'node:dgram';
import net from 'node:net';

const addr = process.env.NETLAB_NODE_ADDRESS;

const WILDCARD = new Set(['0.0.0.0', '::', '']);
const isPort = (v: unknown) => typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v));

if (addr && net.isIPv4(addr)) {
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    const a0 = args[0];
    if (a0 === undefined || typeof a0 === 'function') {
      args = [0, addr, ...args];
    } else if (isPort(a0)) {
      if (typeof args[1] !== 'string') args.splice(1, 0, addr);
      else if (WILDCARD.has(args[1] as string)) args[1] = addr;
    } else if (a0 && typeof a0 === 'object' && !('path' in a0) && !('fd' in a0) && !('_handle' in a0) && !('handle' in a0)) {
      const o = a0 as net.ListenOptions;
      if (o.host === undefined || WILDCARD.has(o.host)) args[0] = { ...o, host: addr };
    }
    return listen.apply(this, args as Parameters<typeof listen>);
  } as typeof listen;

  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    let opts = args[0] as Record<string, unknown> | unknown[];
    if (Array.isArray(opts)) opts = opts[0] as Record<string, unknown>;
    if (opts && typeof opts === 'object') {
      const o = opts as Record<string, unknown>;
      if (o.path === undefined && o.localAddress === undefined && typeof o.host === 'string' && net.isIPv4(o.host)) {
        o.localAddress = addr;
      }
    } else if (isPort(args[0]) && typeof args[1] === 'string' && net.isIPv4(args[1])) {
      const cb = args.find((a) => typeof a === 'function');
      args = [{ port: Number(args[0]), host: args[1], localAddress: addr }, ...(cb ? [cb] : [])];
    }
    return connect.apply(this, args as Parameters<typeof connect>);
  } as typeof connect;

  const bind = dgram.Socket.prototype.bind;
  dgram.Socket.prototype.bind = function (this: dgram.Socket, ...args: unknown[]) {
    const a0 = args[0];
    if (a0 === undefined || typeof a0 === 'function') args = [0, addr, ...args];
    else if (isPort(a0)) {
      if (typeof args[1] !== 'string') args.splice(1, 0, addr);
      else if (WILDCARD.has(args[1] as string)) args[1] = addr;
    } else if (a0 && typeof a0 === 'object' && !('fd' in a0)) {
      const o = a0 as dgram.BindOptions;
      if (o.address === undefined || WILDCARD.has(o.address)) args[0] = { ...o, address: addr };
    }
    return bind.apply(this, args as Parameters<typeof bind>);
  } as typeof bind;
}
