import { describe, expect, it } from 'vitest';

import {
  BOUNDARY_TAG_KEYS,
  chooseRollbackSnapshot,
  compareSnapshots,
  planBoundaryTags,
  planRollback,
  rollbackPolicyChange,
  rollbackSnapshotProblem,
  sameDocument,
  whyRefuseBoundary,
  whyRefuseSharedPolicy,
  whyRefuseWidening,
} from '../../../src/analysis/boundary-changes.js';
import type {
  BoundarySnapshot,
  BoundaryTagInput,
  RollbackStep,
} from '../../../src/analysis/boundary-changes.js';
import type { BoundaryPolicyVersion, BoundaryState, PrincipalTag } from '../../../src/iam/boundary-state.js';

/*
 * The tags apply sets within IAM's limits (50 tags per principal, 256-character values, the
 * principal's own tags never dropped) and the steps a rollback takes from an apply snapshot and
 * the principal's state now. Expected values are written from IAM's rules and the snapshot's
 * meaning, not from the code's output.
 */

const ROLE_ARN = 'arn:aws:iam::111122223333:role/deploy';
const POLICY = 'arn:aws:iam::111122223333:policy/iamtrail-boundary-role-deploy';
const CORP = 'arn:aws:iam::111122223333:policy/corp-boundary';

const input: BoundaryTagInput = {
  counts: {
    granted: 40,
    proposed: 12,
    usedGranted: 5,
    coveragePercent: 12.5,
    unknownKept: 3,
    unknownPatternsKept: 0,
  },
  unused: 32,
  startDay: '2026-08-03',
  endDay: '2026-10-31',
  appliedAt: new Date('2026-11-01T09:30:15.123Z'),
};

const ownTags = (count: number): PrincipalTag[] =>
  Array.from({ length: count }, (_, index) => ({ key: `team-${index}`, value: `v${index}` }));

describe('planBoundaryTags', () => {
  it('sets the five iamtrail:* tags from the counts, the period and the time (to the second)', () => {
    expect(planBoundaryTags([{ key: 'team', value: 'payments' }], input)).toEqual({
      ok: true,
      tags: [
        { key: 'iamtrail:coverage-percent', value: '12.5' },
        { key: 'iamtrail:granted', value: '40' },
        { key: 'iamtrail:unused', value: '32' },
        { key: 'iamtrail:window', value: '2026-08-03/2026-10-31' },
        { key: 'iamtrail:applied-at', value: '2026-11-01T09:30:15Z' },
      ],
    });
  });

  it('fits 45 own tags (45 + 5 = 50, IAM limit) and refuses 46 instead of dropping one', () => {
    expect(planBoundaryTags(ownTags(45), input).ok).toBe(true);
    const refused = planBoundaryTags(ownTags(46), input);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.problems.join(' ')).toContain('51 tags');
  });

  it('counts a key the principal already has (any case) once: it is replaced, not added', () => {
    const tags = [...ownTags(46), { key: 'IAMTRAIL:WINDOW', value: 'by hand' }];
    // 46 own + the 5 iamtrail keys, one of which replaces the existing IAMTRAIL:WINDOW: 51 > 50.
    expect(planBoundaryTags(tags, input).ok).toBe(false);
    const fits = [...ownTags(45), { key: 'IAMTRAIL:WINDOW', value: 'by hand' }];
    expect(planBoundaryTags(fits, input).ok).toBe(true);
  });

  it('says "none granted" when nothing is granted (no coverage to give)', () => {
    const plan = planBoundaryTags([], {
      ...input,
      counts: { ...input.counts, granted: 0, coveragePercent: null },
    });
    expect(plan.ok && plan.tags.find((tag) => tag.key === BOUNDARY_TAG_KEYS.coverage)?.value).toBe(
      'none granted',
    );
  });
});

