// The PIN report (/ecp/um/pin-report) in a real browser, after admin-center.spec.js on the same
// server. What these tests change they put back: Jon is locked out by wrong PINs and unlocked
// again, David (locked out by the demo) is unlocked and locked again, the View-Only account they
// make is removed. Ellen's PIN is reset again (a new one e-mailed), as the admin center's tests
// reset it.
const fs = require('fs');
const { test, expect } = require('@playwright/test');
const {
  password, signIn, accessible, screenshot, lockOut, pinMailedTo,
} = require('./common');

const REPORT = '/ecp/um/pin-report';

/** A bearer token of the Organization Management account. */
async function adminHeaders(request) {
  const token = await request.post('/api/v1/auth/token', { data: { username: 'webadmin', password: password('webadmin') } });
  expect(token.status()).toBe(200);
  return { Authorization: `Bearer ${(await token.json()).token}` };
}

/** Runs a cmdlet through the API as the Organization Management account: the answer's objects. */
async function cmdlet(request, name, parameters) {
  const answer = await request.post(`/api/v1/cmdlets/${name}`, { headers: await adminHeaders(request), data: { parameters } });
  expect(answer.status(), await answer.text()).toBe(200);
  return (await answer.json()).objects;
}

/** `ConvertTo-Csv` of cmdlet objects as the API sends them (crates/catalogue/src/wire.rs): the
 * first object's property names, then a record per object, every field quoted; `$null` empty,
 * booleans True/False, times as yyyy-MM-dd HH:mm:ss in UTC. */
function convertToCsv(objects) {
  if (objects.length === 0) return '';
  const text = (value) => {
    if (value === null) return '';
    if (value === true) return 'True';
    if (value === false) return 'False';
    if (typeof value === 'object' && value.time) return value.time.replace('T', ' ').replace(/\.\d+/, '').replace('Z', '');
    return String(value);
  };
  const record = (fields) => `${fields.map((f) => `"${f.replace(/"/g, '""')}"`).join(',')}\n`;
  const names = objects[0].properties.map(([name]) => name);
  return record(names) + objects.map((o) => record(o.properties.map(([, value]) => text(value)))).join('');
}

/** The User IDs in the report's table. */
async function userIds(page) {
  return page.locator('tbody td[data-label="User ID"]').allTextContents();
}

async function openReport(page) {
  await page.getByRole('navigation', { name: 'Features' }).getByRole('link', { name: 'PIN report' }).click();
  await expect(page.getByRole('heading', { name: 'PIN report', level: 1 })).toBeVisible();
}

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('a mailbox locked out through the voice API shows under the Locked out filter, and two are unlocked at once with a summary', async ({ page, request }) => {
    await lockOut(request, '55678');
    await signIn(page);
    await openReport(page);
    await expect(page).toHaveTitle(/PIN report/);
    await page.getByLabel('PIN status').selectOption({ label: 'Locked out' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/locked_out=yes/);
    expect(await userIds(page)).toEqual(['david@contoso.com', 'jon@contoso.com']);
    await expect(page.getByRole('row', { name: /jon@contoso\.com/ })).toContainText('Locked Out');
    await screenshot(page, 'pin-report');
    await page.getByLabel('Select david@contoso.com').check();
    await page.getByLabel('Select jon@contoso.com').check();
    await page.getByRole('button', { name: 'Unlock' }).click();
    const summary = page.getByRole('status');
    await expect(summary.getByRole('heading')).toHaveText('Unlock: 2 succeeded, 0 failed');
    await expect(summary).toContainText('david@contoso.com');
    await expect(summary).toContainText('jon@contoso.com');
    // Still the Locked out view, which now has nobody.
    await expect(page.getByLabel('PIN status')).toHaveValue('yes');
    await expect(page.getByText('No UM mailbox matches.')).toBeVisible();
    await screenshot(page, 'pin-report-unlocked');
    // Get-UMMailboxPIN, through the API, agrees.
    const headers = await adminHeaders(request);
    for (const user of ['david', 'jon']) {
      const pin = await request.get(`/api/v1/mailboxes/${user}%40contoso.com/um/pin`, { headers });
      expect((await pin.json()).lockedOut).toBe(false);
    }
    // David back as the demo left him.
    const locked = await request.post('/api/v1/mailboxes/david%40contoso.com/um/pin/lock', { headers });
    expect(locked.status()).toBe(200);
  });
});

test('Download CSV gives the whole report row for row as Get-UMMailboxPIN -ResultSize Unlimited | ConvertTo-Csv', async ({ page, request }) => {
  await signIn(page);
  await openReport(page);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('pin-report.csv');
  const csv = fs.readFileSync(await download.path(), 'utf8');
  const expected = convertToCsv(await cmdlet(request, 'Get-UMMailboxPIN', { ResultSize: 'Unlimited' }));
  const rows = csv.split('\n');
  expect(rows[0]).toBe('"UserID","PinExpired","FirstTimeUser","LockedOut","ObjectState","IsValid","Identity","FailedLogonCount","LastFailedLogon","PinLastSet","PinExpiresOn"');
  expect(rows.length).toBeGreaterThan(6);
  expect(rows).toEqual(expected.split('\n'));
  // Filtered: only the locked-out mailbox.
  const filtered = await page.request.get(`${REPORT}/csv?locked_out=yes`);
  expect(filtered.headers()['content-type']).toContain('text/csv');
  const lines = (await filtered.text()).trim().split('\n');
  expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['"david@contoso.com"']);
});

