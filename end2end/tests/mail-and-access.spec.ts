import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { BrowserContext } from '@playwright/test';
import { test, expect, type Page } from './csp';
import { signIn, DEMO_PASSWORD } from './sign-in';

// The Mail & access tab as the help desk, an admin and HR use it, checked against what the
// embedded emulator holds afterwards.

/** A path under the repository (the config sits in end2end/). */
function repoPath(path: string): string {
  return resolve(dirname(test.info().config.configFile ?? '.'), '..', path);
}

/**
 * Whether `password` is now jane.doe's password in WorkMail: `workmail-emulator check-password`
 * reads the hash the portal's embedded emulator stored (the one way to check it; WorkMail keeps
 * no password as given). Its exit status: 0 matches, 1 does not.
 */
function emulatorPasswordCheck(user: string, password: string): number | null {
  const dataDir = process.env.PORTAL_E2E_DATA_DIR;
  expect(dataDir, 'playwright.config.ts sets PORTAL_E2E_DATA_DIR').toBeTruthy();
  const checked = spawnSync(
    repoPath(process.env.PORTAL_EMULATOR_BIN ?? 'target/debug/workmail-emulator'),
    ['check-password', '--db', join(dataDir ?? '', 'workmail-emulator.sqlite3'), '--user', user],
    { input: `${password}\n`, encoding: 'utf8' },
  );
  expect(checked.error, 'workmail-emulator starts (cargo build -p workmail-emulator)').toBeUndefined();
  expect(checked.stderr, 'check-password ran').toBe('');
  return checked.status;
}

/** The portal server's whole log so far. */
function serverLog(): string {
  return readFileSync(repoPath(process.env.PORTAL_E2E_LOG ?? 'target/e2e-server.log'), 'utf8');
}

/** Waits for the notice the tab comes back with after a task. */
async function expectNotice(page: Page, text: string) {
  await expect(page.getByRole('status')).toContainText(text);
}

/**
 * Confirms it's the signed-in person (their password, in `tab` or a new tab on /confirm), so
 * the next seconds of the step-up window (10 s in the end-to-end run) are theirs.
 */
async function confirmItsYou(context: BrowserContext, tab?: Page) {
  const confirmTab = tab ?? (await context.newPage());
  if (!tab) await confirmTab.goto('/confirm');
  await confirmTab.getByLabel('Your password').fill(DEMO_PASSWORD);
  await confirmTab.getByRole('button', { name: 'Confirm' }).click();
  await expect(confirmTab.getByRole('status')).toContainText('Confirmed');
  await confirmTab.close();
}

test('the help desk resets a password: WorkMail takes it, and it is shown once and nowhere else', async ({ page }) => {
  await signIn(page, 'helpdesk', '/users/jane.doe/tasks');
  const section = page.locator('#password');
  await expect(section.getByRole('heading', { name: 'Password' })).toBeVisible();
  // The help desk may not change addresses, groups, quota or state.
  await expect(page.locator('#addresses form, #groups form, #mailbox form, #state')).toHaveCount(0);

  await section.getByRole('button', { name: 'Generate a new password' }).click();
  const shown = page.getByLabel('New password');
  await expect(shown).toBeVisible();
  const password = await shown.inputValue();
  expect(password).toHaveLength(20);
  await expect(page.getByRole('button', { name: 'Copy' })).toBeVisible();

  expect(emulatorPasswordCheck('jane.doe', password), 'the new password works').toBe(0);
  expect(emulatorPasswordCheck('jane.doe', `${password}x`), 'another does not').toBe(1);

  // Shown once: the tab opened again has no trace of it.
  await page.goto('/users/jane.doe/tasks');
  await expect(page.getByLabel('New password')).toHaveCount(0);
  expect(await page.content()).not.toContain(password);
  expect(serverLog()).not.toContain(password);

  // The audit trail says it happened, by whom, and nothing more: in the admin's log and in
  // both exports.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, 'admin', '/audit?target=jane.doe%40demo.example.com');
  await expect(page.locator('.audit-table tbody tr').first()).toContainText('Password reset');
  await expect(page.locator('.audit-table tbody tr').first()).toContainText('helpdesk');
  const csv = await page.request.get('/audit/export.csv?target=jane.doe%40demo.example.com');
  expect(csv.status()).toBe(200);
  const csvText = await csv.text();
  expect(csvText).toMatch(/,saved,helpdesk,[^\r\n]*,Password reset\r\n/);
  expect(csvText).not.toContain(password);
  const json = await page.request.get('/audit/export.json?target=jane.doe%40demo.example.com');
  expect(json.status()).toBe(200);
  const jsonText = await json.text();
  expect(jsonText).toContain('"Password reset"');
  expect(jsonText).not.toContain(password);
});

