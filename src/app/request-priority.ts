import { Header } from '../core/constants.js';
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
