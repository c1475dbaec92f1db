// The browser tests of the web admin center. crates/web/tests/web.rs starts a real `umpin serve`
// on a fresh contoso.com and runs this suite against it (once per database), with:
//   UMPIN_URL       the server, such as http://127.0.0.1:41234
//   UMPIN_CHROMIUM  the Chromium to drive (Debian's /usr/bin/chromium; never a downloaded one)
//   UMPIN_PASSWORD_ADMIN, UMPIN_PASSWORD_HELPDESK, UMPIN_PASSWORD_PHONE  the accounts' passwords
//   UMPIN_MAIL_DIR  where the server writes its e-mail (.eml files)
//   UMPIN_SECRETS_OUT  a file to write the session ids seen and the PINs and passwords typed, so
//                      that the Rust test can look for them in the server's log and the database
//   UMPIN_DATABASE  the server's database (a PostgreSQL URL, or the SQLite file), which the Audit log's
//                   test edits behind the server's back
//   UMPIN_SCREENSHOTS  when set, the directory to save the documentation's screenshots in
//   UMPIN_SUITE     `voice-mail` for the users' Voice Mail page (voice-mail.spec.js), against a server
//                   with a directory; otherwise the admin center's suites (every other spec)
//   UMPIN_VOICE_MAIL_PASSWORD  the directory password of the Voice Mail suite's user
const { defineConfig } = require('@playwright/test');

module.exports = defineConfig({
  testDir: '.',
  testMatch: process.env.UMPIN_SUITE === 'voice-mail' ? 'voice-mail.spec.js' : '*.spec.js',
  testIgnore: process.env.UMPIN_SUITE === 'voice-mail' ? [] : ['voice-mail.spec.js'],
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: [['list']],
  outputDir: process.env.UMPIN_PLAYWRIGHT_OUT || 'test-results',
  use: {
    baseURL: process.env.UMPIN_URL,
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: process.env.UMPIN_CHROMIUM || '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
