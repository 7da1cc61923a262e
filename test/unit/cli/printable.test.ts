import { describe, expect, it } from 'vitest';

import { toPrintable, toPrintableDeep } from '../../../src/cli/printable.js';

describe('toPrintable', () => {
  it.each([
    ['alice', 'alice'],
    ['user/ops+deploy=1,a.b@c_d-e', 'user/ops+deploy=1,a.b@c_d-e'],
    ['\u001b[31mred\u001b[0m', '\\x1b[31mred\\x1b[0m'],
    [
      '\u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007',
      '\\x1b]8;;https://evil.example\\x07link\\x1b]8;;\\x07',
    ],
    ['a\r\nwarning: forged', 'a\\r\\nwarning: forged'],
    ['tab\there', 'tab\\there'],
    ['nul\u0000del\u007f', 'nul\\x00del\\x7f'],
    ['c1\u009b31m', 'c1\\x9b31m'],
    ['bidi\u202egpj.exe', 'bidi\\u202egpj.exe'],
    ['é ü 東京', 'é ü 東京'],
  ])('shows %j as %j', (text, shown) => {
    expect(toPrintable(text)).toBe(shown);
  });
});

describe('toPrintableDeep', () => {
  it('escapes every string of a document and keeps its shape and other values', () => {
    const document = {
      name: 'x\u001b[2J',
      calls: 3,
      active: false,
      lastSeen: null,
      list: [{ arn: 'arn:aws:iam::111111111111:user/\nfake' }, 'ok'],
    };
    expect(toPrintableDeep(document)).toEqual({
      name: 'x\\x1b[2J',
      calls: 3,
      active: false,
      lastSeen: null,
      list: [{ arn: 'arn:aws:iam::111111111111:user/\\nfake' }, 'ok'],
    });
    expect(document.name).toBe('x\u001b[2J');
  });

  it('copies only what it escapes: clean parts are handed back as they are, the input is never changed', () => {
    const clean = { arn: 'arn:aws:iam::111111111111:user/alice', calls: [1, 2] };
    const dirty = { arn: 'arn:aws:iam::111111111111:user/\u001b[2J', calls: 1 };
    const document = { clean, dirty, list: [clean, dirty, 'ok'] };
    const printable = toPrintableDeep(document);

    expect(toPrintableDeep(clean)).toBe(clean);
    expect(printable).not.toBe(document);
    expect(printable.clean).toBe(clean);
    expect(printable.dirty).toEqual({ arn: 'arn:aws:iam::111111111111:user/\\x1b[2J', calls: 1 });
    expect(printable.list).toEqual([clean, printable.dirty, 'ok']);
    expect(printable.list[0]).toBe(clean);
    // The input keeps its raw text, at every depth.
    expect(dirty.arn).toBe('arn:aws:iam::111111111111:user/\u001b[2J');
    expect(document.list[1]).toBe(dirty);
  });

  it('reads own properties only, as JSON does: what an object inherits is neither escaped nor copied', () => {
    const inherits = Object.create({ inherited: 'x\u001b[2J' }) as { own: string; inherited: string };
    inherits.own = 'fine';
    expect(toPrintableDeep(inherits)).toBe(inherits);
    expect(toPrintableDeep({ inherits, raw: '\u202e' })).toEqual({ inherits, raw: '\\u202e' });
  });
});
