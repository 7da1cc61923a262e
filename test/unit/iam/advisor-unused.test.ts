import { describe, expect, it } from 'vitest';

import type { AdvisorService, AdvisorSnapshot } from '../../../src/iam/access-advisor.js';
import { findUnusedServices } from '../../../src/iam/advisor-unused.js';

function service(serviceNamespace: string, lastAuthenticated: string | null): AdvisorService {
  return {
    serviceNamespace,
    serviceName: serviceNamespace.toUpperCase(),
    lastAuthenticated,
    lastAuthenticatedEntity: null,
    lastAuthenticatedRegion: null,
    totalAuthenticatedEntities: lastAuthenticated === null ? 0 : 1,
  };
}

const SNAPSHOT: AdvisorSnapshot = {
  accountId: '111111111111',
  arn: 'arn:aws:iam::111111111111:user/alice',
  entityType: 'user',
  collectedAt: '2026-11-02T00:00:00Z',
  jobCompletedAt: '2026-11-01T00:00:00Z',
  origin: 'api',
  services: [
    service('ec2', '2026-08-03T00:00:00Z'), // exactly 90 days before the job: used
    service('iam', null),
    service('kms', '2026-08-02T23:59:59Z'), // one second more than 90 days: unused
    service('s3', '2026-10-30T12:00:00Z'),
  ],
};

const CASES: readonly {
  name: string;
  snapshot: AdvisorSnapshot;
  days: number;
  granted: readonly string[] | undefined;
  expected: { since: string; grantedFrom: string; services: string[]; notInSnapshot: string[] };
}[] = [
  {
    name: 'no IAM data: every listed service counts as granted; the boundary day counts as used',
    snapshot: SNAPSHOT,
    days: 90,
    granted: undefined,
    expected: {
      since: '2026-08-03T00:00:00Z',
      grantedFrom: 'access-advisor',
      services: ['iam', 'kms'],
      notInSnapshot: [],
    },
  },
  {
    name: 'IAM data: a service it does not grant is not reported; one it grants that the snapshot lacks is unknown',
    snapshot: SNAPSHOT,
    days: 90,
    granted: ['ec2', 'kms', 's3', 'lambda'],
    expected: {
      since: '2026-08-03T00:00:00Z',
      grantedFrom: 'iam',
      services: ['kms'],
      notInSnapshot: ['lambda'],
    },
  },
  {
    name: '0 days: every service not authenticated at the job time or after',
    snapshot: SNAPSHOT,
    days: 0,
    granted: undefined,
    expected: {
      since: '2026-11-01T00:00:00Z',
      grantedFrom: 'access-advisor',
      services: ['ec2', 'iam', 'kms', 's3'],
      notInSnapshot: [],
    },
  },
  {
    name: 'no JobCompletionDate: measured from when it was collected',
    snapshot: { ...SNAPSHOT, jobCompletedAt: null },
    days: 1,
    granted: ['s3'],
    expected: { since: '2026-11-01T00:00:00Z', grantedFrom: 'iam', services: ['s3'], notInSnapshot: [] },
  },
];

describe('findUnusedServices', () => {
  it.each(CASES)('$name', ({ snapshot, days, granted, expected }) => {
    const unused = findUnusedServices(snapshot, days, granted === undefined ? undefined : new Set(granted));
    expect({
      since: unused.since,
      grantedFrom: unused.grantedFrom,
      services: unused.services.map((entry) => entry.serviceNamespace),
      notInSnapshot: unused.notInSnapshot,
    }).toEqual(expected);
    expect(unused.asOf).toBe(snapshot.jobCompletedAt ?? snapshot.collectedAt);
  });
});
