import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OIDC_CLIENT_ID, OIDC_CLIENT_SECRET } from './oidc-client';

// Each run starts the real portal on its embedded emulator with a fresh data directory, so
// every run begins from the same demo organization (10,000 users).
const port = process.env.PORTAL_E2E_PORT ?? '3197';
// Made once, by the runner: its workers load this file again and find it in the environment
// (tests/mail-and-access.spec.ts reads the emulator's file there). Set it yourself only to an
// empty directory: the tests expect the demo organization as seeded.
const dataDir = (process.env.PORTAL_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'portal-e2e-')));
const serverLog = process.env.PORTAL_E2E_LOG ?? 'target/e2e-server.log';
// The test OpenID Provider (end2end/oidc-test-provider.mjs) the portal signs people in with.
const providerPort = process.env.PORTAL_E2E_OIDC_PORT ?? '3198';
// The portal's metrics listener, read once the suite is over (tests/metrics.teardown.ts).
const metricsPort = process.env.PORTAL_E2E_METRICS_PORT ?? '3199';


export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  // The whole suite first, then what /metrics shows after it.
  projects: [
    { name: 'portal', teardown: 'metrics' },
    { name: 'metrics', testMatch: /metrics\.teardown\.ts$/ },
  ],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: {
      // Debian's Chromium; Playwright's own browser download cannot work here.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
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
    trace: 'off',
  },
  webServer: [{
    // Started first: the portal discovers it at start-up.
    command: 'node oidc-test-provider.mjs',
    cwd: '.',
    env: {
      PORT: providerPort,
      PORTAL_URL: `http://127.0.0.1:${port}`,
      ACCOUNTS_FILE: 'oidc-accounts.json',
      CLIENT_ID: OIDC_CLIENT_ID,
      CLIENT_SECRET: OIDC_CLIENT_SECRET,
    },
    url: `http://127.0.0.1:${providerPort}/.well-known/openid-configuration`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'ignore',
  }, {
    // The server's log goes to a file the test run points to on failure, not to the console.
    command: `${process.env.PORTAL_BIN ?? 'target/debug/workmail-portal'} > ${serverLog} 2>&1`,
    cwd: '..',
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      PORTAL_DATA_DIR: dataDir,
      // A large organization, as the directory issue asks the tests to use.
      PORTAL_DEMO_USERS: process.env.PORTAL_DEMO_USERS ?? '10000',
      RUST_LOG: process.env.RUST_LOG ?? 'info',
      PORTAL_PUBLIC_URL: `http://127.0.0.1:${port}`,
      PORTAL_OIDC_ISSUER: `http://127.0.0.1:${providerPort}`,
      PORTAL_OIDC_CLIENT_ID: OIDC_CLIENT_ID,
      PORTAL_OIDC_CLIENT_SECRET: OIDC_CLIENT_SECRET,
      PORTAL_OIDC_NAME: 'Test IdP',
      PORTAL_OIDC_SCOPES: 'openid email groups',
      PORTAL_OIDC_ROLES: 'portal-admins=admin,portal-hr=hr',
      // Short, so a test can let it pass; no other test changes Role or the address-list flag.
      PORTAL_REAUTH_SECONDS: '10',
      PORTAL_METRICS_ADDR: `127.0.0.1:${metricsPort}`,
    },
    url: `http://127.0.0.1:${port}/users`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  }],
});
