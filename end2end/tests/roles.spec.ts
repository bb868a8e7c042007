import { test, expect, type Page } from './csp';
import { signIn, DEMO_PASSWORD } from './sign-in';

// What each demo role may edit on Jane Doe's page (employee: on its own page, /me).
const PEOPLE_FIELDS = [
  'City', 'Company', 'Country', 'Department', 'DisplayName', 'FirstName', 'Initials',
  'JobTitle', 'LastName', 'Office', 'Street', 'Telephone', 'ZipCode',
];
const EDITABLE: Record<string, { path: string; fields: string[]; users: boolean }> = {
  admin: { path: '/users/jane.doe', fields: [...PEOPLE_FIELDS, 'HiddenFromGlobalAddressList', 'Role'].sort(), users: true },
  hr: { path: '/users/jane.doe', fields: PEOPLE_FIELDS, users: true },
  helpdesk: { path: '/users/jane.doe', fields: [], users: true },
  employee: { path: '/me', fields: ['City', 'Country', 'Initials', 'Street', 'Telephone', 'ZipCode'], users: false },
};

/** The names of the form's controls that post a value the person can change. */
async function editableFields(page: Page): Promise<string[]> {
  const names = await page
    .locator('form.user-editor [name]:not([type="hidden"]):not([readonly]):not([disabled])')
    .evaluateAll((els) => els.map((el) => el.getAttribute('name') ?? ''));
  return [...new Set(names)].sort();
}

for (const [role, want] of Object.entries(EDITABLE)) {
  test(`${role} signs in and sees exactly its editable fields`, async ({ page }) => {
    await signIn(page, role, want.path);
    await expect(page).toHaveURL(want.path);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Jane');
    expect(await editableFields(page)).toEqual(want.fields);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Users' })).toHaveCount(want.users ? 1 : 0);
    await expect(page.getByRole('button', { name: 'Save changes' })).toHaveCount(want.fields.length ? 1 : 0);
  });
}

test('an employee edits its own phone number on /me', async ({ page }) => {
  const phone = `+1 206 555 ${Math.floor(1000 + Math.random() * 8999)}`;
  await signIn(page, 'employee', '/me');
  await page.waitForLoadState('networkidle');
  await expect(page.locator('[id="field-Role"]')).toHaveCount(0);
  // A field the employee may only read is text marked "read only", not an input.
  const jobTitle = page.locator('[id="field-JobTitle"]');
  await expect(jobTitle).not.toHaveAttribute('name');
  expect(await jobTitle.evaluate((el) => el.tagName)).not.toBe('INPUT');
  await expect(page.locator('[id="field-JobTitle-label"]')).toContainText('read only');
  await page.locator('[name="Telephone"]').fill(phone);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status')).toContainText('Saved');
  await page.reload();
  await expect(page.locator('[name="Telephone"]')).toHaveValue(phone);
});

test('HR sees the role but cannot change it', async ({ page }) => {
  await signIn(page, 'hr', '/users/jane.doe');
  await expect(page.locator('[id="field-Role"]')).toBeVisible();
  await expect(page.locator('select[name="Role"]')).toHaveCount(0);
  await expect(page.locator('[id="field-Role"]')).toContainText('User');
  await expect(page.locator('[id="field-HiddenFromGlobalAddressList"]')).toBeDisabled();
});

test('a failed sign-in says only that it failed', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Account name').fill('admin');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Sign-in failed.');
  await page.getByLabel('Account name').fill('no.such.account');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Sign-in failed.');
});

test('signing out ends the session; signing in again leads back', async ({ page }) => {
  await signIn(page, 'admin', '/users/jane.doe');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/users/jane.doe');
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByLabel('Account name').fill('admin');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/users\/jane\.doe$/);
});
