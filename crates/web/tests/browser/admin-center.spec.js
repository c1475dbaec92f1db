// The web admin center in a real browser, against a real `umpin serve` on contoso.com (see
// playwright.config.js for what the Rust test passes in). The tests run in this order, on one
// server: each leaves the mailboxes it uses as it found them, except where it says.
const fs = require('fs');
const { test, expect } = require('@playwright/test');
const {
  PLAN, password, signIn, accessible, screenshot, openUmMailbox, tabTo, phoneToken, phoneSignIn, lockOut, pinMailedTo,
} = require('./common');

test('an administrator signs in and reads the PIN status by the help page\'s path', async ({ page }) => {
  await signIn(page);
  await expect(page).toHaveTitle(/Recipients/);
  await accessible(page);
  await openUmMailbox(page, 'Tony Smith');
  await expect(page.locator('#pin-status')).toHaveText('Not locked out');
  await expect(page).toHaveTitle(/UM Mailbox - Tony Smith/);
  await accessible(page);
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('the same path reads the same PIN status with plain links', async ({ page }) => {
    await signIn(page);
    await page.getByLabel('Search by name, alias, address or extension').fill('51234');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByRole('link', { name: 'Kim Akers' })).toHaveCount(0);
    await openUmMailbox(page, 'Tony Smith');
    await expect(page.locator('#pin-status')).toHaveText('Not locked out');
  });
});

test('the search runs as you type and the details pane opens without a page load', async ({ page }) => {
  await signIn(page);
  await page.evaluate(() => { window.stillTheSamePage = true; });
  await page.getByLabel('Search by name, alias, address or extension').pressSequentially('kim', { delay: 50 });
  await expect(page.getByRole('link', { name: 'Tony Smith' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Kim Akers' })).toBeVisible();
  await page.getByRole('link', { name: 'Kim Akers' }).click();
  await expect(page.getByRole('complementary', { name: 'Details' })).toContainText('kim@contoso.com');
  expect(await page.evaluate(() => window.stillTheSamePage)).toBe(true);
  await expect(page).toHaveURL(/selected=kim/);
});

test('the columns sort both ways', async ({ page }) => {
  await signIn(page);
  const names = () => page.locator('tbody tr td:first-child').allTextContents();
  const ascending = await names();
  expect(ascending).toEqual([...ascending].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
  await page.getByRole('link', { name: 'Display name' }).click();
  await expect(page.locator('th[aria-sort="descending"]')).toHaveText(/Display name/);
  expect(await names()).toEqual([...ascending].reverse());
  await page.getByRole('link', { name: 'Email address' }).click();
  const addresses = await page.locator('tbody tr td:nth-child(2)').allTextContents();
  expect(addresses).toEqual([...addresses].sort());
});

test('a mailbox locked out on the phone reads Locked Out until it is unlocked, and Get-UMMailboxPIN agrees', async ({ page, request }) => {
  await lockOut(request, '51234');
  await signIn(page);
  await openUmMailbox(page, 'Tony Smith');
  await expect(page.locator('#pin-status')).toHaveText('Locked Out');
  await accessible(page);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('status')).toContainText('unlocked');
  await expect(page.locator('#pin-status')).toHaveText('Not locked out');
  await expect(page.getByRole('button', { name: 'Unlock' })).toHaveCount(0);
  // Get-UMMailboxPIN, through the API, agrees.
  const token = await request.post('/api/v1/auth/token', { data: { username: 'webadmin', password: password('webadmin') } });
  const pin = await request.get('/api/v1/mailboxes/tony%40contoso.com/um/pin', {
    headers: { Authorization: `Bearer ${(await token.json()).token}` },
  });
  expect((await pin.json()).lockedOut).toBe(false);
});

test('Reset PIN mails a generated PIN that signs in on the phone, and the page never shows it', async ({ page, request }) => {
  const seen = new Set(fs.readdirSync(process.env.UMPIN_MAIL_DIR));
  await signIn(page);
  await openUmMailbox(page, 'Ellen Adams');
  await page.getByRole('link', { name: 'Reset PIN' }).click();
  await expect(page.getByRole('heading', { name: 'Reset UM Mailbox PIN' })).toBeVisible();
  await expect(page.getByLabel('Automatically generate a PIN')).toBeChecked();
  await expect(page.getByLabel('Require the user to reset their PIN the first time they sign in')).toBeChecked();
  await accessible(page);
  await screenshot(page, 'reset-um-mailbox-pin');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('e-mailed to ellen@contoso.com');
  await accessible(page);
  const pin = await pinMailedTo('ellen@contoso.com', seen);
  expect(await page.content()).not.toContain(pin);
  const answer = await phoneSignIn(request, await phoneToken(request), '54567', pin);
  expect(answer.outcome).toBe('signedIn');
  expect(answer.pinExpired).toBe(true);
  await page.getByRole('link', { name: 'Back to the UM Mailbox' }).click();
  await expect(page.locator('dt:text-is("PIN expired") + dd')).toHaveText('Yes');
});

test('the whole reset can be done with the keyboard alone', async ({ page }) => {
  await signIn(page);
  await tabTo(page, 'Kim Akers');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('complementary', { name: 'Details' })).toContainText('kim@contoso.com');
  await tabTo(page, 'View details');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'UM Mailbox', level: 1 })).toBeVisible();
  await tabTo(page, 'Reset PIN');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Reset UM Mailbox PIN' })).toBeVisible();
  await tabTo(page, 'Save');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toContainText('e-mailed to kim@contoso.com');
});

