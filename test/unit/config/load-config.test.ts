import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { FINDING_TYPES } from '../../../src/analysis/audit-findings.js';
import { findAccount, loadConfig } from '../../../src/config/load-config.js';
import { ConfigError, UsageError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'iamtrail-config-'));
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('loadConfig', () => {
  it("loads CloudTracker's config.yaml unchanged", () => {
    const file = write(
      'cloudtracker.yaml',
      [
        'athena:',
        '  s3_bucket: my_log_bucket',
        '  path: my_prefix',
        '  org_id: o-myid123',
        '  output_s3_bucket: s3://my-results',
        '  workgroup: wg',
        'accounts:',
        '  - name: demo',
        '    id: 111111111111',
        '    iam: account-data/demo_iam.json',
        '  - name: backup',
        "    id: '222222222222'",
        '    iam: /abs/backup.json',
        '',
      ].join('\n'),
    );
    const config = loadConfig(file);
    expect(config.accounts).toEqual([
      { name: 'demo', id: '111111111111', iam: join(dir, 'account-data/demo_iam.json') },
      { name: 'backup', id: '222222222222', iam: '/abs/backup.json' },
    ]);
    expect(config.athena).toMatchObject({
      s3_bucket: 'my_log_bucket',
      path: 'my_prefix',
      org_id: 'o-myid123',
      output_s3_bucket: 's3://my-results',
      workgroup: 'wg',
    });
    expect(config.logs).toBeUndefined();
    expect(config.unknownKeys).toEqual([]);
  });

  it("resolves an account's credential_report: against the config folder", () => {
    const config = loadConfig(
      write(
        'report.yaml',
        'accounts:\n  - name: a\n    id: 111111111111\n    iam: iam/a.json\n    credential_report: credentials/a.csv\n  - name: b\n    id: 222222222222\n',
      ),
    );
    expect(config.accounts.map((account) => [account.name, account.credentialReport])).toEqual([
      ['a', join(dir, 'credentials/a.csv')],
      ['b', undefined],
    ]);
  });

  it('resolves logs: against the config folder and keeps an id with leading zeros', () => {
    const config = loadConfig(
      write('zeros.yaml', 'logs: trail\naccounts:\n  - name: a\n    id: 012345678901\n'),
    );
    expect(config.logs).toBe(join(dir, 'trail'));
    expect(config.accounts[0]?.id).toBe('012345678901');
  });

  it('reports unknown top-level keys without failing', () => {
    expect(
      loadConfig(write('extra.yaml', 'elasticsearch: {}\naccounts:\n  - {name: a, id: 111111111111}\n'))
        .unknownKeys,
    ).toEqual(['elasticsearch']);
  });

  it('reads athena.concurrency (default 4) and chunk_scan_gb (default none)', () => {
    const given = loadConfig(
      write(
        'athena-chunks.yaml',
        'accounts:\n  - {name: a, id: 111111111111}\nathena:\n  s3_bucket: trail-bucket\n  concurrency: 20\n  chunk_scan_gb: 2.5\n',
      ),
    );
    expect([given.athena?.concurrency, given.athena?.chunk_scan_gb]).toEqual([20, 2.5]);
    const defaults = loadConfig(
      write(
        'athena-defaults.yaml',
        'accounts:\n  - {name: a, id: 111111111111}\nathena:\n  s3_bucket: trail-bucket\n',
      ),
    );
    expect([defaults.athena?.concurrency, defaults.athena?.chunk_scan_gb]).toEqual([4, undefined]);
  });

  it('reads audit: (role and exclude rules, a single value as a list)', () => {
    const config = loadConfig(
      write(
        'audit.yaml',
        [
          'accounts:',
          '  - {name: a, id: 111111111111}',
          'audit:',
          '  role: audit-reader',
          '  exclude:',
          '    - {accounts: a, findings: UnusedIAMRole}',
          "    - {arn: ':role/ci-', tag: {key: owner, value: platform}}",
          '',
        ].join('\n'),
      ),
    );
    expect(config.audit).toEqual({
      role: 'audit-reader',
      exclude: [
        { accounts: ['a'], findings: ['UnusedIAMRole'] },
        { arn: ':role/ci-', tag: { key: 'owner', value: 'platform' } },
      ],
    });
    expect(config.unknownKeys).toEqual([]);
  });

  it('reads boundary: (base actions and exclude entries, a single value as a list)', () => {
    const config = loadConfig(
      write(
        'boundary.yaml',
        [
          'accounts:',
          '  - {name: a, id: 111111111111}',
          'boundary:',
          '  base_actions: [ec2:DescribeInstances, "s3:List*"]',
          "  exclude: 'arn:aws:iam::\\d{12}:role/break-glass-.*'",
          '',
        ].join('\n'),
      ),
    );
    expect(config.boundary).toEqual({
      base_actions: ['ec2:DescribeInstances', 's3:List*'],
      exclude: ['arn:aws:iam::\\d{12}:role/break-glass-.*'],
    });
    expect(config.unknownKeys).toEqual([]);
  });

  it.each([
    [
      'boundary-bad-action.yaml',
      'accounts:\n  - {name: a, id: 111111111111}\nboundary:\n  base_actions: [ec2:DescribeInstances, DescribeRegions]\n',
      /boundary-bad-action\.yaml: boundary\.base_actions\[1\] must be an IAM action like ec2:DescribeInstances/,
    ],
    [
      'boundary-bad-arn.yaml',
      "accounts:\n  - {name: a, id: 111111111111}\nboundary:\n  exclude: [ci, 'arn:aws:iam::(']\n",
      /boundary-bad-arn\.yaml: boundary\.exclude\[1\] is not a valid regular expression: "arn:aws:iam::\("/,
    ],
    [
      'boundary-typo.yaml',
      'accounts:\n  - {name: a, id: 111111111111}\nboundary:\n  base_action: [ec2:DescribeInstances]\n',
      /boundary-typo\.yaml: boundary Unrecognized key: "base_action"/,
    ],
    ['missing.yaml', undefined, /config file .*missing\.yaml does not exist/],
    ['bad-yaml.yaml', 'accounts: [\n', /bad-yaml\.yaml is not valid YAML/],
    ['no-accounts.yaml', 'logs: x\n', /accounts expected array|accounts .*Invalid input/],
    [
      'bad-id.yaml',
      'accounts:\n  - {name: a, id: 1234}\n',
      /accounts\[0\]\.id must be a 12-digit AWS account id/,
    ],
    [
      'typo.yaml',
      'accounts:\n  - {name: a, id: 111111111111, iam_file: x.json}\n',
      /accounts\[0\] Unrecognized key: "iam_file"/,
    ],
    [
      'dup.yaml',
      'accounts:\n  - {name: a, id: 111111111111}\n  - {name: a, id: 222222222222}\n',
      /account name "a" is listed twice/,
    ],
    [
      'alias-bomb.yaml',
      [
        'a: &a [x, x, x, x, x, x, x, x, x]',
        ...'bcdefghi'.split('').map((key, index) => {
          const previous = 'abcdefghi'[index] ?? '';
          return `${key}: &${key} [${Array(9).fill(`*${previous}`).join(', ')}]`;
        }),
        'accounts: []',
        '',
      ].join('\n'),
      /alias-bomb\.yaml expands its YAML aliases \(\*name\) past the limit of 100: an alias bomb, not a config$/,
    ],
    [
      'syntax.yaml',
      'accounts:\n  - name: demo\n    id: [1\n',
      /syntax\.yaml is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a \] at line 4, column 1$/,
    ],
    [
      'duplicate-key.yaml',
      'logs: a\nlogs: b\naccounts: []\n',
      /duplicate-key\.yaml is not valid YAML: Map keys must be unique at line 2, column 1$/,
    ],
    [
      'audit-bad-arn.yaml',
      "accounts:\n  - {name: a, id: 111111111111}\naudit:\n  exclude:\n    - {arn: ':role/ci'}\n    - {arn: 'role/(ci'}\n",
      /audit-bad-arn\.yaml: audit\.exclude\[1\]\.arn is not a valid regular expression: "role\/\(ci"/,
    ],
    [
      'audit-bad-type.yaml',
      'accounts:\n  - {name: a, id: 111111111111}\naudit:\n  exclude:\n    - {findings: [UnusedIAMRole, UnusedIAMrole]}\n',
      /audit-bad-type\.yaml: audit\.exclude\[0\]\.findings\[1\] is not a finding type: "UnusedIAMrole" \(did you mean UnusedIAMRole(, [A-Za-z]+)*\? finding types: UnusedIAMRole, /,
    ],
    [
      'audit-bad-type-single.yaml',
      'accounts:\n  - {name: a, id: 111111111111}\naudit:\n  exclude:\n    - {findings: Unused}\n',
      /audit-bad-type-single\.yaml: audit\.exclude\[0\]\.findings\[0\] is not a finding type: "Unused" \(.*finding types: UnusedIAMRole, /,
    ],
    [
      'audit-empty-exclude.yaml',
      'accounts:\n  - {name: a, id: 111111111111}\naudit:\n  exclude:\n    - {}\n',
      /audit-empty-exclude\.yaml: audit\.exclude\[0\] gives no field \(accounts, arn, tag or findings\): an empty entry would hide every finding$/,
    ],
    [
      'athena-concurrency-zero.yaml',
      'accounts:\n  - {name: a, id: 111111111111}\nathena:\n  s3_bucket: trail-bucket\n  concurrency: 0\n',
      /athena\.concurrency must be a whole number from 1 to 20/,
    ],
    [
      'athena-concurrency-high.yaml',
      'accounts:\n  - {name: a, id: 111111111111}\nathena:\n  s3_bucket: trail-bucket\n  concurrency: 21\n',
      /athena\.concurrency must be a whole number from 1 to 20/,
    ],
    [
      'athena-concurrency-word.yaml',
      'accounts:\n  - {name: a, id: 111111111111}\nathena:\n  s3_bucket: trail-bucket\n  concurrency: four\n',
      /athena\.concurrency must be a whole number from 1 to 20/,
    ],
    [
      'athena-chunk-zero.yaml',
      'accounts:\n  - {name: a, id: 111111111111}\nathena:\n  s3_bucket: trail-bucket\n  chunk_scan_gb: 0\n',
      /athena\.chunk_scan_gb must be more than 0 gigabytes/,
    ],
    [
      'tabs.yaml',
      'accounts:\n\t- name: demo\n',
      /tabs\.yaml is not valid YAML: Tabs are not allowed as indentation at line 2, column 1$/,
    ],
  ])('%s gives a config error that names the problem', (name, text, message) => {
    const path = text === undefined ? join(dir, name) : write(name, text);
    expect(() => loadConfig(path)).toThrow(ConfigError);
    expect(() => loadConfig(path)).toThrow(message);
  });
});

describe('audit.exclude finding types', () => {
  it('a wrong one is named with every valid type', () => {
    const path = write(
      'audit-bad-type-list.yaml',
      'accounts:\n  - {name: a, id: 111111111111}\naudit:\n  exclude:\n    - {findings: [RootMfa]}\n',
    );
    expect(() => loadConfig(path)).toThrow(
      `audit.exclude[0].findings[0] is not a finding type: "RootMfa" (finding types: ${FINDING_TYPES.join(', ')})`,
    );
  });
});

describe('findAccount', () => {
  const config = loadConfig(
    write(
      'two.yaml',
      'accounts:\n  - {name: demo, id: 111111111111}\n  - {name: backup, id: 222222222222}\n',
    ),
  );
  it('finds by name or id', () => {
    expect(findAccount(config, 'backup').id).toBe('222222222222');
    expect(findAccount(config, '111111111111').name).toBe('demo');
  });
  it('lists the configured accounts when the name is unknown', () => {
    expect(() => findAccount(config, 'prod')).toThrow(UsageError);
    expect(() => findAccount(config, 'prod')).toThrow(
      'unknown account "prod" (config lists: demo (111111111111), backup (222222222222))',
    );
  });
  it('suggests the closest configured names and ids, as for mistyped users', () => {
    const suggestionsOf = (nameOrId: string): readonly string[] => {
      try {
        findAccount(config, nameOrId);
      } catch (error) {
        if (error instanceof UsageError) return error.suggestions;
      }
      throw new Error(`findAccount(${nameOrId}) did not fail`);
    };
    expect(suggestionsOf('bakup')[0]).toBe('Did you mean: backup?');
    expect(suggestionsOf('111111111112')[0]).toBe('Did you mean: 111111111111?');
    // Nothing close: only where to look.
    expect(suggestionsOf('production')).toEqual([`Use one of the names or ids in ${config.file}`]);
  });
});

describe('loadConfig on hostile YAML', () => {
  it('says what to do about tabs and duplicate keys, and refuses an alias bomb without expanding it', () => {
    const suggestionsOf = (text: string): readonly string[] => {
      try {
        loadConfig(write('hostile.yaml', text));
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).suggestions;
      }
      throw new Error('no error');
    };
    expect(suggestionsOf('accounts:\n\t- name: demo\n')).toEqual([
      'Indent with spaces: YAML does not allow tabs for indentation',
    ]);
    expect(suggestionsOf('logs: a\nlogs: b\n')).toEqual([
      'Keep one of the two keys: a key may appear once in a mapping',
    ]);
    // Nine levels of nine aliases: 387,420,489 strings if expanded.
    const levels = 'abcdefghi'.split('');
    const bomb = levels.map((key, index) =>
      index === 0
        ? 'a: &a [x, x, x, x, x, x, x, x, x]'
        : `${key}: &${key} [${Array(9)
            .fill(`*${levels[index - 1] ?? ''}`)
            .join(', ')}]`,
    );
    expect(suggestionsOf(`${bomb.join('\n')}\n`)).toEqual([
      'Write the values out instead of repeating them through aliases',
      'examples/demo/config.example.yaml shows the format',
    ]);
  });
});
