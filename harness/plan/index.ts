export { buildPlan, parsePlanJsonl, planGenerator, planToJsonl } from './plan.js';
export type { Plan, PlanConfig, PlanEvent, PlanItem, PhaseName } from './plan.js';
