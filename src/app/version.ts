import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root: two levels up from src/app (tsx) or dist/bundle (built), three from dist/src/app. */
function findPackageRoot(): URL {
  for (const rel of ['../../', '../../../']) {
    const url = new URL(rel, import.meta.url);
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as { name?: string };
      if (pkg.name === 'olla') return url;
    } catch {
      // Not here; try the next level up.
    }
  }
  return new URL('../../', import.meta.url);
}

export const PACKAGE_ROOT = fileURLToPath(findPackageRoot());

const pkg = JSON.parse(readFileSync(new URL('package.json', findPackageRoot()), 'utf8')) as {
  version: string;
  description: string;
};

export const VERSION = {
  name: 'olla',
  version: pkg.version,
  edition: 'typescript',
  description: pkg.description,
  runtime: `node ${process.version}`,
  platform: `${process.platform}/${process.arch}`,
} as const;
