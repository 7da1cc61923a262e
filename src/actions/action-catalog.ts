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

/** A run of lines of one service prefix in the TSV text, and its actions once parsed. */
interface LineRange {
  /** Offset of the run's first line in the text. */
  readonly start: number;
  /** Offset just past the run's last line (its newline included, if any). */
  readonly end: number;
  /** The file's line number of the run's first line (1-based, the header is line 1). */
  readonly firstLine: number;
  parsed: readonly CatalogAction[] | undefined;
}

/**
 * Every IAM action AWS publishes, with canonical case and CloudTrail recording kind. Built once
 * from `data/cloudtrail_supported_actions.tsv`; lookups ignore case as IAM does.
 *
 * The file holds some 22,000 actions, but a question about one principal touches a few services:
 * the text is only indexed by service prefix (one pass over the line starts; the file is sorted,
 * so a prefix's lines are together) and a prefix's lines are parsed the first time it is looked
 * up. Parsing all of them took most of a cached question's run (docs/benchmarks.md, "Start-up of
 * a cached question").
 */
export class ActionCatalog {
  readonly #text: string;
  /** Every run of lines, in file order. */
  readonly #ranges: readonly LineRange[];
  /** Lower-case prefix → its runs of lines (one, in a sorted file). */
  readonly #byPrefix: ReadonlyMap<string, readonly LineRange[]>;
  readonly #byLowerName = new Map<string, CatalogAction>();
  readonly #actionsOf = new Map<string, readonly CatalogAction[]>();
  #all: readonly CatalogAction[] | undefined;

  private constructor(text: string, ranges: readonly LineRange[]) {
    this.#text = text;
    this.#ranges = ranges;
    const byPrefix = new Map<string, LineRange[]>();
    for (const range of ranges) {
      const key = text.slice(range.start, text.indexOf(':', range.start)).toLowerCase();
      const list = byPrefix.get(key);
      if (list) list.push(range);
      else byPrefix.set(key, [range]);
    }
    this.#byPrefix = byPrefix;
  }

  /**
   * Reads the generated TSV (`action`, `recorded` as `management` | `data:<type>` |
   * `not-recorded` | `unknown`, `evidence` as `<kind>:<detail>`, `access_level`, with a header
   * line). Throws on a malformed line: at once for a line without a prefix, else the first time
   * its prefix is looked up. The file is generated, so either is a build bug.
   */
  static fromSupportedActionsTsv(text: string): ActionCatalog {
    const ranges: LineRange[] = [];
    let position = text.indexOf('\n') + 1;
    let line = 2;
    // One pass over the line starts: a new run wherever a line's prefix is not the last line's.
    let probe: string | undefined;
    let run: { start: number; firstLine: number } | undefined;
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
        run = { start: position, firstLine: line };
      }
      position = lineEnd + 1;
      line += 1;
    }
    if (run !== undefined) ranges.push({ ...run, end: text.length, parsed: undefined });
    return new ActionCatalog(text, ranges);
  }

  /** Every action, sorted by canonical name (parses every prefix). */
  get actions(): readonly CatalogAction[] {
    this.#all ??= this.#ranges.flatMap((range) => this.#parse(range));
    return this.#all;
  }

  /** The action of that name in any case, or `undefined`. */
  get(name: string): CatalogAction | undefined {
    const colon = name.indexOf(':');
    if (colon <= 0) return undefined;
    this.actionsOf(name.slice(0, colon));
    return this.#byLowerName.get(name.toLowerCase());
  }

  /** Whether a service prefix (any case) is known. */
  hasPrefix(prefix: string): boolean {
    return this.#byPrefix.has(prefix.toLowerCase());
  }

  /** The actions of one service prefix (any case), or an empty list. */
  actionsOf(prefix: string): readonly CatalogAction[] {
    const key = prefix.toLowerCase();
    const known = this.#actionsOf.get(key);
    if (known !== undefined) return known;
    const ranges = this.#byPrefix.get(key);
    if (ranges === undefined) return [];
    const actions =
      ranges.length === 1 && ranges[0] !== undefined
        ? this.#parse(ranges[0])
        : ranges.flatMap((range) => this.#parse(range));
    this.#actionsOf.set(key, actions);
    return actions;
  }

  /** Every known service prefix, sorted. */
  prefixes(): string[] {
    return [...this.#byPrefix.keys()].sort();
  }

  /** The run's actions, parsed and indexed by name the first time. */
  #parse(range: LineRange): readonly CatalogAction[] {
    if (range.parsed !== undefined) return range.parsed;
    const actions: CatalogAction[] = [];
    const lines = this.#text.slice(range.start, range.end).split('\n');
    for (const [index, line] of lines.entries()) {
      if (line.length === 0) continue;
      const action = parseActionLine(line, range.firstLine + index);
      actions.push(action);
      this.#byLowerName.set(action.name.toLowerCase(), action);
    }
    range.parsed = actions;
    return actions;
  }
}

/** One TSV line as an action; throws, naming the line, when it is malformed. */
function parseActionLine(line: string, lineNumber: number): CatalogAction {
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
      `cloudtrail_supported_actions.tsv line ${lineNumber} is malformed: ${JSON.stringify(line)}`,
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
