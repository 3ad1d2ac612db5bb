import { ConfigError } from '../../core/errors.js';

/**
 * Matches client addresses against CIDR lists compiled once at start-up: each request parses only
 * its own address, by character code, into scratch space (no allocation). IPv4 addresses, written
 * plainly or IPv4-mapped (`::ffff:10.0.0.1`, as Node reports IPv4 peers on a dual-stack socket),
 * match IPv4 ranges only, and IPv6 addresses IPv6 ranges only, as Go's `net.IPNet.Contains` does.
 */

const COLON = 0x3a;
const DOT = 0x2e;

function digitValue(c: number): number {
  return c >= 0x30 && c <= 0x39 ? c - 0x30 : -1;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Dotted-quad `s[start, end)` as an unsigned 32-bit number, or -1. Leading zeros are refused, as Go does. */
function parseIPv4(s: string, start: number, end: number): number {
  let value = 0;
  let parts = 0;
  let i = start;
  while (parts < 4) {
    const partStart = i;
    let part = 0;
    while (i < end) {
      const d = digitValue(s.charCodeAt(i));
      if (d < 0) break;
      part = part * 10 + d;
      i++;
    }
    const digits = i - partStart;
    if (digits === 0 || digits > 3 || part > 255 || (digits > 1 && s.charCodeAt(partStart) === 0x30)) return -1;
    value = value * 256 + part;
    parts++;
    if (parts < 4) {
      if (s.charCodeAt(i) !== DOT) return -1;
      i++;
    }
  }
  return i === end ? value : -1;
}

const groups = new Uint16Array(8);

/** Parses an IPv6 literal (zone id ignored) into four 32-bit words in `out`; false when malformed. */
function parseIPv6(s: string, out: Uint32Array): boolean {
  let end = s.indexOf('%');
  if (end < 0) end = s.length;
  let count = 0;
  let ellipsis = -1;
  let i = 0;
  if (s.charCodeAt(0) === COLON && s.charCodeAt(1) === COLON) {
    ellipsis = 0;
    i = 2;
  }
  while (i < end) {
    let j = i;
    let value = 0;
    while (j < end && j - i < 5) {
      const h = hexValue(s.charCodeAt(j));
      if (h < 0) break;
      value = value * 16 + h;
      j++;
    }
    if (s.charCodeAt(j) === DOT) {
      // An embedded IPv4 address fills the last 32 bits.
      if (count > 6) return false;
      const v4 = parseIPv4(s, i, end);
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      i = end;
      break;
    }
    if (j === i || j - i > 4 || count === 8) return false;
    groups[count++] = value;
    if (j === end) {
      i = end;
      break;
    }
    if (s.charCodeAt(j) !== COLON) return false;
    j++;
    if (s.charCodeAt(j) === COLON) {
      if (ellipsis >= 0) return false;
      ellipsis = count;
      j++;
    } else if (j === end) {
      return false;
    }
    i = j;
  }
  if (ellipsis >= 0) {
    if (count === 8) return false;
    const shift = 8 - count;
    for (let k = count - 1; k >= ellipsis; k--) groups[k + shift] = groups[k]!;
    for (let k = ellipsis; k < ellipsis + shift; k++) groups[k] = 0;
  } else if (count !== 8) {
    return false;
  }
  for (let w = 0; w < 4; w++) out[w] = ((groups[2 * w]! << 16) | groups[2 * w + 1]!) >>> 0;
  return true;
}

const scratch = new Uint32Array(4);

/** An IPv4 address as an unsigned number (plain or IPv4-mapped IPv6), -1 when `ip` is IPv6, -2 when malformed. */
function ipv4Of(ip: string): number {
  if (ip.indexOf(':') < 0) {
    const v4 = parseIPv4(ip, 0, ip.length);
    return v4 < 0 ? -2 : v4;
  }
  if (!parseIPv6(ip, scratch)) return -2;
  return scratch[0] === 0 && scratch[1] === 0 && scratch[2] === 0xffff ? scratch[3]! : -1;
}

function prefixMask(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

/** `::ffff:a.b.c.d` as `a.b.c.d`, the form Go reports and operators write; anything else unchanged. */
export function unmapIPv4(ip: string): string {
  if (ip.length > 7 && ip.charCodeAt(0) === COLON && ip.lastIndexOf('.') > 0) {
    const lower = ip.toLowerCase();
    if (lower.startsWith('::ffff:') && parseIPv4(ip, 7, ip.length) >= 0) return ip.slice(7);
  }
  return ip;
}

export class CidrMatcher {
  readonly #v4: Uint32Array; // pairs: network, mask
  readonly #v6: Uint32Array; // groups of eight: four network words, four mask words

  private constructor(v4: number[], v6: number[]) {
    this.#v4 = Uint32Array.from(v4);
    this.#v6 = Uint32Array.from(v6);
  }

  /** Compiles `cidrs` (blank entries skipped); every malformed entry is reported at once. */
  static compile(cidrs: readonly string[], setting = 'trusted_proxy_cidrs'): CidrMatcher {
    const v4: number[] = [];
    const v6: number[] = [];
    const issues: string[] = [];
    for (const raw of cidrs) {
      const cidr = raw.trim();
      if (cidr === '') continue;
      const slash = cidr.indexOf('/');
      const address = slash < 0 ? '' : cidr.slice(0, slash);
      const bitsText = slash < 0 ? '' : cidr.slice(slash + 1);
      const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : -1;
      if (address.indexOf(':') < 0) {
        const network = parseIPv4(address, 0, address.length);
        if (network < 0 || bits < 0 || bits > 32) {
          issues.push(`${setting}: invalid CIDR ${JSON.stringify(raw)}`);
          continue;
        }
        const mask = prefixMask(bits);
        v4.push((network & mask) >>> 0, mask);
      } else {
        if (!parseIPv6(address, scratch) || bits < 0 || bits > 128) {
          issues.push(`${setting}: invalid CIDR ${JSON.stringify(raw)}`);
          continue;
        }
        const masks = [0, 1, 2, 3].map((w) => prefixMask(bits - 32 * w));
        v6.push(...masks.map((mask, w) => (scratch[w]! & mask) >>> 0), ...masks);
      }
    }
    if (issues.length > 0) throw new ConfigError(issues);
    return new CidrMatcher(v4, v6);
  }

  get isEmpty(): boolean {
    return this.#v4.length === 0 && this.#v6.length === 0;
  }

  /** Whether the bare address `ip` (no port) lies in any range; malformed input never matches. */
  contains(ip: string): boolean {
    const v4 = ipv4Of(ip);
    if (v4 >= 0) {
      const ranges = this.#v4;
      for (let i = 0; i < ranges.length; i += 2) if ((v4 & ranges[i + 1]!) >>> 0 === ranges[i]) return true;
      return false;
    }
    if (v4 === -2) return false;
    // ipv4Of left the parsed IPv6 words in scratch.
    const ranges = this.#v6;
    for (let i = 0; i < ranges.length; i += 8) {
      if (
        (scratch[0]! & ranges[i + 4]!) >>> 0 === ranges[i] &&
        (scratch[1]! & ranges[i + 5]!) >>> 0 === ranges[i + 1] &&
        (scratch[2]! & ranges[i + 6]!) >>> 0 === ranges[i + 2] &&
        (scratch[3]! & ranges[i + 7]!) >>> 0 === ranges[i + 3]
      ) {
        return true;
      }
    }
    return false;
  }
}
