#!/usr/bin/env node
// Thin launcher: the program is TypeScript compiled to dist/ by `npm run build`
// (run automatically by `npm ci` / `npm install` through the prepare script).
// It also wires the workloads and scenarios in: harness/ may not import
// workloads/ (layering).
import { main } from '../dist/harness/cli/ekv-jepsen.js';
import { bugCaseRegistry, defaultScenario, scenarioRegistry, workloadRegistry } from '../dist/workloads/index.js';

main(process.argv.slice(2), undefined, { registries: { workloads: workloadRegistry, scenarios: scenarioRegistry, defaultScenario, bugCases: bugCaseRegistry } }).then(
  (code) => { process.exitCode = code; },
  (error) => {
    process.stderr.write(`ekv-jepsen: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 255;
  },
);
