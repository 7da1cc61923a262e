import { describe, expect, it } from 'vitest';

import { joinAccessKeys, mfaTypeOf } from '../../../../src/app/audit/user-credentials.js';
import type { CredentialReportKey, CredentialReportRow } from '../../../../src/iam/credential-report.js';

const key = (slot: 1 | 2, lastRotated: string, active = true): CredentialReportKey => ({
  slot,
  active,
  lastRotated,
  lastUsedDate: null,
  lastUsedRegion: null,
  lastUsedService: null,
});
const row = (...accessKeys: CredentialReportKey[]): CredentialReportRow => ({
  user: 'bob',
  arn: 'arn:aws:iam::111111111111:user/bob',
  isRoot: false,
  userCreationTime: '2025-01-06T09:00:00Z',
  passwordEnabled: false,
  passwordLastUsed: null,
  passwordLastUsedState: 'no-password',
  passwordLastChanged: null,
  passwordNextRotation: null,
  mfaActive: false,
  accessKeys,
  certificates: [],
});

describe('mfaTypeOf', () => {
  it.each([
    { serials: ['arn:aws:iam::111111111111:mfa/alice-phone'], expected: 'virtual' },
    { serials: ['arn:aws-us-gov:iam::111111111111:mfa/alice'], expected: 'virtual' },
    { serials: ['GAHT12345678'], expected: 'hardware' },
    { serials: ['arn:aws:iam::111111111111:u2f/user/alice/yubikey-ABCD'], expected: 'hardware' },
    { serials: ['arn:aws:iam::111111111111:mfa/alice-phone', 'GAHT12345678'], expected: 'hardware' },
    { serials: [], expected: 'unknown' },
  ])('$serials → $expected', ({ serials, expected }) => {
    expect(mfaTypeOf(serials)).toBe(expected);
  });
});

describe('joinAccessKeys', () => {
  const first = key(1, '2025-01-06T09:30:00Z');
  const second = key(2, '2026-04-20T14:00:00Z', false);

  it('joins each slot to the key created at its last_rotated time, whatever the listing order', () => {
    const joined = joinAccessKeys(row(first, second), [
      { accessKeyId: 'AKIASECOND', createDate: '2026-04-20T14:00:00Z' },
      { accessKeyId: 'AKIAFIRST', createDate: '2025-01-06T09:30:00Z' },
    ]);
    expect(joined.map((k) => [k.slot, k.accessKeyId, k.status, k.created])).toEqual([
      [1, 'AKIAFIRST', 'Active', '2025-01-06T09:30:00Z'],
      [2, 'AKIASECOND', 'Inactive', '2026-04-20T14:00:00Z'],
    ]);
  });

  it('falls back to creation order when the dates do not match (a key rotated since the report)', () => {
    const joined = joinAccessKeys(row(first, second), [
      { accessKeyId: 'AKIALATER', createDate: '2026-11-01T00:00:00Z' },
      { accessKeyId: 'AKIAEARLIER', createDate: '2026-10-01T00:00:00Z' },
    ]);
    expect(joined.map((k) => k.accessKeyId)).toEqual(['AKIAEARLIER', 'AKIALATER']);
    // One matches by date, the other takes what is left.
    expect(
      joinAccessKeys(row(first, second), [
        { accessKeyId: 'AKIAOTHER', createDate: '2020-01-01T00:00:00Z' },
        { accessKeyId: 'AKIASECOND', createDate: '2026-04-20T14:00:00Z' },
      ]).map((k) => k.accessKeyId),
    ).toEqual(['AKIAOTHER', 'AKIASECOND']);
  });

  it('leaves ids null from a report file, or when fewer keys are listed than the report shows', () => {
    expect(joinAccessKeys(row(first, second), null).map((k) => k.accessKeyId)).toEqual([null, null]);
    expect(
      joinAccessKeys(row(first, second), [
        { accessKeyId: 'AKIASECOND', createDate: '2026-04-20T14:00:00Z' },
      ]).map((k) => k.accessKeyId),
    ).toEqual([null, 'AKIASECOND']);
    expect(joinAccessKeys(row(), [{ accessKeyId: 'AKIAX', createDate: null }])).toEqual([]);
  });
});
