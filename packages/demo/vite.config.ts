// Builds the demo into dist/. The SDK is not bundled: `@rtcroom/sdk` becomes the server's /sdk/rtcroom.js.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { external: ['@rtcroom/sdk'], output: { paths: { '@rtcroom/sdk': '/sdk/rtcroom.js' } } },
  },
});
