import { test, expect } from './csp';
import { signIn } from './sign-in';

test.beforeEach(async ({ page }) => {
  await signIn(page, 'helpdesk');
});

test('searches the directory, opens a user, and comes back to the results', async ({ page }) => {
  await page.goto('/users');
  await page.getByLabel('Name or email starts with').fill('jane.d');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\/users\?q=jane\.d/);
  await expect(page.getByRole('status')).toHaveText(/^1 user\b/);
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

test('with JavaScript, results follow the typing without pressing Search', async ({ page }) => {
  await page.goto('/users');
  await page.getByLabel('Name or email starts with').pressSequentially('jane.d', { delay: 30 });
  await expect(page.getByRole('status')).toHaveText(/^1 user\b/);
  await expect(page.getByRole('link', { name: 'jane.doe' })).toBeVisible();
  await expect(page).toHaveURL(/\/users\?q=jane\.d(&|$)/);
});

test('a slow, older answer never replaces a newer one', async ({ page }) => {
  await page.goto('/users');
  // Hold back the answer for "sam" until the newer search for "jane" has been shown.
  let releaseOld: () => void = () => {};
  const oldHeld = new Promise<void>((resolve) => (releaseOld = resolve));
  await page.route(/\/users\?q=sam(&|$)/, async (route) => {
    await oldHeld;
    // The page may have aborted this request meanwhile; then there is nothing to continue.
    await route.continue().catch(() => {});
  });
  const box = page.getByLabel('Name or email starts with');
  await box.fill('sam');
  await page.waitForRequest(/\/users\?q=sam(&|$)/);
  await box.fill('jane');
  await expect(page.getByRole('link', { name: 'jane.doe' })).toBeVisible();
  releaseOld();
  await page.waitForTimeout(500);
  await expect(page.getByRole('link', { name: 'jane.doe' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'sam.contractor' })).toHaveCount(0);
});
