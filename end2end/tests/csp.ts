import { test as base, expect, type Page } from '@playwright/test';

// Every test fails on a Content-Security-Policy violation the browser reports: the page a test
// gets and every page signed in through signIn() are watched.
const violations: string[] = [];
const watched = new WeakSet<Page>();

/** Records the CSP violations Chromium reports on `page`'s console. */
export function watchCsp(page: Page) {
  if (watched.has(page)) return;
  watched.add(page);
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) {
      violations.push(`${page.url()}: ${message.text()}`);
    }
  });
}

export const test = base.extend<{ noCspViolations: void }>({
  noCspViolations: [
    async ({ page }, use) => {
      violations.length = 0;
      watchCsp(page);
      await use();
      expect(violations, 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
export type { Page };
