// The Audit log page (/ecp/audit) in a real browser, against a real `umpin serve` on contoso.com (see
// playwright.config.js for what the Rust test passes in). What it changes: Jon Morris's PIN is
// reset to a typed one (he stays not locked out; his PIN is expired, as after any reset). The last
// test edits a record of the admin audit log in the database behind the server's back, to see
// Verify chain report the break, and then puts the record back as it was, so that the chain is
// intact again for the suites after this one; it stays the last test here that needs an intact
// chain.
const fs = require('fs');
const { execFileSync } = require('child_process');
const { test, expect } = require('@playwright/test');
const { signIn, accessible, screenshot, openUmMailbox } = require('./common');

/** A PIN typed on Reset PIN, which must show as *** in the audit log and nowhere in clear. */
const TYPED_PIN = '8351946';

/** Keeps a secret typed in the browser for the Rust test, which makes sure it reaches neither the
 * server's log nor the database. */
function secret(value) {
  if (process.env.UMPIN_SECRETS_OUT) fs.appendFileSync(process.env.UMPIN_SECRETS_OUT, `${value}\n`);
}

/** Runs `sql` on the server's database (UMPIN_DATABASE: a PostgreSQL URL or a SQLite file) directly,
 * as someone with access to the database could, past the triggers that keep the log append-only. */
function behindTheServersBack(sql) {
  const database = process.env.UMPIN_DATABASE;
  expect(database, 'UMPIN_DATABASE names the database').toBeTruthy();
  if (database.startsWith('postgres')) {
    execFileSync('psql', [database, '-q', '-v', 'ON_ERROR_STOP=1', '-c',
      `BEGIN; SET LOCAL session_replication_role = replica; ${sql}; COMMIT;`]);
  } else {
    // SQLite has no way to switch a trigger off: drop it, edit, and create it again, in one transaction.
    const script = [
      'import sqlite3, sys',
      'db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)',
      "db.execute('BEGIN IMMEDIATE')",
      "trigger = db.execute(\"SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_log_no_update'\").fetchone()[0]",
      "db.execute('DROP TRIGGER audit_log_no_update')",
      'db.execute(sys.argv[2])',
      'db.execute(trigger)',
      "db.execute('COMMIT')",
    ].join('\n');
    execFileSync('python3', ['-c', script, database, sql]);
  }
}

/** The records the page shows, as the text of their rows. */
function records(page) {
  return page.getByRole('table', { name: 'Records, newest first' }).locator('tbody tr');
}

test('a PIN typed on Reset PIN shows in the Audit log with the account, the mailbox and *** for the PIN', async ({ page }) => {
  await signIn(page);
  await openUmMailbox(page, 'Jon Morris');
  await page.getByRole('link', { name: 'Reset PIN' }).click();
  await page.getByLabel('Type a PIN').check();
  await page.getByLabel('New PIN').fill(TYPED_PIN);
  secret(TYPED_PIN);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { name: 'Reset UM Mailbox PIN' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('was reset');

  await page.getByRole('navigation', { name: 'Features' }).getByRole('link', { name: 'Audit log' }).click();
  await expect(page).toHaveTitle(/Audit log/);
  await accessible(page);
  await page.getByLabel('Account').fill('webadmin');
  await page.getByLabel('Cmdlet or action').selectOption('Set-UMMailboxPIN');
  await page.getByLabel('Object').fill('jon@contoso.com');
  await page.getByLabel('Result').selectOption('succeeded');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/account=webadmin/);
  const reset = records(page).first();
  for (const text of ['webadmin', 'Set-UMMailboxPIN', 'jon@contoso.com', 'Succeeded']) {
    await expect(reset).toContainText(text);
  }
  await expect(reset.locator('code')).toBeHidden();
  await reset.locator('summary').click();
  await expect(reset.locator('code')).toBeVisible();
  await expect(reset.locator('code')).toContainText('-Identity jon@contoso.com');
  await expect(reset.locator('code')).toContainText('-Pin ***');
  expect(await page.content()).not.toContain(TYPED_PIN);
  await accessible(page);
  await screenshot(page, 'audit-log');
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('a search by account, cmdlet, object and dates finds the PIN status read just made, and a day before finds nothing', async ({ page }) => {
    await signIn(page);
    await openUmMailbox(page, 'Tony Smith');
    const today = new Date().toISOString().slice(0, 10);
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Account').fill('webadmin');
    await page.getByLabel('Cmdlet or action').selectOption('Get-UMMailboxPIN');
    await page.getByLabel('Object').fill('tony@contoso.com');
    await page.getByLabel('From (UTC)').fill(today);
    await page.getByLabel('To (UTC)').fill(today);
    await page.getByRole('button', { name: 'Search' }).click();
    const read = records(page).first();
    await expect(read).toContainText('Get-UMMailboxPIN');
    await expect(read).toContainText('tony@contoso.com');
    await expect(read).toContainText(today);
    await read.locator('summary').click();
    await expect(read.locator('code')).toContainText('-Identity tony@contoso.com');

    const yesterday = new Date(Date.now() - 24 * 3600 * 1000).toISOString().slice(0, 10);
    await page.getByLabel('From (UTC)').fill(yesterday);
    await page.getByLabel('To (UTC)').fill(yesterday);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(records(page)).toHaveCount(0);
    await expect(page.locator('main')).toContainText('No record matches.');
  });
});

