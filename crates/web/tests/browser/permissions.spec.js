// The Permissions pages (/ecp/permissions: Admin roles, Management accounts and each account's page)
// in a real browser, against a real `umpin serve` on contoso.com (see playwright.config.js for what
// the Rust test passes in). Each test leaves the accounts and role groups as it found them: the
// account it creates is removed from its group and deleted again.
const fs = require('fs');
const { test, expect } = require('@playwright/test');
const { signIn, accessible, screenshot } = require('./common');

/** The password of the account the tests create, typed only into the New management account form. */
const CLERK_PASSWORD = 'amber falcon tundra wicket';

/** Keeps a secret the browser saw for the Rust test, which makes sure it reaches neither the
 * server's log nor the database. */
function secret(value) {
  if (process.env.UMPIN_SECRETS_OUT) fs.appendFileSync(process.env.UMPIN_SECRETS_OUT, `${value}\n`);
}

function features(page) {
  return page.getByRole('navigation', { name: 'Features' });
}

/** Creates the account `name` on the Management accounts tab: its page. */
async function createAccount(page, name, password) {
  await page.goto('/ecp/permissions/accounts');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Display name').fill('Desk Clerk');
  await page.getByLabel('Password').fill(password);
  secret(password);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
}

/** Deletes the account `name` from its page, through the Warning page. */
async function deleteAccount(page, name) {
  await page.goto(`/ecp/permissions/accounts/${name}`);
  await page.getByRole('link', { name: 'Delete' }).click();
  await expect(page.getByRole('heading', { name: 'Warning' })).toBeVisible();
  await page.getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByRole('status')).toContainText('was deleted');
  await expect(page.getByRole('table', { name: 'Management accounts' })).not.toContainText(name);
}

test('an account added to Help Desk on the Permissions page is not offered the PIN policies page, a forged post to it is refused, and it is removed again', async ({ page, browser }) => {
  await signIn(page);
  await features(page).getByRole('link', { name: 'Permissions' }).click();
  await expect(page).toHaveTitle(/Admin roles/);
  await accessible(page);
  await createAccount(page, 'deskclerk', CLERK_PASSWORD);
  await expect(page.locator('#account-status')).toHaveText('Enabled');
  expect(await page.content()).not.toContain(CLERK_PASSWORD);
  await accessible(page);

  await features(page).getByRole('link', { name: 'Permissions' }).click();
  await page.getByLabel('Account to add to Help Desk').selectOption('deskclerk');
  await page.getByRole('button', { name: 'Add to Help Desk' }).click();
  await expect(page.getByRole('status')).toContainText('was added');
  await expect(page.getByRole('list', { name: 'Members of Help Desk' })).toContainText('deskclerk');

  const other = await browser.newContext();
  try {
    const clerk = await other.newPage();
    await clerk.goto('/ecp/sign-in');
    await clerk.getByLabel('User name').fill('deskclerk');
    await clerk.getByLabel('Password').fill(CLERK_PASSWORD);
    await clerk.getByRole('button', { name: 'Sign in' }).click();
    await expect(clerk.getByRole('heading', { name: 'Recipients', level: 1 })).toBeVisible();
    secret((await other.cookies()).find((c) => c.name.endsWith('umpin_session')).value);
    for (const name of ['Unified Messaging', 'Audit log', 'Permissions']) {
      await expect(features(clerk).getByRole('link', { name })).toHaveCount(0);
    }
    const csrf = await clerk.locator('input[name="csrf"]').first().inputValue();
    const policyPage = '/ecp/um/policies/Contoso%20Dial%20Plan%20Default%20Policy';
    expect((await clerk.goto(policyPage)).status()).toBe(403);
    await expect(clerk.getByLabel('Minimum PIN length')).toHaveCount(0);
    const forged = await clerk.request.post(policyPage, {
      form: { csrf, min_pin_length: '4', pin_history_count: '1', failures_before_lockout: '999' },
      headers: { Origin: new URL(clerk.url()).origin },
    });
    expect(forged.status()).toBe(403);
    const body = await forged.text();
    expect(body).toContain('<h1>You don&#39;t have permission</h1>');
    expect(body).toContain("The account &#39;deskclerk&#39; doesn&#39;t have the permission &#39;Set-UMMailboxPolicy&#39;");
  } finally {
    await other.close();
  }

  await page.getByRole('button', { name: 'Remove deskclerk from Help Desk' }).click();
  await expect(page.getByRole('status')).toContainText('was removed');
  await expect(page.getByRole('list', { name: 'Members of Help Desk' })).not.toContainText('deskclerk');
  await deleteAccount(page, 'deskclerk');
});

