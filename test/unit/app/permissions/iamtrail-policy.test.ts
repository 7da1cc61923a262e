import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { buildIamtrailPolicy } from '../../../../src/app/permissions/iamtrail-policy.js';
import { REPO_ROOT } from '../../../helpers/paths.js';

describe("the README's IAM permissions", () => {
  it('show the policy `iamtrail permissions` prints without a config', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## IAM permissions'));
    const block = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(block).toBeDefined();
    expect(JSON.parse(block ?? '')).toEqual(buildIamtrailPolicy(undefined));
  });
});
