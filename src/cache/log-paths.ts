/**
 * The account a CloudTrail log file's key names (`.../AWSLogs/[o-org/]<account>/CloudTrail/...`),
 * or `undefined` for a file outside that layout.
 */
export function accountOfLogPath(file: string): string | undefined {
  return /\/AWSLogs\/(?:o-[a-z0-9]+\/)?(\d{12})\/CloudTrail\//.exec(file)?.[1];
}

/**
 * The UTC day a CloudTrail log file's key names, or `undefined` for a file outside that layout.
 */
export function dayOfLogPath(file: string): string | undefined {
  const match = /\/CloudTrail\/[^/]+\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(file);
  return match === null ? undefined : `${match[1]}-${match[2]}-${match[3]}`;
}
