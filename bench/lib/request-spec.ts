/** One request a load client repeats, passed to the client process as JSON on its command line. */
export interface RequestSpec {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** A small body, inline. */
  body?: string;
  /** A large body, read from this file once (command lines cap an argument near 128 KB). */
  bodyFile?: string;
}

/** Reads a client's arguments: `<spec JSON> <option JSON>`. */
export function clientArgs<Options>(argv: string[]): { spec: RequestSpec; options: Options } {
  const [spec, options] = argv;
  if (spec === undefined || options === undefined) throw new Error('usage: <client> <spec JSON> <options JSON>');
  return { spec: JSON.parse(spec) as RequestSpec, options: JSON.parse(options) as Options };
}
