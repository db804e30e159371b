#!/usr/bin/env node
// The rtcroom command. Node >= 22.18 runs the TypeScript sources directly; an older Node (such
// as Debian's 20) hands over to the Node 22 that `npm install` put in node_modules (the `node`
// dev dependency), so `npx rtcroom …` works with the machine's Node too.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major > 22 || (major === 22 && minor >= 18)) {
  const { main } = await import('../src/cli.ts');
  const code = await main(process.argv.slice(2));
  if (code !== 0) process.exitCode = code;
} else {
  let node;
  try {
    node = createRequire(import.meta.url).resolve('node/bin/node');
  } catch {
    console.error(`rtcroom needs Node.js >= 22.18 (this is ${process.version}); run \`npm install\` in the rtcroom checkout, which brings one`);
    process.exit(1);
  }
  // the young generation the server runs with (src/young-generation.ts SEMI_SPACE_FLAGS)
  const flags = ['--max-semi-space-size=16', '--min-semi-space-size=16'];
  const child = spawn(node, [...flags, new URL(import.meta.url).pathname, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
