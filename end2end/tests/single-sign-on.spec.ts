import { test, expect, type Page } from './csp';
import { signIn, DEMO_PASSWORD } from './sign-in';
import { readFileSync } from 'node:fs';
import { OIDC_CLIENT_SECRET } from '../oidc-client';

// Single sign-on through the test OpenID Provider (end2end/oidc-test-provider.mjs, accounts in
// end2end/oidc-accounts.json; its login page takes any password), and step-up confirmation.

/** Signs in with the provider's login page as `login`, starting from the portal's sign-in page. */
async function ssoSignIn(page: Page, login: string, next = '/') {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
  await providerLogin(page, login);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

/** Fills the provider's development login page. */
async function providerLogin(page: Page, login: string) {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any-password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

test('an employee signs in with single sign-on, lands on their profile and edits it', async ({ page }) => {
  const phone = `+1 425 555 ${Math.floor(1000 + Math.random() * 8999)}`;
  await ssoSignIn(page, 'jane');
  await expect(page).toHaveURL(/\/me$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Jane');
  await page.waitForLoadState('networkidle');
  await page.locator('[name="Telephone"]').fill(phone);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status')).toContainText('Saved');
  await page.reload();
  await expect(page.locator('[name="Telephone"]')).toHaveValue(phone);
});

test('signing out ends the session at the provider too', async ({ page }) => {
  await ssoSignIn(page, 'ada', '/users');
  await page.getByRole('button', { name: 'Sign out' }).click();
  // The provider's own page asks whether to end its session as well.
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/users');
  await expect(page).toHaveURL(/\/login\?next=/);
});

/** Changes Jane's role on her page, past the step-up window, and meets the confirmation. */
async function changeRoleAfterTheWindow(page: Page) {
  await page.goto('/users/jane.doe');
  await page.waitForLoadState('networkidle');
  await expect(page.getByText('asks you to confirm it')).toBeVisible();
  // PORTAL_REAUTH_SECONDS is 10 in the end-to-end run.
  await page.waitForTimeout(11_000);
  const role = page.locator('select[name="Role"]');
  const next = (await role.inputValue()) === 'USER' ? 'REMOTE_USER' : 'USER';
  await role.selectOption(next);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('alert')).toContainText("needs you to confirm it's you");
  await expect(role).toHaveValue(next);
  return next;
}

/** Saves again after confirming, and checks that the role holds. */
async function saveAgain(page: Page, role: string) {
  await page.bringToFront();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status')).toContainText('Saved');
  await page.reload();
  await expect(page.locator('select[name="Role"]')).toHaveValue(role);
}

test('a role change past the window asks for the password again, and the edit survives', async ({ page, context }) => {
  test.setTimeout(60_000);
  await signIn(page, 'admin', '/users/jane.doe');
  const role = await changeRoleAfterTheWindow(page);
  const [confirmTab] = await Promise.all([
    context.waitForEvent('page'),
    page.getByRole('link', { name: /Confirm it's you/ }).click(),
  ]);
  await confirmTab.getByLabel('Your password').fill('not-the-password');
  await confirmTab.getByRole('button', { name: 'Confirm' }).click();
  await expect(confirmTab.getByRole('alert')).toContainText('did not confirm');
  await confirmTab.getByLabel('Your password').fill(DEMO_PASSWORD);
  await confirmTab.getByRole('button', { name: 'Confirm' }).click();
  await expect(confirmTab.getByRole('status')).toContainText('Confirmed');
  await saveAgain(page, role);
});

test('after single sign-on, confirming goes through the provider', async ({ page, context }) => {
  test.setTimeout(60_000);
  await ssoSignIn(page, 'ada', '/users/jane.doe');
  const role = await changeRoleAfterTheWindow(page);
  const [confirmTab] = await Promise.all([
    context.waitForEvent('page'),
    page.getByRole('link', { name: /Confirm it's you/ }).click(),
  ]);
  await confirmTab.getByRole('link', { name: 'Confirm with Test IdP' }).click();
  // The provider asks for the login again although its own session is fresh (prompt=login).
  await providerLogin(confirmTab, 'ada');
  await expect(confirmTab.getByRole('status')).toContainText('Confirmed');
  await saveAgain(page, role);
});

test('the server log holds no token and no client secret', async ({ page }) => {
  await ssoSignIn(page, 'ada', '/users');
  const log = readFileSync(process.env.PORTAL_E2E_LOG ?? '../target/e2e-server.log', 'utf8');
  expect(log).toContain('signed in with single sign-on');
  expect(log).not.toContain(OIDC_CLIENT_SECRET);
  // Every JWT (ID token) starts with a base64url JSON header: `eyJ`.
  expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
});
