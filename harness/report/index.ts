// The run report (report.html) and the store browser (`ekv-jepsen serve`).
export { renderReport, reportFileName, writeReport } from './write-report.js';
export type { WriteReportOptions } from './write-report.js';
export { buildReportModel, latencyPointsMax, timelineBarsMax } from './report-model.js';
export type { ReportModel, ReportOp, ReportFault, ReportStep, ReportHalt } from './report-model.js';
export { listStoredRuns } from './store-index.js';
export type { StoredRun, RunVerdict } from './store-index.js';
export { resolveInStore, startStoreServer } from './store-server.js';
export type { StoreServer, StoreServerOptions } from './store-server.js';
