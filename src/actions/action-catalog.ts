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

/**
 * Every IAM action AWS publishes, with canonical case and CloudTrail recording kind. Built once
 * from `data/cloudtrail_supported_actions.tsv`; lookups ignore case as IAM does.
 */
export class ActionCatalog {
  readonly #byLowerName = new Map<string, CatalogAction>();
  readonly #byPrefix = new Map<string, CatalogAction[]>();
  /** Every action, sorted by canonical name. */
  readonly actions: readonly CatalogAction[];

  private constructor(actions: CatalogAction[]) {
    this.actions = actions;
    for (const action of actions) {
      this.#byLowerName.set(action.name.toLowerCase(), action);
      const list = this.#byPrefix.get(action.prefix);
      if (list) list.push(action);
      else this.#byPrefix.set(action.prefix, [action]);
    }
  }

  /**
   * Parses the generated TSV (`action`, `recorded` as `management` | `data:<type>` |
   * `not-recorded` | `unknown`, `evidence` as `<kind>:<detail>`, `access_level`, with a header
   * line). Throws on a malformed line: the file is generated, so that is a build bug.
   */
  static fromSupportedActionsTsv(text: string): ActionCatalog {
    const lines = text.split('\n').filter((line) => line.length > 0);
    const actions: CatalogAction[] = [];
    for (const [index, line] of lines.slice(1).entries()) {
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
          `cloudtrail_supported_actions.tsv line ${index + 2} is malformed: ${JSON.stringify(line)}`,
        );
      }
      actions.push({
        name,
        prefix: name.slice(0, colon).toLowerCase(),
        recorded,
        dataResourceType,
        evidence: { kind: evidenceKind, detail: evidenceText.slice(evidenceColon + 1) },
        accessLevel,
      });
    }
    return new ActionCatalog(actions);
  }

  /** The action of that name in any case, or `undefined`. */
  get(name: string): CatalogAction | undefined {
    return this.#byLowerName.get(name.toLowerCase());
  }

  /** Whether a service prefix (any case) is known. */
  hasPrefix(prefix: string): boolean {
    return this.#byPrefix.has(prefix.toLowerCase());
  }

  /** The actions of one service prefix (any case), or an empty list. */
  actionsOf(prefix: string): readonly CatalogAction[] {
    return this.#byPrefix.get(prefix.toLowerCase()) ?? [];
  }

  /** Every known service prefix, sorted. */
  prefixes(): string[] {
    return [...this.#byPrefix.keys()].sort();
  }
}

function isRecordingKind(value: string | undefined): value is RecordingKind {
  return (RECORDING_KINDS as readonly (string | undefined)[]).includes(value);
}

function isEvidenceKind(value: string): value is EvidenceKind {
  return (EVIDENCE_KINDS as readonly string[]).includes(value);
}
