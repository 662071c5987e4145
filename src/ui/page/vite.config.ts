import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The live lab page, built into dist/ui/page at `npm run build`: everything bundled, no CDN.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: { outDir: fileURLToPath(new URL('../../../dist/ui/page', import.meta.url)), emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1024 },
});