describe('whyRefuseBoundary', () => {
  it("refuses a boundary iamtrail did not create unless told to replace it; none or iamtrail's is fine", () => {
    expect(whyRefuseBoundary(null, POLICY, false)).toBeNull();
    expect(whyRefuseBoundary(POLICY, POLICY, false)).toBeNull();
    expect(whyRefuseBoundary(CORP, POLICY, false)).toContain(CORP);
    expect(whyRefuseBoundary(CORP, POLICY, true)).toBeNull();
  });
  it("refuses a boundary whose name only starts with iamtrail-boundary-: someone else's, or another principal's", () => {
    for (const lookalike of [
      'arn:aws:iam::111122223333:policy/iamtrail-boundary-corp',
      'arn:aws:iam::111122223333:policy/iamtrail-boundary-role-other',
      'arn:aws:iam::111122223333:policy/iamtrail-boundary-user-deploy',
      'arn:aws:iam::111122223333:policy/team/iamtrail-boundary-role-deploy',
    ])
      expect(whyRefuseBoundary(lookalike, POLICY, false)).toContain(
        `${lookalike}, which iamtrail did not create`,
      );
  });
});

describe('whyRefuseSharedPolicy', () => {
  const deploy = { kind: 'role', name: 'deploy' } as const;
  it('lets apply write a policy nothing uses but its principal, as its boundary (any case, as IAM names are)', () => {
    expect(whyRefuseSharedPolicy(POLICY, { all: [], attached: [] }, deploy)).toBeNull();
    expect(whyRefuseSharedPolicy(POLICY, { all: ['role/Deploy'], attached: [] }, deploy)).toBeNull();
  });
  it('refuses when a user of the same name, another role or a group uses it (boundary or attached), naming them', () => {
    const why = whyRefuseSharedPolicy(
      POLICY,
      { all: ['role/deploy', 'user/deploy', 'group/ops'], attached: [] },
      deploy,
    );
    expect(why).toContain(POLICY);
    expect(why).toContain('user/deploy, group/ops');
    expect(why).not.toContain('role/deploy');
  });
  it('refuses when it is attached as a permissions policy, to the principal itself too: there it grants', () => {
    const why = whyRefuseSharedPolicy(POLICY, { all: ['role/deploy'], attached: ['role/deploy'] }, deploy);
    expect(why).toContain(`the policy ${POLICY} is attached as a permissions policy to role/deploy`);
    const both = whyRefuseSharedPolicy(
      POLICY,
      { all: ['role/deploy', 'group/ops', 'role/other'], attached: ['group/ops'] },
      deploy,
    );
    expect(both).toContain('attached as a permissions policy to group/ops');
    expect(both).toContain('is used by role/other (as boundary or attached)');
  });
  it("names a rollback's change instead of apply's new version", () => {
    const why = whyRefuseSharedPolicy(
      POLICY,
      { all: ['role/deploy', 'user/bob', 'role/other'], attached: ['user/bob'] },
      deploy,
      'making version v1 the default again',
    );
    expect(why).toBe(
      `the policy ${POLICY} is attached as a permissions policy to user/bob: there it grants what it allows, so making version v1 the default again would change those grants (detach it first); ` +
        `the policy ${POLICY} is used by role/other (as boundary or attached): making version v1 the default again would change their permissions too`,
    );
  });
});

describe('rollbackPolicyChange', () => {
  const cases: { name: string; steps: RollbackStep[]; expected: string | null }[] = [
    {
      name: 'an older version made the default again',
      steps: [
        { kind: 'delete-boundary' },
        { kind: 'set-default-version', policyArn: POLICY, versionId: 'v2' },
      ],
      expected: 'making version v2 the default again',
    },
    {
      name: 'the previous document written back as a new default version',
      steps: [{ kind: 'restore-version', policyArn: POLICY, document: '{}' }],
      expected: 'writing its previous default document back as a new default version',
    },
    {
      // Deleted only when nothing uses it (left whole otherwise): no one's grants change.
      name: 'none: the policy apply created deleted if unused',
      steps: [{ kind: 'delete-boundary' }, { kind: 'delete-policy-if-unused', policyArn: POLICY }],
      expected: null,
    },
    {
      name: "none: the principal's boundary and tags only",
      steps: [
        { kind: 'put-boundary', policyArn: CORP },
        { kind: 'untag', keys: ['iamtrail:window'] },
        { kind: 'tag', tags: [{ key: 'iamtrail:window', value: 'set-by-hand' }] },
      ],
      expected: null,
    },
  ];
  for (const { name, steps, expected } of cases)
    it(name, () => {
      expect(rollbackPolicyChange(steps)).toBe(expected);
    });
});

