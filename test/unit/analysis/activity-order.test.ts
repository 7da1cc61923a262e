import { describe, expect, it } from 'vitest';

import { sortDayCoverage, sortEventCalls, sortRoleCallers } from '../../../src/analysis/activity-order.js';

const ROLE_A = 'arn:aws:iam::111111111111:role/a';
const ROLE_B = 'arn:aws:iam::111111111111:role/b';
const ALICE = 'arn:aws:iam::111111111111:user/alice';
const BOB = 'arn:aws:iam::111111111111:user/bob';

const caller = (roleArn: string, callerArn: string | null, viaArn: string | null, calls: number) => ({
  roleArn,
  callerArn,
  viaArn,
  calls,
  lastSeen: '2026-10-01T00:00:00Z',
});

describe('sortEventCalls', () => {
  it('orders by event source, event name and outcome, keeping the order of rows alike in all three', () => {
    const calls = (eventSource: string, eventName: string, outcome: 'ok' | 'denied', day: string) => ({
      eventSource,
      eventName,
      outcome,
      calls: 1,
      lastSeen: `${day}T00:00:00Z`,
    });
    const rows = [
      calls('sts.amazonaws.com', 'AssumeRole', 'ok', '2026-10-01'),
      calls('s3.amazonaws.com', 'ListBuckets', 'ok', '2026-10-03'),
      calls('s3.amazonaws.com', 'ListBuckets', 'denied', '2026-10-01'),
      calls('s3.amazonaws.com', 'GetObject', 'ok', '2026-10-02'),
      calls('s3.amazonaws.com', 'ListBuckets', 'ok', '2026-10-01'),
    ];
    expect(sortEventCalls(rows)).toEqual([
      calls('s3.amazonaws.com', 'GetObject', 'ok', '2026-10-02'),
      calls('s3.amazonaws.com', 'ListBuckets', 'denied', '2026-10-01'),
      calls('s3.amazonaws.com', 'ListBuckets', 'ok', '2026-10-03'),
      calls('s3.amazonaws.com', 'ListBuckets', 'ok', '2026-10-01'),
      calls('sts.amazonaws.com', 'AssumeRole', 'ok', '2026-10-01'),
    ]);
    expect(rows[0]?.eventSource).toBe('sts.amazonaws.com');
  });
});

describe('sortRoleCallers', () => {
  it('orders by role, then most calls, then known callers before unknown, then direct before chains', () => {
    const rows = [
      caller(ROLE_B, ALICE, null, 1),
      caller(ROLE_A, null, null, 5),
      caller(ROLE_A, BOB, ROLE_B, 5),
      caller(ROLE_A, BOB, null, 5),
      caller(ROLE_A, ALICE, null, 9),
    ];
    expect(sortRoleCallers(rows)).toEqual([
      caller(ROLE_A, ALICE, null, 9),
      caller(ROLE_A, BOB, null, 5),
      caller(ROLE_A, BOB, ROLE_B, 5),
      caller(ROLE_A, null, null, 5),
      caller(ROLE_B, ALICE, null, 1),
    ]);
  });
});

describe('sortDayCoverage', () => {
  it('orders by account, then day, and leaves its input as it was', () => {
    const rows = [
      { accountId: '222222222222', day: '2026-10-01', files: 1 },
      { accountId: '111111111111', day: '2026-10-02', files: 2 },
      { accountId: '111111111111', day: '2026-10-01', files: 3 },
    ];
    expect(sortDayCoverage(rows)).toEqual([
      { accountId: '111111111111', day: '2026-10-01', files: 3 },
      { accountId: '111111111111', day: '2026-10-02', files: 2 },
      { accountId: '222222222222', day: '2026-10-01', files: 1 },
    ]);
    expect(rows[0]?.accountId).toBe('222222222222');
  });
});