test('a typed PIN the policy refuses is said next to the PIN box, and the form keeps all but the PIN', async ({ page }) => {
  await signIn(page);
  await openUmMailbox(page, 'Jon Morris');
  await page.getByRole('link', { name: 'Reset PIN' }).click();
  await page.getByLabel('Type a PIN').check();
  await page.getByLabel('New PIN').fill('1234');
  await page.getByLabel('Require the user to reset their PIN the first time they sign in').uncheck();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#pin-error')).toContainText('too short');
  await expect(page.getByLabel('New PIN')).toHaveAttribute('aria-describedby', 'pin-error');
  await expect(page.getByLabel('New PIN')).toHaveValue('');
  expect(await page.content()).not.toContain('1234"');
  await expect(page.getByLabel('Type a PIN')).toBeChecked();
  await expect(page.getByLabel('Require the user to reset their PIN the first time they sign in')).not.toBeChecked();
  await accessible(page);
});

test('a Help Desk account finds users in Recipients without Enable or Disable, sees no Type a PIN and no choice to keep the PIN unexpired, and forged posts of either are refused with a readable page', async ({ page }) => {
  await signIn(page, 'helpdesk');
  await expect(page).toHaveTitle(/Recipients/);
  await page.getByRole('link', { name: 'Tony Smith', exact: true }).click();
  const details = page.getByRole('complementary', { name: 'Details' });
  await expect(details).toContainText('Unified Messaging: Enabled');
  await expect(details.getByRole('link', { name: 'View details' })).toBeVisible();
  await expect(details.getByRole('link', { name: 'Disable' })).toHaveCount(0);
  await page.goto('/ecp/mailboxes/pilar%40contoso.com/um/pin/reset');
  await expect(page.getByRole('heading', { name: 'Reset UM Mailbox PIN' })).toBeVisible();
  await expect(page.getByLabel('Automatically generate a PIN')).toBeChecked();
  await expect(page.getByLabel('Type a PIN')).toHaveCount(0);
  await expect(page.getByLabel('Require the user to reset their PIN the first time they sign in')).toHaveCount(0);
  await expect(page.locator('main')).toContainText('The user must choose a new PIN the first time they sign in.');
  const csrf = await page.locator('input[name="csrf"]').first().inputValue();
  const unexpired = await page.request.post('/ecp/mailboxes/pilar%40contoso.com/um/pin/reset', {
    form: { csrf, pin_choice: 'generate' },
    headers: { Origin: new URL(page.url()).origin },
  });
  expect(unexpired.status()).toBe(403);
  expect(await unexpired.text()).toContain('Set-UMMailboxPIN -PINExpired $false');
  const forged = await page.request.post('/ecp/mailboxes/pilar%40contoso.com/um/pin/reset', {
    form: { csrf, pin_choice: 'type', pin: '8362915', pin_expired: 'true' },
    headers: { Origin: new URL(page.url()).origin },
  });
  expect(forged.status()).toBe(403);
  const body = await forged.text();
  expect(body).toContain('<h1>You don&#39;t have permission</h1>');
  expect(body).toContain('Set-UMMailboxPIN -Pin');
  expect(body).not.toContain('8362915');
});

test('Disable asks for confirmation, says what is lost, and then disables Unified Messaging', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Pilar Pinilla', exact: true }).click();
  const details = page.getByRole('complementary', { name: 'Details' });
  await details.getByRole('link', { name: 'Disable' }).click();
  await expect(page.getByRole('heading', { name: 'Warning' })).toBeVisible();
  await expect(page.locator('main')).toContainText('extensions are released');
  await accessible(page);
  await page.getByRole('link', { name: 'No', exact: true }).click();
  await expect(details).toContainText('Unified Messaging: Enabled');
  await details.getByRole('link', { name: 'Disable' }).click();
  await page.getByRole('button', { name: 'Yes' }).click();
  await expect(details).toContainText('Unified Messaging: Disabled');
  await expect(details.getByRole('link', { name: 'View details' })).toHaveCount(0);
  await expect(page.getByRole('row', { name: /Pilar Pinilla/ })).toContainText('Disabled');
});

