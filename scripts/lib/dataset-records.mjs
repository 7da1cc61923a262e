// Reads the CloudTrail records of the public data sets in ../shared/datasets, whatever their shape:
// `{"Records": [...]}`, a bare array, or JSON Lines; gzipped or not. Used by the data scripts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Records of one file: `{"Records": [...]}`, a bare array, or JSON Lines. Throws on other JSON. */
export function recordsOf(file) {
  const bytes = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  try {
    const value = JSON.parse(text);
    return Array.isArray(value) ? value : Array.isArray(value.Records) ? value.Records : [];
  } catch {
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line));
  }
}

/** Every `.json`/`.json.gz` file below a folder (digests aside), in a stable order. */
export function* logFilesBelow(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* logFilesBelow(path);
    else if (/\.json(\.gz)?$/.test(name) && !name.includes('Digest')) yield path;
  }
}

/**
 * Every CloudTrail record of every data set below `root`, as `{dataset, record}`; files that are not
 * CloudTrail (authorization-details dumps) are passed over.
 */
export function* datasetRecords(root) {
  for (const dataset of readdirSync(root).sort()) {
    const dir = join(root, dataset);
    if (!statSync(dir).isDirectory()) continue;
    for (const file of logFilesBelow(dir)) {
      let records;
      try {
        records = recordsOf(file);
      } catch {
        continue;
      }
      for (const record of records) {
        if (typeof record?.eventSource !== 'string' || typeof record?.eventName !== 'string') continue;
        yield { dataset, record };
      }
    }
  }
}
