/** True when the command line or NODE_OPTIONS gives a Node or V8 flag `pattern` matches. */
export function userGaveFlag(pattern: RegExp, execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return execArgv.some((arg) => pattern.test(arg)) || (nodeOptions !== undefined && pattern.test(nodeOptions));
}
