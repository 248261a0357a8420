/**
 * `ekv-jepsen scenarios`: one line per scenario — its name, what it does,
 * which faults, which invariants and catalogued bugs it targets — so a user
 * can pick one for `ekv-jepsen test --scenario NAME`. `--json` prints the
 * same as JSON (with each scenario's defaults).
 */
import type { ScenarioRegistry } from '../scenario/index.js';
import type { CommandIo } from './command-io.js';

/** Runs `ekv-jepsen scenarios [--json]`. */
export function runScenariosCommand(
  argv: readonly string[],
  io: CommandIo,
  scenarios: ScenarioRegistry,
  defaultScenario: string | undefined,
): number {
  const unknown = argv.filter((a) => a !== '--json');
  if (unknown.length > 0) {
    io.writeErr(
      `ekv-jepsen scenarios: unknown argument "${unknown[0] ?? ''}" (usage: ekv-jepsen scenarios [--json])\n`,
    );
    return 255;
  }
  const list = [...scenarios.values()];
  if (argv.includes('--json')) {
    io.writeOut(
      `${JSON.stringify(
        list.map((s) => ({
          name: s.name,
          summary: s.summary,
          faults: s.faults,
          targets: s.targets,
          workload: s.workload,
          defaults: s.defaults,
          default: s.name === defaultScenario,
        })),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  const width = Math.max(...list.map((s) => s.name.length));
  for (const s of list) {
    io.writeOut(
      `${s.name.padEnd(width)}  ${s.summary}${s.name === defaultScenario ? ' [default]' : ''}\n${' '.repeat(width)}  faults: ${s.faults}; targets: ${s.targets.join(' ')}\n`,
    );
  }
  return 0;
}
