/**
 * Forwarding loops: an endpoint whose URL leads back to Olla (its own address, a port-forward to
 * it, or another Olla that forwards here) turns each request into another request to Olla, each
 * hop holding two sockets, until the process runs out of file descriptors. Via exists partly to
 * catch this (RFC 9110 §7.6.3): each Olla process names itself in the comment of the Via it sends
 * upstream, and a request arriving with that name in its Via has been through this process already.
 */
import { randomBytes } from 'node:crypto';

/** A name for this process that no other process shares: `olla-` and 16 hex digits. */
export function newInstanceToken(): string {
  return `olla-${randomBytes(8).toString('hex')}`;
}

/**
 * The Via element Olla sends upstream: its usual one (`1.1 olla/<version>`) with the instance
 * named in a comment, so the received-by part backends and logs see stays what it always was.
 */
export function viaNaming(via: string, instanceToken: string): string {
  return `${via} (${instanceToken})`;
}

/** Whether a request's Via shows it has already passed through the instance named `instanceToken`. */
export function passedThrough(via: string | readonly string[] | undefined, instanceToken: string): boolean {
  if (via === undefined) return false;
  if (typeof via === 'string') return via.includes(instanceToken);
  return via.some((element) => element.includes(instanceToken));
}
