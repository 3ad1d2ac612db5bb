/**
 * The endpoint `url` check. Credentials in the URL (`http://user:pass@host`) are refused, as the
 * original does from v0.0.29: the URL is echoed by status and dashboard JSON, so the secret would leak
 * there. The message shows the `auth:` block to write instead, with placeholders, and never repeats
 * the username or password (a username can itself be a key).
 */
import { describeValue } from './fields.js';
import { type ParseResult, parsed, rejected } from './parse-result.js';

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;
const PLACEHOLDER_BASIC = 'auth: { type: basic, username: <your username>, password: <your password> }';

export function parseEndpointUrl(input: string): ParseResult<string> {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return rejected(`${describeValue(redactUserinfo(input))} is not a URL (http:// or https:// and a host)`);
  }
  if (url.username !== '' || url.password !== '') return rejected(userinfoAdvice(url));
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return rejected(`${describeValue(input)} is not a URL (http:// or https:// and a host)`);
  }
  return parsed(input);
}

/** Replaces anything before an `@` in the authority, for echoing text that did not parse as a URL. */
export function redactUserinfo(text: string): string {
  return text.replace(USERINFO, '$1<redacted>@');
}

function userinfoAdvice(url: URL): string {
  const path = url.pathname === '/' ? '' : url.pathname;
  const plain = `${url.protocol}//${url.host}${path}`;
  const advice = `must not carry credentials (user:pass@host); set url: ${JSON.stringify(plain)} and move them to ${PLACEHOLDER_BASIC} (or username_file / password_file)`;
  // A username without a password cannot become basic auth; it was most likely a token.
  return url.password === ''
    ? `${advice}; basic auth needs a password, so if that was a token use auth: { type: bearer, token: <your token> } (or token_file)`
    : advice;
}
