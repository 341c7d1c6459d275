// The UI benchmarks (`npm run bench`; figures in BENCHMARKS.md): launch → first dashboard on a
// large workspace, and render/scroll of a 10k-span waterfall, in Debian's Chromium.
import { defineConfig } from '@playwright/test';
import base from './playwright.config';

export default defineConfig({
  ...base,
  globalSetup: undefined,
  testMatch: /.*\.bench\.ts$/,
  timeout: 3_600_000,
  reporter: [['list']],
});
