// Svelte compiler options, shared by Vite and svelte-check.
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    // Component styles go to CSS files, never <style> elements injected at run time (CSP
    // `style-src 'self'`).
    css: "external",
    runes: true,
  },
};
