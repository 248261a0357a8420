export { makeHistoryHeader } from './op.js';
export type { HistoryHeader, HistoryOp, JsonValue, OpDraft, OpType, ProcessId } from './op.js';
export { HistoryWriter } from './history-writer.js';
export type { HistoryWriterOptions, NanoClock } from './history-writer.js';
export { parseHistoryJsonl, readHistoryJsonl } from './history-reader.js';
export type { ReadHistory } from './history-reader.js';
export { historyToEdn, jsonToEdn, opToEdn, parseHistoryEdn, writeHistoryEdn } from './edn-history.js';
export { opToText, resultsToEdn, writeHistoryText, writeResultsEdn } from './jepsen-files.js';