describe('whyRefuseWidening (--replace-boundary)', () => {
  const NOTHING_BLOCKED = { outsideBoundary: [], limitedByBoundary: [] };
  // The new boundary allows s3 whole and sqs:SendMessage.
  const document = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'IamtrailUsedInPeriod', Effect: 'Allow', Action: ['s3:*', 'sqs:SendMessage'], Resource: '*' },
    ],
  } as const;
  it('refuses when the new boundary allows a granted action the current one blocks, naming it', () => {
    const why = whyRefuseWidening(CORP, CORP, document, {
      outsideBoundary: ['ec2:RunInstances', 's3:DeleteBucket'],
      limitedByBoundary: [],
    });
    expect(why).toContain('s3:DeleteBucket');
    expect(why).not.toContain('ec2:RunInstances');
    expect(why).toContain(CORP);
  });
  it('lets it replace a boundary that blocks nothing the new one allows', () => {
    expect(
      whyRefuseWidening(CORP, CORP, document, {
        outsideBoundary: ['ec2:RunInstances', 'sqs:DeleteQueue'],
        limitedByBoundary: ['ec2:TerminateInstances'],
      }),
    ).toBeNull();
    expect(whyRefuseWidening(CORP, CORP, document, NOTHING_BLOCKED)).toBeNull();
  });
  it('refuses when the new boundary allows on every resource a granted action the current one allows only on some, naming it', () => {
    // The corporate kind: Allow * and Deny s3:* on an audit bucket. The new boundary's Allow of
    // s3:* on "*" would let s3:DeleteObject reach the audit bucket, which the current one forbids.
    const why = whyRefuseWidening(CORP, CORP, document, {
      outsideBoundary: [],
      limitedByBoundary: ['ec2:TerminateInstances', 's3:DeleteObject', 's3:GetObject'],
    });
    expect(why).toContain('widening its permissions: s3:DeleteObject, s3:GetObject');
    expect(why).toContain('allows only on some resources or under conditions');
    expect(why).not.toContain('ec2:TerminateInstances');
  });
  it('refuses to lift the limit on a granted pattern the catalog does not know as well', () => {
    const why = whyRefuseWidening(CORP, CORP, document, {
      outsideBoundary: [],
      limitedByBoundary: ['s3:FutureAction'],
    });
    expect(why).toContain('widening its permissions: s3:FutureAction');
  });
  it('refuses when the IAM data describes another boundary than IAM has (what it blocks is unknown)', () => {
    expect(whyRefuseWidening(CORP, undefined, document, NOTHING_BLOCKED)).toContain('refresh the IAM data');
  });
});

describe('sameDocument', () => {
  it('compares documents once parsed (IAM may return them re-spaced)', () => {
    expect(sameDocument('{"a": [1, 2]}', '{"a":[1,2]}')).toBe(true);
    expect(sameDocument('{"a":[1,2]}', '{"a":[2,1]}')).toBe(false);
  });
});

const version = (id: string, isDefault: boolean, document = `{"v":"${id}"}`): BoundaryPolicyVersion => ({
  id,
  isDefault,
  createDate: '2026-10-01T00:00:00Z',
  document,
});

const APPLIED_TAGS: PrincipalTag[] = [
  { key: 'iamtrail:coverage-percent', value: '12.5' },
  { key: 'iamtrail:window', value: '2026-08-03/2026-10-31' },
];

function snapshot(overrides: Partial<BoundarySnapshot> = {}): BoundarySnapshot {
  return {
    id: '20261101T093015Z-deploy-abcdef',
    accountId: '111122223333',
    principal: { kind: 'role', name: 'deploy', arn: ROLE_ARN },
    takenAt: '2026-11-01T09:30:15Z',
    operation: 'apply',
    previousBoundaryArn: null,
    previousTags: [{ key: 'team', value: 'payments' }],
    policyArn: POLICY,
    policyExisted: false,
    previousDefaultVersion: null,
    previousPolicyDocument: null,
    newVersion: 'v1',
    appliedTags: APPLIED_TAGS,
    restoresSnapshotId: null,
    message: null,
    state: 'applied',
    ...overrides,
  };
}

