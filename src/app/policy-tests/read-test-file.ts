import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, YAMLMap } from 'yaml';

import { readInputFile } from '../../cli/read-input-file.js';
import { closeMatches } from '../../close-matches.js';
import { InputDataError } from '../../errors.js';
import { CONTEXT_KEY_TYPES } from '../../iam/policy-evaluation.js';
import type { ContextEntry, ContextKeyType } from '../../iam/policy-evaluation.js';
import { contextKeyProblem, contextValueProblem } from './context-values.js';
import type { PolicyTestCase, PolicyTestFile, PrincipalPattern } from './policy-test-types.js';

/*
 * The test file of `iamtrail test`: aws-iam-tester's YAML format unchanged, so existing files work.
 *
 *   user_landing_account: "123456789012"   # read, not used by the local evaluator
 *   global_exemptions: [regex, ...]         # principal ARNs left out of every test
 *   global_limit_to: [regex, ...]           # only these principal ARNs in every test
 *   tests:
 *     - name: no-iam-writes                 # optional (iamtrail): default test-<n>
 *       actions: ["iam:Create*", "sts:AssumeRole"]
 *       resources: ["*", "arn:aws:s3:::bucket-{account_id}/*"]
 *       expected_result: fail               # fail | succeed
 *       limit_to: [regex, ...]              # narrows what the global keys keep; replaces exemptions
 *       exemptions: [regex, ...]
 *       custom_context:                     # replaces the default context (aws-iam-tester)
 *         - context_key_name: aws:MultiFactorAuthPresent
 *           context_key_values: false       # a scalar or a list
 *           context_key_type: boolean       # one of CONTEXT_KEY_TYPES
 *
 * Read as aws-iam-tester's PyYAML `FullLoader` reads it: anchors and aliases (`actions: *acts`) and
 * merge keys (`<<: *base`, the mapping's own keys winning) resolve where they are used, and
 * `expected_result` is compared in any case (`Fail`). Unknown keys stay errors, also in a merged
 * mapping.
 *
 * The regexes are Python's `re.match` in aws-iam-tester: anchored at the start only. Every mistake
 * (unknown key, wrong type, bad regex or a Python-only one such as `\Z`, `{…}` other than
 * `{account_id}`, a resource neither `*` nor an ARN, a context value not of its type) is an
 * InputDataError naming the file, the line and the key.
 */

const TOP_KEYS = ['user_landing_account', 'global_exemptions', 'global_limit_to', 'tests'] as const;
const TEST_KEYS = [
  'name',
  'actions',
  'resources',
  'expected_result',
  'limit_to',
  'exemptions',
  'custom_context',
] as const;
const CONTEXT_KEYS = ['context_key_name', 'context_key_values', 'context_key_type'] as const;
const EXPECTED_RESULTS = ['fail', 'succeed'] as const;
/** An ARN: `arn:` then partition, service, region, account and a non-empty resource. */
export const RESOURCE_ARN = /^arn:[^:]+:[^:]*:[^:]*:[^:]*:.+/;
/** An action, `service:Action` (wildcards allowed in a test file), or `*`. */
export const ACTION_NAME = /^(?:\*|[^:\s]+:[^:\s]+)$/;

/** Reads and parses a test file; a missing file or a bad one is an InputDataError (exit code 2). */
export function readPolicyTestFile(path: string): PolicyTestFile {
  const text = readInputFile(
    path,
    'test file',
    'a YAML file in aws-iam-tester\'s format (README: "Policy tests")',
  ).toString('utf8');
  return parsePolicyTestFile(text, path);
}

