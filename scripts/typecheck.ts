// Type-checks every package and the tests with TypeScript (tsc -p per project).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const projects = ['packages/token', 'packages/protocol', 'packages/server', 'packages/sdk', 'packages/miniapp', 'packages/demo', 'packages/dashboard', 'test', 'bench'].filter((p) => existsSync(`${p}/tsconfig.json`));
let failed = false;
for (const p of projects) {
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', p], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`typecheck failed: ${p}`);
    failed = true;
  }
}
if (failed) process.exit(1);
console.log(`typecheck ok: ${projects.join(', ')}`);
