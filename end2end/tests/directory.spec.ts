import { test, expect } from '@playwright/test';
import { signIn } from './sign-in';

test.beforeEach(async ({ page }) => {
  await signIn(page, 'helpdesk');
});

test('searches the directory, opens a user, and comes back to the results', async ({ page }) => {
  await page.goto('/users');
  await page.getByLabel('Name or email starts with').fill('jane.d');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\/users\?q=jane\.d/);
  await expect(page.getByRole('status')).toContainText('1 user');
  await page.getByRole('link', { name: 'jane.doe' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Jane Doe');
  await page.goBack();
  await expect(page.getByLabel('Name or email starts with')).toHaveValue('jane.d');
  await expect(page.getByRole('link', { name: 'jane.doe' })).toBeVisible();
});

test('filters by state and pages through the results', async ({ page }) => {
  await page.goto('/users');
  await page.getByLabel('State').selectOption('DISABLED');
  await page.getByLabel('Per page').selectOption('25');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/state=DISABLED/);
  const rows = page.locator('.directory-table tbody tr');
  await expect(rows.first()).toContainText('Disabled');
  for (const row of await rows.all()) {
    await expect(row).toContainText('Disabled');
  }
});

test('the dashboard counts users and links to the directory', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Users by state' })).toBeVisible();
  await page.getByRole('link', { name: 'Enabled' }).click();
  await expect(page).toHaveURL(/\/users\?state=ENABLED/);
});