test('a date the search can\'t read is said next to its field', async ({ page }) => {
  await signIn(page);
  const answer = await page.goto('/ecp/audit?from=yesterday');
  expect(answer.status()).toBe(422);
  await expect(page.getByLabel('From (UTC)')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#from-error')).toHaveText('Type a date as year-month-day, such as 2026-11-27.');
});

test('a control character and a NUL of a refused identity show in the Audit log escaped and marked, never as markup', async ({ page }) => {
  await signIn(page);
  const csrf = await page.locator('input[name="csrf"]').first().inputValue();
  // Unlock (Set-UMMailboxPIN -LockedOut $false) of an identity with ESC [2J, which would clear a
  // terminal, and a NUL, which is kept as U+FFFD since PostgreSQL text can't hold it.
  const refused = await page.request.post('/ecp/mailboxes/to%1B%5B2Jny%00%3Cb%3E/um/unlock',
    { form: { csrf }, headers: { Origin: new URL(page.url()).origin } });
  expect(refused.status()).toBeGreaterThanOrEqual(400);
  await page.goto('/ecp/audit?account=webadmin&result=failed');
  const record = records(page).first();
  const object = record.locator('td[data-label="Object"]');
  await expect(object).toHaveText('toU+001B[2Jny\uFFFD<b>');
  await expect(object.locator('.control')).toHaveText('U+001B');
  await expect(object.locator('b')).toHaveCount(0);
  await record.locator('summary').click();
  await expect(record.locator('code')).toContainText('-Identity "to`u{1b}[2Jny\uFFFD<b>"');
  await accessible(page);
  await screenshot(page, 'audit-log-control-character');
});

test('a Help Desk account is not offered the Audit log, and reading it or verifying the chain is refused', async ({ page }) => {
  await signIn(page, 'helpdesk');
  await expect(page.getByRole('navigation', { name: 'Features' }).getByRole('link', { name: 'Audit log' })).toHaveCount(0);
  const csrf = await page.locator('input[name="csrf"]').first().inputValue();
  const answer = await page.goto('/ecp/audit');
  expect(answer.status()).toBe(403);
  await expect(page.getByRole('heading', { name: "You don't have permission" })).toBeVisible();
  await expect(page.locator('main')).toContainText('Search-AdminAuditLog');
  const forged = await page.request.post('/ecp/audit', { form: { csrf }, headers: { Origin: new URL(page.url()).origin } });
  expect(forged.status()).toBe(403);
  expect(await forged.text()).toContain('Test-AdminAuditLog');
});

test('the Audit log is readable at phone width', async ({ page }) => {
  await signIn(page);
  await page.goto('/ecp/audit?cmdlet=Set-UMMailboxPIN&object=jon%40contoso.com');
  await page.setViewportSize({ width: 375, height: 812 });
  await records(page).first().locator('summary').click();
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await accessible(page);
  await screenshot(page, 'audit-log-phone');
});

// Last of the tests that need an intact chain: it breaks the chain, and then mends it.
test('after a record is edited in the database behind the server\'s back, Verify chain says where the chain breaks', async ({ page }) => {
  await signIn(page);
  await page.goto('/ecp/audit');
  await page.getByRole('button', { name: 'Verify chain' }).click();
  await expect(page.locator('#chain-verdict')).toContainText('The chain is intact: all');
  await accessible(page);

  const newest = records(page).first();
  const seq = Number(/Record (\d+)/.exec(await newest.locator('summary').textContent())[1]);
  const account = (await newest.locator('td[data-label="Account"]').textContent()).trim();
  behindTheServersBack(`UPDATE audit_log SET account = 'nobody' WHERE seq = ${seq}`);
  try {
    await page.goto('/ecp/audit');
    await page.getByRole('button', { name: 'Verify chain' }).click();
    const verdict = page.locator('#chain-verdict');
    await expect(verdict).toContainText(`The chain is broken at record ${seq}: the record was changed`);
    await expect(verdict).toContainText(`The ${seq - 1} records before it are intact.`);
    await expect(page.getByRole('alert')).toBeVisible();
    await accessible(page);
    await screenshot(page, 'audit-log-chain-broken');
  } finally {
    behindTheServersBack(`UPDATE audit_log SET account = '${account.replace(/'/g, "''")}' WHERE seq = ${seq}`);
  }
  await page.goto('/ecp/audit');
  await page.getByRole('button', { name: 'Verify chain' }).click();
  await expect(page.locator('#chain-verdict')).toContainText('The chain is intact');
});
