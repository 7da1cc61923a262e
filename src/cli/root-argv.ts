/** Root flags oclif answers itself: they never mean the report. */
const OCLIF_ROOT_FLAGS: readonly string[] = ['-h', '--help', '-v', '--version'];

/**
 * The argv oclif runs for what the user typed. CloudTracker took its flags with no command
 * (`cloudtracker --account demo --user alice`); so does iamtrail: flags first means the `report`
 * command. `bin/run.js` and the in-process test runner both route through here, so they agree.
 */
export function toCommandArgv(args: readonly string[]): string[] {
  const [first] = args;
  const isRootFlag = first !== undefined && first.startsWith('-') && !OCLIF_ROOT_FLAGS.includes(first);
  return isRootFlag ? ['report', ...args] : [...args];
}
