/*
 * The smallest resource patterns covering the resources an action was seen on, for `policy
 * generate`. The rule:
 * - S3 objects come as folder patterns (`arn:aws:s3:::bucket/logs/2026/*`, see
 *   `trail/resource-usage.ts`): per bucket, one pattern, the longest folder prefix common to all of
 *   the bucket's (`arn:aws:s3:::bucket/logs/*`; `arn:aws:s3:::bucket/*` when they share none).
 *   Bucket ARNs (`arn:aws:s3:::bucket`) stay as they are, also beyond the limit below: any pattern
 *   of bucket names matches objects as well (`arn:aws:s3:::*` is every object of every bucket).
 * - Then: the patterns are listed exactly up to {@link DEFAULT_EXACT_LIMIT}; beyond it, they are
 *   grouped by ARN segment (partition, service, region, account, and resource type: the resource
 *   part up to its first `/` or `:`, `table/`, `function:`), which stay exact, and each group of
 *   several becomes one pattern: the longest prefix its resources share after the type, cut back to
 *   its last `/` or `:`, plus `*` (`arn:aws:dynamodb:us-east-1:111111111111:table/*`). Several
 *   groups give several patterns; what is not an ARN stays as it is.
 * Intersecting with what the principal is granted is the caller's (`analysis/policy-generation`).
 */

/** How many resources a statement lists exactly before they are generalised to a prefix. */
export const DEFAULT_EXACT_LIMIT = 10;

const S3_ARN = /^(arn:[^:]+:s3:::)([^/]+)(\/.*)?$/;

/**
 * A resource as the logs name it (a `resource_usage` row) in a policy's Resource grammar: its
 * `*`, `?` and `$` as IAM writes them literally, `${*}`, `${?}`, `${$}` (Version 2012-10-17, which
 * generated policies always declare; https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars),
 * so that an S3 key `we*rd/` or `${aws:username}/` is no wildcard nor policy variable. The `*`
 * ending an S3 object row (`arn:aws:s3:::bucket/dir/*`, its folder's objects) stays a wildcard:
 * the rows put it there, and the key before it is cut at a `/`.
 */
export function toPolicyResource(resource: string): string {
  const folder = S3_ARN.exec(resource)?.[3] !== undefined && resource.endsWith('/*');
  const literal = folder ? resource.slice(0, -1) : resource;
  const escaped = literal.replace(/[*?$]/g, (char) => `\${${char}}`);
  return folder ? `${escaped}*` : escaped;
}

/**
 * A Resource pattern as a glob whose `*` and `?` are wildcards: `${*}`, `${?}`, `${$}` as their
 * characters. The glob matches what the pattern matches and more (a literal `*` made a wildcard),
 * so a grant that covers the glob covers the pattern.
 */
export function toGlob(pattern: string): string {
  return pattern.replace(/\$\{([*?$])\}/g, '$1');
}

/** The longest common prefix of strings (the empty string for none). */
export function longestCommonPrefix(values: readonly string[]): string {
  const [first, ...rest] = values;
  if (first === undefined) return '';
  let length = first.length;
  for (const value of rest) {
    let index = 0;
    while (index < length && index < value.length && value[index] === first[index]) index += 1;
    length = index;
  }
  return first.slice(0, length);
}

/** `prefix` cut back to just after its last `/` or `:` (empty when it has neither). */
function toBoundary(prefix: string): string {
  const cut = Math.max(prefix.lastIndexOf('/'), prefix.lastIndexOf(':'));
  return cut === -1 ? '' : prefix.slice(0, cut + 1);
}

/** S3 object folder patterns reduced to one per bucket (the longest common folder); others unchanged. */
function reduceS3Folders(resources: readonly string[]): string[] {
  const folders = new Map<string, { base: string; paths: string[] }>();
  const others: string[] = [];
  for (const resource of resources) {
    const match = S3_ARN.exec(resource);
    const path = match?.[3];
    if (match === null || path === undefined) {
      others.push(resource);
      continue;
    }
    const key = `${match[1] ?? ''}${match[2] ?? ''}`;
    const entry = folders.get(key) ?? { base: key, paths: [] };
    // `/logs/2026/*` → `/logs/2026/`; an object named without `/*` counts as its folder.
    const folder = path.endsWith('/*') ? path.slice(0, -1) : path.slice(0, path.lastIndexOf('/') + 1);
    entry.paths.push(folder);
    folders.set(key, entry);
  }
  const reduced = [...folders.values()].map(({ base, paths }) => {
    const common = longestCommonPrefix(paths);
    return `${base}${common.slice(0, common.lastIndexOf('/') + 1) || '/'}*`;
  });
  return [...others, ...reduced];
}

