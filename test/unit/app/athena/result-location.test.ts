import { describe, expect, it } from 'vitest';

import { isOwnResultLocation } from '../../../../src/app/athena/clean-up-athena.js';

const RESULTS = 's3://query-results/iamtrail-results/';
const ID = '0e6f2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b';

describe('isOwnResultLocation: what athena cleanup may delete as a query result', () => {
  it("is the object Athena writes for the query under iamtrail's results location", () => {
    expect(isOwnResultLocation({ queryId: ID, outputLocation: `${RESULTS}${ID}.csv` }, RESULTS)).toBe(true);
    expect(isOwnResultLocation({ queryId: ID, outputLocation: `${RESULTS}${ID}.txt` }, RESULTS)).toBe(true);
    // The location as configured without its last slash.
    expect(
      isOwnResultLocation({ queryId: ID, outputLocation: `${RESULTS}${ID}.csv` }, RESULTS.slice(0, -1)),
    ).toBe(true);
  });

  it('is nothing else: another object, another prefix or bucket, another id, an id that is not one', () => {
    const other = '11111111-2222-4333-8444-555555555555';
    for (const outputLocation of [
      's3://prod-data/critical/customers.csv',
      `${RESULTS}${other}.csv`,
      `s3://query-results/other/${ID}.csv`,
      `${RESULTS}nested/${ID}.csv`,
      `${RESULTS}${ID}.csv.metadata`,
      `${RESULTS}${ID}.json`,
    ])
      expect(isOwnResultLocation({ queryId: ID, outputLocation }, RESULTS)).toBe(false);
    expect(isOwnResultLocation({ queryId: '../x', outputLocation: `${RESULTS}../x.csv` }, RESULTS)).toBe(
      false,
    );
  });
});
