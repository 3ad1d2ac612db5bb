/**
 * Calls back when a file's content changes. Watches the file's directory rather than the file:
 * editors save by writing a new file and renaming it over the old one, and Kubernetes swaps a
 * mounted ConfigMap through a symlink, both of which leave a watch on the file itself looking at
 * an inode nobody uses any more. Events are debounced, and only a real change of content calls
 * back, so a burst of writes or an unrelated file in the directory does not.
 */
import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface FileWatch {
  close(): void;
}

export interface WatchFileOptions {
  debounceMs?: number;
  onError?: (error: Error) => void;
}

function digestOf(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    // Mid-rename the file may briefly not exist; the next event reads it again.
    return undefined;
  }
}

export function watchFile(path: string, onChange: () => void, options: WatchFileOptions = {}): FileWatch {
  const file = resolve(path);
  const debounceMs = options.debounceMs ?? 250;
  let last = digestOf(file);
  let timer: NodeJS.Timeout | undefined;
  const settle = () => {
    timer = undefined;
    const digest = digestOf(file);
    if (digest === undefined || digest === last) return;
    last = digest;
    onChange();
  };
  const watcher: FSWatcher = watch(dirname(file), { persistent: false }, () => {
    clearTimeout(timer);
    timer = setTimeout(settle, debounceMs);
  });
  watcher.on('error', (error) => options.onError?.(error));
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
