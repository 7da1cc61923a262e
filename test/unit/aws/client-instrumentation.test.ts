import { describe, expect, it } from 'vitest';

import { AwsCallCounts, isThrottlingError } from '../../../src/aws/client-instrumentation.js';

/** An error shaped as the SDK throws it. */
const sdkError = (name: string, message: string, status = 400) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe('isThrottlingError', () => {
  it.each([
    ['IAM Throttling', sdkError('Throttling', 'Rate exceeded'), true],
    ['ThrottlingException', sdkError('ThrottlingException', 'slow down'), true],
    ['"Rate exceeded" under another name', sdkError('ServiceUnavailable', 'Rate exceeded', 503), true],
    ['HTTP 429', sdkError('TooManyRequests', 'too many', 429), true],
    ['AccessDenied', sdkError('AccessDenied', 'User is not authorized'), false],
    ['NoSuchEntity', sdkError('NoSuchEntity', 'cannot be found', 404), false],
    ['not an object', 'Rate exceeded', false],
  ] as const)('%s → %s', (_, error, expected) => {
    expect(isThrottlingError(error)).toBe(expected);
  });
});

describe('AwsCallCounts', () => {
  it('counts by API name, listed alphabetically, with the total', () => {
    const counts = new AwsCallCounts();
    for (const api of [
      'sts:AssumeRole',
      'iam:ListRoles',
      'iam:ListRoles',
      'iam:GenerateServiceLastAccessedDetails',
    ])
      counts.add(api);
    expect(counts.toRecord()).toEqual({
      'iam:GenerateServiceLastAccessedDetails': 1,
      'iam:ListRoles': 2,
      'sts:AssumeRole': 1,
    });
    expect(Object.keys(counts.toRecord())).toEqual([
      'iam:GenerateServiceLastAccessedDetails',
      'iam:ListRoles',
      'sts:AssumeRole',
    ]);
    expect(counts.total()).toBe(4);
  });
});