/** The state apply leaves: its policy as boundary, the own tags plus the applied ones. */
function afterApply(overrides: Partial<BoundaryState> = {}): BoundaryState {
  return {
    principal: { kind: 'role', name: 'deploy', arn: ROLE_ARN },
    boundaryArn: POLICY,
    tags: [{ key: 'team', value: 'payments' }, ...APPLIED_TAGS],
    policy: { arn: POLICY, defaultVersionId: 'v1', versions: [version('v1', true)] },
    ...overrides,
  };
}

describe('planRollback', () => {
  it('removes the boundary, the added tags and the policy apply created', () => {
    expect(planRollback(snapshot(), afterApply())).toEqual({
      steps: [
        { kind: 'delete-boundary' },
        { kind: 'untag', keys: ['iamtrail:coverage-percent', 'iamtrail:window'] },
        { kind: 'delete-policy-if-unused', policyArn: POLICY },
      ],
      notes: [],
    });
  });

  it('puts back a previous boundary, gives back an overwritten tag value, and the previous default version', () => {
    const before = snapshot({
      previousBoundaryArn: CORP,
      previousTags: [
        { key: 'team', value: 'payments' },
        { key: 'iamtrail:window', value: 'set-by-hand' },
      ],
      policyExisted: true,
      previousDefaultVersion: 'v2',
      previousPolicyDocument: '{"v":"v2"}',
      newVersion: 'v3',
    });
    const now = afterApply({
      policy: {
        arn: POLICY,
        defaultVersionId: 'v3',
        versions: [version('v1', false), version('v2', false), version('v3', true)],
      },
    });
    expect(planRollback(before, now).steps).toEqual([
      { kind: 'put-boundary', policyArn: CORP },
      { kind: 'untag', keys: ['iamtrail:coverage-percent'] },
      { kind: 'tag', tags: [{ key: 'iamtrail:window', value: 'set-by-hand' }] },
      { kind: 'set-default-version', policyArn: POLICY, versionId: 'v2' },
    ]);
  });

  it('writes the previous default document back when its version is gone (deleted by a later apply)', () => {
    const before = snapshot({
      policyExisted: true,
      previousDefaultVersion: 'v1',
      previousPolicyDocument: '{"old":1}',
    });
    const now = afterApply({
      policy: {
        arn: POLICY,
        defaultVersionId: 'v7',
        versions: ['v3', 'v4', 'v5', 'v6'].map((id) => version(id, false)).concat(version('v7', true)),
      },
    });
    expect(planRollback(before, now).steps).toContainEqual({
      kind: 'restore-version',
      policyArn: POLICY,
      document: '{"old":1}',
    });
  });

  it('takes no step for what is already as it was', () => {
    const before = snapshot({ previousBoundaryArn: CORP });
    const now = afterApply({ boundaryArn: CORP, tags: [{ key: 'team', value: 'payments' }], policy: null });
    expect(planRollback(before, now)).toEqual({ steps: [], notes: [] });
  });

  it('leaves a boundary someone set after apply, and the policy apply created, and says so', () => {
    const changed = planRollback(snapshot(), afterApply({ boundaryArn: CORP }));
    // Only the tags apply added are taken back: no boundary step, no policy deletion.
    expect(changed.steps).toEqual([
      { kind: 'untag', keys: ['iamtrail:coverage-percent', 'iamtrail:window'] },
    ]);
    expect(changed.notes.join(' ')).toContain(CORP);
    expect(changed.notes.join(' ')).toContain(`does not delete ${POLICY}`);
    // Removed since (apply found CORP, set its own, someone removed it): not put back either.
    const removed = planRollback(snapshot({ previousBoundaryArn: CORP }), afterApply({ boundaryArn: null }));
    expect(removed.steps.map((step) => step.kind)).toEqual(['untag']);
    expect(removed.notes.join(' ')).toContain('now none');
  });

  it('takes back a tag only while it holds a value apply set: one changed or removed since is left, and said', () => {
    const before = snapshot({
      previousTags: [
        { key: 'team', value: 'payments' },
        { key: 'iamtrail:window', value: 'set-by-hand' },
      ],
    });
    const now = afterApply({
      tags: [
        { key: 'team', value: 'payments' },
        { key: 'iamtrail:coverage-percent', value: 'edited-since' },
      ],
    });
    const plan = planRollback(before, now);
    // coverage-percent now holds a value apply did not set; window (overwritten by apply) was removed since.
    expect(plan.steps.filter((step) => step.kind === 'untag' || step.kind === 'tag')).toEqual([]);
    expect(plan.notes.join(' ')).toContain('iamtrail:coverage-percent=edited-since (set since apply)');
    expect(plan.notes.join(' ')).toContain(
      'iamtrail:window (removed since; it was set-by-hand before apply)',
    );
  });

  it('rolling back to an older apply takes back the values a later apply set over it', () => {
    const first = snapshot();
    // A later apply over the first one: it found the first one's tags and set its own values.
    const second = snapshot({
      id: '20261102T093015Z-deploy-abcdef',
      takenAt: '2026-11-02T09:30:15Z',
      previousBoundaryArn: POLICY,
      previousTags: [{ key: 'team', value: 'payments' }, ...APPLIED_TAGS],
      policyExisted: true,
      previousDefaultVersion: 'v1',
      newVersion: 'v2',
      appliedTags: [
        { key: 'iamtrail:coverage-percent', value: '20' },
        { key: 'iamtrail:window', value: '2026-08-04/2026-11-01' },
      ],
    });
    const now = afterApply({
      tags: [{ key: 'team', value: 'payments' }, ...second.appliedTags],
      policy: { arn: POLICY, defaultVersionId: 'v2', versions: [version('v1', false), version('v2', true)] },
    });
    expect(planRollback(first, now, [second]).steps).toEqual([
      { kind: 'delete-boundary' },
      { kind: 'untag', keys: ['iamtrail:coverage-percent', 'iamtrail:window'] },
      { kind: 'delete-policy-if-unused', policyArn: POLICY },
    ]);
  });

  it('never touches a tag apply did not set', () => {
    const now = afterApply({ tags: [{ key: 'team', value: 'changed-since' }, ...APPLIED_TAGS] });
    const steps = planRollback(snapshot(), now).steps;
    expect(JSON.stringify(steps)).not.toContain('team');
  });
});

