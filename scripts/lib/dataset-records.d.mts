// Types of dataset-records.mjs, for the tests that read the shared data sets with it.

/** Records of one file: `{"Records": [...]}`, a bare array, or JSON Lines. Throws on other JSON. */
export function recordsOf(file: string): unknown[];

/** Every `.json`/`.json.gz` file below a folder (digests aside), in a stable order. */
export function logFilesBelow(dir: string): Generator<string>;

/** Every CloudTrail record of every data set below `root`, with its data set's name. */
export function datasetRecords(root: string): Generator<{
  dataset: string;
  record: Record<string, unknown> & { eventSource: string; eventName: string };
}>;
