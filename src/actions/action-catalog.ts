/**
 * How CloudTrail records the calls an IAM action authorises: as a management event (logged by
 * every trail by default), as a data event of a resource type (logged only when the trail selects
 * that type), not at all (permission-only actions such as `iam:PassRole`), or `unknown` when
 * nothing proves either: the default, shown as `?`.
 */
export const RECORDING_KINDS = ['management', 'data', 'not-recorded', 'unknown'] as const;
/** One of {@link RECORDING_KINDS}. */
export type RecordingKind = (typeof RECORDING_KINDS)[number];

/**
 * What a recording kind rests on, strongest first: the action's event was `observed` in real logs;
 * a cited AWS page (`documented`); an `api-operation` of that name in the service's API model; an
 * operation only in a `data-plane` model (`…-runtime`, `…-data`: recorded as a data event or not at
 * all); the model has `no-operation` of that name (permission-only or console-only); `none` at all.
 */
export const EVIDENCE_KINDS = [
  'observed',
  'documented',
  'api-operation',
  'data-plane',
  'no-operation',
  'none',
] as const;
/** One of {@link EVIDENCE_KINDS}. */
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** Why the catalog gives an action its recording kind. */
export interface RecordingEvidence {
  readonly kind: EvidenceKind;
  /**
   * The data sets it was seen in (`observed`), the page's URL (`documented`), `model.Operation`
   * (`api-operation`), the service's models (`no-operation`); empty for `none`.
   */
  readonly detail: string;
}

/** What the catalog knows about one IAM action. */
export interface CatalogAction {
  /** Canonical name, e.g. `s3:GetObject`. */
  readonly name: string;
  /** Lower-case service prefix, e.g. `s3`. */
  readonly prefix: string;
  /** How CloudTrail records it. */
  readonly recorded: RecordingKind;
  /** For data actions, the CloudTrail data resource type, e.g. `AWS::S3::Object`. */
  readonly dataResourceType: string | undefined;
  /** What the recording kind rests on. */
  readonly evidence: RecordingEvidence;
  /** IAM access level as published by AWS (`Read`, `Write`, `List`, ...). */
  readonly accessLevel: string;
}

/** The recording class as data files and JSON write it: `management`, `data:<type>`, `not-recorded`, `unknown`. */
export function recordingClassOf(action: Pick<CatalogAction, 'recorded' | 'dataResourceType'>): string {
  return action.recorded === 'data' ? `data:${action.dataResourceType ?? ''}` : action.recorded;
}

/** A run of lines of one service prefix in the TSV, and its actions once parsed. */
interface LineRange {
  /** Offset of the run's first line: in the text, or in the file's bytes. */
  readonly start: number;
  /** Offset just past the run's last line (its newline included, if any). */
  readonly end: number;
  /**
   * The file's line number of the run's first line (1-based, the header is line 1); `undefined`
   * for a run found by a binary search, which reads nothing before it (counted when a line is bad).
   */
  readonly firstLine: number | undefined;
  /** The run's lower-case prefix. */
  readonly prefix: string;
  parsed: readonly CatalogAction[] | undefined;
}

/** Where a catalog's lines come from: a whole text, or a sorted file's bytes searched by prefix. */
interface CatalogLines {
  /** The runs of lines of a lower-case prefix, in file order; empty when it has none. */
  runsOf(prefix: string): readonly LineRange[];
  /** Every run, in file order. */
  all(): readonly LineRange[];
  /** A run's lines, with the line number of the first. */
  textOf(range: LineRange): { readonly text: string; readonly firstLine: number | (() => number) };
}

/**
 * Every IAM action AWS publishes, with canonical case and CloudTrail recording kind. Built once
 * from `data/cloudtrail_supported_actions.tsv`; lookups ignore case as IAM does.
 *
 * The file holds some 22,000 actions, but a question about one principal touches a few services:
 * a prefix's lines are parsed the first time it is looked up. Parsing all of them took most of a
 * cached question's run (docs/benchmarks.md, "Start-up of a cached question"). From text, the text
 * is indexed by service prefix first (one pass over the line starts; a prefix's lines are
 * together in a sorted file); from the shipped file's bytes ({@link ActionCatalog.fromSortedBytes}),
 * a prefix's lines are found by a binary search and only they are decoded.
 */