/** Whether an ARN is an S3 bucket's (`arn:aws:s3:::bucket`, no key). */
function isS3Bucket(arn: string): boolean {
  const match = S3_ARN.exec(arn);
  return match !== null && match[3] === undefined;
}

const ARN_HEAD = /^(arn:[^:]*:[^:]*:[^:]*:[^:]*:)(.*)$/s;

/** The ARN up to its resource type included (`arn:aws:dynamodb:us-east-1:1…:table/`); `undefined` for no ARN. */
function groupOf(pattern: string): string | undefined {
  const match = ARN_HEAD.exec(pattern);
  if (match === null) return undefined;
  const [, head = '', rest = ''] = match;
  const cut = /[/:]/.exec(rest);
  return `${head}${cut === null ? '' : rest.slice(0, cut.index + 1)}`;
}

/**
 * The patterns covering `resources` by the rule of this module, sorted; `['*']` for none seen.
 * `limit` is how many are listed exactly.
 */
export function generaliseResources(
  resources: readonly string[],
  limit: number = DEFAULT_EXACT_LIMIT,
): string[] {
  const unique = [...new Set(resources)];
  if (unique.length === 0 || unique.includes('*')) return ['*'];
  const patterns = [...new Set(reduceS3Folders(unique))].sort();
  if (patterns.length <= limit) return patterns;
  const groups = new Map<string, string[]>();
  const generalised: string[] = [];
  for (const pattern of patterns) {
    const group = groupOf(pattern);
    // A bucket's pattern would match objects: IAM's `*` and `?` match a `/` too, so no pattern
    // stands for bucket names alone (`arn:aws:s3:::*` is every object of every bucket).
    if (group === undefined || isS3Bucket(pattern)) {
      generalised.push(pattern);
      continue;
    }
    groups.set(group, [...(groups.get(group) ?? []), pattern]);
  }
  for (const [group, members] of groups) {
    if (members.length === 1) {
      generalised.push(...members);
      continue;
    }
    const common = toBoundary(longestCommonPrefix(members.map((member) => member.slice(group.length))));
    generalised.push(`${group}${common}*`);
  }
  return [...new Set(generalised)].sort();
}

/**
 * A walk over two globs, position by position, each pair decided once: `step(x, y, go)` decides
 * the pair at the characters `x` of `a` and `y` of `b` (`undefined` past the end), `go(di, dj)`
 * the pair that many characters on.
 */
function walkGlobs(
  a: string,
  b: string,
  step: (x: string | undefined, y: string | undefined, go: (di: number, dj: number) => boolean) => boolean,
): boolean {
  const memo = new Map<number, boolean>();
  const at = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const result = step(a[i], b[j], (di, dj) => at(i + di, j + dj));
    memo.set(key, result);
    return result;
  };
  return at(0, 0);
}

/**
 * Whether glob `outer` matches every string glob `inner` matches (`*` any run, `?` one
 * character, case-sensitive, as resources compare). A sufficient test: each wildcard of `inner`
 * must be absorbed by a `*` of `outer` (a `?` also by a `?`), so `b/logs/?` does not cover
 * `b/logs/*`, nor `a*` cover `*`.
 */
export function globCovers(outer: string, inner: string): boolean {
  return walkGlobs(outer, inner, (char, other, go) => {
    if (char === undefined) return other === undefined;
    if (char === '*') return go(1, 0) || (other !== undefined && go(0, 1));
    if (other === undefined || other === '*') return false;
    return (char === '?' || (other !== '?' && char === other)) && go(1, 1);
  });
}

/** Whether globs `a` and `b` match some string in common (`*` any run, `?` one character). */
export function globsIntersect(a: string, b: string): boolean {
  return walkGlobs(a, b, (x, y, go) => {
    if (x === undefined && y === undefined) return true;
    if (x === '*' && go(1, 0)) return true;
    if (y === '*' && go(0, 1)) return true;
    if (x === undefined || y === undefined) return false;
    // A star eats one character (or `?`) of the other.
    if (x === '*') return go(0, 1);
    if (y === '*') return go(1, 0);
    return (x === '?' || y === '?' || x === y) && go(1, 1);
  });
}
