// End-to-end tests of the UI served by `skylens serve`, in Debian's Chromium (playwright-core
// with executablePath; browsers are never downloaded). `setup.ts` builds the demo workspace and
// starts the server; screenshots go to $SKYLENS_ARTIFACTS (default: ./artifacts).
import { defineConfig } from '@playwright/test';

export const artifacts = process.env.SKYLENS_ARTIFACTS ?? new URL('./artifacts', import.meta.url).pathname;

export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  globalSetup: './setup.ts',
  workers: 1,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  outputDir: `${artifacts}/results`,
  use: {
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      // As root in a sandbox-less container; no background traffic (the machine is offline).
      args: [
        '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
});
