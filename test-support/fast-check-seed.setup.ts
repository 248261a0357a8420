/**
 * Vitest setup file: every fast-check property of every test runs from a
 * seed this file chooses (or takes from EKV_SEED), and a failing test prints
 * the command that reruns it from that seed (and, for a property failure,
 * from the counterexample's path, which skips the search and the shrinking):
 *
 *   EKV_SEED=<seed> EKV_PATH=<path> npx vitest run <file> -t '<test name>'
 *
 * The seed is printed for any failure of a test that started a property
 * (also a timeout, which fast-check itself never reports). A test with several
 * fc.assert calls runs them all from the same seed; EKV_PATH applies to the
 * one numbered EKV_PROPERTY (1 = the first, the default), which the printed
 * command names when it is not the first. A seed or path passed to fc.assert
 * itself wins over these, so tests pass neither.
 */
import path from 'node:path';
import fc from 'fast-check';
import { beforeEach } from 'vitest';

/** The signed 32-bit integer in environment variable `name`, or undefined when it is not set. */
function integerFromEnvironment(
  name: string,
  range: { readonly min: number; readonly max: number },
): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || value < range.min || value > range.max) {
    throw new Error(`${name}=${text}: expected an integer from ${range.min} to ${range.max}`);
  }
  return value;
}

const seedFromEnvironment = integerFromEnvironment('EKV_SEED', { min: -(2 ** 31), max: 2 ** 32 - 1 });
const pathFromEnvironment = process.env.EKV_PATH;
if (pathFromEnvironment !== undefined && !/^\d+(:\d+)*$/.test(pathFromEnvironment)) {
  throw new Error(`EKV_PATH=${pathFromEnvironment}: expected a fast-check path such as 12:0:3`);
}
const pathPropertyFromEnvironment = integerFromEnvironment('EKV_PROPERTY', { min: 1, max: 1_000_000 }) ?? 1;

/** The properties of the running test. */
interface TestProperties {
  readonly seed: number;
  /** The test file (relative to the working directory) and the -t pattern that selects the test. */
  readonly file: string;
  readonly pattern: string;
  /** How many fc.assert / fc.check runs of this test have started, and how many of those fc.assert ones ended. */
  started: number;
  ended: number;
  /** Whether a property failure already carried the rerun command. */
  reported: boolean;
}

let current: TestProperties = { seed: 0, file: '', pattern: '', started: 0, ended: 0, reported: false };

// Instantiated at the start of every fc.assert / fc.check: counts the properties a test started,
// so that a test that timed out inside one still prints its seed.
fc.installGlobalPlugin(() => {
  current.started += 1;
  return {};
});

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The names from the outermost describe down to the test, as vitest's -t matches them (space-joined). */
function testNamePattern(task: {
  readonly name: string;
  readonly suite?: { readonly name: string; readonly suite?: unknown } | undefined;
}): string {
  const names: string[] = [];
  for (
    let node: { name: string; suite?: unknown } | undefined = task;
    node !== undefined;
    node = node.suite as typeof node
  ) {
    names.unshift(node.name);
  }
  return escapeRegExp(names.join(' '));
}

function rerunCommand(
  test: TestProperties,
  rerun: { readonly seed: number; readonly path?: string | null; readonly property: number },
): string {
  const variables = [`EKV_SEED=${rerun.seed}`];
  if (rerun.path !== undefined && rerun.path !== null && rerun.path !== '') {
    variables.push(`EKV_PATH=${rerun.path}`);
    if (rerun.property !== 1) variables.push(`EKV_PROPERTY=${rerun.property}`);
  }
  return `${variables.join(' ')} npx vitest run ${test.file} -t ${shellQuote(test.pattern)}`;
}

/** The global parameters of the `number`-th property run of the current test. */
function configureFor(number: number): void {
  const withPath = pathFromEnvironment !== undefined && number === pathPropertyFromEnvironment;
  fc.configureGlobal({ seed: current.seed, ...(withPath ? { path: pathFromEnvironment } : {}), reporter });
}

/** Replaces fast-check's default reporter: the same message, plus the rerun command. */
function reporter(details: fc.RunDetails<unknown>): void {
  current.ended += 1;
  const number = current.ended;
  configureFor(number + 1);
  if (!details.failed) return;
  current.reported = true;
  const message = fc.defaultReportMessage(details) ?? 'property failed';
  const rerun = rerunCommand(current, { seed: details.seed, path: details.counterexamplePath, property: number });
  throw new Error(`${message}\n\nRerun it: ${rerun}`, { cause: details.errorInstance });
}

beforeEach((context) => {
  current = {
    seed: seedFromEnvironment ?? (Math.random() * 2 ** 32) | 0,
    file: path.relative(process.cwd(), context.task.file.filepath),
    pattern: testNamePattern(context.task),
    started: 0,
    ended: 0,
    reported: false,
  };
  configureFor(1);
  const properties = current;
  context.onTestFailed(() => {
    if (properties.reported || properties.started === 0) return;
    console.error(
      `fast-check: this test ran its properties from seed ${properties.seed}; rerun it: ${rerunCommand(properties, { seed: properties.seed, property: 1 })}`,
    );
  });
});
