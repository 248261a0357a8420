#!/usr/bin/env node
// Thin launcher: the program is TypeScript compiled to dist/ by `npm run build`
// (run automatically by `npm ci` / `npm install` through the prepare script).
import { main } from '../dist/reference-node/server/cli/ekv-cluster.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`ekv-cluster: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 255;
  },
);
