import { describe, expect, it } from 'vitest';

import { logFoldersOf } from '../../../../src/app/report/load-window.js';
import type { Config } from '../../../../src/config/load-config.js';

// Only the athena: section is read for the Athena engine (the table's location decides).
const configWith = (athena: Record<string, string> | undefined): Config =>
  ({ file: 'config.yaml', accounts: [], athena }) as unknown as Config;

describe('logFoldersOf on Athena: the table location decides for every account', () => {
  it("with athena.org_id, an organization trail's folders", () => {
    const folders = logFoldersOf(configWith({ s3_bucket: 'trail', org_id: 'o-abc123' }), {
      engineName: 'athena',
      logsDir: undefined,
    });
    expect(folders('111111111111')).toEqual({ organization: true, own: false });
  });

  it("without it, each account's own (AWSLogs/<account>/)", () => {
    const folders = logFoldersOf(configWith({ s3_bucket: 'trail' }), {
      engineName: 'athena',
      logsDir: undefined,
    });
    expect(folders('222222222222')).toEqual({ organization: false, own: true });
  });
});
