#!/usr/bin/env node
// The `stockout` executable: registers tsx so the TypeScript sources run without a build step, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main();
