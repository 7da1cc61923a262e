import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { readAuthorizationDetailsFile, readRoleSummariesFile } from '../../../src/cli/iam-file.js';
import {
  AuthorizationDetailsError,
  parseAuthorizationDetails,
  parseRoleSummaries,
} from '../../../src/iam/authorization-details.js';
import { parseJsonDocuments, JsonSyntaxError } from '../../../src/iam/json-documents.js';
import { grantsOf } from '../../helpers/iam.js';
import { DATASETS_DIR, hasDatasets } from '../../helpers/paths.js';

const cliShape = JSON.parse(
  readFileSync(new URL('../../fixtures/authz-cli-shape.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** The same content as the raw IAM API returns it: every policy document URL-encoded. */
function toRawApiShape(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => toRawApiShape(item));
  if (typeof value === 'object' && value !== null) {
    if (['PolicyDocument', 'Document', 'AssumeRolePolicyDocument'].includes(key))
      return encodeURIComponent(JSON.stringify(value));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toRawApiShape(v, k)]));
  }
  return value;
}

describe('parseAuthorizationDetails', () => {
  it('reads users, groups, roles and policies, and marks service-linked roles', () => {
    const details = parseAuthorizationDetails([cliShape]);
    expect(details.users.map((u) => [u.name, u.path, u.groups])).toEqual([
      ['alice', '/', ['auditors']],
      ['bob', '/people/', ['no-such-group']],
    ]);
    expect(details.roles.map((r) => [r.name, r.serviceLinked, r.lastUsedDate])).toEqual([
      ['admin', false, '2024-05-06T07:08:09Z'],
      ['AWSServiceRoleForSupport', true, undefined],
    ]);
    expect([...details.groups.keys()]).toEqual(['auditors']);
    expect(details.policies.size).toBe(4);
    expect(details.users[1]?.permissionsBoundaryArn).toBe('arn:aws:iam::111111111111:policy/boundary');
  });

  it('gives the same grants for the raw API shape (URL-encoded documents) as for the CLI shape', () => {
    const cli = parseAuthorizationDetails([cliShape]);
    const raw = parseAuthorizationDetails([toRawApiShape(cliShape)]);
    for (const [type, name] of [
      ['user', 'alice'],
      ['user', 'bob'],
      ['role', 'admin'],
    ] as const) {
      expect(grantsOf(raw, type, name).actions).toEqual(grantsOf(cli, type, name).actions);
    }
  });

  it("reads users' and roles' Tags by key, absent or empty as none", () => {
    const details = parseAuthorizationDetails([
      {
        UserDetailList: [
          {
            UserName: 'alice',
            Arn: 'arn:aws:iam::111111111111:user/alice',
            Tags: [
              { Key: 'team', Value: 'payments' },
              { Key: 'audit-exempt', Value: '' },
            ],
          },
          { UserName: 'bob', Arn: 'arn:aws:iam::111111111111:user/bob' },
        ],
        RoleDetailList: [
          {
            RoleName: 'ci',
            Arn: 'arn:aws:iam::111111111111:role/ci',
            Tags: [{ Key: 'owner', Value: 'build' }],
          },
          { RoleName: 'old', Arn: 'arn:aws:iam::111111111111:role/old', Tags: [] },
        ],
      },
    ]);
    expect(details.users.map((user) => [user.name, user.tags])).toEqual([
      ['alice', { team: 'payments', 'audit-exempt': '' }],
      ['bob', {}],
    ]);
    expect(details.roles.map((role) => [role.name, role.tags])).toEqual([
      ['ci', { owner: 'build' }],
      ['old', {}],
    ]);
    expect(() =>
      parseAuthorizationDetails([
        { UserDetailList: [{ UserName: 'eve', Arn: 'arn:aws:iam::1:user/eve', Tags: [{ Key: 'team' }] }] },
      ]),
    ).toThrow('UserDetailList[0].Tags[0].Value: expected a string, got nothing');
  });

  it('merges several pages, keeping an entity present on two pages once', () => {
    const page1 = {
      UserDetailList: cliShape.UserDetailList,
      GroupDetailList: cliShape.GroupDetailList,
      IsTruncated: true,
      Marker: 'm',
    };
    const page2 = {
      RoleDetailList: cliShape.RoleDetailList,
      Policies: cliShape.Policies,
      UserDetailList: [(cliShape.UserDetailList as unknown[])[0]],
      IsTruncated: false,
    };
    const merged = parseAuthorizationDetails([page1, page2]);
    expect(merged.users.map((u) => u.name)).toEqual(['alice', 'bob']);
    expect(grantsOf(merged, 'user', 'alice').actions).toEqual(
      grantsOf(parseAuthorizationDetails([cliShape]), 'user', 'alice').actions,
    );
  });

  it.each([
    {
      name: 'a bad Effect deep in a role policy',
      pages: [
        {
          RoleDetailList: [
            {
              RoleName: 'r',
              Arn: 'a',
              RolePolicyList: [
                {
                  PolicyName: 'p',
                  PolicyDocument: {
                    Statement: [
                      { Effect: 'Allow', Action: '*' },
                      { Effect: 'Permit', Action: '*' },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
      message:
        'RoleDetailList[0].RolePolicyList[0].PolicyDocument.Statement[1].Effect: expected "Allow" or "Deny", got "Permit"',
    },
    {
      name: 'a user without a name',
      pages: [{ UserDetailList: [{ Arn: 'a' }] }],
      message: 'UserDetailList[0].UserName: expected a non-empty string, got nothing',
    },
    {
      name: 'a list that is not a list',
      pages: [{ UserDetailList: {} }],
      message: 'UserDetailList: expected a list, got an object',
    },
    {
      name: 'a bad managed policy document on the second page',
      pages: [
        { UserDetailList: [] },
        {
          Policies: [
            {
              PolicyName: 'p',
              Arn: 'a',
              PolicyVersionList: [{ IsDefaultVersion: true, Document: '%7Bbroken' }],
            },
          ],
        },
      ],
      message:
        '[page 2] Policies[0].PolicyVersionList[0].Document: is a string that does not hold valid JSON',
    },
    {
      name: 'something that is not authorization details',
      pages: [{ Records: [] }],
      message: '$: has none of UserDetailList, GroupDetailList, RoleDetailList, Policies',
    },
  ])('names the JSON path of $name', ({ pages, message }) => {
    expect(() => parseAuthorizationDetails(pages)).toThrow(AuthorizationDetailsError);
    expect(() => parseAuthorizationDetails(pages)).toThrow(message);
  });
});

describe('parseJsonDocuments', () => {
  it('reads one document, or several concatenated ones', () => {
    expect(parseJsonDocuments('{"a":1}')).toEqual([{ a: 1 }]);
    expect(parseJsonDocuments('{"a":"}{"}\n{"b":[2]}\n')).toEqual([{ a: '}{' }, { b: [2] }]);
  });

  it('locates a syntax error by line and column', () => {
    try {
      parseJsonDocuments('{\n  "a": 1,\n  "b": tru\n}');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(JsonSyntaxError);
      expect((error as JsonSyntaxError).line).toBe(3);
    }
  });

  it('rejects truncated JSON', () => {
    expect(() => parseJsonDocuments('{"UserDetailList": [')).toThrow(JsonSyntaxError);
  });
});

describe('parseRoleSummaries', () => {
  it.each([
    ...(hasDatasets() ? [`${DATASETS_DIR}/cloudsplaining-iam-vulnerable-authz/example.json.gz`] : []),
    'examples/demo/iam/demo.json',
    'examples/demo/iam/backup.json',
  ])('gives the roles of %s as the full parse does', (file) => {
    const summaries = readRoleSummariesFile(file);
    const roles = readAuthorizationDetailsFile(file).roles;
    expect(roles.length).toBeGreaterThan(0);
    expect(summaries).toEqual(
      roles.map((role) => ({ name: role.name, arn: role.arn, serviceLinked: role.serviceLinked })),
    );
  });

  it('reads the roles of a file whose other parts it never reads, and refuses a bad role by its path', () => {
    const page = structuredClone(cliShape) as { UserDetailList: { UserPolicyList: unknown }[] };
    // A user's broken policy list: the full parse refuses the file, the roles are still read.
    page.UserDetailList[0] = { ...page.UserDetailList[0], UserPolicyList: 'not a list' };
    expect(() => parseAuthorizationDetails([page])).toThrow(AuthorizationDetailsError);
    expect(parseRoleSummaries([page])).toEqual([
      { name: 'admin', arn: 'arn:aws:iam::111111111111:role/admin', serviceLinked: false },
      {
        name: 'AWSServiceRoleForSupport',
        arn: 'arn:aws:iam::111111111111:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport',
        serviceLinked: true,
      },
    ]);
    const noName = { RoleDetailList: [{ Arn: 'arn:aws:iam::111111111111:role/x' }] };
    expect(() => parseRoleSummaries([{ RoleDetailList: [] }, noName])).toThrow(
      '[page 2] RoleDetailList[0].RoleName: expected a non-empty string, got nothing',
    );
  });
});