test('Enable keeps what was typed and says what is wrong next to the extension, then enables', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Pilar Pinilla', exact: true }).click();
  const details = page.getByRole('complementary', { name: 'Details' });
  await expect(details).toContainText('Unified Messaging: Disabled');
  await details.getByRole('link', { name: 'Enable' }).click();
  await expect(page.getByRole('heading', { name: 'Enable UM mailbox' })).toBeVisible();
  await expect(page.getByLabel('Automatically generate PIN')).toBeChecked();
  await expect(page.getByLabel('Require the user to reset their PIN the first time they sign in')).toBeChecked();
  await accessible(page);
  await page.getByLabel('Extension number').fill('123');
  await page.getByLabel('Require the user to reset their PIN the first time they sign in').uncheck();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#extension-error')).toContainText("The extension '123' isn't valid");
  await expect(page.locator('#extension-error')).toContainText('exactly 5 digits');
  await expect(page.getByLabel('Extension number')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Extension number')).toHaveValue('123');
  await expect(page.getByLabel('UM mailbox policy')).toHaveValue('Contoso Dial Plan Default Policy');
  await expect(page.getByLabel('Require the user to reset their PIN the first time they sign in')).not.toBeChecked();
  await accessible(page);
  await screenshot(page, 'enable-um-mailbox');
  await page.getByLabel('Extension number').fill('56789');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(details).toContainText('Unified Messaging: Enabled');
  await details.getByRole('link', { name: 'View details' }).click();
  await expect(page.locator('dt:text-is("Extension") + dd')).toHaveText('56789');
  await expect(page.locator('dt:text-is("PIN expired") + dd')).toHaveText('No');
});