/** Parses the text of a test file; `path` names it in messages. */
export function parsePolicyTestFile(text: string, path: string): PolicyTestFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    keepSourceTokens: true,
    uniqueKeys: true,
    merge: true,
  });
  const first = document.errors[0];
  if (first !== undefined)
    throw new InputDataError(
      `${path}:${first.linePos?.[0].line ?? 1}: not valid YAML: ${first.message.split('\n')[0] ?? ''}`,
    );
  const reader = new TestFileReader(path, text, lineCounter, document);
  const root = reader.resolve(document.contents);
  if (!isMap(root)) throw reader.error(root, 'the file', 'must be a mapping with a tests: list');
  const top = reader.entries(root, TOP_KEYS, 'the file');
  const landing = top.get('user_landing_account');
  const userLandingAccount =
    landing === undefined ? undefined : reader.scalarText(landing, 'user_landing_account');
  const globalExemptions = reader.patterns(top.get('global_exemptions'), 'global_exemptions');
  const globalLimitTo = reader.patterns(top.get('global_limit_to'), 'global_limit_to');
  const testsNode = top.get('tests');
  if (testsNode === undefined) throw reader.error(root, 'tests', 'is missing: the file has no test');
  const tests = reader.list(testsNode, 'tests').map((node, index) => reader.testCase(node, index));
  if (tests.length === 0) throw reader.error(testsNode, 'tests', 'is empty');
  return { path, userLandingAccount, globalExemptions, globalLimitTo, tests };
}