export class ActionCatalog {
  #lines: CatalogLines;
  readonly #byLowerName = new Map<string, CatalogAction>();
  /**
   * {@link get}'s answers by the name as asked (`null`: none): a report asks for each granted
   * action several times, in the case the policies wrote it.
   */
  readonly #byAskedName = new Map<string, CatalogAction | null>();
  readonly #actionsOf = new Map<string, readonly CatalogAction[]>();
  #all: readonly CatalogAction[] | undefined;

  private constructor(lines: CatalogLines) {
    this.#lines = lines;
  }

  /**
   * Reads the generated TSV (`action`, `recorded` as `management` | `data:<type>` |
   * `not-recorded` | `unknown`, `evidence` as `<kind>:<detail>`, `access_level`, with a header
   * line). Throws on a malformed line: at once for a line without a prefix, else the first time
   * its prefix is looked up. The file is generated, so either is a build bug.
   */
  static fromSupportedActionsTsv(text: string): ActionCatalog {
    return new ActionCatalog(new TextLines(text));
  }

  /**
   * The catalog of a TSV file's bytes (the format of {@link fromSupportedActionsTsv}), sorted by
   * action name in code-point order with lower-case prefixes, as `scripts/build-data.mjs` writes
   * it: a prefix's lines are found by a binary search of the bytes and only they are decoded and
   * parsed. Decoding the whole 2 MB file into a string, and indexing every line of it, was a
   * tenth of a cached question's time (docs/benchmarks.md); what needs every action (`actions`,
   * `prefixes`) decodes it whole.
   */
  static fromSortedBytes(bytes: Buffer): ActionCatalog {
    return new ActionCatalog(new SortedBytesLines(bytes));
  }

  /** Every action, in file order (sorted by canonical name): parses every prefix. */
  get actions(): readonly CatalogAction[] {
    this.#all ??= this.#lines.all().flatMap((range) => this.#parse(range));
    return this.#all;
  }

  /** The action of that name in any case, or `undefined`. */
  get(name: string): CatalogAction | undefined {
    const asked = this.#byAskedName.get(name);
    if (asked !== undefined) return asked ?? undefined;
    const colon = name.indexOf(':');
    if (colon <= 0) return undefined;
    this.actionsOf(name.slice(0, colon));
    const found = this.#byLowerName.get(name.toLowerCase());
    this.#byAskedName.set(name, found ?? null);
    return found;
  }

  /** Whether a service prefix (any case) is known. */
  hasPrefix(prefix: string): boolean {
    return this.#lines.runsOf(prefix.toLowerCase()).length > 0;
  }

