/** Program entry of the unreplicated test double (see unreplicated-node.ts). */
import { main } from './unreplicated-node.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`unreplicated-node: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
