// The halt-apply checker: deterministic, declared, fail-closed halts, and no
// replica applying past an entry another halted on.
export { checkHaltApply } from './check-halt-apply.js';
export type { HaltApplyInput } from './check-halt-apply.js';
