import { BlockList, isIP } from 'node:net';

export { SOURCE_IPS_SECRET } from './env-contract';

/** Where a provider publishes the addresses its webhooks come from: a JSON document and the field holding the list. */
export interface PublishedSourceIps {
  url: string;
  /** The top-level field: an array of IPv4/IPv6 addresses or CIDR ranges. */
  field: string;
}

/** A compiled allow list: built once per value, then a lookup per request. */
export interface SourceIpList {
  allows(ip: string | undefined): boolean;
  readonly size: number;
}

const CIDR = /^([^/\s]+)(?:\/(\d{1,3}))?$/;

/** One address or CIDR range added to `list`; false when it is neither. */
function addRange(list: BlockList, range: string): boolean {
  const m = CIDR.exec(range.trim());
  const family = m ? isIP(m[1]!) : 0;
  if (!m || family === 0) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (m[2] === undefined) list.addAddress(m[1]!, type);
  else if (Number(m[2]) <= (family === 4 ? 32 : 128)) list.addSubnet(m[1]!, Number(m[2]), type);
  else return false;
  return true;
}

/**
 * The ranges of an allow list's stored value: a JSON array of addresses and CIDR ranges, or an object whose `ranges`
 * is one (what the refresh writes, with `source` and `fetchedAt`). Undefined when the value is anything else (the
 * deploy's placeholder), empty, or holds a single entry that is not an address or range: such a list is not enforced.
 *
 * @example
 * parseSourceIps('{"ranges":["192.30.252.0/22","2a0a:a440::/29"]}') // ['192.30.252.0/22', '2a0a:a440::/29']
 */
export function parseSourceIps(value: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  const ranges = Array.isArray(parsed) ? parsed : (parsed as { ranges?: unknown } | null)?.ranges;
  if (!Array.isArray(ranges) || ranges.length === 0) return undefined;
  const probe = new BlockList();
  return ranges.every((r) => typeof r === 'string' && addRange(probe, r)) ? (ranges as string[]) : undefined;
}

/**
 * An allow list of addresses and CIDR ranges, IPv4 and IPv6 (an IPv4-mapped IPv6 address matches its IPv4 range),
 * compiled once into Node's BlockList, so each request costs one lookup.
 *
 * @example
 * const list = compileSourceIps(['140.82.112.0/20']);
 * list.allows('140.82.115.1') // true
 */
export function compileSourceIps(ranges: readonly string[]): SourceIpList {
  const list = new BlockList();
  for (const r of ranges) addRange(list, r);
  return {
    size: ranges.length,
    allows: (ip) => {
      const family = ip ? isIP(ip) : 0;
      return family !== 0 && list.check(ip!, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

// Compiled lists by stored value: a value changes at most hourly, and a warm function sees one or two.
const compiled = new Map<string, SourceIpList | null>();

/**
 * The compiled list of a stored value (cached by value), or undefined when it is not a list; `onInvalid` runs the
 * first time a value is found not to be one, so a bad value is reported once, not per request.
 */
export function sourceIpListOf(value: string, onInvalid?: () => void): SourceIpList | undefined {
  let list = compiled.get(value);
  if (list === undefined) {
    const ranges = parseSourceIps(value);
    list = ranges ? compileSourceIps(ranges) : null;
    if (compiled.size >= 16) compiled.clear();
    compiled.set(value, list);
    if (!list) onInvalid?.();
  }
  return list ?? undefined;
}
