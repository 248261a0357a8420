// Child process of the sidecar crash test: writes the "new" sidecar and kills
// itself with SIGKILL right after the named protocol step.
// argv: <sidecar path> <step | 'none'> <new sidecar JSON>
import { killAtSidecarStep, writeSidecar } from '../sidecar-file.js';
import { parseSidecar } from '../sidecar-codec.js';

const [path, step, json] = process.argv.slice(2);
if (path === undefined || step === undefined || json === undefined)
  throw new Error('usage: sidecar-crash-child <path> <step> <json>');
await writeSidecar(path, parseSidecar(json), step === 'none' ? {} : { onStep: killAtSidecarStep(step) });
process.stdout.write('completed\n');
