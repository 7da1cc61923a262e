import { gunzipSync } from 'node:zlib';

import { readInputFile } from './read-input-file.js';
import { InputDataError } from '../errors.js';
import {
  AuthorizationDetailsError,
  parseAuthorizationDetails,
  parseRoleSummaries,
} from '../iam/authorization-details.js';
import type { AuthorizationDetails, RoleSummary } from '../iam/authorization-details.js';
import { JsonSyntaxError, parseJsonDocuments } from '../iam/json-documents.js';

const HOW_TO_MAKE = 'aws iam get-account-authorization-details --output json > FILE';

/**
 * Reads an authorization-details file: plain or gzipped JSON, one document, an array of pages, or
 * concatenated pages. Every failure is an {@link InputDataError} that names the file and, for
 * content errors, the JSON path of the bad part.
 */
export function readAuthorizationDetailsFile(file: string): AuthorizationDetails {
  return readIamFile(file, parseAuthorizationDetails);
}

/** The roles of an IAM file, nothing else of it read (see {@link parseRoleSummaries}); fails as {@link readAuthorizationDetailsFile}. */
export function readRoleSummariesFile(file: string): RoleSummary[] {
  return readIamFile(file, parseRoleSummaries);
}

/** Reads an IAM file's pages (gzipped or not, one JSON array of pages or pages in a row) with `parse`. */
function readIamFile<T>(file: string, parse: (pages: readonly unknown[]) => T): T {
  const bytes = readInputFile(file, 'IAM file', HOW_TO_MAKE);
  let text: string;
  try {
    text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch (error) {
    throw new InputDataError(`IAM file ${file} is not valid gzip: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const documents = parseJsonDocuments(text);
    const pages = documents.length === 1 && Array.isArray(documents[0]) ? documents[0] : documents;
    return parse(pages);
  } catch (error) {
    if (error instanceof JsonSyntaxError || error instanceof AuthorizationDetailsError) {
      throw new InputDataError(`IAM file ${file}: ${error.message}`, {
        suggestions: [`Regenerate it with: ${HOW_TO_MAKE}`],
        cause: error,
      });
    }
    throw error;
  }
}