  /** The actions of one service prefix (any case), or an empty list. */
  actionsOf(prefix: string): readonly CatalogAction[] {
    const key = prefix.toLowerCase();
    const known = this.#actionsOf.get(key);
    if (known !== undefined) return known;
    const ranges = this.#lines.runsOf(key);
    const actions =
      ranges.length === 1 && ranges[0] !== undefined
        ? this.#parse(ranges[0])
        : ranges.flatMap((range) => this.#parse(range));
    this.#actionsOf.set(key, actions);
    return actions;
  }

  /** Every known service prefix, sorted. */
  prefixes(): string[] {
    return [...new Set(this.#lines.all().map((range) => range.prefix))].sort();
  }

  /**
   * The run's actions, parsed and indexed by name the first time. A prefix's actions are parsed
   * once whichever way they are reached (callers compare them by identity): a run read whole again
   * takes those of the run found before it (`#actionsOf`).
   */
  #parse(range: LineRange): readonly CatalogAction[] {
    if (range.parsed !== undefined) return range.parsed;
    const found = this.#actionsOf.get(range.prefix);
    if (found !== undefined && this.#lines.runsOf(range.prefix).length === 1) {
      range.parsed = found;
      return found;
    }
    const actions: CatalogAction[] = [];
    const { text, firstLine } = this.#lines.textOf(range);
    const lines = text.split('\n');
    for (const [index, line] of lines.entries()) {
      if (line.length === 0) continue;
      const action = parseActionLine(
        line,
        () => (typeof firstLine === 'number' ? firstLine : firstLine()) + index,
      );
      if (action.prefix !== range.prefix)
        throw new Error(
          `cloudtrail_supported_actions.tsv is not sorted by action name: ${action.name} is among the lines of ${range.prefix}`,
        );
      actions.push(action);
      this.#byLowerName.set(action.name.toLowerCase(), action);
    }
    range.parsed = actions;
    return actions;
  }
}

/** The lines of a whole text, indexed by prefix in one pass over the line starts. */
class TextLines implements CatalogLines {
  readonly #text: string;
  readonly #ranges: readonly LineRange[];
  readonly #byPrefix = new Map<string, LineRange[]>();

  constructor(text: string) {
    this.#text = text;
    const ranges: LineRange[] = [];
    let position = text.indexOf('\n') + 1;
    let line = 2;
    // A new run wherever a line's prefix is not the last line's.
    let probe: string | undefined;
    let run: { start: number; firstLine: number; prefix: string } | undefined;
    while (position > 0 && position < text.length) {
      const next = text.indexOf('\n', position);
      const lineEnd = next < 0 ? text.length : next;
      if (lineEnd > position && (probe === undefined || !text.startsWith(probe, position))) {
        const colon = text.indexOf(':', position);
        if (colon <= position || colon >= lineEnd) {
          throw new Error(
            `cloudtrail_supported_actions.tsv line ${line} is malformed: ${JSON.stringify(text.slice(position, lineEnd))}`,
          );
        }
        if (run !== undefined) ranges.push({ ...run, end: position, parsed: undefined });
        probe = text.slice(position, colon + 1);
        run = { start: position, firstLine: line, prefix: text.slice(position, colon).toLowerCase() };
      }
      position = lineEnd + 1;
      line += 1;
    }
    if (run !== undefined) ranges.push({ ...run, end: text.length, parsed: undefined });
    this.#ranges = ranges;
    for (const range of ranges) {
      const list = this.#byPrefix.get(range.prefix);
      if (list) list.push(range);
      else this.#byPrefix.set(range.prefix, [range]);
    }
  }

  runsOf(prefix: string): readonly LineRange[] {
    return this.#byPrefix.get(prefix) ?? [];
  }

  all(): readonly LineRange[] {
    return this.#ranges;
  }

  textOf(range: LineRange): { text: string; firstLine: number } {
    return { text: this.#text.slice(range.start, range.end), firstLine: range.firstLine ?? 0 };
  }
}

/**
 * The lines of a TSV file's bytes, sorted by action name (code points) with lower-case prefixes: a
 * prefix's run is found by binary search over the bytes, and only its lines are decoded. What
 * needs every line decodes the whole file once ({@link TextLines}).
 */
class SortedBytesLines implements CatalogLines {
  readonly #bytes: Buffer;
  readonly #runs = new Map<string, readonly LineRange[]>();
  #whole: TextLines | undefined;

  constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  runsOf(prefix: string): readonly LineRange[] {
    if (this.#whole !== undefined) return this.#whole.runsOf(prefix);
    const known = this.#runs.get(prefix);
    if (known !== undefined) return known;
    // Names are compared as the file sorts them: the run of `p` is every line from the first
    // whose name is at least `p:` up to the first at least `p;` (';' follows ':').
    const first = this.#firstAtLeast(`${prefix}:`, this.#lineStartFrom(1));
    const end = this.#firstAtLeast(`${prefix};`, first);
    const runs = end > first ? [{ start: first, end, firstLine: undefined, prefix, parsed: undefined }] : [];
    this.#runs.set(prefix, runs);
    return runs;
  }

  all(): readonly LineRange[] {
    // The runs found before keep their parsed actions: the catalog takes them by prefix.
    this.#whole ??= new TextLines(this.#bytes.toString('utf8'));
    return this.#whole.all();
  }

  textOf(range: LineRange): { text: string; firstLine: number | (() => number) } {
    if (this.#runs.get(range.prefix)?.[0] !== range) {
      if (this.#whole === undefined) throw new Error(`no run of ${range.prefix} was found`);
      return this.#whole.textOf(range);
    }
    const bytes = this.#bytes;
    // The line number is counted only to name a malformed line.
    const firstLine = (): number => {
      let lines = 1;
      for (let at = bytes.indexOf(NEWLINE); at >= 0 && at < range.start; at = bytes.indexOf(NEWLINE, at + 1))
        lines += 1;
      return lines;
    };
    return { text: bytes.toString('utf8', range.start, range.end), firstLine };
  }

  /**
   * The offset of the first line from `from` (a line start after the header) whose name is at
   * least `key`; the end of the bytes when none is.
   */
  #firstAtLeast(key: string, from: number): number {
    // `low`: a line start before which every line is less than `key`; `high`: a line start (or the
    // end) whose line is at least `key`.
    let low = from;
    let high = this.#bytes.length;
    while (high - low > LINEAR_SPAN) {
      const middle = this.#lineStartFrom(low + Math.floor((high - low) / 2));
      if (middle >= high) break;
      if (this.#nameAt(middle) < key) low = middle;
      else high = middle;
    }
    for (let at = low; at < high; at = this.#lineStartFrom(at + 1)) if (this.#nameAt(at) >= key) return at;
    return high;
  }

  /** The first line start at or after `offset` (a line starts after each newline); the end when none. */
  #lineStartFrom(offset: number): number {
    if (offset <= 0) return 0;
    const newline = this.#bytes.indexOf(NEWLINE, offset - 1);
    return newline < 0 ? this.#bytes.length : newline + 1;
  }

  /** The action name of the line starting at `start`. */
  #nameAt(start: number): string {
    const bytes = this.#bytes;
    let end = start;
    while (end < bytes.length && bytes[end] !== TAB && bytes[end] !== NEWLINE) end += 1;
    return bytes.toString('utf8', start, end);
  }
}

/**
 * Below this many bytes, the search goes line by line: a few lines of some 90 bytes. At least 1:
 * halving fewer bytes than two would not move the search on.
 */
const LINEAR_SPAN = 512;
const NEWLINE = 0x0a;
const TAB = 0x09;

/** One TSV line as an action; throws, naming the line, when it is malformed. */
function parseActionLine(line: string, lineNumber: () => number): CatalogAction {
  const [name, recordedClass = '', evidenceText = '', accessLevel] = line.split('\t');
  const colon = name?.indexOf(':') ?? -1;
  const recorded = recordedClass.startsWith('data:') ? 'data' : recordedClass;
  const dataResourceType = recorded === 'data' ? recordedClass.slice('data:'.length) : undefined;
  const evidenceColon = evidenceText.indexOf(':');
  const evidenceKind = evidenceText.slice(0, evidenceColon);
  if (
    name === undefined ||
    colon <= 0 ||
    !isRecordingKind(recorded) ||
    dataResourceType === '' ||
    evidenceColon < 0 ||
    !isEvidenceKind(evidenceKind) ||
    accessLevel === undefined
  ) {
    throw new Error(
      `cloudtrail_supported_actions.tsv line ${lineNumber()} is malformed: ${JSON.stringify(line)}`,
    );
  }
  return {
    name,
    prefix: name.slice(0, colon).toLowerCase(),
    recorded,
    dataResourceType,
    evidence: { kind: evidenceKind, detail: evidenceText.slice(evidenceColon + 1) },
    accessLevel,
  };
}

function isRecordingKind(value: string | undefined): value is RecordingKind {
  return (RECORDING_KINDS as readonly (string | undefined)[]).includes(value);
}

function isEvidenceKind(value: string): value is EvidenceKind {
  return (EVIDENCE_KINDS as readonly string[]).includes(value);
}
