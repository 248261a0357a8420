// The scenario suite: one file, one cluster at a time (see vitest.config.ts).
import { testConfig } from './vitest.config.js';

export default testConfig(true);