describe('compareSnapshots', () => {
  it('orders by time, never by the random part of the id', () => {
    // Same second: the apply (taken first) has the larger random suffix.
    const apply = snapshot({ id: '20261101T093015Z-deploy-ffffff', takenAt: '2026-11-01T09:30:15.100Z' });
    const rollback = snapshot({
      id: '20261101T093015Z-deploy-000000',
      takenAt: '2026-11-01T09:30:15.900Z',
      operation: 'rollback',
    });
    expect([rollback, apply].sort(compareSnapshots).map((s) => s.operation)).toEqual(['apply', 'rollback']);
  });
  it('compares a time to the second with one to the millisecond by their instants', () => {
    const older = snapshot({ id: 'b', takenAt: '2026-11-01T09:30:15Z' });
    const newer = snapshot({ id: 'a', takenAt: '2026-11-01T09:30:15.001Z' });
    expect([newer, older].sort(compareSnapshots)).toEqual([older, newer]);
  });
});

describe('chooseRollbackSnapshot', () => {
  const applied = snapshot({ id: 'a1', takenAt: '2026-11-01T09:00:00.000Z', state: 'applied' });
  const pending = snapshot({ id: 'p2', takenAt: '2026-11-02T09:00:00.000Z', state: 'pending' });
  const rollback = snapshot({ id: 'r3', takenAt: '2026-11-03T09:00:00.000Z', operation: 'rollback' });
  it('restores a pending snapshot named by --to (rollback works from the state now), and says it is pending', () => {
    const choice = chooseRollbackSnapshot([applied, pending], 'p2');
    expect(choice.kind === 'found' && choice.snapshot.id).toBe('p2');
    expect(choice.kind === 'found' && choice.note).toContain('pending');
  });
  it('--to an older apply names the later applies not rolled back: the rollback undoes them too', () => {
    const second = snapshot({ id: 'a2', takenAt: '2026-11-02T09:00:00.000Z', state: 'applied' });
    const third = snapshot({ id: 'a4', takenAt: '2026-11-04T09:00:00.000Z', state: 'rolled-back' });
    const choice = chooseRollbackSnapshot([applied, second, rollback, third], 'a1');
    expect(choice.kind === 'found' && choice.later.map((entry) => entry.id)).toEqual(['a2']);
  });
  it('refuses --to of a rollback snapshot, of one rolled back, or of no snapshot', () => {
    expect(chooseRollbackSnapshot([rollback], 'r3').kind).toBe('not-restorable');
    expect(chooseRollbackSnapshot([{ ...applied, state: 'rolled-back' }], 'a1').kind).toBe('not-restorable');
    expect(chooseRollbackSnapshot([applied], 'zz').kind).toBe('unknown-id');
  });
  it('by default takes the latest applied one, else the latest pending or failed one and says which', () => {
    const byDefault = chooseRollbackSnapshot([applied, pending], undefined);
    // Restoring what a1 found undoes the pending apply after it too.
    expect(byDefault).toEqual({ kind: 'found', snapshot: applied, note: null, later: [pending] });
    const unfinished = chooseRollbackSnapshot([{ ...applied, state: 'rolled-back' }, pending], undefined);
    expect(unfinished.kind === 'found' && unfinished.snapshot.id).toBe('p2');
    expect(unfinished.kind === 'found' && unfinished.note).toContain('picked the latest pending one, p2');
    expect(chooseRollbackSnapshot([{ ...applied, state: 'rolled-back' }, rollback], undefined).kind).toBe(
      'none',
    );
  });
});

