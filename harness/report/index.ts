// The run report (report.html) and the store browser (`ekv-jepsen serve`).
export { renderReport, reportFileName, writeReport } from './write-report.js';
export type { WriteReportOptions } from './write-report.js';
export { buildReportModel, latencyPointsMax, timelineBarsMax } from './report-model.js';
export type { ReportModel, ReportOp, ReportFault, ReportStep, ReportHalt } from './report-model.js';
