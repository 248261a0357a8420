export { bugCaseRegistry, bugCases } from './bug-cases.js';