/** Turns one of the file's regexes (Python `re.match`: anchored at the start) into a RegExp. */
export function compilePrincipalPattern(source: string): RegExp | { readonly error: string } {
  if (/\(\?P</.test(source)) return { error: 'uses a Python named group (?P<name>...): write (?<name>...)' };
  if (/\(\?P[=>]/.test(source)) return { error: 'uses a Python back-reference (?P=name): write \\k<name>' };
  // An unescaped \A, \z or \Z (after an even run of backslashes): JavaScript reads them as the
  // letters A, z and Z, so the pattern would silently match something else.
  const anchor = /(?<!\\)(?:\\\\)*\\([AzZ])/.exec(source)?.[1];
  if (anchor === 'A')
    return { error: "uses Python's \\A: write ^ (the pattern is anchored at the start anyway)" };
  if (anchor !== undefined) return { error: `uses Python's \\${anchor}: write $` };
  if (/\(\?[aiLmsux]+\)/.test(source))
    return { error: 'uses a Python inline flag such as (?i): spell the cases out ([Aa]dmin)' };
  try {
    return new RegExp(`^(?:${source})`);
  } catch (error) {
    return { error: `is not a valid regular expression: ${(error as Error).message}` };
  }
}

/** Reads nodes of one file, with the line of each for messages. */
class TestFileReader {
  constructor(
    private readonly path: string,
    private readonly text: string,
    private readonly lines: LineCounter,
    private readonly document: Document,
  ) {}

  /**
   * The entries of each mapping merged so far: one named by many `<<` (or by a `<<` of mappings that
   * merge it in turn, an alias bomb) is read once.
   */
  readonly #merged = new Map<YAMLMap, { known: readonly string[]; entries: Map<string, Node | null> }>();

  /** The node an alias (`*acts`) stands for; any other node as it is. */
  resolve(node: Node | null | undefined): Node | null {
    let current = node ?? null;
    // An alias may name an anchored alias; the parser refuses cycles and unknown anchors.
    for (let hops = 0; isAlias(current) && hops < 100; hops += 1)
      current = current.resolve(this.document) ?? null;
    return current;
  }

  lineOf(node: Node | null | undefined): number {
    const offset = node?.range?.[0];
    return offset === undefined ? 1 : this.lines.linePos(offset).line;
  }

  error(node: Node | null | undefined, key: string, problem: string, suggestions?: string[]): InputDataError {
    return new InputDataError(
      `${this.path}:${this.lineOf(node)}: ${key} ${problem}`,
      suggestions === undefined || suggestions.length === 0 ? undefined : { suggestions },
    );
  }

  /**
   * A mapping's entries by key, aliases resolved; an unknown key is an error with the close
   * matches. A merge key (`<<: *base`, or a list of them) adds the keys of the mappings it names that
   * the mapping does not give itself, the first named winning (YAML's merge, as PyYAML reads it).
   */
  entries<K extends string>(
    map: YAMLMap,
    known: readonly K[],
    where: string,
    merging: ReadonlySet<YAMLMap> = new Set(),
  ): Map<K, Node | null> {
    const result = new Map<K, Node | null>();
    const merged: YAMLMap[] = [];
    for (const pair of map.items) {
      const keyNode = pair.key as Node | null;
      if (isScalar(keyNode) && typeof keyNode.value === 'symbol' && keyNode.value.description === '<<') {
        const source = this.resolve(pair.value as Node | null);
        const sources = isSeq(source) ? (source.items as Node[]).map((item) => this.resolve(item)) : [source];
        for (const entry of sources) {
          if (!isMap(entry))
            throw this.error(entry ?? keyNode, `<< in ${where}`, 'must name a mapping (<<: *anchor)');
          if (entry === map || merging.has(entry))
            throw this.error(keyNode, `<< in ${where}`, 'merges a mapping into itself');
          merged.push(entry);
        }
        continue;
      }
      const key = isScalar(keyNode) ? String(keyNode.value) : '';
      result.set(this.knownKey(keyNode, key, known, where), this.resolve(pair.value as Node | null));
    }
    for (const source of merged) {
      let read = this.#merged.get(source);
      if (read?.known !== known) {
        read = { known, entries: this.entries(source, known, where, new Set([...merging, map])) };
        this.#merged.set(source, read);
      }
      for (const [key, value] of read.entries as Map<K, Node | null>)
        if (!result.has(key)) result.set(key, value);
    }
    return result;
  }

  knownKey<K extends string>(keyNode: Node | null, key: string, known: readonly K[], where: string): K {
    if ((known as readonly string[]).includes(key)) return key as K;
    const close = closeMatches(key, known);
    throw this.error(
      keyNode,
      `unknown key "${key}" in ${where}`,
      `(known: ${known.join(', ')})`,
      close.length === 0 ? [] : [`Did you mean ${close.map((name) => `"${name}"`).join(' or ')}?`],
    );
  }

  list(node: Node | null, key: string): Node[] {
    const resolved = this.resolve(node);
    if (!isSeq(resolved)) throw this.error(resolved, key, 'must be a list');
    return (resolved.items as Node[]).map((item) => this.resolve(item) ?? item);
  }

  /** A list of strings; `null` (the key with no value) is an empty list. */
  strings(node: Node | null | undefined, key: string): { value: string; node: Node }[] {
    if (node === undefined || (isScalar(node) && node.value === null)) return [];
    return this.list(node, key).map((item) => {
      if (!isScalar(item) || typeof item.value !== 'string' || item.value.length === 0)
        throw this.error(item, key, 'must list strings');
      return { value: item.value, node: item };
    });
  }

  /** A scalar as written (an account id keeps its leading zeros). */
  scalarText(node: Node | null, key: string): string {
    if (!isScalar(node) || node.value === null || typeof node.value === 'object')
      throw this.error(node, key, 'must be a single value');
    if (typeof node.value === 'string') return node.value;
    const [start, end] = node.range ?? [0, 0];
    return this.text.slice(start, end).trim();
  }

  patterns(node: Node | null | undefined, key: string): PrincipalPattern[] {
    return this.strings(node, key).map(({ value, node: item }) => {
      const compiled = compilePrincipalPattern(value);
      if ('error' in compiled)
        throw this.error(item, key, `regex ${JSON.stringify(value)} ${compiled.error}`);
      return { source: value, regex: compiled, line: this.lineOf(item) };
    });
  }

  testCase(node: Node, index: number): PolicyTestCase {
    const where = `tests[${index}]`;
    if (!isMap(node))
      throw this.error(node, where, 'must be a mapping (actions:, resources:, expected_result:)');
    const fields = this.entries(node, TEST_KEYS, where);
    const required = (key: (typeof TEST_KEYS)[number]): Node | null => {
      const value = fields.get(key);
      if (value === undefined) throw this.error(node, `${where}.${key}`, 'is missing');
      return value;
    };
    const actions = this.strings(required('actions'), `${where}.actions`);
    if (actions.length === 0) throw this.error(fields.get('actions'), `${where}.actions`, 'is empty');
    for (const { value, node: item } of actions)
      if (!ACTION_NAME.test(value))
        throw this.error(
          item,
          `${where}.actions`,
          `"${value}" is not an action (service:Action, wildcards allowed)`,
        );
    const resources = this.strings(required('resources'), `${where}.resources`);
    if (resources.length === 0) throw this.error(fields.get('resources'), `${where}.resources`, 'is empty');
    for (const { value, node: item } of resources) {
      const placeholder = /\{([^}]*)\}/g.exec(value.replaceAll('{account_id}', ''));
      if (placeholder !== null)
        throw this.error(
          item,
          `${where}.resources`,
          `"${value}" holds {${placeholder[1] ?? ''}}: the only placeholder is {account_id}`,
        );
      if (value !== '*' && !RESOURCE_ARN.test(value.replaceAll('{account_id}', '123456789012')))
        throw this.error(
          item,
          `${where}.resources`,
          `"${value}" is neither * nor an ARN (arn:partition:service:region:account:resource)`,
        );
    }
    const expectedNode = required('expected_result');
    // aws-iam-tester lowercases it: `Fail` and `SUCCEED` are fail and succeed.
    const written = this.scalarText(expectedNode, `${where}.expected_result`);
    const expected = written.toLowerCase();
    if (!(EXPECTED_RESULTS as readonly string[]).includes(expected))
      throw this.error(expectedNode, `${where}.expected_result`, `"${written}" must be fail or succeed`);
    const nameNode = fields.get('name');
    return {
      index,
      name: nameNode === undefined ? `test-${index + 1}` : this.scalarText(nameNode, `${where}.name`),
      line: this.lineOf(node),
      actions: actions.map(({ value }) => value),
      resources: resources.map(({ value }) => value),
      expected: expected as 'fail' | 'succeed',
      limitTo: this.patterns(fields.get('limit_to'), `${where}.limit_to`),
      exemptions: this.patterns(fields.get('exemptions'), `${where}.exemptions`),
      context: this.context(fields.get('custom_context'), `${where}.custom_context`),
    };
  }

  context(node: Node | null | undefined, key: string): ContextEntry[] {
    if (node === undefined || (isScalar(node) && node.value === null)) return [];
    return this.list(node ?? null, key).map((item, index) => {
      const where = `${key}[${index}]`;
      if (!isMap(item)) throw this.error(item, where, 'must be a mapping (context_key_name, ...)');
      const fields = this.entries(item, CONTEXT_KEYS, where);
      const get = (name: (typeof CONTEXT_KEYS)[number]): Node | null => {
        const value = fields.get(name);
        if (value === undefined) throw this.error(item, `${where}.${name}`, 'is missing');
        return value;
      };
      const keyNode = get('context_key_name');
      const keyName = this.scalarText(keyNode, `${where}.context_key_name`);
      const keyProblem = contextKeyProblem(keyName);
      if (keyProblem !== undefined) throw this.error(keyNode, `${where}.context_key_name`, keyProblem);
      const typeNode = get('context_key_type');
      const type = this.scalarText(typeNode, `${where}.context_key_type`);
      if (!(CONTEXT_KEY_TYPES as readonly string[]).includes(type)) {
        const close = closeMatches(type, CONTEXT_KEY_TYPES);
        throw this.error(
          typeNode,
          `${where}.context_key_type`,
          `"${type}" is not a context key type (${CONTEXT_KEY_TYPES.join(', ')})`,
          close.length === 0 ? [] : [`Did you mean ${close.map((name) => `"${name}"`).join(' or ')}?`],
        );
      }
      const valuesNode = get('context_key_values');
      const valueNodes = isSeq(valuesNode)
        ? (valuesNode.items as Node[]).map((value) => this.resolve(value))
        : [valuesNode];
      const values = valueNodes.map((value) => {
        const text = this.scalarText(value, `${where}.context_key_values`);
        const problem = contextValueProblem(type as ContextKeyType, text);
        if (problem !== undefined)
          throw this.error(
            value,
            `${where}.context_key_values`,
            `${JSON.stringify(text)} ${problem} (type ${type})`,
          );
        return text;
      });
      return { key: keyName, values, type: type as ContextKeyType };
    });
  }
}