describe('rollbackSnapshotProblem: only what apply could have written is rolled back', () => {
  const deploy = { kind: 'role' as const, name: 'deploy', arn: ROLE_ARN };

  it('accepts what apply writes: its own policy, iamtrail:* tags, no boundary or a managed one before', () => {
    expect(rollbackSnapshotProblem(snapshot(), deploy)).toBeNull();
    for (const previous of [
      'arn:aws:iam::111122223333:policy/corp-boundary',
      'arn:aws:iam::111122223333:policy/path/to/boundary',
      'arn:aws:iam::aws:policy/PowerUserAccess',
    ])
      expect(rollbackSnapshotProblem(snapshot({ previousBoundaryArn: previous }), deploy)).toBeNull();
  });

  it("refuses another policy, a tag outside iamtrail:*, or a boundary before that is no account's policy", () => {
    expect(
      rollbackSnapshotProblem(
        snapshot({ policyArn: 'arn:aws:iam::111122223333:policy/OrgGuardrail' }),
        deploy,
      ),
    ).toContain(
      'names the boundary policy arn:aws:iam::111122223333:policy/OrgGuardrail, not arn:aws:iam::111122223333:policy/iamtrail-boundary-role-deploy',
    );
    // Another principal's iamtrail policy is not this one's either.
    expect(
      rollbackSnapshotProblem(
        snapshot({ policyArn: 'arn:aws:iam::111122223333:policy/iamtrail-boundary-role-admin' }),
        deploy,
      ),
    ).not.toBeNull();
    expect(
      rollbackSnapshotProblem(
        snapshot({ appliedTags: [...APPLIED_TAGS, { key: 'access-level', value: 'read' }] }),
        deploy,
      ),
    ).toContain('apply set the tag(s) access-level, but apply sets only keys iamtrail:*');
    expect(
      rollbackSnapshotProblem(
        snapshot({ previousBoundaryArn: 'arn:aws:iam::999999999999:policy/elsewhere' }),
        deploy,
      ),
    ).toContain('which is not a managed policy of account 111122223333 or of AWS');
    expect(
      rollbackSnapshotProblem(snapshot({ previousBoundaryArn: 'arn:aws:iam::111122223333:role/x' }), deploy),
    ).not.toBeNull();
  });
});
