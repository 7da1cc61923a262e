import { findNodeAtLocation, parseTree } from 'jsonc-parser';

import type { PolicyDocument } from './policy-document.js';

/** A line and column in a policy document's text, both counted from 1. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/** Where a statement is in its policy document's text, from its `{` to its `}`. */
export interface StatementSpan {
  readonly start: TextPosition;
  readonly end: TextPosition;
  /**
   * `stored`: positions in the document's text as IAM stores it (the file or API answer gave the
   * text, plain or URL-encoded). `printed`: the file gave the document as a JSON object (as the AWS
   * CLI prints it), so positions are in that object printed with four-space indentation, as the
   * AWS CLI prints it.
   */
  readonly text: 'stored' | 'printed';
}

interface DocumentText {
  readonly text: string;
  readonly kind: StatementSpan['text'];
  readonly lineStarts: readonly number[];
  readonly statementOffsets: readonly (readonly [number, number])[];
}

const TEXTS = new WeakMap<PolicyDocument, DocumentText | null>();

/**
 * The span of statement `index` (its position in the `Statement` list) in the document's text, or
 * `undefined` when the document has no such statement. Computed when first asked, per document.
 */
export function statementSpan(document: PolicyDocument, index: number): StatementSpan | undefined {
  let known = TEXTS.get(document);
  if (known === undefined) {
    known = documentText(document.source);
    TEXTS.set(document, known);
  }
  const offsets = known?.statementOffsets[index];
  if (known === null || offsets === undefined) return undefined;
  return {
    start: positionAt(known.lineStarts, offsets[0]),
    end: positionAt(known.lineStarts, offsets[1]),
    text: known.kind,
  };
}

function documentText(source: unknown): DocumentText | null {
  let text: string;
  let kind: StatementSpan['text'];
  if (typeof source === 'string') {
    const trimmed = source.trim();
    try {
      text = trimmed.startsWith('{') ? source : decodeURIComponent(trimmed);
    } catch {
      return null;
    }
    kind = 'stored';
  } else {
    text = JSON.stringify(source, null, 4);
    kind = 'printed';
  }
  const tree = parseTree(text);
  if (tree === undefined) return null;
  const statement = findNodeAtLocation(tree, ['Statement']);
  if (statement === undefined) return null;
  const nodes = statement.type === 'array' ? (statement.children ?? []) : [statement];
  const lineStarts = [0];
  for (let offset = text.indexOf('\n'); offset !== -1; offset = text.indexOf('\n', offset + 1)) {
    lineStarts.push(offset + 1);
  }
  return {
    text,
    kind,
    lineStarts,
    statementOffsets: nodes.map((node) => [node.offset, node.offset + node.length - 1] as const),
  };
}

function positionAt(lineStarts: readonly number[], offset: number): TextPosition {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((lineStarts[middle] ?? 0) <= offset) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, column: offset - (lineStarts[low] ?? 0) + 1 };
}