test('an admin adds an address, makes it primary, and puts the old one back', async ({ page, context }) => {
  const alias = `jd-${Date.now().toString(36)}@demo.example.com`;
  const original = 'jane.doe@demo.example.com';
  await signIn(page, 'admin', '/users/jane.doe/tasks');
  const section = page.locator('#addresses');
  const primary = section.locator('p', { hasText: 'Primary:' });
  await expect(primary).toContainText(original);

  await section.getByLabel('Add an address').fill(alias);
  await section.getByRole('button', { name: 'Add address' }).click();
  await expectNotice(page, 'The address was added.');
  const row = (address: string) => section.locator('li', { hasText: address });
  await expect(row(alias)).toBeVisible();

  // The same address twice is refused with WorkMail's reason, and the input is kept.
  await section.getByLabel('Add an address').fill(alias);
  await section.getByRole('button', { name: 'Add address' }).click();
  await expect(page.getByRole('alert')).toContainText('already in use');
  await expect(section.getByLabel('Add an address')).toHaveValue(alias);
  await expect(row(alias)).toHaveCount(1);

  // Changing the primary address needs a recent sign-in.
  await confirmItsYou(context);
  await row(alias).getByRole('button', { name: 'Make primary' }).click();
  await expectNotice(page, 'The primary address was changed');
  await expect(primary).toContainText(alias);
  // WorkMail keeps the old primary address as an alias.
  await expect(row(original)).toBeVisible();

  await confirmItsYou(context);
  await row(original).getByRole('button', { name: 'Make primary' }).click();
  await expectNotice(page, 'The primary address was changed');
  await expect(primary).toContainText(original);
  await row(alias).getByRole('button', { name: 'Remove' }).click();
  await expectNotice(page, 'The address was removed.');
  await expect(row(alias)).toHaveCount(0);
  await expect(row('jane@demo.example.com')).toBeVisible();

  // The History tab has each step with the addresses before and after.
  await page.getByRole('navigation', { name: 'User pages' }).getByRole('link', { name: 'History' }).click();
  const rows = page.locator('.audit-table tbody tr');
  await expect(rows.nth(0)).toContainText(`Address removed: ${alias}`);
  await expect(rows.nth(1)).toContainText(`Primary address set to ${original}`);
  await expect(rows.nth(2)).toContainText(`Primary address set to ${alias}`);
});

test('HR disables a user past the sign-in window after confirming, then enables them again', async ({ page, context }) => {
  test.setTimeout(60_000);
  const user = 'aisha.okafor';
  await signIn(page, 'hr', `/users/${user}/tasks`);
  const section = page.locator('#state');
  await expect(section).toContainText('stops their mail');
  // HR manages the state only: no address, group or quota forms.
  await expect(page.locator('#addresses, #groups form, #mailbox form, #password')).toHaveCount(0);

  // PORTAL_REAUTH_SECONDS is 10 in the end-to-end run: let the sign-in age past it.
  await page.waitForTimeout(11_000);
  // The confirmation box is required: the browser will not post the form without it.
  await section.getByRole('button', { name: 'Disable' }).click();
  await expect(page.getByRole('status')).toHaveCount(0);
  await section.getByLabel('I understand; disable this user').check();
  await section.getByRole('button', { name: 'Disable' }).click();
  await expect(page.getByRole('alert')).toContainText("needs you to confirm it's you");
  await expect(section.getByRole('button', { name: 'Disable' })).toBeVisible();

  // The refusal's link opens the confirmation in a new tab.
  const [confirmTab] = await Promise.all([
    context.waitForEvent('page'),
    page.getByRole('link', { name: /Confirm it's you/ }).click(),
  ]);
  await expect(confirmTab).toHaveURL(/\/confirm/);
  await confirmItsYou(context, confirmTab);

  await section.getByLabel('I understand; disable this user').check();
  await section.getByRole('button', { name: 'Disable' }).click();
  await expectNotice(page, 'The user was disabled.');
  await expect(section.getByLabel('Primary address')).toHaveValue(`${user}@demo.example.com`);
  // Its row in the directory's list (aisha.okafor2 and others share the prefix).
  const listed = page.locator('tr').filter({ has: page.getByRole('link', { name: user, exact: true }) });
  await page.goto(`/users?q=${user}`);
  await expect(listed).toContainText('Disabled');
  await page.goto(`/users/${user}/tasks`);
  await confirmItsYou(context);

  await section.getByRole('button', { name: 'Enable' }).click();
  await expectNotice(page, 'The user was enabled.');
  await expect(section.getByRole('button', { name: 'Disable' })).toBeVisible();
  // The directory's list agrees.
  await page.goto(`/users?q=${user}`);
  await expect(listed).toContainText('Enabled');
});
