import { test, expect, type Page } from './csp';
import { signIn } from './sign-in';

// Every page needs a session: these tests work as the demo admin, who may edit every field.
test.beforeEach(async ({ page }) => {
  await signIn(page, 'admin');
});

// Each test writes values of its own, so the tests don't depend on each other's order.
const unique = (label: string) => `${label} ${Date.now().toString(36)}`;

async function openJane(page: Page) {
  await page.goto('/users/jane.doe');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Jane');
  // Wait for the form's island to hydrate so typing is handled by the app.
  await page.waitForLoadState('networkidle');
}

const field = (page: Page, name: string) => page.locator(`[name="${name}"]:not([type="hidden"])`);
const save = (page: Page) => page.getByRole('button', { name: 'Save changes' });

test('changes Telephone and JobTitle, and they are there after a reload', async ({ page }) => {
  const phone = `+1 206 555 ${Math.floor(1000 + Math.random() * 8999)}`;
  const title = unique('Staff Engineer');
  await openJane(page);
  await field(page, 'Telephone').fill(phone);
  await field(page, 'JobTitle').fill(title);
  await expect(page.getByText('2 unsaved changes')).toBeVisible();
  await save(page).click();
  await expect(page.getByRole('status')).toContainText('Saved');
  await page.reload();
  await expect(field(page, 'Telephone')).toHaveValue(phone);
  await expect(field(page, 'JobTitle')).toHaveValue(title);
});

test('clears a field', async ({ page }) => {
  await openJane(page);
  await field(page, 'Office').fill('');
  await save(page).click();
  await expect(page.getByRole('status')).toContainText('Saved');
  await page.reload();
  await expect(field(page, 'Office')).toHaveValue('');
});

test('a value of 257 characters is refused on the field, and nothing is saved', async ({ page }) => {
  await openJane(page);
  const before = await field(page, 'DisplayName').inputValue();
  const input = field(page, 'DisplayName');
  await input.fill('x'.repeat(257));
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  const errorId = (await input.getAttribute('aria-describedby'))!.split(' ')[0];
  await expect(page.locator(`[id="${errorId}"]`)).toContainText('256');
  await save(page).click();
  await expect(input).toHaveValue('x'.repeat(257)); // the input is kept
  await page.reload();
  await expect(field(page, 'DisplayName')).toHaveValue(before);
});

test('a change made behind the page\'s back is a conflict that keeps the input', async ({ browser }) => {
  const mine = await browser.newPage();
  const theirs = await browser.newPage();
  await signIn(mine, 'admin');
  await signIn(theirs, 'admin');
  await openJane(mine);
  await openJane(theirs);
  const theirValue = unique('Their city');
  const myValue = unique('My city');
  await field(theirs, 'City').fill(theirValue);
  await save(theirs).click();
  await expect(theirs.getByRole('status')).toContainText('Saved');

  await field(mine, 'City').fill(myValue);
  await save(mine).click();
  await expect(mine.getByRole('alert')).toContainText('Someone else changed this user');
  await expect(mine.getByRole('alert')).toContainText(theirValue);
  await expect(field(mine, 'City')).toHaveValue(myValue);
  await theirs.reload();
  await expect(field(theirs, 'City')).toHaveValue(theirValue);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the same save works as a plain form post', async ({ page }) => {
    const phone = `+44 20 7946 ${Math.floor(1000 + Math.random() * 8999)}`;
    const title = unique('No-JS Engineer');
    await page.goto('/users/jane.doe');
    await field(page, 'Telephone').fill(phone);
    await field(page, 'JobTitle').fill(title);
    await save(page).click();
    await expect(page.getByRole('status')).toContainText('Saved');
    await page.goto('/users/jane.doe');
    await expect(field(page, 'Telephone')).toHaveValue(phone);
    await expect(field(page, 'JobTitle')).toHaveValue(title);
  });

  test('a 257-character value comes back with the error and the input kept', async ({ page }) => {
    await page.goto('/users/jane.doe');
    await field(page, 'Street').fill('y'.repeat(257));
    await save(page).click();
    await expect(field(page, 'Street')).toHaveValue('y'.repeat(257));
    await expect(field(page, 'Street')).toHaveAttribute('aria-invalid', 'true');
  });
});

test('an unknown user gets a real 404 page', async ({ page }) => {
  const response = await page.goto('/users/no.such.person');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('User not found');
});

test('a save says the same with JavaScript and without, after someone else changed another field', async ({ browser }) => {
  const notices: string[] = [];
  for (const javaScriptEnabled of [true, false]) {
    const mine = await (await browser.newContext({ javaScriptEnabled })).newPage();
    const theirs = await browser.newPage();
    await signIn(mine, 'admin', '/users/jane.doe');
    await signIn(theirs, 'admin', '/users/jane.doe');
    if (javaScriptEnabled) await mine.waitForLoadState('networkidle');
    await openJane(theirs);
    // Someone else changes the office while this page is open.
    await field(theirs, 'Office').fill(unique('Their office'));
    await save(theirs).click();
    await expect(theirs.getByRole('status')).toContainText('Saved');

    await field(mine, 'JobTitle').fill(unique('Title'));
    await save(mine).click();
    const status = mine.getByRole('status');
    await expect(status).toContainText('Saved');
    notices.push((await status.innerText()).trim());
    await mine.context().close();
    await theirs.close();
  }
  expect(notices[0]).toBe('Saved: Job title. Also updated by someone else meanwhile: Office.');
  expect(notices[1]).toBe(notices[0]);
});
