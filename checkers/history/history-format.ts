// The history formats the checker reads, and one entry point for all of them.
import { readHistoryJsonl } from './history-jsonl.js';
import type { ParsedHistory } from './history-op.js';
import { readEdnHistory } from './read-edn-history.js';
import { readJepsenLog } from './read-jepsen-log.js';

/** edn: Jepsen/knossos EDN; jepsen-log: porcupine's etcd logs; porcupine-kv: porcupine's kv logs; jsonl: history.jsonl. */
export type HistoryFormat = 'edn' | 'jepsen-log' | 'porcupine-kv' | 'jsonl';

/** Every supported format, for CLI validation. */
export const historyFormats: readonly HistoryFormat[] = ['edn', 'jepsen-log', 'porcupine-kv', 'jsonl'];

/** Reads a history text in the given format; `file` names it in errors. */
export function readHistory(text: string, format: HistoryFormat, file: string): ParsedHistory {
  switch (format) {
    case 'edn':
    case 'porcupine-kv':
      return readEdnHistory(text, file);
    case 'jepsen-log':
      return readJepsenLog(text, file);
    case 'jsonl':
      return readHistoryJsonl(text, file);
  }
}
