// The users' own Voice Mail page (/voicemail/) in Chromium, against `umpin serve` with a real
// directory: ravi signs in with his directory password, sees his PIN's status, resets it by
// e-mail and then to a PIN he chooses, and signs in on the phone with each. ravi is also in the
// directory's group "umpin admins", which the role group Organization Management has: with the
// same password he signs in to the web admin center.
const fs = require('fs');
const { test, expect } = require('@playwright/test');
const { accessible, screenshot, phoneToken, phoneSignIn, pinMailedTo } = require('./common');

const USER = 'ravi';
const ADDRESS = 'ravi@contoso.com';
const EXTENSION = '57813';
const directoryPassword = process.env.UMPIN_VOICE_MAIL_PASSWORD;

function keep(secret) {
  if (process.env.UMPIN_SECRETS_OUT) fs.appendFileSync(process.env.UMPIN_SECRETS_OUT, `${secret}\n`);
}

async function signIn(page, name = USER) {
  await page.goto('/voicemail/');
  await expect(page).toHaveURL(/\/voicemail\/sign-in/);
  await page.getByLabel('User name or e-mail address').fill(name);
  await page.getByLabel('Password').fill(directoryPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Voice Mail', level: 1 })).toBeVisible();
  const session = (await page.context().cookies()).find((c) => c.name.endsWith('umpin_voice_mail'));
  expect(session, 'a Voice Mail session cookie').toBeTruthy();
  keep(session.value);
}

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a wrong directory password is refused and the right one opens the Voice Mail page with the PIN status', async ({ page }) => {
    await page.goto('/voicemail/');
    await expect(page).toHaveURL(/\/voicemail\/sign-in/);
    await expect(page.getByRole('heading', { name: 'Sign in to Voice Mail' })).toBeVisible();
    await screenshot(page, 'voice-mail-sign-in');
    await page.getByLabel('User name or e-mail address').fill(ADDRESS);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('The user name or password is incorrect. Try again.');
    await expect(page.getByLabel('User name or e-mail address')).toHaveValue(ADDRESS);

    await signIn(page, ADDRESS);
    await expect(page.locator('#pin-summary')).toContainText("You haven't set up your voice mail yet");
    await expect(page.locator('#first-time-user')).toHaveText('Yes');
    await expect(page.locator('#locked-out')).toHaveText('No');
  });
});

test('Reset PIN by e-mail gives a PIN that signs in on the phone and must be changed there', async ({ page, request }) => {
  const seen = new Set(fs.readdirSync(process.env.UMPIN_MAIL_DIR));
  await signIn(page);
  await accessible(page);
  await expect(page.getByLabel('Send me a new PIN by e-mail')).toBeChecked();
  await page.getByRole('button', { name: 'Reset PIN' }).click();
  await expect(page.getByRole('status')).toContainText(`A new PIN is on its way to ${ADDRESS}`);
  await expect(page.locator('#pin-expired')).toHaveText('Yes');
  const pin = await pinMailedTo(ADDRESS, seen);
  keep(pin);
  const token = await phoneToken(request);
  const answer = await phoneSignIn(request, token, EXTENSION, pin);
  expect(answer.outcome).toBe('signedIn');
  expect(answer.pinExpired).toBe(true);
});

