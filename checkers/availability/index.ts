// The availability checker: rollout steps finish, writes recover and no node
// is stuck after the final heal (STUCK findings, apart from safety ones).
export { checkAvailability } from './check-availability.js';
export type { AvailabilityInput } from './check-availability.js';
