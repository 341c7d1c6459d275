// Vite: build the UI into ui/dist for the Tauri shell and `skylens serve`.
// CSP-friendly output (see README.md): no inline script (no module-preload polyfill), Svelte
// component styles extracted to CSS files, relative asset URLs (`base: './'`).

import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vitest/config";

export default defineConfig(({ mode }) => ({
  base: "./",
  plugins: [svelte()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    modulePreload: { polyfill: false },
    // Never inline assets as data: URLs into CSS/JS.
    assetsInlineLimit: 0,
    cssCodeSplit: false,
  },
  server: {
    // `npm run dev` next to `skylens serve --port 8765`: the API is proxied (open the dev
    // server's URL with the `#token=…` the server printed). The server refuses foreign
    // Host/Origin headers, so the proxy presents itself as the server's own origin.
    proxy: {
      "/api": {
        target: "http://127.0.0.1:8765",
        changeOrigin: true,
        headers: { origin: "http://127.0.0.1:8765" },
      },
    },
  },
  // Tests mount components in jsdom: resolve Svelte's browser build there.
  resolve: mode === "test" ? { conditions: ["browser"] } : undefined,
  test: {
    environment: "jsdom",
    include: ["tests/**/*.test.ts"],
  },
}));
