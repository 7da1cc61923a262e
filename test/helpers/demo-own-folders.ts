import { copyFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from './paths.js';

/**
 * The demo organisation in `dir`, its logs moved from the organization trail's folders
 * (`AWSLogs/o-demo12345/<account>/`) into each account's own (`AWSLogs/<account>/`, where a trail of
 * the account itself writes), with its IAM files and credential reports. Returns the config file.
 */
export function demoInOwnFolders(dir: string): string {
  const demo = join(REPO_ROOT, 'examples/demo');
  cpSync(join(demo, 'logs/AWSLogs/o-demo12345'), join(dir, 'logs/AWSLogs'), { recursive: true });
  for (const folder of ['iam', 'credentials'])
    cpSync(join(demo, folder), join(dir, folder), { recursive: true });
  copyFileSync(join(demo, 'config.example.yaml'), join(dir, 'config.yaml'));
  return join(dir, 'config.yaml');
}
