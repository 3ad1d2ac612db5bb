/**
 * `${VAR}` and `${VAR:-default}` placeholders in credential and header values, as the original's
 * `envresolver` expands them: braces are required (a bare `$VAR` stays literal, since values such as
 * regexes and prices contain dollar signs), and `:-` takes the default when the variable is unset or
 * empty. A variable that is unset with no default is an error naming the variable, never the value.
 */
import { type ParseResult, parsed, rejected } from './parse-result.js';

const PLACEHOLDER = /\$\{([^}]+)\}/g;

export function expandPlaceholders(value: string, env: NodeJS.ProcessEnv): ParseResult<string> {
  if (!value.includes('${')) return parsed(value);
  const missing: string[] = [];
  const expanded = value.replace(PLACEHOLDER, (_token, expression: string) => {
    const split = expression.indexOf(':-');
    const name = split === -1 ? expression : expression.slice(0, split);
    const current = env[name];
    if (current !== undefined && current !== '') return current;
    if (split !== -1) return expression.slice(split + 2);
    // Set but empty is the operator's explicit choice; the caller decides whether empty is acceptable.
    if (current === undefined) missing.push(name);
    return '';
  });
  if (missing.length > 0) {
    const names = missing.map((name) => JSON.stringify(name)).join(', ');
    return rejected(
      `environment variable${missing.length > 1 ? 's' : ''} ${names} ${missing.length > 1 ? 'are' : 'is'} not set`,
    );
  }
  return parsed(expanded);
}
