/**
 * Bundles the browser runtime (with the rtcroom SDK inside) with esbuild, once per process.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

let cached: Promise<string> | undefined;

/** The text of `runtime.js`: the mini-program runtime and the SDK as one script. */
export function runtimeBundle(): Promise<string> {
  cached ??= build({
    entryPoints: [fileURLToPath(new URL('../runtime/index.ts', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2022', 'chrome100', 'safari15', 'firefox100'],
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  }).then((r) => (r.outputFiles[0] as { text: string }).text);
  cached.catch(() => (cached = undefined));
  return cached;
}
