import { describe, expect, it } from 'vitest';

import { parseScpFile, scpLevelsOf } from '../../../../src/app/policy-tests/read-scp-file.js';
import { InputDataError } from '../../../../src/errors.js';

const FULL_ACCESS = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const DENY_LEAVE = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'NoLeave', Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' }],
});

/** A root, one OU under it, the management account and two members (one in the OU). */
const FILE = JSON.stringify({
  managementAccount: '111111111111',
  policies: [
    {
      id: 'p-FullAWSAccess',
      name: 'FullAWSAccess',
      content: FULL_ACCESS,
      targets: ['r-ab12', 'ou-ab12-11111111', '222222222222', '333333333333'],
    },
    { id: 'p-noleave', name: 'NoLeave', content: DENY_LEAVE, targets: ['ou-ab12-11111111'] },
  ],
  accounts: { '222222222222': ['r-ab12', 'ou-ab12-11111111'], '333333333333': ['r-ab12'] },
});

describe('scpLevelsOf', () => {
  it('gives the levels from the root down to the account, each with the policies targeting it', () => {
    const levels = scpLevelsOf(parseScpFile(FILE, 'scps.json'), '222222222222');
    expect(levels?.map((level) => [level.target, level.policies.map((policy) => policy.ref)])).toEqual([
      ['r-ab12', [{ kind: 'scp', policy: 'FullAWSAccess', policyArn: 'p-FullAWSAccess', target: 'r-ab12' }]],
      [
        'ou-ab12-11111111',
        [
          { kind: 'scp', policy: 'FullAWSAccess', policyArn: 'p-FullAWSAccess', target: 'ou-ab12-11111111' },
          { kind: 'scp', policy: 'NoLeave', policyArn: 'p-noleave', target: 'ou-ab12-11111111' },
        ],
      ],
      [
        '222222222222',
        [{ kind: 'scp', policy: 'FullAWSAccess', policyArn: 'p-FullAWSAccess', target: '222222222222' }],
      ],
    ]);
    // Content given as JSON text (DescribePolicy's Content) is parsed like an object.
    expect(levels?.[1]?.policies[1]?.document.statements[0]?.sid).toBe('NoLeave');
  });

  it('gives none for the management account: SCPs never apply to it', () => {
    expect(scpLevelsOf(parseScpFile(FILE, 'scps.json'), '111111111111')).toBeUndefined();
  });

  it('refuses an account the file does not place', () => {
    expect(() => scpLevelsOf(parseScpFile(FILE, 'scps.json'), '444444444444')).toThrow(
      'SCP file scps.json: account 444444444444 is not under accounts:',
    );
  });

  it('refuses a level without any SCP', () => {
    const file = parseScpFile(
      JSON.stringify({
        policies: [{ id: 'p-FullAWSAccess', content: FULL_ACCESS, targets: ['r-ab12'] }],
        accounts: { '222222222222': ['r-ab12'] },
      }),
      'scps.json',
    );
    expect(() => scpLevelsOf(file, '222222222222')).toThrow(
      'no policy targets 222222222222 (on the path of account 222222222222): AWS requires at least one SCP at every level; FullAWSAccess by default',
    );
  });
});

describe('parseScpFile', () => {
  const bad: { name: string; value: unknown; message: string }[] = [
    {
      name: 'a bad policy document, naming the policy and the JSON path',
      value: {
        policies: [{ id: 'p-1', content: { Statement: [{ Effect: 'Allow' }] }, targets: ['r-ab12'] }],
        accounts: {},
      },
      message:
        'SCP file s.json: policy p-1 ($.policies[0]).content.Statement[0]: has neither Action nor NotAction',
    },
    {
      name: 'an unknown key',
      value: { policies: [], accounts: {}, acounts: {} },
      message: 'SCP file s.json: $.acounts: unknown key',
    },
    {
      name: 'a target that is no id',
      value: { policies: [{ id: 'p-1', content: FULL_ACCESS, targets: ['root'] }], accounts: {} },
      message: 'SCP file s.json: $.policies[0].targets: expected a list of root, OU or account ids',
    },
    {
      name: 'an account key that is no account id',
      value: { policies: [], accounts: { demo: ['r-ab12'] } },
      message: 'SCP file s.json: $.accounts.demo: the key must be a 12-digit account id',
    },
    {
      name: 'an account id in a path',
      value: { policies: [], accounts: { '222222222222': ['r-ab12', '333333333333'] } },
      message:
        'SCP file s.json: $.accounts.222222222222: expected the list of ids from the root to the parent OU',
    },
    {
      name: 'a path that does not start at the root',
      value: { policies: [], accounts: { '222222222222': ['ou-ab12-11111111'] } },
      message: 'the first id must be the root (r-…)',
    },
    {
      name: 'an empty path',
      value: { policies: [], accounts: { '222222222222': [] } },
      message: '$.accounts.222222222222: expected the list of ids from the root to the parent OU',
    },
    {
      name: 'two roots in a path',
      value: { policies: [], accounts: { '222222222222': ['r-ab12', 'r-cd34'] } },
      message: '"r-cd34" is not an OU id (ou-…-…): after the root come only OUs',
    },
    {
      name: 'an OU twice in a path',
      value: {
        policies: [],
        accounts: { '222222222222': ['r-ab12', 'ou-ab12-11111111', 'ou-ab12-11111111'] },
      },
      message:
        '$.accounts.222222222222: expected the list of ids from the root to the parent OU (one r-…, then distinct ou-…-…), got a list: ou-ab12-11111111 is listed twice',
    },
  ];
  for (const { name, value, message } of bad)
    it(`refuses ${name}`, () => {
      expect(() => parseScpFile(JSON.stringify(value), 's.json')).toThrow(InputDataError);
      expect(() => parseScpFile(JSON.stringify(value), 's.json')).toThrow(message);
    });
});
