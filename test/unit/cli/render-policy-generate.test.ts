import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import type { GeneratedPolicy } from '../../../src/analysis/policy-generation.js';
import type { PolicyGenerateDocument } from '../../../src/app/policy/generate-policy.js';
import {
  policyFileNames,
  renderGenerateSummary,
  renderPolicies,
  renderPolicyTerraform,
  terraformName,
} from '../../../src/cli/render-policy-generate.js';

const POLICY: GeneratedPolicy = {
  name: 'iamtrail-user-dev',
  size: 0,
  document: {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'IamScoped',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: 'arn:aws:iam::111122223333:role/exec',
        Condition: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'lambda.amazonaws.com'] } },
      },
      {
        Sid: 'S3Scoped',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: ['arn:aws:s3:::home/${aws:username}/*', 'arn:aws:s3:::say-"hi"/*'],
      },
    ],
  },
};

describe('renderPolicyTerraform', () => {
  it('one aws_iam_policy_document data source, condition blocks for PassRole, template sequences escaped', () => {
    expect(renderPolicyTerraform([POLICY])).toBe(
      [
        'data "aws_iam_policy_document" "iamtrail_user_dev" {',
        '  version = "2012-10-17"',
        '',
        '  statement {',
        '    sid       = "IamScoped"',
        '    effect    = "Allow"',
        '    actions   = ["iam:PassRole"]',
        '    resources = ["arn:aws:iam::111122223333:role/exec"]',
        '',
        '    condition {',
        '      test     = "StringEquals"',
        '      variable = "iam:PassedToService"',
        '      values   = [',
        '        "ec2.amazonaws.com",',
        '        "lambda.amazonaws.com",',
        '      ]',
        '    }',
        '  }',
        '',
        '  statement {',
        '    sid       = "S3Scoped"',
        '    effect    = "Allow"',
        '    actions   = [',
        '      "s3:GetObject",',
        '      "s3:PutObject",',
        '    ]',
        '    resources = [',
        '      "arn:aws:s3:::home/$${aws:username}/*",',
        '      "arn:aws:s3:::say-\\"hi\\"/*",',
        '    ]',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('a copied Deny (NotAction, Condition) and an Allow with NotResource', () => {
    const policy: GeneratedPolicy = {
      name: 'p',
      size: 0,
      document: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'S3Scoped',
            Effect: 'Allow',
            Action: ['s3:GetObject'],
            NotResource: 'arn:aws:s3:::secret/*',
          },
          {
            Sid: 'Deny',
            Effect: 'Deny',
            NotAction: ['iam:*'],
            Resource: '*',
            Condition: {
              StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1', 'eu-central-1'] },
              Bool: { 'aws:MultiFactorAuthPresent': 'false' },
            },
          },
        ],
      },
    };
    expect(renderPolicyTerraform([policy])).toBe(
      [
        'data "aws_iam_policy_document" "p" {',
        '  version = "2012-10-17"',
        '',
        '  statement {',
        '    sid       = "S3Scoped"',
        '    effect    = "Allow"',
        '    actions   = ["s3:GetObject"]',
        '    not_resources = ["arn:aws:s3:::secret/*"]',
        '  }',
        '',
        '  statement {',
        '    sid       = "Deny"',
        '    effect    = "Deny"',
        '    not_actions = ["iam:*"]',
        '    resources = ["*"]',
        '',
        '    condition {',
        '      test     = "StringNotEquals"',
        '      variable = "aws:RequestedRegion"',
        '      values   = [',
        '        "eu-west-1",',
        '        "eu-central-1",',
        '      ]',
        '    }',
        '',
        '    condition {',
        '      test     = "Bool"',
        '      variable = "aws:MultiFactorAuthPresent"',
        '      values   = ["false"]',
        '    }',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('names a data source Terraform accepts', () => {
    expect(terraformName('iamtrail-role-app.prod-1')).toBe('iamtrail_role_app_prod_1');
    expect(terraformName('1st')).toBe('_1st');
  });
});

describe('renderPolicies', () => {
  it('JSON: the document; several: an array of them; YAML: one document each', () => {
    expect(JSON.parse(renderPolicies([POLICY], 'json'))).toEqual(POLICY.document);
    expect(JSON.parse(renderPolicies([POLICY, POLICY], 'json'))).toEqual([POLICY.document, POLICY.document]);
    const yaml = renderPolicies([POLICY, POLICY], 'yaml');
    expect(yaml.split('---\n').map((text) => parse(text) as unknown)).toEqual([
      POLICY.document,
      POLICY.document,
    ]);
  });

  it('YAML: a YAML 1.1 parser reads the Version as a string, not a date', () => {
    const yaml = renderPolicies([POLICY], 'yaml');
    const parsed = parse(yaml, { version: '1.1' }) as { Version: unknown };
    expect(parsed.Version).toBe('2012-10-17');
    expect(parse(yaml, { version: '1.1' })).toEqual(POLICY.document);
  });

  it('one file per policy with --output', () => {
    expect(policyFileNames('out/p.json', 1)).toEqual(['out/p.json']);
    expect(policyFileNames('out/p.tf', 2)).toEqual(['out/p-1.tf', 'out/p-2.tf']);
    expect(policyFileNames('policy', 2)).toEqual(['policy-1', 'policy-2']);
  });
});

describe('renderGenerateSummary', () => {
  it('says the sizes, the replay line, the calls not replayed, each denied call and the notes', () => {
    const document = {
      principal: { type: 'role', name: 'app', arn: 'arn:aws:iam::111122223333:role/app' },
      window: { startDay: '2026-10-01', endDay: '2026-10-31' },
      settings: { keepUnknown: true, resources: 'scoped', maxChars: 6144, exactLimit: 10 },
      counts: { actions: 3, used: 2, unknownKept: 1, scopedActions: 1, statements: 2, policies: 1 },
      policies: [{ ...POLICY, size: 420, maxChars: 6144, fits: true }],
      replay: {
        calls: { total: 9, allowed: 9, outsideGrant: 2 },
        resourceUses: { total: 4, allowed: 3, outsideGrant: 0 },
        denied: [
          {
            kind: 'resource',
            event: 'ec2:RunInstances',
            action: 'iam:PassRole',
            resource: 'arn:aws:iam::111122223333:role/exec',
            passedToService: 'ec2.amazonaws.com',
            calls: 1,
          },
        ],
        outsideGrant: [],
        conditional: [
          {
            kind: 'resource',
            event: 's3:ListObjects',
            action: 's3:ListBucket',
            resource: 'arn:aws:s3:::home-bucket',
            calls: 1,
          },
        ],
        unmapped: {
          calls: 3,
          events: [
            { event: 'apigateway:CreateDeployment', reason: 'unknown-action', calls: 1 },
            { event: 'apigateway:GetRestApis', reason: 'unknown-action', calls: 2 },
          ],
        },
        unresolvedRoles: [
          {
            event: 'ec2:RunInstances',
            reference: 'arn:aws:iam::111122223333:instance-profile/gone',
            reason: 'the IAM data holds no role in that instance profile',
            calls: 1,
          },
        ],
      },
      notes: ['kept 1 granted action(s) of unknown use (?)'],
    } as unknown as PolicyGenerateDocument;
    expect(renderGenerateSummary(document, ['out/app.json'])).toBe(
      [
        'Policy for role app (arn:aws:iam::111122223333:role/app), 2026-10-01..2026-10-31, resources scoped',
        '  3 action(s) (2 used, 1 kept ?), 1 scoped to resources, 2 statement(s) in 1 policy',
        '  iamtrail-user-dev: 420 of 6144 characters → out/app.json',
        '  replay: 9 of 9 observed calls allowed; 3 of 4 resource uses allowed',
        '  2 call(s) not granted by the current policies either (allowed by something else): not replayed',
        '  1 resource use(s) granted under a condition the logs do not settle, now as in the generated policies: not replayed (s3:ListObjects → s3:ListBucket on arn:aws:s3:::home-bucket)',
        '  3 call(s) of events no IAM action is known for: not replayed (apigateway:CreateDeployment 1, apigateway:GetRestApis 2)',
        '  1 call(s) passed a role the IAM data does not resolve: its iam:PassRole not replayed (ec2:RunInstances arn:aws:iam::111122223333:instance-profile/gone)',
        '  DENIED ec2:RunInstances → iam:PassRole on arn:aws:iam::111122223333:role/exec passed to ec2.amazonaws.com (1 call(s))',
        '  note: kept 1 granted action(s) of unknown use (?)',
        '',
      ].join('\n'),
    );
  });
});
