#!/usr/bin/env node
// Thin launcher: the program is TypeScript compiled to dist/ by `npm run build`
// (run automatically by `npm ci` / `npm install` through the prepare script).
// It also wires the workloads and scenarios in: harness/ may not import
// workloads/ (layering).
// The workloads are imported only by the commands that need them, so that
// `check <file>` starts in tens of milliseconds.
import { main } from '../dist/harness/cli/ekv-jepsen.js';

const loadRegistries = async () => {
  const { bugCaseRegistry, defaultScenario, scenarioRegistry, stageSuiteRegistry, workloadRegistry } =
    await import('../dist/workloads/index.js');
  return {
    workloads: workloadRegistry,
    scenarios: scenarioRegistry,
    defaultScenario,
    bugCases: bugCaseRegistry,
    stageSuites: stageSuiteRegistry,
  };
};

main(process.argv.slice(2), undefined, { loadRegistries }).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`ekv-jepsen: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 255;
  },
);
