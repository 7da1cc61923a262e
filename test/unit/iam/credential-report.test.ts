import { describe, expect, it } from 'vitest';

import { CredentialReportError, parseCredentialReport } from '../../../src/iam/credential-report.js';

// The header AWS and moto write (notes §14), written out here rather than taken from the code.
const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

// Rows as AWS writes them (root, a user with a password and MFA, a user with two keys and a
// password never used, a user with nothing) and as moto writes them (not_supported, no root).
const ROOT =
  '<root_account>,arn:aws:iam::111111111111:root,2024-03-01T08:00:00+00:00,not_supported,2026-10-20T10:15:00+00:00,not_supported,not_supported,true,true,2025-02-03T04:05:06+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';
const ALICE =
  'alice,arn:aws:iam::111111111111:user/alice,2025-01-06T09:00:00+00:00,true,2026-10-30T17:45:12+00:00,2025-01-06T09:05:00+00:00,N/A,true,true,2026-06-01T12:00:00+00:00,2026-10-31T08:00:00+00:00,eu-west-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';
const BOB =
  'bob,arn:aws:iam::111111111111:user/bob,2025-01-06T09:00:00+00:00,true,no_information,2025-01-06T09:05:00+00:00,2026-12-01T00:00:00+02:00,false,true,2025-01-06T09:10:00+00:00,N/A,N/A,N/A,false,2025-03-01T00:00:00+00:00,2025-04-01T11:22:33+00:00,us-east-1,iam,true,2025-01-07T00:00:00+00:00,false,N/A';
const CAROL =
  'carol,arn:aws:iam::111111111111:user/carol,2025-01-06T09:00:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';
const MOTO =
  'dave,arn:aws:iam::123456789012:user/dave,2026-12-01T10:00:00+00:00,false,not_supported,2026-12-01T10:00:00+00:00,not_supported,true,true,2026-12-01T10:00:01+00:00,N/A,not_supported,not_supported,false,N/A,N/A,not_supported,not_supported,true,N/A,false,N/A';

const report = (...rows: string[]) => `${[HEADER, ...rows].join('\n')}\n`;

describe('parseCredentialReport', () => {
  it('reads the root row, times as UTC, and keys only in slots that have one', () => {
    const rows = parseCredentialReport(report(ROOT, ALICE, BOB, CAROL), 'demo.csv');
    expect(rows.map((row) => [row.user, row.isRoot])).toEqual([
      ['<root_account>', true],
      ['alice', false],
      ['bob', false],
      ['carol', false],
    ]);
    const [root, alice, bob, carol] = rows;
    expect(root).toEqual({
      user: '<root_account>',
      arn: 'arn:aws:iam::111111111111:root',
      isRoot: true,
      userCreationTime: '2024-03-01T08:00:00Z',
      passwordEnabled: null,
      passwordLastUsed: '2026-10-20T10:15:00Z',
      passwordLastUsedState: 'used',
      passwordLastChanged: null,
      passwordNextRotation: null,
      mfaActive: true,
      accessKeys: [
        {
          slot: 1,
          active: true,
          lastRotated: '2025-02-03T04:05:06Z',
          lastUsedDate: null,
          lastUsedRegion: null,
          lastUsedService: null,
        },
      ],
      certificates: [],
    });
    expect(alice?.passwordEnabled).toBe(true);
    expect(alice?.passwordLastUsed).toBe('2026-10-30T17:45:12Z');
    expect(alice?.accessKeys).toEqual([
      {
        slot: 1,
        active: true,
        lastRotated: '2026-06-01T12:00:00Z',
        lastUsedDate: '2026-10-31T08:00:00Z',
        lastUsedRegion: 'eu-west-1',
        lastUsedService: 's3',
      },
    ]);
    // no_information: a password never used; +02:00 converted to UTC.
    expect([bob?.passwordLastUsed, bob?.passwordLastUsedState, bob?.passwordNextRotation]).toEqual([
      null,
      'never',
      '2026-11-30T22:00:00Z',
    ]);
    expect(
      bob?.accessKeys.map((key) => [key.slot, key.active, key.lastUsedDate, key.lastUsedService]),
    ).toEqual([
      [1, true, null, null],
      [2, false, '2025-04-01T11:22:33Z', 'iam'],
    ]);
    expect(bob?.certificates).toEqual([{ slot: 1, active: true, lastRotated: '2025-01-07T00:00:00Z' }]);
    expect([
      carol?.passwordEnabled,
      carol?.passwordLastUsedState,
      carol?.mfaActive,
      carol?.accessKeys,
    ]).toEqual([false, 'no-password', false, []]);
  });

  it("reads moto's report (not_supported values, a certificate slot active with no date)", () => {
    const [dave] = parseCredentialReport(report(MOTO), 'moto');
    expect(dave?.passwordLastUsedState).toBe('no-password');
    expect(dave?.passwordNextRotation).toBeNull();
    expect(dave?.accessKeys).toEqual([
      {
        slot: 1,
        active: true,
        lastRotated: '2026-12-01T10:00:01Z',
        lastUsedDate: null,
        lastUsedRegion: null,
        lastUsedService: null,
      },
    ]);
    expect(dave?.certificates).toEqual([]);
  });

  it('accepts a byte-order mark, CRLF line ends and a report of the header alone', () => {
    expect(parseCredentialReport(`\uFEFF${HEADER}\r\n${CAROL}\r\n`, 'x.csv').map((row) => row.user)).toEqual([
      'carol',
    ]);
    expect(parseCredentialReport(`${HEADER}\n`, 'x.csv')).toEqual([]);
  });

  const cases: { name: string; csv: string; message: string }[] = [
    { name: 'empty', csv: '', message: 'x.csv: is empty (no header row)' },
    {
      name: 'a renamed column',
      csv: report(CAROL).replace('mfa_active', 'mfa'),
      message:
        'x.csv: the header is not a credential report\'s: column 8 is "mfa" where "mfa_active" belongs',
    },
    {
      name: 'columns missing',
      csv: `${HEADER.split(',').slice(0, 8).join(',')}\n`,
      message:
        'x.csv: the header is not a credential report\'s: lacks column 9 "access_key_1_active" and those after it',
    },
    {
      name: 'an extra column',
      csv: `${HEADER},note\n`,
      message:
        "x.csv: the header is not a credential report's: has 1 column(s) after cert_2_last_rotated (extra: note)",
    },
    { name: 'a short row', csv: report('eve,arn:aws:iam::1:user/eve'), message: 'x.csv: is not valid CSV:' },
    {
      name: 'a flag that is not true or false',
      csv: report(CAROL.replace(',false,N/A,N/A,N/A,false,', ',false,N/A,N/A,N/A,yes,')),
      message: 'x.csv: line 2, mfa_active: "yes" is not true or false',
    },
    {
      name: 'a time that is not ISO-8601',
      csv: report(ALICE.replace('2026-10-30T17:45:12+00:00', '30/10/2026 17:45')),
      message: 'x.csv: line 2, password_last_used: "30/10/2026 17:45" is not an ISO-8601 time',
    },
    {
      name: 'a user listed twice',
      csv: report(CAROL, ALICE, CAROL),
      message: 'x.csv: line 4: user "carol" is listed twice',
    },
  ];
  for (const { name, csv, message } of cases)
    it(`refuses ${name}, naming the source and the problem`, () => {
      let thrown: unknown;
      try {
        parseCredentialReport(csv, 'x.csv');
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(CredentialReportError);
      expect((thrown as Error).message.startsWith(message)).toBe(true);
      expect((thrown as CredentialReportError).source).toBe('x.csv');
    });
});
