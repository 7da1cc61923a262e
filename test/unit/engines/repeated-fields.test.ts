import { describe, expect, it } from 'vitest';

import { withoutRepeatedKeys } from '../../../src/engines/duckdb/repeated-fields.js';

describe('removing repeated keys from JSON as DuckDB writes it', () => {
  it('keeps each repeated key last value, at every depth, and every other byte as written', () => {
    expect(withoutRepeatedKeys('{"a":1,"b":2,"a":3}')).toBe('{"b":2,"a":3}');
    expect(
      withoutRepeatedKeys(
        '{"Records":[{"eventTime":"x","u":{"t":"A","t":"B","n":[{"k":1,"k":2}]},"eventTime":"y"}],"Records":[]}',
      ),
    ).toBe('{"Records":[]}');
    expect(
      withoutRepeatedKeys(
        '{"Records":[{"eventTime":"x","u":{"t":"A","t":"B","n":[{"k":1,"k":2}]},"eventTime":"y"}]}',
      ),
    ).toBe('{"Records":[{"u":{"t":"B","n":[{"k":2}]},"eventTime":"y"}]}');
    // Numbers, bare words and escapes as written: never through a JavaScript value.
    const kept =
      '{"b":111111111111.0,"c":1.0E300,"n":NaN,"i":-Infinity,"t":true,"f":false,"z":null,"s":"q\\"\\\\,}]\\u0001"}';
    expect(withoutRepeatedKeys(kept)).toBe(kept);
    expect(withoutRepeatedKeys('{}')).toBe('{}');
    expect(withoutRepeatedKeys('[]')).toBe('[]');
    expect(withoutRepeatedKeys('[{},[],""]')).toBe('[{},[],""]');
  });

  it('refuses text that is not compact JSON', () => {
    for (const text of [
      '',
      '{',
      '{"a":1',
      '{"a" :1}',
      '{"a":1,}',
      '[1,]',
      '{"a":1} ',
      '{"a":x}',
      '"open',
      '{a:1}',
      '[1 2]',
    ])
      expect(() => withoutRepeatedKeys(text), text).toThrow(SyntaxError);
  });
});
