/**
 * Removes repeated keys from JSON as DuckDB's `json()` writes it (compact, no whitespace, each
 * string and number in one canonical form, `NaN` and `Infinity` as bare words): each object keeps
 * a repeated key's last value (as jq and `JSON.parse` do), at its last place. Every other byte is
 * kept as written, numbers and strings included, so a value reads back as DuckDB read it from the
 * original. Throws on text that is not of that form.
 */
export function withoutRepeatedKeys(text: string): string {
  let at = 0;
  const fail = (): never => {
    throw new SyntaxError(`unexpected ${text[at] === undefined ? 'end' : `"${text[at]}"`} at ${at}`);
  };
  const expect = (character: string): void => {
    if (text[at] !== character) fail();
    at += 1;
  };
  const string = (): string => {
    const start = at;
    expect('"');
    while (text[at] !== '"') {
      if (text[at] === undefined) fail();
      at += text[at] === '\\' ? 2 : 1;
    }
    at += 1;
    return text.slice(start, at);
  };
  const value = (): string => {
    switch (text[at]) {
      case '{': {
        at += 1;
        // Keyed by the key as written: DuckDB's json() writes each key in one form.
        const members = new Map<string, string>();
        while (text[at] !== '}') {
          if (members.size > 0) expect(',');
          const key = string();
          expect(':');
          const member = value();
          members.delete(key);
          members.set(key, member);
        }
        at += 1;
        return `{${[...members].map(([key, member]) => `${key}:${member}`).join(',')}}`;
      }
      case '[': {
        at += 1;
        const items: string[] = [];
        while (text[at] !== ']') {
          if (items.length > 0) expect(',');
          items.push(value());
        }
        at += 1;
        return `[${items.join(',')}]`;
      }
      case '"':
        return string();
      default: {
        // A number, true, false, null, NaN or Infinity: up to the next separator.
        const start = at;
        while (at < text.length && !',]}'.includes(text[at] ?? '')) at += 1;
        if (
          at === start ||
          !/^(?:-?(?:\d|Infinity|NaN)[\w.+-]*|true|false|null)$/.test(text.slice(start, at))
        )
          fail();
        return text.slice(start, at);
      }
    }
  };
  const result = value();
  if (at !== text.length) fail();
  return result;
}