test('an account removing its own Organization Management membership is refused with a readable message, and stays a member', async ({ page }) => {
  await signIn(page);
  await page.goto('/ecp/permissions');
  await page.getByRole('button', { name: 'Remove webadmin from Organization Management' }).click();
  const group = page.getByRole('region', { name: 'Organization Management', exact: true });
  await expect(group.getByRole('alert')).toHaveText(
    "The account 'webadmin' can't remove itself from Organization Management: it would lose the permission to manage accounts and role groups, and couldn't undo it. Another member of Organization Management can remove it.",
  );
  await expect(page.getByRole('list', { name: 'Members of Organization Management' })).toContainText('webadmin');
  await accessible(page);
  await page.goto('/ecp/permissions');
  await expect(page.getByRole('list', { name: 'Members of Organization Management' })).toContainText('webadmin');
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('a password the server refuses is said next to the field and never comes back, the name stays, and no account is made', async ({ page }) => {
    await signIn(page);
    await page.goto('/ecp/permissions/accounts');
    await page.getByLabel('Name', { exact: true }).fill('weakling');
    await page.getByLabel('Password').fill('password1234');
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Save' }).click(),
    ]);
    expect(answer.status()).toBe(422);
    await expect(page.locator('#password-error')).toContainText('commonly used or breached');
    await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel('Password')).toHaveValue('');
    await expect(page.getByLabel('Name', { exact: true })).toHaveValue('weakling');
    expect(await page.content()).not.toContain('password1234');
    await expect(page.getByRole('table', { name: 'Management accounts' })).not.toContainText('weakling');
  });
});

test('an account\'s password is reset on its page, and it is disabled and enabled again', async ({ page }) => {
  const password = 'pelican marble orchard sleet';
  const reset = 'glacier tulip compass ember';
  await signIn(page);
  await createAccount(page, 'deskclerk', password);
  await page.getByLabel('New password').fill(reset);
  secret(reset);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('The password was changed');
  expect(await page.content()).not.toContain(reset);
  await page.getByRole('button', { name: 'Disable' }).click();
  await expect(page.locator('#account-status')).toHaveText('Disabled');
  await page.getByRole('button', { name: 'Enable' }).click();
  await expect(page.locator('#account-status')).toHaveText('Enabled');
  await deleteAccount(page, 'deskclerk');
});

test('a Help Desk account is not offered Permissions, and a forged change of a role group is refused', async ({ page }) => {
  await signIn(page, 'helpdesk');
  await expect(features(page).getByRole('link', { name: 'Permissions' })).toHaveCount(0);
  const csrf = await page.locator('input[name="csrf"]').first().inputValue();
  expect((await page.goto('/ecp/permissions')).status()).toBe(403);
  const forged = await page.request.post('/ecp/permissions/add', {
    form: { csrf, role_group: 'Organization Management', member: 'helpdesk' },
    headers: { Origin: new URL(page.url()).origin },
  });
  expect(forged.status()).toBe(403);
  expect(await forged.text()).toContain('Add-RoleGroupMember');
});

test('the Permissions pages are readable at 1280 px and at phone width', async ({ page }) => {
  await signIn(page);
  await page.goto('/ecp/permissions');
  await screenshot(page, 'permissions');
  await page.goto('/ecp/permissions/accounts');
  await accessible(page);
  await screenshot(page, 'management-accounts');
  await page.setViewportSize({ width: 375, height: 812 });
  for (const path of ['/ecp/permissions', '/ecp/permissions/accounts', '/ecp/permissions/accounts/webadmin']) {
    await page.goto(path);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), path).toBeLessThanOrEqual(0);
    await accessible(page);
  }
  await page.goto('/ecp/permissions');
  await screenshot(page, 'permissions-phone');
});
