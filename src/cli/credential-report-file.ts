import { readInputFile } from './read-input-file.js';
import { InputDataError } from '../errors.js';
import { CredentialReportError, parseCredentialReport } from '../iam/credential-report.js';
import type { CredentialReportRow } from '../iam/credential-report.js';

const HOW_TO_MAKE =
  'aws iam generate-credential-report; aws iam get-credential-report --query Content --output text | base64 -d > FILE';

/**
 * Reads a credential report file (the config's `credential_report:`): the CSV as AWS writes it.
 * Every failure is an {@link InputDataError} (exit code 2) naming the file and, for content
 * errors, the line and column.
 */
export function readCredentialReportFile(file: string): CredentialReportRow[] {
  const text = readInputFile(file, 'credential report file', HOW_TO_MAKE).toString('utf8');
  try {
    return parseCredentialReport(text, `credential report file ${file}`);
  } catch (error) {
    if (error instanceof CredentialReportError)
      throw new InputDataError(error.message, {
        suggestions: [
          `Write it again with: ${HOW_TO_MAKE}`,
          // The most common mistake: the API's Content is base64.
          ...(/^[A-Za-z0-9+/=\s]+$/.test(text.slice(0, 200)) && !text.includes(',')
            ? ['It looks like base64: decode it (base64 -d) first']
            : []),
        ],
        cause: error,
      });
    throw error;
  }
}
