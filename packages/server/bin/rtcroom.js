#!/usr/bin/env node
// The rtcroom command. Node >= 22.18 runs the TypeScript sources directly.
import { main } from '../src/cli.ts';

const code = await main(process.argv.slice(2));
if (code !== 0) process.exitCode = code;
