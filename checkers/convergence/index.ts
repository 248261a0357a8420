// The convergence checker: the final local reads of every key on every node
// agree once the node has applied the key's last acknowledged write.
export { checkConvergence } from './check-convergence.js';
export type { ConvergenceInput } from './check-convergence.js';
