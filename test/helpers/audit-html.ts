import type { AuditDocument } from '../../src/app/audit/audit-types.js';
import { runBinary } from './cli.js';

/** An audit document and the HTML page rendered from it, for the browser tests. */
export interface AuditReport {
  readonly document: AuditDocument;
  readonly html: string;
}

/** The demo organisation's audit: its last 30 days of logs, its IAM files and credential reports. */
const DEMO_AUDIT = [
  'audit',
  '--config',
  'examples/demo/config.example.yaml',
  '--end',
  '2026-10-31',
  '--unused-days',
  '30',
];

/**
 * The audit the HTML tests load: the demo organisation's `audit --format json` and `--format html`
 * output, each from the built binary.
 */
export function loadAuditReport(): AuditReport {
  const run = (format: string) => {
    const result = runBinary([...DEMO_AUDIT, '--format', format]);
    if (result.status !== 0)
      throw new Error(`audit --format ${format} exited ${String(result.status)}: ${result.stderr}`);
    return result.stdout;
  };
  return { document: JSON.parse(run('json')) as AuditDocument, html: run('html') };
}
