/** The two effects of an IAM statement; anything else (even `allow`) is invalid JSON policy. */
export const EFFECTS = ['Allow', 'Deny'] as const;
/** One of {@link EFFECTS}. */
export type Effect = (typeof EFFECTS)[number];

/** A list of patterns that is either the element itself (`Action`) or its negation (`NotAction`). */
export interface PatternList {
  /** True for `NotAction` / `NotResource`. */
  readonly not: boolean;
  readonly patterns: readonly string[];
}

/** One statement of a policy document, normalised: every string-or-array is an array. */
export interface PolicyStatement {
  /** Position in the document's `Statement` list (0 when `Statement` is a single object). */
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: Effect;
  readonly action: PatternList;
  /** `Resource` or `NotResource`; `undefined` when neither is given. */
  readonly resource: PatternList | undefined;
  /** Whether the statement has a non-empty `Condition` block. */
  readonly hasCondition: boolean;
  /** The `Condition` block, one clause per operator and key (empty without a Condition). */
  readonly conditions: readonly ConditionClause[];
}

/**
 * One operator-and-key pair of a `Condition` block: `{"StringEquals": {"aws:username": ["a", "b"]}}`
 * is `{operator: 'StringEquals', key: 'aws:username', values: ['a', 'b']}`. The operator is kept
 * as written, with its `ForAllValues:`/`ForAnyValue:` prefix and `IfExists` suffix; booleans and
 * numbers in the policy become their JSON text (`true`, `10`), as IAM compares them.
 */
export interface ConditionClause {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
}

/** A parsed identity policy document. */
export interface PolicyDocument {
  readonly version: string | undefined;
  readonly statements: readonly PolicyStatement[];
  /**
   * The document as given (JSON text, URL-encoded text, or an object), kept for
   * `statementSpan` (src/iam/policy-positions.ts), which finds a statement's line and column.
   */
  readonly source: unknown;
}

/** A problem in a policy document, with the JSON path (relative to the document) of the bad part. */
export class PolicyDocumentError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'PolicyDocumentError';
  }
}

/**
 * Parses an identity policy document given as an object, as JSON text, or as URL-encoded JSON text
 * (what the raw IAM API returns). Throws {@link PolicyDocumentError} naming the path of the bad part.
 */
export function parsePolicyDocument(value: unknown, path: string): PolicyDocument {
  const document = typeof value === 'string' ? decodeDocumentString(value, path) : value;
  if (!isRecord(document))
    throw new PolicyDocumentError(path, `expected a policy document object, got ${describe(document)}`);
  const version = document.Version;
  if (version !== undefined && typeof version !== 'string') {
    throw new PolicyDocumentError(`${path}.Version`, `expected a string, got ${describe(version)}`);
  }
  const statementValue = document.Statement;
  if (statementValue === undefined) throw new PolicyDocumentError(`${path}.Statement`, 'missing');
  const statements = Array.isArray(statementValue)
    ? statementValue.map((statement, index) =>
        parseStatement(statement, index, `${path}.Statement[${index}]`),
      )
    : [parseStatement(statementValue, 0, `${path}.Statement`)];
  return { version, statements, source: value };
}

function parseStatement(value: unknown, index: number, path: string): PolicyStatement {
  if (!isRecord(value))
    throw new PolicyDocumentError(path, `expected a statement object, got ${describe(value)}`);
  const effect = value.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') {
    throw new PolicyDocumentError(`${path}.Effect`, `expected "Allow" or "Deny", got ${describe(effect)}`);
  }
  const sid = value.Sid;
  if (sid !== undefined && typeof sid !== 'string') {
    throw new PolicyDocumentError(`${path}.Sid`, `expected a string, got ${describe(sid)}`);
  }
  const action = parsePatternPair(value, 'Action', 'NotAction', path);
  if (action === undefined) throw new PolicyDocumentError(path, 'has neither Action nor NotAction');
  const condition = value.Condition;
  if (condition !== undefined && !isRecord(condition)) {
    throw new PolicyDocumentError(`${path}.Condition`, `expected an object, got ${describe(condition)}`);
  }
  const conditions = condition === undefined ? [] : parseConditions(condition, `${path}.Condition`);
  return {
    index,
    sid,
    effect,
    action,
    resource: parsePatternPair(value, 'Resource', 'NotResource', path),
    hasCondition: conditions.length > 0,
    conditions,
  };
}

function parseConditions(condition: Record<string, unknown>, path: string): ConditionClause[] {
  const clauses: ConditionClause[] = [];
  for (const [operator, keys] of Object.entries(condition)) {
    if (!isRecord(keys)) {
      throw new PolicyDocumentError(
        `${path}.${operator}`,
        `expected an object of condition keys, got ${describe(keys)}`,
      );
    }
    for (const [key, value] of Object.entries(keys)) {
      const list = Array.isArray(value) ? value : [value];
      const values = list.map((item, index) => {
        if (typeof item === 'string') return item;
        if (typeof item === 'boolean' || typeof item === 'number') return JSON.stringify(item);
        throw new PolicyDocumentError(
          `${path}.${operator}.${key}${Array.isArray(value) ? `[${index}]` : ''}`,
          `expected a string, number or boolean, got ${describe(item)}`,
        );
      });
      clauses.push({ operator, key, values });
    }
  }
  return clauses;
}

function parsePatternPair(
  statement: Record<string, unknown>,
  key: string,
  notKey: string,
  path: string,
): PatternList | undefined {
  const positive = statement[key];
  const negative = statement[notKey];
  if (positive !== undefined && negative !== undefined) {
    throw new PolicyDocumentError(path, `has both ${key} and ${notKey}; a statement takes one of them`);
  }
  if (positive !== undefined) return { not: false, patterns: parseStringList(positive, `${path}.${key}`) };
  if (negative !== undefined) return { not: true, patterns: parseStringList(negative, `${path}.${notKey}`) };
  return undefined;
}

function parseStringList(value: unknown, path: string): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) {
    return value.map((item, index) => {
      if (typeof item !== 'string') {
        throw new PolicyDocumentError(`${path}[${index}]`, `expected a string, got ${describe(item)}`);
      }
      return item;
    });
  }
  throw new PolicyDocumentError(path, `expected a string or a list of strings, got ${describe(value)}`);
}

function decodeDocumentString(text: string, path: string): unknown {
  const trimmed = text.trim();
  let json = trimmed;
  if (!trimmed.startsWith('{')) {
    try {
      json = decodeURIComponent(trimmed);
    } catch {
      throw new PolicyDocumentError(path, 'is a string that is neither JSON nor URL-encoded JSON');
    }
  }
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    throw new PolicyDocumentError(
      path,
      `is a string that does not hold valid JSON (${(error as Error).message})`,
    );
  }
}

/** Whether a value is a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of a JSON value for error messages: `"allow"`, `a number`, `null`. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