test('a form posted from another site is refused and changes nothing', async ({ page }) => {
  await signIn(page);
  const target = new URL('/ecp/mailboxes/tony%40contoso.com/um/pin/reset', page.url()).href;
  await page.route('http://attacker.test/**', (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><title>x</title><form method="post" action="${target}"><input name="csrf" value="guess"><input name="pin_choice" value="generate"></form>`,
  }));
  await page.goto('http://attacker.test/');
  await Promise.all([page.waitForURL(target), page.locator('form').evaluate((f) => f.submit())]);
  await expect(page.getByRole('heading', { name: 'Request refused' })).toBeVisible();
  await expect(page.locator('body')).toContainText('came from another site');
});

test('a state change without the session\'s token is refused', async ({ page }) => {
  await signIn(page);
  const answer = await page.request.post('/ecp/mailboxes/tony%40contoso.com/um/unlock', {
    form: { csrf: 'not-the-token' },
    headers: { Origin: new URL(page.url()).origin },
  });
  expect(answer.status()).toBe(403);
  expect(await answer.text()).toContain('Request refused');
});

test('a display name with markup shows as text and runs nothing', async ({ page }) => {
  const dialogs = [];
  page.on('dialog', (dialog) => { dialogs.push(dialog.message()); dialog.dismiss(); });
  await signIn(page);
  await page.getByLabel('Search by name, alias, address or extension').fill('xss');
  await page.getByRole('button', { name: 'Search' }).click();
  const link = page.getByRole('link', { name: '<img src=x onerror=alert(1)>' });
  await expect(link).toBeVisible();
  await link.click();
  await expect(page.getByRole('complementary', { name: 'Details' }).getByRole('heading', { level: 2 })).toHaveText('<img src=x onerror=alert(1)>');
  await expect(page.locator('main img')).toHaveCount(0);
  expect(dialogs).toEqual([]);
});

test('every page answers with the headers that keep it from being framed, sniffed or cached', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/ecp\/sign-in/);
  const signInPage = await page.goto('/ecp/sign-in');
  const headers = signInPage.headers();
  expect(headers['content-security-policy']).toContain("default-src 'self'; script-src 'self'; style-src 'self'");
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['referrer-policy']).toBe('same-origin');
  expect(headers['x-content-type-options']).toBe('nosniff');
  await signIn(page);
  const umPage = await page.goto('/ecp/mailboxes/tony%40contoso.com/um');
  expect(umPage.headers()['cache-control']).toBe('no-store');
  const cookie = (await page.context().cookies()).find((c) => c.name.endsWith('umpin_session'));
  expect(cookie.httpOnly).toBe(true);
  expect(cookie.sameSite).toBe('Strict');
});

test('signing out ends the session on the server', async ({ page, browser }) => {
  const session = await signIn(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/ecp\/sign-in/);
  const other = await browser.newContext();
  await other.addCookies([{ ...session }]);
  const again = await other.newPage();
  await again.goto('/ecp/recipients');
  await expect(again).toHaveURL(/\/ecp\/sign-in/);
  await other.close();
});

test('a wrong password is refused on the sign-in page, which keeps the user name', async ({ page }) => {
  await page.goto('/ecp/sign-in');
  await page.getByLabel('User name').fill('webadmin');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('user name or password is incorrect');
  await expect(page.getByLabel('User name')).toHaveValue('webadmin');
  await expect(page.getByLabel('Password')).toHaveValue('');
  await accessible(page);
});

test('the UM Mailbox page changes the policy and the personal operator extension, and adds and removes other extensions with errors next to the field', async ({ page, request }) => {
  // A second policy of the dial plan to move to, made through the API as an administrator would.
  const token = await request.post('/api/v1/auth/token', { data: { username: 'webadmin', password: password('webadmin') } });
  const headers = { Authorization: `Bearer ${(await token.json()).token}` };
  const made = await request.post('/api/v1/cmdlets/New-UMMailboxPolicy', {
    headers,
    data: { parameters: { Name: 'Contoso Sales Policy', UMDialPlan: PLAN } },
  });
  expect(made.status(), await made.text()).toBe(200);
  await signIn(page);
  await openUmMailbox(page, 'Kim Akers');
  const settings = page.getByRole('region', { name: 'Policy and extensions' });
  await expect(settings.getByLabel('UM mailbox policy')).toHaveValue('Contoso Dial Plan Default Policy');
  await settings.getByLabel('UM mailbox policy').selectOption('Contoso Sales Policy');
  await settings.getByLabel('Personal operator extension').fill('12ab');
  await settings.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#operator-error')).toContainText('OperatorNumber');
  await expect(settings.getByLabel('Personal operator extension')).toHaveValue('12ab');
  await expect(settings.getByLabel('UM mailbox policy')).toHaveValue('Contoso Sales Policy');
  await accessible(page);
  await settings.getByLabel('Personal operator extension').fill('4000');
  await settings.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('saved');
  await expect(settings.getByLabel('UM mailbox policy')).toHaveValue('Contoso Sales Policy');
  await expect(settings.getByLabel('Personal operator extension')).toHaveValue('4000');
  // An extension of the wrong length, then one that another mailbox has, then a good one.
  await settings.getByLabel(`New extension in ${PLAN}`).fill('123');
  await settings.getByRole('button', { name: 'Add' }).click();
  await expect(page.locator('#extension-error')).toContainText('exactly 5 digits');
  await expect(settings.getByLabel(`New extension in ${PLAN}`)).toHaveValue('123');
  await settings.getByLabel(`New extension in ${PLAN}`).fill('51234');
  await settings.getByRole('button', { name: 'Add' }).click();
  await expect(page.locator('#extension-error')).toContainText('51234');
  await settings.getByLabel(`New extension in ${PLAN}`).fill('55999');
  await settings.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByRole('status')).toContainText('added');
  await expect(settings.getByRole('listitem').filter({ hasText: '55999' })).toBeVisible();
  await accessible(page);
  await screenshot(page, 'um-mailbox-settings');
  // Get-UMMailbox through the API agrees, and the new extension reaches Kim on the phone.
  const um = await request.get('/api/v1/mailboxes/kim%40contoso.com/um', { headers });
  const body = await um.json();
  expect(body.extensions).toContain('55999');
  expect(body.operatorNumber).toBe('4000');
  // Back as it was.
  await settings.getByRole('button', { name: 'Remove extension 55999' }).click();
  await expect(page.getByRole('status')).toContainText('removed');
  await expect(settings.getByRole('button', { name: 'Remove extension 55999' })).toHaveCount(0);
  await settings.getByLabel('UM mailbox policy').selectOption('Contoso Dial Plan Default Policy');
  await settings.getByLabel('Personal operator extension').fill('');
  await settings.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('saved');
  await expect(settings.getByLabel('Personal operator extension')).toHaveValue('');
});

test('switching voice mail without a PIN on for a mailbox says that caller ID can be forged', async ({ page, request }) => {
  await signIn(page);
  await openUmMailbox(page, 'Kim Akers');
  const settings = page.getByRole('region', { name: 'Policy and extensions' });
  const pinless = settings.getByLabel('Let the user hear voice mail without a PIN when calling from their own phone');
  await expect(pinless).not.toBeChecked();
  await expect(settings).toContainText('caller ID, which can be forged');
  await expect(settings).toContainText("The policy Contoso Dial Plan Default Policy doesn't allow it");
  await pinless.check();
  await settings.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('forge that number as caller ID');
  await expect(pinless).toBeChecked();
  await accessible(page);
  const token = await request.post('/api/v1/auth/token', { data: { username: 'webadmin', password: password('webadmin') } });
  const headers = { Authorization: `Bearer ${(await token.json()).token}` };
  const um = await (await request.get('/api/v1/mailboxes/kim%40contoso.com/um', { headers })).json();
  expect(um.pinlessAccessToVoiceMailEnabled).toBe(true);
  // Back as it was.
  await pinless.uncheck();
  await settings.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('saved');
  await expect(pinless).not.toBeChecked();
});

test('a Help Desk account sees the UM settings but no controls to change them, and a forged change is refused', async ({ page }) => {
  await signIn(page, 'helpdesk');
  await openUmMailbox(page, 'Kim Akers');
  const settings = page.getByRole('region', { name: 'Policy and extensions' });
  await expect(settings).toContainText('Contoso Dial Plan Default Policy');
  await expect(settings.getByRole('button')).toHaveCount(0);
  await expect(settings.getByRole('textbox')).toHaveCount(0);
  const csrf = await page.locator('input[name=csrf]').first().inputValue();
  const forged = await page.request.post('/ecp/mailboxes/kim%40contoso.com/um/extensions/add', {
    form: { csrf, extension: '55998' },
    headers: { Origin: new URL(page.url()).origin },
  });
  expect(forged.status()).toBe(403);
  const body = await forged.text();
  expect(body).toContain('<h1>You don&#39;t have permission</h1>');
  expect(body).toContain('Set-UMMailbox');
});

const NEW_PLAN = 'Fabrikam Dial Plan';
const NEW_POLICY = `${NEW_PLAN} Default Policy`;

/** Runs a cmdlet through the API as the Organization Management account: its objects, each as
 * a plain object of its properties. */
async function cmdlet(request, name, parameters) {
  const token = await request.post('/api/v1/auth/token', { data: { username: 'webadmin', password: password('webadmin') } });
  const answer = await request.post(`/api/v1/cmdlets/${name}`, {
    headers: { Authorization: `Bearer ${(await token.json()).token}` },
    data: { parameters },
  });
  expect(answer.status(), await answer.text()).toBe(200);
  return (await answer.json()).objects.map((o) => Object.fromEntries(o.properties));
}

/** Unified Messaging → the dial plan → Edit of its policy: the policy's PIN policies page. */
async function openPinPolicies(page, plan, policy) {
  await page.getByRole('navigation', { name: 'Features' }).getByRole('link', { name: 'Unified Messaging' }).click();
  await page.getByRole('link', { name: plan, exact: true }).click();
  await page.getByRole('region', { name: 'UM Mailbox Policies' }).getByRole('link', { name: `Edit ${policy}` }).click();
  await expect(page.getByRole('heading', { name: 'PIN policies', level: 2 })).toBeVisible();
}

/** Presses Tab until the element with `id` has the focus, and checks that the focus shows. */
async function tabToField(page, id) {
  for (let i = 0; i < 60; i += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const e = document.activeElement;
      return e ? { id: e.id, outline: getComputedStyle(e).outlineStyle } : null;
    });
    if (focused && focused.id === id) {
      expect(focused.outline, `the focus on #${id} is visible`).not.toBe('none');
      return;
    }
  }
  throw new Error(`#${id} can't be reached with the Tab key`);
}

test('Unified Messaging lists the dial plans with their extension length, type, country/region code and number of UM mailboxes', async ({ page }) => {
  await signIn(page);
  await page.getByRole('navigation', { name: 'Features' }).getByRole('link', { name: 'Unified Messaging' }).click();
  await expect(page).toHaveTitle(/UM dial plans/);
  const row = page.getByRole('row', { name: new RegExp(PLAN) });
  await expect(row.getByRole('cell')).toHaveText([PLAN, '5', 'Telephone extension', '1', '6', /Edit/]);
  await accessible(page);
  await screenshot(page, 'um-dial-plans');
  await page.setViewportSize({ width: 375, height: 812 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await accessible(page);
  await screenshot(page, 'um-dial-plans-phone');
});

test('a new dial plan with a 50-character name is refused next to Name, and one made properly shows its default policy under UM Mailbox Policies', async ({ page }) => {
  await signIn(page);
  await page.getByRole('navigation', { name: 'Features' }).getByRole('link', { name: 'Unified Messaging' }).click();
  await page.getByRole('link', { name: 'New', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'New UM dial plan' })).toBeVisible();
  await accessible(page);
  const long = 'F'.repeat(50);
  await page.getByLabel('Name').fill(long);
  await page.getByLabel('Extension length').fill('4');
  await page.getByLabel('Dial plan type').selectOption({ label: 'Telephone extension' });
  await page.getByLabel('VoIP security mode').selectOption({ label: 'SIP secured' });
  await page.getByLabel('Country/Region code').fill('44');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#name-error')).toContainText('at most 49 characters');
  await expect(page.getByLabel('Name')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Name')).toHaveValue(long);
  await expect(page.getByLabel('Extension length')).toHaveValue('4');
  await expect(page.getByLabel('VoIP security mode')).toHaveValue('SIPSecured');
  await expect(page.getByLabel('Country/Region code')).toHaveValue('44');
  await accessible(page);
  await screenshot(page, 'new-um-dial-plan');
  await page.getByLabel('Name').fill(NEW_PLAN);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('created');
  await expect(page.getByRole('heading', { name: NEW_PLAN, level: 1 })).toBeVisible();
  const policies = page.getByRole('region', { name: 'UM Mailbox Policies' });
  await expect(policies.getByRole('link', { name: NEW_POLICY, exact: true })).toBeVisible();
  await expect(page.getByLabel('Number of sign-in failures before disconnect')).toHaveValue('3');
  // Its settings change on the same page.
  await page.getByLabel('Access numbers').fill('+442079460000');
  await page.getByLabel('Number of sign-in failures before disconnect').fill('21');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#disconnect-error')).toContainText('LogonFailuresBeforeDisconnect');
  await expect(page.getByLabel('Access numbers')).toHaveValue('+442079460000');
  await page.getByLabel('Number of sign-in failures before disconnect').fill('5');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('saved');
  await expect(page.getByLabel('Number of sign-in failures before disconnect')).toHaveValue('5');
  await expect(page.getByLabel('Access numbers')).toHaveValue('+442079460000');
  await accessible(page);
  await screenshot(page, 'um-dial-plan');
  // A second policy through New, and its Delete.
  await policies.getByRole('link', { name: 'New', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'New UM mailbox policy' })).toBeVisible();
  await accessible(page);
  await page.getByLabel('Name').fill(NEW_POLICY);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#name-error')).toContainText('already exists');
  await page.getByLabel('Name').fill('Fabrikam Sales Policy');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('policy was created');
  await policies.getByRole('link', { name: 'Delete Fabrikam Sales Policy' }).click();
  await expect(page.getByRole('heading', { name: 'Warning' })).toBeVisible();
  await page.getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByRole('status')).toContainText('policy was deleted');
  await expect(policies.getByRole('link', { name: 'Fabrikam Sales Policy' })).toHaveCount(0);
});

test('Minimum PIN length 8 on the PIN policies page makes a 7-digit PIN show PIN expired on the UM Mailbox page', async ({ page, request }) => {
  // A mailbox of the new dial plan whose PIN has 7 digits and isn't expired.
  await cmdlet(request, 'Enable-UMMailbox', {
    Identity: 'xss@contoso.com', UMMailboxPolicy: NEW_POLICY, Extensions: ['7001'], PIN: '2581470', PINExpired: false,
  });
  await signIn(page);
  await page.goto('/ecp/mailboxes/xss%40contoso.com/um');
  await expect(page.locator('dt:text-is("PIN expired") + dd')).toHaveText('No');
  await openPinPolicies(page, NEW_PLAN, NEW_POLICY);
  await expect(page.getByLabel('Minimum PIN length')).toHaveValue('6');
  await accessible(page);
  await screenshot(page, 'pin-policies');
  await page.setViewportSize({ width: 375, height: 812 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await screenshot(page, 'pin-policies-phone');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByLabel('Minimum PIN length').fill('8');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('saved');
  await expect(page.getByLabel('Minimum PIN length')).toHaveValue('8');
  await page.goto('/ecp/mailboxes/xss%40contoso.com/um');
  await expect(page.locator('dt:text-is("PIN expired") + dd')).toHaveText('Yes');
  const [policy] = await cmdlet(request, 'Get-UMMailboxPolicy', { Identity: NEW_POLICY });
  expect(policy.MinPINLength).toBe(8);
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('a PIN reset count equal to the lockout count is refused next to both fields and changes nothing, as Get-UMMailboxPolicy agrees', async ({ page, request }) => {
    await signIn(page);
    await openPinPolicies(page, NEW_PLAN, NEW_POLICY);
    await page.getByLabel('Enforce PIN lifetime (days)').uncheck();
    await page.getByLabel('Number of sign-in failures before PIN reset').fill('10');
    await page.getByLabel('Number of sign-in failures before lockout').fill('10');
    await page.getByRole('button', { name: 'Save' }).click();
    for (const [label, id] of [['Number of sign-in failures before PIN reset', 'failures-before-reset'], ['Number of sign-in failures before lockout', 'failures-before-lockout']]) {
      await expect(page.locator(`#${id}-error`)).toContainText('LogonFailuresBeforePINReset (10) must be lower than MaxLogonAttempts (10)');
      await expect(page.getByLabel(label)).toHaveAttribute('aria-invalid', 'true');
      await expect(page.getByLabel(label)).toHaveAttribute('aria-describedby', new RegExp(`${id}-error`));
      await expect(page.getByLabel(label)).toHaveValue('10');
    }
    await expect(page.getByLabel('Enforce PIN lifetime (days)')).not.toBeChecked();
    await screenshot(page, 'pin-policies-refused');
    const [policy] = await cmdlet(request, 'Get-UMMailboxPolicy', { Identity: NEW_POLICY });
    expect(policy.LogonFailuresBeforePINReset).toBe(5);
    expect(policy.MaxLogonAttempts).toBe(15);
    expect(policy.PINLifetime).toBe(60);
    expect(policy.MinPINLength).toBe(8);
  });
});

test('the PIN policies form can be done with the keyboard alone', async ({ page, request }) => {
  await signIn(page);
  await tabTo(page, 'Unified Messaging');
  await page.keyboard.press('Enter');
  await expect(page).toHaveTitle(/UM dial plans/);
  await tabTo(page, NEW_PLAN);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: NEW_PLAN, level: 1 })).toBeVisible();
  await tabTo(page, NEW_POLICY);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'PIN policies', level: 2 })).toBeVisible();
  await tabToField(page, 'pin-history-count');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('7');
  await tabToField(page, 'allow-common-patterns');
  await page.keyboard.press('Space');
  await expect(page.getByLabel('Allow the most common PINs')).not.toBeChecked();
  await tabToField(page, 'allow-common-pins');
  await page.keyboard.press('Space');
  await tabToField(page, 'enforce-pin-lifetime');
  await page.keyboard.press('Space');
  await tabToField(page, 'allow-pinless');
  await page.keyboard.press('Space');
  await expect(page.locator('#allow-pinless-hint')).toContainText('caller ID, which can be forged');
  await tabTo(page, 'Save');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toContainText('anyone who can forge such a number as caller ID can too');
  await expect(page.getByLabel('PIN recycle count')).toHaveValue('7');
  await expect(page.getByLabel('Allow common PIN patterns')).toBeChecked();
  await expect(page.getByLabel('Allow the most common PINs')).toBeChecked();
  await expect(page.getByLabel('Enforce PIN lifetime (days)')).not.toBeChecked();
  await expect(page.getByLabel("Allow voice mail without a PIN from the user's own phone")).toBeChecked();
  const [policy] = await cmdlet(request, 'Get-UMMailboxPolicy', { Identity: NEW_POLICY });
  expect(policy.PINHistoryCount).toBe(7);
  expect(policy.AllowCommonPatterns).toBe(true);
  expect(policy.AllowCommonPINs).toBe(true);
  expect(policy.PINLifetime).toBe('Unlimited');
  expect(policy.AllowPinlessVoiceMailAccess).toBe(true);
});

