/** Whether text is an IPv4 or IPv6 network in CIDR form (`10.0.0.0/8`, `::1/128`), as Go's ParseCIDR reads it. */
import { isIP } from 'node:net';

export function isCidr(text: string): boolean {
  const slash = text.lastIndexOf('/');
  if (slash === -1) return false;
  const family = isIP(text.slice(0, slash));
  const prefix = text.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
