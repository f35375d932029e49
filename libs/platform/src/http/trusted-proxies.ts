import { BlockList, isIP } from 'node:net';

/**
 * The one header through which the gateway tells a service the client's address. The gateway
 * always overwrites it, and services believe it only from a trusted proxy.
 */
export const CLIENT_ADDRESS_HEADER = 'x-real-ip';

/** `::ffff:203.0.113.7` (an IPv4 peer on a dual-stack socket) → `203.0.113.7`. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Why `entry` is not an address or CIDR range (`10.0.0.0/8`, `::1`), or undefined when it is. */
export function trustedProxyProblem(entry: string): string | undefined {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return 'is not an IP address or CIDR range';
  if (prefix === undefined) return undefined;
  const bits = Number(prefix);
  const max = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(prefix) && bits <= max ? undefined : `has a prefix length outside 0..${max}`;
}

/**
 * The proxies whose forwarding headers we believe: addresses and CIDR ranges. Anyone else could
 * write any X-Forwarded-For, so for them only the socket's own peer address counts.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  private readonly empty: boolean;

  /** `entries` as validated by `trustedProxyProblem` (settings do that at start-up). */
  constructor(entries: readonly string[]) {
    this.empty = entries.length === 0;
    for (const entry of entries) {
      const problem = trustedProxyProblem(entry);
      if (problem) throw new Error(`trusted proxy "${entry}" ${problem}`);
      const [address, prefix] = entry.split('/');
      const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.list.addAddress(address, family);
      else this.list.addSubnet(address, Number(prefix), family);
    }
  }

  trusts(address: string | undefined): boolean {
    if (this.empty || !address) return false;
    const plain = plainAddress(address);
    const family = isIP(plain);
    return family !== 0 && this.list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * The client's address: walking X-Forwarded-For from the right (the hop nearest us), the first
   * address that is not a trusted proxy. Hops left of it were written by the client and prove
   * nothing. Without a trusted peer the header is ignored.
   */
  clientAddress(peer: string | undefined, forwardedFor: string | undefined): string {
    let address = plainAddress(peer ?? 'unknown');
    if (!forwardedFor || !this.trusts(address)) return address;
    const hops = forwardedFor.split(',');
    for (let index = hops.length - 1; index >= 0 && this.trusts(address); index -= 1) {
      const hop = hops[index].trim();
      if (isIP(plainAddress(hop)) === 0) break; // garbage is not an address: stop at the last real one
      address = plainAddress(hop);
    }
    return address;
  }
}
