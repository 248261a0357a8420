// History vocabulary and readers (Jepsen/knossos EDN, porcupine logs, history.jsonl).
export { nemesisProcess, rolloutProcess, nonClientProcesses, isClientProcess } from './history-op.js';
export type { HistoryOp, HistoryOpType, HistoryValue, ParsedHistory } from './history-op.js';
export { HistoryParseError } from './history-parse-error.js';
export type { HistoryParseErrorCode } from './history-parse-error.js';
export { readHistory, historyFormats } from './history-format.js';
export type { HistoryFormat } from './history-format.js';
export { readEdnHistory } from './read-edn-history.js';
export { readJepsenLog } from './read-jepsen-log.js';
export { readHistoryJsonl, historyOpToJsonl, historyJsonlFormat, historyJsonlVersion } from './history-jsonl.js';
export type { HistoryJsonlHeader, ParsedHistoryJsonl } from './history-jsonl.js';
export { readEdnValue, EdnSyntaxError } from './edn-reader.js';
