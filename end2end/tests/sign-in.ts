import { expect, type Page } from '@playwright/test';
import { watchCsp } from './csp';

/** The demo accounts' password (PORTAL_DEMO_PASSWORD's default). */
export const DEMO_PASSWORD = process.env.PORTAL_DEMO_PASSWORD ?? 'demo-password';

/** Signs in through the sign-in form (works with JavaScript on or off). */
export async function signIn(page: Page, login: string, next = '/users') {
  watchCsp(page);
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Account name').fill(login);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}
