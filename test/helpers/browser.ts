import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium; `.ci/run` installs it when missing. */
export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);

/** The describe title, saying plainly why the suite is skipped when there is no browser. */
export function browserSuiteTitle(title: string): string {
  return HAS_CHROMIUM
    ? title
    : `${title} — SKIPPED: no browser at ${CHROMIUM} (install it with: apt-get install -y chromium)`;
}

/**
 * Headless Chromium as this workplace needs it: no sandbox as root, and no background networking
 * (the machine's closed network refuses those connections, many at a time).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The little of the DOM page-side checks touch: this project's TypeScript has no DOM types. */
export interface PageGlobals {
  innerWidth: number;
  document: {
    getElementById(id: string): { textContent: string | null } | null;
    querySelectorAll(selector: string): { length: number };
    documentElement: { scrollWidth: number };
  };
}
