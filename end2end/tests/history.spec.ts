import { test, expect } from './csp';
import { signIn } from './sign-in';

// The audit trail as people read it: a user's History tab and the admin's audit log.
test('an admin changes a field and sees its old and new value in the History', async ({ page }) => {
  await signIn(page, 'admin');
  const city = `Bergen ${Date.now().toString(36)}`;
  await page.goto('/users/jane.doe');
  await page.waitForLoadState('networkidle');
  const input = page.locator('[name="City"]:not([type="hidden"])');
  const before = await input.inputValue();
  await input.fill(city);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status')).toContainText('Saved');

  await page.getByRole('navigation', { name: 'User pages' }).getByRole('link', { name: 'History' }).click();
  await expect(page).toHaveURL(/\/users\/[^/]+\/history$/);
  const newest = page.locator('.audit-table tbody tr').first();
  await expect(newest).toContainText('admin');
  await expect(newest).toContainText(`City: ${before} → ${city}`);

  // The same change in the audit log, found by its field.
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByLabel('Field').selectOption('City');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/field=City/);
  await expect(page.locator('.audit-table tbody tr').first()).toContainText(city);
});

test('an employee has no History tab and no audit log, and only looks at their own groups and mailbox', async ({ page }) => {
  await signIn(page, 'employee', '/me');
  const tabs = page.getByRole('navigation', { name: 'User pages' });
  await expect(tabs.getByRole('link', { name: 'History' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Audit log' })).toHaveCount(0);

  await tabs.getByRole('link', { name: 'Mail & access' }).click();
  await expect(page).toHaveURL(/\/users\/[^/]+\/tasks$/);
  await expect(page.getByRole('heading', { name: 'Groups' })).toBeVisible();
  await expect(page.locator('#groups .task-list')).toContainText('project-atlas');
  await expect(page.getByRole('heading', { name: 'Mailbox' })).toBeVisible();
  await expect(page.locator('#mailbox')).toContainText('GB of');
  // Nothing to change: no task form at all.
  await expect(page.locator('.tasks-page form')).toHaveCount(0);

  const response = await page.goto('/audit');
  expect(response?.status()).toBe(403);
  await expect(page.locator('.audit-table')).toHaveCount(0);
});
