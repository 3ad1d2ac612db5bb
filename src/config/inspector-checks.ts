/**
 * Checks of the Anthropic inspector's settings, made only when it is switched on (as the original
 * does): the output directory must not be a system directory, and the session header must be a valid
 * HTTP header name (RFC 9110 token).
 */
import { normalize, resolve } from 'node:path';
import { type ParseResult, parsed, rejected } from './parse-result.js';

const DEFAULT_OUTPUT_DIR = './inspector-logs';
const DEFAULT_SESSION_HEADER = 'X-Session-ID';
const HEADER_TOKEN = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const ROOTS = new Set(['/', '\\', 'c:\\']);
const UNIX_SYSTEM_DIRS = ['/etc', '/var', '/usr', '/bin', '/sbin', '/boot', '/sys', '/proc', '/dev', '/root'];
const WINDOWS_SYSTEM_DIRS = ['c:\\windows', 'c:\\program files', 'c:\\program files (x86)'];

/** The directory to write to, normalised; empty takes the original's fallback. */
export function checkInspectorOutputDir(dir: string, cwd: string): ParseResult<string> {
  if (dir === '') return parsed(DEFAULT_OUTPUT_DIR);
  const clean = normalize(dir).replace(/(.)[/\\]+$/, '$1');
  const absolute = resolve(cwd, clean);
  const refused = rejected<string>(`${JSON.stringify(dir)} is a system directory; choose a directory of its own`);
  if (ROOTS.has(clean.toLowerCase()) || ROOTS.has(absolute.toLowerCase())) return refused;
  for (const candidate of clean.startsWith('/') ? [clean, absolute] : []) {
    if (UNIX_SYSTEM_DIRS.some((system) => isWithin(candidate, system, '/'))) return refused;
  }
  for (const candidate of [clean, absolute]) {
    const windowsForm = candidate.toLowerCase().replaceAll('/', '\\');
    if (WINDOWS_SYSTEM_DIRS.some((system) => isWithin(windowsForm, system, '\\'))) return refused;
  }
  return parsed(clean);
}

export function checkSessionHeader(header: string): ParseResult<string> {
  if (header === '') return parsed(DEFAULT_SESSION_HEADER);
  const trimmed = header.trim();
  return HEADER_TOKEN.test(trimmed)
    ? parsed(trimmed)
    : rejected(`${JSON.stringify(header)} is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_\`|~)`);
}

function isWithin(path: string, dir: string, separator: string): boolean {
  return path === dir || path.startsWith(dir + separator);
}
