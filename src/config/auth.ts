/**
 * Outbound credentials of one endpoint (`auth:`): checks the block's shape the way the original does,
 * then resolves each value from its inline form (with `${VAR}` expansion) or its `*_file` sibling (read
 * and trimmed, the Docker/Kubernetes secret convention). Problems name the key, never the secret.
 */
import { resolveSecret, type SecretSources } from './secret.js';
import type { EndpointAuthConfig, EndpointAuthType } from './types.js';

/** The `auth:` block as written; absent keys are ''. */
export interface AuthBlock {
  type: string;
  header: string;
  token: string;
  token_file: string;
  key: string;
  key_file: string;
  username: string;
  username_file: string;
  password: string;
  password_file: string;
}

export interface AuthProblem {
  /** Key under `auth`, e.g. `token_file`. */
  key: keyof AuthBlock;
  message: string;
}

type Credential = 'token' | 'key' | 'username' | 'password';

const CREDENTIALS_OF: Readonly<Record<EndpointAuthType, readonly Credential[]>> = {
  bearer: ['token'],
  api_key: ['key'],
  basic: ['username', 'password'],
};
const AUTH_TYPES = Object.keys(CREDENTIALS_OF) as EndpointAuthType[];
const ALL_CREDENTIALS: readonly Credential[] = ['token', 'key', 'username', 'password'];
const DEFAULT_API_KEY_HEADER = 'X-Api-Key';

export type AuthSources = SecretSources;

export function resolveEndpointAuth(
  block: AuthBlock,
  sources: AuthSources,
): { auth: EndpointAuthConfig } | { problems: AuthProblem[] } {
  if (!isAuthType(block.type)) {
    const message =
      block.type === ''
        ? `is required (one of ${AUTH_TYPES.join(', ')})`
        : `${JSON.stringify(block.type)} is not one of ${AUTH_TYPES.join(', ')}`;
    return { problems: [{ key: 'type', message }] };
  }
  const type = block.type;
  const wanted = CREDENTIALS_OF[type];
  const problems: AuthProblem[] = [];

  for (const credential of ALL_CREDENTIALS) {
    if (wanted.includes(credential)) continue;
    for (const key of [credential, `${credential}_file`] as const) {
      if (block[key] !== '') problems.push({ key, message: `is not used by ${type} auth; remove it` });
    }
  }

  const auth: EndpointAuthConfig = { type };
  for (const credential of wanted) {
    const value = resolveCredential(block, credential, sources);
    if (typeof value === 'string') auth[credential] = value;
    else problems.push(value);
  }
  if (type === 'api_key') auth.header = block.header || DEFAULT_API_KEY_HEADER;
  else if (block.header !== '') problems.push({ key: 'header', message: `is only used by api_key auth; remove it` });

  return problems.length > 0 ? { problems } : { auth };
}

function resolveCredential(block: AuthBlock, credential: Credential, sources: AuthSources): string | AuthProblem {
  const fileKey = `${credential}_file` as const;
  const inline = block[credential];
  const file = block[fileKey];
  if (inline !== '' && file !== '') {
    return { key: credential, message: `and auth.${fileKey} are both set; use exactly one` };
  }
  if (inline === '' && file === '') {
    return { key: credential, message: `is required for ${block.type} auth (or ${fileKey})` };
  }
  const secret = resolveSecret(inline, file, sources);
  if (typeof secret === 'string') return secret;
  return { key: secret.from === 'file' ? fileKey : credential, message: secret.message };
}

function isAuthType(type: string): type is EndpointAuthType {
  return (AUTH_TYPES as string[]).includes(type);
}