test('a chosen PIN must be typed twice and pass the policy, and a reset lifts a lockout', async ({ page, request }) => {
  const token = await phoneToken(request);
  for (let attempt = 0; attempt < 30; attempt += 1) {
    const answer = await phoneSignIn(request, token, EXTENSION, '000000');
    if (answer.outcome === 'lockedOut') break;
  }
  await signIn(page);
  await expect(page.locator('#locked-out')).toHaveText('Yes');
  await expect(page.locator('#pin-summary')).toContainText('Your voice mail is locked');

  await page.getByLabel('Let me choose my PIN').check();
  await page.getByLabel('PIN', { exact: true }).fill('739164');
  await page.getByLabel('Confirm PIN').fill('739165');
  await page.getByRole('button', { name: 'Reset PIN' }).click();
  await expect(page.locator('#pin-error')).toContainText("aren't the same");
  await expect(page.getByLabel('Let me choose my PIN')).toBeChecked();
  await expect(page.getByLabel('PIN', { exact: true })).toHaveValue('');

  await page.getByLabel('PIN', { exact: true }).fill('12');
  await page.getByLabel('Confirm PIN').fill('12');
  await page.getByRole('button', { name: 'Reset PIN' }).click();
  await expect(page.locator('#pin-error')).toBeVisible();
  await expect(page.getByLabel('PIN', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await accessible(page);

  const chosen = '739164';
  keep(chosen);
  await page.getByLabel('PIN', { exact: true }).fill(chosen);
  await page.getByLabel('Confirm PIN').fill(chosen);
  await page.getByRole('button', { name: 'Reset PIN' }).click();
  await expect(page.getByRole('status')).toHaveText('Your new PIN is set. Use it the next time you call.');
  await expect(page.locator('#locked-out')).toHaveText('No');
  await expect(page.locator('#pin-expired')).toHaveText('No');
  expect(await page.content()).not.toContain(chosen);
  await screenshot(page, 'voice-mail');
  await page.setViewportSize({ width: 375, height: 812 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, 'nothing wider than a phone').toBeLessThanOrEqual(0);
  await screenshot(page, 'voice-mail-phone');

  const answer = await phoneSignIn(request, token, EXTENSION, chosen);
  expect(answer.outcome).toBe('signedIn');
  expect(answer.pinExpired).toBe(false);
});

test('the Voice Mail page is usable with the keyboard alone and signing out ends the session', async ({ page }) => {
  await signIn(page);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to main content' })).toBeFocused();
  await page.getByLabel('Let me choose my PIN').focus();
  await page.keyboard.press('Space');
  await expect(page.getByLabel('Let me choose my PIN')).toBeChecked();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('PIN', { exact: true })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Confirm PIN')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Reset PIN' })).toBeFocused();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/voicemail\/sign-in/);
  await accessible(page);
  await page.goto('/voicemail/');
  await expect(page).toHaveURL(/\/voicemail\/sign-in/);
  // A Voice Mail session is no admin center session.
  await page.goto('/ecp/');
  await expect(page).toHaveURL(/\/ecp\/sign-in/);
});

test('a form from another site is refused and changes nothing', async ({ page }) => {
  await signIn(page);
  const csrf = await page.locator('input[name="csrf"]').first().inputValue();
  const answer = await page.request.post('/voicemail/reset-pin', {
    form: { csrf: 'not the token', pin_choice: 'email' },
  });
  expect(answer.status()).toBe(403);
  const forged = await page.request.post('/voicemail/reset-pin', {
    form: { csrf, pin_choice: 'email' },
    headers: { Origin: 'https://evil.example' },
  });
  expect(forged.status()).toBe(403);
  await page.reload();
  await expect(page.locator('#pin-expired')).toHaveText('No', { message: 'no reset to an e-mailed PIN happened' });
});

test('a member of a role group\'s directory group signs in to the admin center with the directory password and the Permissions page shows the group', async ({ page }) => {
  await page.goto('/ecp/sign-in');
  await page.getByLabel('User name').fill(USER);
  await page.getByLabel('Password').fill(directoryPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Recipients', level: 1 })).toBeVisible();
  const session = (await page.context().cookies()).find((c) => c.name.endsWith('umpin_session'));
  expect(session, 'an admin center session cookie').toBeTruthy();
  keep(session.value);
  await expect(page.locator('main')).toContainText(ADDRESS);
  // The Permissions page names the directory group beside the members; ravi's membership comes
  // from it, so it offers no Remove for him, and no Add of him elsewhere.
  await page.goto('/ecp/permissions');
  const section = page.locator('#organization-management');
  await expect(section.getByRole('list', { name: 'Directory groups of Organization Management' })).toHaveText('cn=umpin admins,dc=contoso,dc=com');
  await expect(section.getByRole('list', { name: 'Members of Organization Management' })).toContainText(USER);
  await expect(section.getByRole('button', { name: `Remove ${USER} from Organization Management` })).toHaveCount(0);
  await expect(page.locator('#help-desk').getByLabel('Account to add to Help Desk').locator('option', { hasText: USER })).toHaveCount(0);
  await accessible(page);
  await screenshot(page, 'permissions-directory');
});
