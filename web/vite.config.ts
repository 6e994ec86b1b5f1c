// Build of the dashboard: `npm run build:web` → web/dist, served by `vigil serve --api` at `/`.
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

export default defineConfig({
  root: import.meta.dirname,
  // Relative asset URLs: the page works wherever the server mounts it.
  base: './',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The polyfill would be the only code not from our sources; every supported browser has modulepreload.
    modulePreload: { polyfill: false },
    // Small files inlined as data: URLs would need a looser CSP (img-src data:); keep them as files.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