test('the report filters by PINs expiring within some days and says next to the field when the days are not a number', async ({ page }) => {
  await signIn(page);
  await openReport(page);
  expect((await userIds(page)).length).toBeGreaterThan(5);
  // Every PIN of the default policy (60 days) was set while the suite ran.
  await page.getByLabel('Expiring within (days)').fill('59');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page.getByText('No UM mailbox matches.')).toBeVisible();
  await page.getByLabel('Expiring within (days)').fill('60');
  await page.getByLabel('UM dial plan').selectOption('Contoso Dial Plan');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  expect(await userIds(page)).toContain('tony@contoso.com');
  await page.getByLabel('Expiring within (days)').fill('soon');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page.locator('#expires-within-error')).toContainText('whole number of days');
  await expect(page.getByLabel('Expiring within (days)')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Expiring within (days)')).toHaveValue('soon');
  await page.getByLabel('Expiring within (days)').fill('1000');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page.locator('#expires-within-error')).toContainText('ExpiresWithinDays');
  await accessible(page);
});

test('the report sorts by User ID both ways', async ({ page }) => {
  await signIn(page);
  await openReport(page);
  await accessible(page);
  const ascending = await userIds(page);
  expect(ascending).toEqual([...ascending].sort());
  await page.getByRole('link', { name: 'User ID' }).click();
  await expect(page.locator('th[aria-sort="descending"]')).toHaveText(/User ID/);
  expect(await userIds(page)).toEqual([...ascending].reverse());
});

test('Reset PIN on a selection e-mails each user a new PIN, and the summary says which failed and why', async ({ page }) => {
  const seen = new Set(fs.readdirSync(process.env.UMPIN_MAIL_DIR));
  await signIn(page);
  await openReport(page);
  const csrf = await page.locator('form[action$="/bulk"] input[name="csrf"]').inputValue();
  // A form as the page sends it, with a mailbox the page never lists: not UM-enabled.
  const answer = await page.request.post(`${REPORT}/bulk`, {
    data: `csrf=${csrf}&mailbox=ellen%40contoso.com&mailbox=xss%40contoso.com&action=reset`,
    headers: { Origin: new URL(page.url()).origin, 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  expect(answer.url()).toContain(REPORT);
  await page.goto(answer.url());
  const summary = page.getByRole('status');
  await expect(summary.getByRole('heading')).toHaveText('Reset PIN: 1 succeeded, 1 failed');
  await expect(summary).toContainText('ellen@contoso.com');
  await expect(summary).toContainText("xss@contoso.com: The mailbox xss@contoso.com isn't enabled for Unified Messaging.");
  await accessible(page);
  const pin = await pinMailedTo('ellen@contoso.com', seen);
  expect(await page.content()).not.toContain(pin);
  // The summary is this session's: changed, it isn't shown.
  await page.goto(answer.url().replace('done=reset', 'done=unlock'));
  await expect(page.getByRole('status')).toHaveCount(0);
});

test('a Help Desk account may unlock and reset from the report; a View-Only account sees neither, and its forged Unlock is refused', async ({ page, browser, request }) => {
  await signIn(page, 'helpdesk');
  await openReport(page);
  await expect(page.getByRole('button', { name: 'Unlock' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Reset PIN' })).toBeVisible();
  await expect(page.getByLabel('UM dial plan')).toHaveCount(0);
  // A View-Only Organization Management account, made for this test and removed after it.
  process.env.UMPIN_PASSWORD_VIEWONLY = 'amber lighthouse pebble kite';
  await cmdlet(request, 'New-ManagementAccount', { Name: 'viewonly', Password: password('viewonly') });
  await cmdlet(request, 'Add-RoleGroupMember', { Identity: 'View-Only Organization Management', Member: 'viewonly' });
  const context = await browser.newContext();
  const viewer = await context.newPage();
  await signIn(viewer, 'viewonly');
  await openReport(viewer);
  expect(await userIds(viewer)).toContain('tony@contoso.com');
  await expect(viewer.getByRole('button', { name: 'Unlock' })).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: 'Reset PIN' })).toHaveCount(0);
  await expect(viewer.getByRole('checkbox')).toHaveCount(0);
  const csrf = await viewer.locator('input[name="csrf"]').first().inputValue();
  const forged = await viewer.request.post(`${REPORT}/bulk`, {
    form: { csrf, mailbox: 'david@contoso.com', action: 'unlock' },
    headers: { Origin: new URL(viewer.url()).origin },
  });
  expect(forged.status()).toBe(403);
  const body = await forged.text();
  expect(body).toContain('<h1>You don&#39;t have permission</h1>');
  expect(body).toContain('Set-UMMailboxPIN');
  await context.close();
  const [pin] = await cmdlet(request, 'Get-UMMailboxPIN', { Identity: 'david@contoso.com' });
  expect(Object.fromEntries(pin.properties).LockedOut).toBe(true);
  await cmdlet(request, 'Remove-ManagementAccount', { Identity: 'viewonly' });
});

test('the report is readable at phone width', async ({ page }) => {
  await signIn(page);
  await openReport(page);
  await page.setViewportSize({ width: 375, height: 812 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await accessible(page);
  await screenshot(page, 'pin-report-phone');
});
