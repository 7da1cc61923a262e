import type { LogsSummary } from '../app/report/report-types.js';
import { formatBytes } from '../engines/format-bytes.js';

/**
 * What a question read to answer, for stderr: the days read from the logs (engine calls, files,
 * skipped files) or none, the days from the cache or none, and Athena's queries and cost.
 */
export function renderLogsRead(logs: LogsSummary): string {
  const skipped = logs.skippedFiles.length;
  const read =
    logs.daysRead === 0
      ? 'no log read'
      : `${logs.daysRead} day(s) read from the logs in ${logs.engineCalls} engine call(s): ${logs.filesRead} file(s)${skipped > 0 ? `, ${skipped} skipped (see warnings above)` : ''}`;
  const cached =
    logs.cache === null ? 'no cache' : `${logs.daysFromCache} day(s) from the cache ${logs.cache}`;
  const athena =
    logs.athena === undefined
      ? ''
      : `athena: ${logs.athena.queries} query(ies), ${formatBytes(logs.athena.bytesScanned)} scanned, about $${logs.athena.dollars.toFixed(4)} at $5 per TB\n`;
  return `${read}; ${cached}\n${athena}`;
}
