import { describe, expect, it } from 'vitest';

import { splitArnParameter } from '../../../../src/app/serve/aardvark-document.js';
import { isLoopbackHost } from '../../../../src/app/serve/serve-until-stopped.js';

describe('splitArnParameter', () => {
  it.each<{ name: string; input: string[]; expected: string[] }>([
    {
      name: 'repeated',
      input: ['arn:aws:iam::1:role/a', 'arn:aws:iam::1:role/b'],
      expected: ['arn:aws:iam::1:role/a', 'arn:aws:iam::1:role/b'],
    },
    {
      name: 'comma-separated',
      input: ['arn:aws:iam::1:role/a,arn:aws:iam::1:role/b'],
      expected: ['arn:aws:iam::1:role/a', 'arn:aws:iam::1:role/b'],
    },
    // IAM names may hold commas: only a comma before "arn:" separates.
    {
      name: 'a name with a comma',
      input: ['arn:aws:iam::1:role/a,b'],
      expected: ['arn:aws:iam::1:role/a,b'],
    },
    { name: 'empty', input: [''], expected: [] },
  ])('$name', ({ input, expected }) => {
    expect(splitArnParameter(input)).toEqual(expected);
  });
});

describe('isLoopbackHost', () => {
  it.each<[string, boolean]>([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['example.com', false],
  ])('%s: %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