test('the Message text page keeps a text over 512 characters with the error next to it, and saves one within', async ({ page, request }) => {
  await signIn(page);
  await openPinPolicies(page, NEW_PLAN, NEW_POLICY);
  await page.getByRole('navigation', { name: 'UM mailbox policy pages' }).getByRole('link', { name: 'Message text' }).click();
  await expect(page.getByRole('heading', { name: 'Message text', level: 2 })).toBeVisible();
  await accessible(page);
  const long = 'x'.repeat(513);
  await page.getByLabel('When a user is enabled for Unified Messaging').fill(long);
  await page.getByLabel("When a user's voice mail PIN is reset").fill('Call the help desk at 555-0100.');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#um-enabled-text-error')).toContainText('512');
  await expect(page.getByLabel('When a user is enabled for Unified Messaging')).toHaveValue(long);
  await expect(page.getByLabel("When a user's voice mail PIN is reset")).toHaveValue('Call the help desk at 555-0100.');
  await accessible(page);
  await page.getByLabel('When a user is enabled for Unified Messaging').fill('Welcome to voice mail. Dial +44 20 7946 0000.');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('saved');
  await expect(page.getByLabel('When a user is enabled for Unified Messaging')).toHaveValue('Welcome to voice mail. Dial +44 20 7946 0000.');
  await screenshot(page, 'message-text');
  const [policy] = await cmdlet(request, 'Get-UMMailboxPolicy', { Identity: NEW_POLICY });
  expect(policy.UMEnabledText).toBe('Welcome to voice mail. Dial +44 20 7946 0000.');
  expect(policy.ResetPINText).toBe('Call the help desk at 555-0100.');
});

