// What the browser suites share: signing in, accessibility and screenshots, the phone through the
// voice-access API, and the PIN reset e-mails (see playwright.config.js for what the Rust test passes in).
const fs = require('fs');
const path = require('path');
const { expect } = require('@playwright/test');
const AxeBuilder = require('@axe-core/playwright').default;

const PLAN = 'Contoso Dial Plan';
const password = (account) => process.env[`UMPIN_PASSWORD_${account.toUpperCase()}`];

/** Signs in through the sign-in page, as the admin center asks for it, and keeps the session id
 * for the Rust test, which makes sure it reaches neither the log nor the database. */
async function signIn(page, account = 'webadmin', { again = false } = {}) {
  // A browser without a session is sent to the sign-in page; one with a session goes there itself.
  await page.goto(again ? '/ecp/sign-in' : '/ecp/');
  await expect(page).toHaveURL(/\/ecp\/sign-in/);
  await expect(page).toHaveTitle(/Sign in/);
  await page.getByLabel('User name').fill(account);
  await page.getByLabel('Password').fill(password(account));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Recipients', level: 1 }).or(page.getByRole('heading', { name: "You don't have permission" }))).toBeVisible();
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name.endsWith('umpin_session'));
  expect(session, 'a session cookie').toBeTruthy();
  if (process.env.UMPIN_SECRETS_OUT) fs.appendFileSync(process.env.UMPIN_SECRETS_OUT, `${session.value}\n`);
  return session;
}

/** No serious or critical accessibility violation on the page as it is. */
async function accessible(page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `accessibility of ${page.url()}`).toEqual([]);
}

async function screenshot(page, name) {
  if (!process.env.UMPIN_SCREENSHOTS) return;
  await page.screenshot({ path: path.join(process.env.UMPIN_SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Recipients → the mailbox → Phone and Voice Features → View details: the UM Mailbox page. */
async function openUmMailbox(page, displayName) {
  await page.getByRole('link', { name: 'Recipients', exact: true }).click();
  await page.getByRole('link', { name: displayName, exact: true }).click();
  const details = page.getByRole('complementary', { name: 'Details' });
  await expect(details.getByRole('heading', { name: 'Phone and Voice Features' })).toBeVisible();
  await expect(details).toContainText('Unified Messaging: Enabled');
  await details.getByRole('link', { name: 'View details' }).click();
  await expect(page.getByRole('heading', { name: 'UM Mailbox', level: 1 })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'UM mailbox settings' })).toBeVisible();
}

/** Presses Tab until the control showing `text` has the focus, and checks that the focus shows. */
async function tabTo(page, text) {
  for (let i = 0; i < 60; i += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const e = document.activeElement;
      if (!e || e === document.body) return null;
      return { text: (e.textContent || e.value || '').trim(), outline: getComputedStyle(e).outlineStyle };
    });
    if (focused && focused.text === text) {
      expect(focused.outline, `the focus on ${text} is visible`).not.toBe('none');
      return;
    }
  }
  throw new Error(`"${text}" can't be reached with the Tab key`);
}

/** A bearer token of the Voice Access account, for the voice-access API. */
async function phoneToken(request) {
  const answer = await request.post('/api/v1/auth/token', { data: { username: 'phone', password: password('phone') } });
  expect(answer.status()).toBe(200);
  return (await answer.json()).token;
}

/** Calls in and enters `pin` for `extension`: the answer of the sign-in. */
async function phoneSignIn(request, token, extension, pin) {
  const headers = { Authorization: `Bearer ${token}` };
  const call = await request.post('/api/v1/voice/calls', { headers, data: { dialPlan: PLAN } });
  expect(call.status()).toBe(201);
  const callId = (await call.json()).callId;
  const answer = await request.post('/api/v1/voice/call/sign-in', {
    headers: { ...headers, 'Umpin-Call': callId },
    data: { extension, pin },
  });
  expect(answer.status()).toBe(200);
  return answer.json();
}

/** Wrong PINs on the phone until the mailbox is locked out. */
async function lockOut(request, extension) {
  const token = await phoneToken(request);
  for (let attempt = 0; attempt < 30; attempt += 1) {
    const answer = await phoneSignIn(request, token, extension, '000000');
    if (answer.outcome === 'lockedOut') return;
  }
  throw new Error(`extension ${extension} was not locked out by 30 wrong PINs`);
}

/** The PIN of the newest PIN-reset e-mail to `address` that isn't in `seen`, from the messages
 * the test's SMTP server received (one `.eml` file each). */
async function pinMailedTo(address, seen) {
  const dir = process.env.UMPIN_MAIL_DIR;
  for (let i = 0; i < 100; i += 1) {
    for (const name of fs.readdirSync(dir)) {
      if (seen.has(name) || !name.endsWith('.eml')) continue;
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      const pin = /Your new PIN: (\d+)/.exec(text);
      if (pin && text.toLowerCase().includes(`to: ${address}`)) return pin[1];
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no PIN reset message to ${address} in ${dir}`);
}

module.exports = { PLAN, password, signIn, accessible, screenshot, openUmMailbox, tabTo, phoneToken, phoneSignIn, lockOut, pinMailedTo };
