// Builds the browser SDK: dist/rtcroom.js (ESM) and dist/rtcroom.global.js (script tag: window.rtcroom).
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

const common = {
  entryPoints: ['packages/sdk/src/index.ts'],
  bundle: true,
  minify: true,
  sourcemap: true,
  target: ['es2022', 'chrome100', 'safari15', 'firefox100'],
  legalComments: 'none' as const,
  // V8's explicit compile hint (Chromium ≥ 126): every function of the file is compiled when the
  // file loads, off the page's thread where it can, not lazily on first call, on the join's path
  banner: { js: '//# allFunctionsCalledOnLoad' },
  logLevel: 'warning' as const,
};
await build({ ...common, format: 'esm', outfile: 'packages/sdk/dist/rtcroom.js' });
await build({ ...common, format: 'iife', globalName: 'rtcroom', outfile: 'packages/sdk/dist/rtcroom.global.js' });
for (const f of ['rtcroom.js', 'rtcroom.global.js']) {
  const p = `packages/sdk/dist/${f}`;
  const gz = gzipSync(readFileSync(p)).length;
  console.log(`built ${p}: ${(statSync(p).size / 1024).toFixed(1)} KiB (${(gz / 1024).toFixed(1)} KiB gzip)`);
}