test('deleting a dial plan in use is refused with the service\'s message on the page; once its policy is unused and deleted, it goes', async ({ page, request }) => {
  await signIn(page);
  await page.getByRole('navigation', { name: 'Features' }).getByRole('link', { name: 'Unified Messaging' }).click();
  await page.getByRole('link', { name: `Delete ${NEW_PLAN}` }).click();
  await expect(page.getByRole('heading', { name: 'Warning' })).toBeVisible();
  await accessible(page);
  await page.getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByRole('alert')).toContainText(`The UM dial plan '${NEW_PLAN}' can't be removed because UM mailbox policies belong to it (${NEW_POLICY})`);
  await accessible(page);
  await screenshot(page, 'delete-um-dial-plan-refused');
  // Its policy is in use too, until the mailbox leaves Unified Messaging.
  await page.getByRole('link', { name: 'No', exact: true }).click();
  await page.getByRole('link', { name: NEW_PLAN, exact: true }).click();
  await page.getByRole('region', { name: 'UM Mailbox Policies' }).getByRole('link', { name: `Delete ${NEW_POLICY}` }).click();
  await page.getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByRole('alert')).toContainText('UM-enabled mailbox(es) use it');
  // Back as it was: the mailbox without Unified Messaging, then the policy and the dial plan gone.
  await cmdlet(request, 'Disable-UMMailbox', { Identity: 'xss@contoso.com', KeepProperties: false });
  await page.getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByRole('status')).toContainText('policy was deleted');
  await page.getByRole('link', { name: 'UM dial plans', exact: true }).click();
  await page.getByRole('link', { name: `Delete ${NEW_PLAN}` }).click();
  await page.getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByRole('status')).toContainText('dial plan was deleted');
  await expect(page.getByRole('link', { name: NEW_PLAN, exact: true })).toHaveCount(0);
});

