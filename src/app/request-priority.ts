import { Header } from '../core/constants.js';
import type { ClientKey } from '../core/domain/client-key.js';
import { REQUEST_PRIORITIES, type RequestPriority } from '../core/domain/routing.js';
import { BadRequestError } from '../core/errors.js';

/**
 * The queue priority a client asks for with `X-Olla-Priority: high|normal|low` (case-insensitive);
 * undefined when absent. A value outside the three is refused rather than silently demoted.
 */
export function priorityFromHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): RequestPriority | undefined {
  const raw = headers[Header.priority];
  if (raw === undefined) return undefined;
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim().toLowerCase() ?? '';
  if ((REQUEST_PRIORITIES as readonly string[]).includes(value)) return value as RequestPriority;
  throw new BadRequestError(
    `X-Olla-Priority must be one of ${REQUEST_PRIORITIES.join(', ')}, not ${JSON.stringify(raw)}`,
  );
}

/**
 * The priority a request is queued at. A client key's priority is a ceiling its holder cannot
 * raise with the header (a `low` key asking for `high` stays `low`), though it may ask for less.
 */
export function requestPriority(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  key: ClientKey | null | undefined,
): RequestPriority | undefined {
  const asked = priorityFromHeaders(headers);
  if (key === null || key === undefined) return asked;
  if (asked === undefined) return key.priority;
  return REQUEST_PRIORITIES.indexOf(asked) > REQUEST_PRIORITIES.indexOf(key.priority) ? asked : key.priority;
}
