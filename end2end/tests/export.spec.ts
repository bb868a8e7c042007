import { test, expect } from './csp';
import { signIn } from './sign-in';

// Leaving WorkMail: an admin exports the directory from the browser and downloads the file.
test('an admin exports the directory as CSV and downloads it', async ({ page }) => {
  await signIn(page, 'admin');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Export' }).click();
  await expect(page).toHaveURL(/\/admin\/export$/);
  await page.getByLabel(/^CSV/).check();
  await page.getByRole('button', { name: 'Start export' }).click();
  // The page follows the export (it reloads itself while it runs), then offers the file.
  const link = page.getByRole('link', { name: /^Download: \d+ users/ });
  await expect(link).toBeVisible({ timeout: 30_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe('demo-users.csv');
  const path = await download.path();
  const fs = await import('node:fs');
  const csv = fs.readFileSync(path, 'utf8');
  expect(csv.startsWith('User Name,First Name,Last Name,Display Name,')).toBe(true);
  expect(csv).toContain('jane.doe@demo.example.com');
});

test('HR has no Export link and the page refuses them', async ({ page }) => {
  await signIn(page, 'hr');
  await expect(page.getByRole('link', { name: 'Export' })).toHaveCount(0);
  const response = await page.goto('/admin/export');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('button', { name: 'Start export' })).toHaveCount(0);
});