test('a Help Desk account is not offered Unified Messaging nor the PIN policies page, and a forged PIN policies post is refused', async ({ page }) => {
  await signIn(page, 'helpdesk');
  await expect(page.getByRole('navigation', { name: 'Features' }).getByRole('link', { name: 'Unified Messaging' })).toHaveCount(0);
  const csrf = await page.locator('input[name="csrf"]').first().inputValue();
  const policyPage = '/ecp/um/policies/Contoso%20Dial%20Plan%20Default%20Policy';
  const answer = await page.goto(policyPage);
  expect(answer.status()).toBe(403);
  await expect(page.getByRole('heading', { name: "You don't have permission" })).toBeVisible();
  await expect(page.getByLabel('Minimum PIN length')).toHaveCount(0);
  const forged = await page.request.post(policyPage, {
    form: {
      csrf, min_pin_length: '4', pin_history_count: '1', allow_common_patterns: 'on',
      failures_before_lockout: '999',
    },
    headers: { Origin: new URL(page.url()).origin },
  });
  expect(forged.status()).toBe(403);
  const body = await forged.text();
  expect(body).toContain('<h1>You don&#39;t have permission</h1>');
  expect(body).toContain('Set-UMMailboxPolicy');
});

test('the main pages are readable at 1280 px and at phone width', async ({ page }) => {
  await page.goto('/ecp/sign-in');
  await screenshot(page, 'sign-in');
  await signIn(page);
  await page.getByRole('link', { name: 'Tony Smith' }).click();
  await expect(page.getByRole('complementary', { name: 'Details' })).toContainText('Unified Messaging: Enabled');
  await screenshot(page, 'recipients');
  await page.getByRole('link', { name: 'View details' }).click();
  await expect(page.locator('#pin-status')).toBeVisible();
  await screenshot(page, 'um-mailbox');
  await page.setViewportSize({ width: 375, height: 812 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await accessible(page);
  await screenshot(page, 'um-mailbox-phone');
  await page.goto('/ecp/recipients?selected=tony%40contoso.com');
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await screenshot(page, 'recipients-phone');
});

test('signing in again gives a new session id and ends the one before', async ({ page, browser }) => {
  const first = await signIn(page);
  const second = await signIn(page, 'webadmin', { again: true });
  expect(second.value).not.toBe(first.value);
  const other = await browser.newContext();
  await other.addCookies([{ ...first }]);
  const again = await other.newPage();
  await again.goto('/ecp/recipients');
  await expect(again).toHaveURL(/\/ecp\/sign-in/);
  await other.close();
});

// Its failures slow down every sign-in from this address; it ends with a right sign-in once the
// block has passed, which forgets them, so that the tests after it sign in at once.
test('failed sign-ins on the page are throttled like the API\'s, and a right one after the wait forgets them', async ({ page }) => {
  await page.goto('/ecp/sign-in');
  let refused;
  for (let attempt = 0; attempt < 12; attempt += 1) {
    await page.getByLabel('User name').fill('nobody');
    await page.getByLabel('Password').fill('not the password');
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    if (answer.status() === 429) {
      refused = await page.getByRole('alert').textContent();
      break;
    }
    expect(answer.status()).toBe(401);
  }
  expect(refused).toContain('Too many failed sign-ins');
  await expect(async () => {
    await page.goto('/ecp/sign-in');
    await page.getByLabel('User name').fill('webadmin');
    await page.getByLabel('Password').fill(password('webadmin'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Recipients', level: 1 })).toBeVisible({ timeout: 1000 });
  }).toPass({ intervals: [1000], timeout: 20000 });
});
