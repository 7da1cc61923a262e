import { describe, expect, it } from 'vitest';

import { compareColumns, parseCsvHeader } from '../../../src/engines/athena/athena-results.js';

describe('parseCsvHeader', () => {
  const cases: { name: string; line: string; expected: string[] | undefined }[] = [
    { name: 'quoted names', line: '"account_id","day","calls"', expected: ['account_id', 'day', 'calls'] },
    { name: 'a CRLF line end', line: '"a","b"\r\n', expected: ['a', 'b'] },
    { name: 'a doubled quote inside a name', line: '"we""ird","b"', expected: ['we"ird', 'b'] },
    { name: 'a comma inside a name', line: '"a,b","c"', expected: ['a,b', 'c'] },
    { name: 'an unquoted name', line: '"a",b', expected: undefined },
    { name: 'an unterminated quote', line: '"a","b', expected: undefined },
    { name: 'an empty line', line: '', expected: undefined },
    { name: 'text after a quoted name', line: '"a"x,"b"', expected: undefined },
  ];
  for (const { name, line, expected } of cases)
    it(name, () => {
      expect(parseCsvHeader(line)).toEqual(expected);
    });
});

describe('compareColumns (the summary contract check)', () => {
  const contract = { account_id: 'VARCHAR', calls: 'BIGINT', day: 'VARCHAR' } as const;
  const cases: {
    name: string;
    names: string[];
    expected: ReturnType<typeof compareColumns>;
  }[] = [
    { name: 'the same columns', names: ['account_id', 'calls', 'day'], expected: undefined },
    { name: 'the same columns in another order', names: ['day', 'account_id', 'calls'], expected: undefined },
    {
      name: 'a missing column',
      names: ['account_id', 'day'],
      expected: { missing: ['calls'], extra: [], repeated: [] },
    },
    {
      name: 'an extra column',
      names: ['account_id', 'calls', 'day', 'resources'],
      expected: { missing: [], extra: ['resources'], repeated: [] },
    },
    {
      name: 'a repeated column',
      names: ['account_id', 'calls', 'day', 'day'],
      expected: { missing: [], extra: [], repeated: ['day'] },
    },
    {
      name: 'a column renamed',
      names: ['account_id', 'call_count', 'day'],
      expected: { missing: ['calls'], extra: ['call_count'], repeated: [] },
    },
  ];
  for (const { name, names, expected } of cases)
    it(name, () => {
      expect(compareColumns(names, contract)).toEqual(expected);
    });
});
