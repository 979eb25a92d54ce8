import ipaddr from 'ipaddr.js';

export type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** An address as a plain IPv4 when it is IPv4-mapped IPv6 (`::ffff:10.0.0.1` → `10.0.0.1`). */
export function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  try {
    return ipaddr.process(address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  } catch {
    return null;
  }
}

/**
 * A CIDR range (or a single address, as /32 or /128) in canonical form: the network address and
 * prefix, IPv4-mapped IPv6 ranges turned into IPv4. Null when it is not one.
 */
export function normalizeCidr(input: string): string | null {
  const text = input.trim();
  const addressPart = text.split('/')[0];
  // Only dotted four-part IPv4 ("10.0.0" and "0x0a.0.0.1" are legal to ipaddr.js, not to people).
  if (!addressPart.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(addressPart)) return null;
  if (text.includes('/') && !/^\d{1,3}$/.test(text.split('/')[1] ?? '')) return null;
  try {
    let [address, prefix] = text.includes('/') ? ipaddr.parseCIDR(text) : [ipaddr.parse(text), -1];
    if (prefix === -1) prefix = address.kind() === 'ipv4' ? 32 : 128;
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && prefix >= 96) {
      address = (address as ipaddr.IPv6).toIPv4Address();
      prefix -= 96;
    }
    const network = address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${prefix}`) : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${prefix}`);
    return `${network.toString()}/${prefix}`;
  } catch {
    return null;
  }
}

/** Whether `address` lies in one of the (normalized) ranges; IPv4-mapped IPv6 matches IPv4 ranges. */
export function addressInRanges(address: string, ranges: readonly string[]): boolean {
  const parsed = parseAddress(address);
  if (!parsed) return false;
  for (const range of ranges) {
    let cidr: Range;
    try {
      cidr = ipaddr.parseCIDR(range);
    } catch {
      continue;
    }
    if (cidr[0].kind() === parsed.kind() && parsed.match(cidr)) return true;
  }
  return false;
}
