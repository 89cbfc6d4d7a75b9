// Builds the dashboard into dist/renderer. The admin server serves it from any origin it binds,
// and Electron loads the same files, so every asset URL is relative (base './').
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const rendererRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: rendererRoot,
  base: './',
  plugins: [vue()],
  define: {
    // vue-i18n: JIT-compile messages to an AST and interpret it. The older code-generating compiler
    // needs `new Function`, which the admin server's CSP (`script-src 'self'`, no 'unsafe-eval') blocks.
    __INTLIFY_JIT_COMPILATION__: true,
    __INTLIFY_DROP_MESSAGE_COMPILER__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // Electron 45 ships Chromium 140; the headless dashboard targets current browsers.
    target: 'es2022',
    // Keep the CSP simple: no inlined data: scripts, only files from 'self'.
    assetsInlineLimit: 0,
    sourcemap: true,
  },
});
