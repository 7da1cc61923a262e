import { parse, printParseErrorCode } from 'jsonc-parser';
import type { ParseError } from 'jsonc-parser';

/** A JSON syntax error located by line and column. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    detail: string,
  ) {
    super(`invalid JSON at line ${line}, column ${column}: ${detail}`);
    this.name = 'JsonSyntaxError';
  }
}

/**
 * Parses text that holds one JSON document, or several concatenated ones (what `cat page1.json
 * page2.json` gives for paged API output). Throws {@link JsonSyntaxError} with line and column.
 */
export function parseJsonDocuments(text: string): unknown[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return [JSON.parse(body) as unknown];
  } catch (error) {
    const documents = splitConcatenated(body);
    if (documents.length > 1) return documents.map(({ start, end }) => parseAt(body, start, end));
    throw toSyntaxError(body, 0, error);
  }
}

function parseAt(text: string, start: number, end: number): unknown {
  try {
    return JSON.parse(text.slice(start, end)) as unknown;
  } catch (error) {
    throw toSyntaxError(text, start, error);
  }
}

/** Finds the extents of top-level `{…}` / `[…]` values, honouring strings and escapes. */
function splitConcatenated(text: string): { start: number; end: number }[] {
  const documents: { start: number; end: number }[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{' || char === '[') {
      if (depth === 0) start = index;
      depth += 1;
    } else if (char === '}' || char === ']') {
      depth -= 1;
      if (depth === 0) documents.push({ start, end: index + 1 });
      if (depth < 0) return [];
    } else if (depth === 0 && char !== undefined && !/\s/.test(char)) {
      return [];
    }
  }
  return depth === 0 ? documents : [];
}

function toSyntaxError(text: string, offset: number, error: unknown): JsonSyntaxError {
  // JSON.parse does not always say where it failed; a strict jsonc-parser pass does, exactly.
  const errors: ParseError[] = [];
  parse(text.slice(offset), errors, {
    disallowComments: true,
    allowTrailingComma: false,
    allowEmptyContent: false,
  });
  const first = errors[0];
  const position = offset + (first?.offset ?? text.length - offset);
  const detail =
    first === undefined
      ? error instanceof Error
        ? error.message
        : String(error)
      : describeCode(printParseErrorCode(first.error));
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return new JsonSyntaxError(line, column, detail);
}

function describeCode(code: string): string {
  // "InvalidSymbol" -> "invalid symbol", "CloseBraceExpected" -> "close brace expected"
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
