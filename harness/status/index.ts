export { StatusSampler, statusSamplerDefaults } from './status-sampler.js';
export type { StatusSamplerOptions } from './status-sampler.js';
