import { FINDING_TYPES } from '../../src/analysis/audit-findings.js';
import type { Finding } from '../../src/analysis/audit-findings.js';
import type { AuditAccount, AuditDocument, AuditPrincipal } from '../../src/app/audit/audit-types.js';
import { IAM_CHANGE_EVENTS } from '../../src/trail/iam-changes.js';
import type { IamChangeRow } from '../../src/trail/iam-changes.js';
import { buildAuditDocument, iamChange } from '../fixtures/audit/audit-document.js';

/** The size of a generated audit. */
export interface ScaleOptions {
  readonly accounts: number;
  readonly principalsPerAccount: number;
  readonly iamChanges: number;
}

const SERVICES = ['s3', 'ec2', 'iam', 'sqs', 'dynamodb', 'lambda', 'kms', 'sts'];

/**
 * A deterministic audit document of `accounts` × `principalsPerAccount` principals (every other
 * one a user with a password and a key), each with a few used, unused and unknown actions; one
 * principal in eight has a finding, and `iamChanges` IAM change events spread over the accounts.
 */
export function generateAuditDocument(options: ScaleOptions): AuditDocument {
  const accounts: AuditAccount[] = [];
  const findings: Finding[] = [];
  for (let a = 0; a < options.accounts; a += 1) {
    const id = String(100000000000 + a);
    const name = `account-${String(a).padStart(3, '0')}`;
    const principals: AuditPrincipal[] = [];
    for (let p = 0; p < options.principalsPerAccount; p += 1) {
      const service = SERVICES[p % SERVICES.length] ?? 's3';
      const isUser = p % 2 === 0;
      const principalName = `${isUser ? 'user' : 'role'}-${String(p).padStart(4, '0')}`;
      const arn = `arn:aws:iam::${id}:${isUser ? 'user' : 'role'}/${principalName}`;
      const actions = {
        used: [`${service}:Get${p % 7}`, `${service}:List${p % 5}`, `${service}:Describe${p % 3}`],
        unused: [`${service}:Delete${p % 11}`, `${service}:Put${p % 13}`, `${service}:Create${p % 17}`],
        unknown: [`${service}:Tag${p % 19}`],
      };
      const lastActivity = p % 8 === 0 ? null : `2026-10-${String((p % 28) + 1).padStart(2, '0')}T12:00:00Z`;
      principals.push(
        isUser
          ? {
              type: 'user',
              name: principalName,
              arn,
              createdAt: '2025-01-01T00:00:00Z',
              lastActivity,
              credentials: {
                report: {
                  user: principalName,
                  arn,
                  isRoot: false,
                  userCreationTime: '2025-01-01T00:00:00Z',
                  passwordEnabled: true,
                  passwordLastUsed: lastActivity,
                  passwordLastUsedState: lastActivity === null ? 'never' : 'used',
                  passwordLastChanged: '2025-01-01T00:00:00Z',
                  passwordNextRotation: null,
                  mfaActive: p % 3 !== 0,
                  accessKeys: [
                    {
                      slot: 1,
                      active: true,
                      lastRotated: '2025-01-01T00:00:00Z',
                      lastUsedDate: lastActivity,
                      lastUsedRegion: 'eu-west-1',
                      lastUsedService: service,
                    },
                  ],
                  certificates: [],
                },
                mfaType: p % 3 !== 0 ? 'virtual' : 'none',
                accessKeys: [
                  {
                    slot: 1,
                    accessKeyId: `AKIA${id}${String(p).padStart(4, '0')}`,
                    status: 'Active',
                    created: '2025-01-01T00:00:00Z',
                    lastUsedDate: lastActivity,
                    lastUsedService: service,
                    lastUsedRegion: 'eu-west-1',
                  },
                ],
              },
              actions,
              tags: {},
            }
          : {
              type: 'role',
              name: principalName,
              arn,
              createdAt: '2025-01-01T00:00:00Z',
              lastActivity,
              roleLastUsed: lastActivity,
              actions,
              tags: { team: `team-${p % 10}` },
            },
      );
      if (p % 8 === 0) {
        const findingType = FINDING_TYPES[(a + p) % FINDING_TYPES.length] ?? 'UnusedIAMRole';
        findings.push({
          id: `${id}-${p}`,
          findingType,
          severity: (['low', 'medium', 'high', 'critical'] as const)[p % 4] ?? 'low',
          resource: arn,
          resourceType: isUser ? 'AWS::IAM::User' : 'AWS::IAM::Role',
          resourceOwnerAccount: id,
          accountName: name,
          title: `${findingType} of ${principalName}`,
          findingDetails: [{ iamtrailDetails: { principal: principalName } }],
          evidence: [{ source: 'cloudtrail', detail: 'no call in the window', lastUsed: null, covers: null }],
        });
      }
    }
    accounts.push({
      name,
      id,
      status: 'audited',
      credentialReportGeneratedAt: '2026-11-01T00:00:00Z',
      principals,
      warnings: [],
    });
  }
  const iamChanges: IamChangeRow[] = [];
  for (let c = 0; c < options.iamChanges; c += 1) {
    const accountId = String(100000000000 + (c % options.accounts));
    const eventTime = `2026-10-${String((c % 28) + 1).padStart(2, '0')}T${String(c % 24).padStart(2, '0')}:00:00Z`;
    const eventName = IAM_CHANGE_EVENTS[c % IAM_CHANGE_EVENTS.length] ?? 'CreateUser';
    iamChanges.push({
      ...iamChange(
        accountId,
        eventTime,
        eventName,
        { userName: `user-${String(c % 1000).padStart(4, '0')}` },
        c % 50 === 0 ? 'denied' : 'ok',
      ),
      eventId: `event-${c}`,
    });
  }
  return buildAuditDocument({ accounts, findings, iamChanges });
}
