import type { DiffFilter } from '../../analysis/action-diff.js';
import type { FilteredDiffReport, IdentityListReport } from '../../analysis/activity-report.js';
import type { AccountCoverage } from '../../analysis/log-coverage.js';
import type { AdvisorUse } from '../../analysis/advisor-evidence.js';
import type { TrailSelectors } from '../../analysis/trail-recording.js';
import type { RoleCaller } from '../../cache/activity-queries.js';
import type { AccountConfig, Config } from '../../config/load-config.js';
import type { EngineReporter, SkippedFile } from '../../engines/engine.js';
import type { IamPrincipal } from '../../iam/authorization-details.js';
import type { PrincipalType } from '../../iam/principals.js';
import type { DayWindow } from '../../cli/window.js';
import type { CacheSettings } from '../cache/cache-settings.js';

/** What the user asked the root command for. */
export type ReportQuestion =
  | { readonly kind: 'list'; readonly type: PrincipalType }
  | {
      readonly kind: 'principal';
      readonly type: PrincipalType;
      readonly name: string;
      /** `--destrole`: what the principal did in this role's sessions, against this role's grants. */
      readonly destRole?: string;
      /** `--destaccount`: the destination role's account (default: the principal's). */
      readonly destAccount?: string;
    }
  | { readonly kind: 'callers'; readonly destRole: string; readonly destAccount?: string };

/** A role the principal's policies let it assume, and whether it did in the window. */
export interface AssumableRoleUsage {
  readonly name: string;
  readonly arn: string;
  readonly account: { readonly name: string; readonly id: string };
  /** Only for some requests (a Condition, a variable without a value, policies the data lacks). */
  readonly conditional: boolean;
  /**
   * The role was assumed in the window: a session of it the principal opened (directly or through
   * a chain) made a call, refused or not, or the principal's own successful AssumeRole call named
   * it.
   */
  readonly used: boolean;
  /** Successful calls made in those sessions. */
  readonly calls: number;
  /** Calls made in those sessions that were refused or failed. */
  readonly refusedCalls: number;
  /**
   * Successful AssumeRole calls naming the role made by the principal, or along a chain it began
   * (each counted once, though logged in two accounts).
   */
  readonly assumptions: number;
  readonly lastSeen: string | undefined;
}

/** A role the principal opened sessions of that its own policies do not name (trust policy, SCP, other account). */
export interface OtherRoleUsed {
  readonly arn: string;
  /** Successful calls made in its sessions. */
  readonly calls: number;
  /** Calls made in its sessions that were refused or failed. */
  readonly refusedCalls: number;
  /** Successful AssumeRole calls naming it (see {@link AssumableRoleUsage}). */
  readonly assumptions: number;
  readonly lastSeen: string;
}

/** Which engine reads the logs. */
export const ENGINE_NAMES = ['local', 'athena'] as const;
/** One of {@link ENGINE_NAMES}. */
export type EngineName = (typeof ENGINE_NAMES)[number];

/** Inputs of {@link runReport}. */
export interface ReportOptions {
  readonly config: Config;
  readonly account: string;
  readonly question: ReportQuestion;
  readonly window: DayWindow;
  /** `--logs DIR`, overriding the config's `logs:`. */
  readonly logs: string | undefined;
  readonly cache: CacheSettings;
  /** `--engine`; default: local when a log folder is configured, else athena. */
  readonly engine: EngineName | undefined;
  /** `--skip-setup`: do not check or create the Athena table first. */
  readonly skipSetup: boolean;
  /** `--max-scan-gb` in bytes (see `LoadWindowOptions.maxScanBytes`). */
  readonly maxScanBytes?: number;
  readonly reporter: EngineReporter & { note(message: string): void };
  /** `--event-selectors`: what the trail records, exactly; otherwise inferred from the logs. */
  readonly selectors?: TrailSelectors;
  /** The current time, for which days may still receive logs. */
  readonly now?: Date;
  /** `--show-used`, `--ignore-benign`, `--ignore-unknown`: which lines of a principal's diff to keep. */
  readonly filter?: Partial<DiffFilter>;
  /**
   * Answer from what the cache holds, reading no log (`serve`): days the cache lacks are gaps of
   * the coverage, as days without logs are.
   */
  readonly cacheOnly?: boolean;
  /** Aborted on Ctrl-C: the engine stops (Athena stops its query) and nothing more is cached. */
  readonly signal?: AbortSignal;
  /**
   * Whether the principal's latest Access Advisor snapshot in the cache may settle `?` lines
   * (default true); `--no-advisor` turns it off.
   */
  readonly advisor?: boolean;
}

/** What the log side of a report did. */
export interface LogsSummary {
  readonly engine: string;
  readonly source: string;
  /** The cache file, or `null` with `--no-cache`. */
  readonly cache: string | null;
  /**
   * Calls made to the engine: one per contiguous range of days missing from the cache, or, with an
   * engine that reads in chunks (Athena), one per chunk read.
   */
  readonly engineCalls: number;
  /**
   * Days read from the logs in this run, and days answered from the cache; days after today are
   * neither (they have no logs yet: see `coverage`).
   */
  readonly daysRead: number;
  readonly daysFromCache: number;
  readonly filesRead: number;
  readonly skippedFiles: readonly SkippedFile[];
  /**
   * Every log file of the window that could not be read, in this run or when the cache loaded its
   * day: while there is one, the window is incomplete.
   */
  readonly unreadableFiles: readonly SkippedFile[];
  /**
   * Per account of the question (`--account`, and `--destaccount`), the days of the window with
   * logs and the gaps, from what this run read and what the cache holds alike.
   */
  readonly coverage: readonly AccountCoverage[];
  /**
   * Whether the logs cover every day of the window for those accounts; when not, inactivity and
   * `-` rest only on the days with logs.
   */
  readonly complete: boolean;
  /** Athena only: queries run, data scanned and its price at $5 per TB. */
  readonly athena?: { readonly queries: number; readonly bytesScanned: number; readonly dollars: number };
}

/** The result of a report, ready to render. */
export type ReportResult =
  | {
      readonly kind: 'list';
      readonly type: PrincipalType;
      readonly account: AccountConfig;
      readonly window: DayWindow;
      readonly report: IdentityListReport;
      readonly logs: LogsSummary;
    }
  | {
      readonly kind: 'principal';
      readonly account: AccountConfig;
      readonly window: DayWindow;
      readonly principal: IamPrincipal;
      /** The principal is not in the IAM data, only in the logs: it is granted nothing. */
      readonly logsOnly?: true;
      /** With `--destrole`: the role whose sessions were compared, and its account. */
      readonly destination?: {
        readonly account: AccountConfig;
        readonly role: IamPrincipal;
        /** Whether the principal's own policies allow it to assume the role. */
        readonly assumable: boolean;
      };
      /** The diff, its action lines already filtered by {@link ReportResult} `filter`. */
      readonly report: FilteredDiffReport;
      /** The filter applied to the action lines (and, with `showUsed`, to the assumable roles). */
      readonly filter: DiffFilter;
      /** Without `--destrole`: the roles its policies let it assume, used or not (only used ones with `showUsed`). */
      readonly assumableRoles?: readonly AssumableRoleUsage[];
      readonly otherRolesUsed?: readonly OtherRoleUsed[];
      /** The Access Advisor snapshot the diff used, or why none was; `null` with `--no-advisor`. */
      readonly accessAdvisor: AdvisorUse | null;
      /** `--event-selectors` given but not applied to the account judged: why (`selectorsForAccount`). */
      readonly eventSelectorsNotApplied?: string;
      /** `--organization-trail`, and the judged account's logs lie in its own folders: why that may be wrong. */
      readonly eventSelectorsCaution?: string;
      readonly logs: LogsSummary;
    }
  | {
      readonly kind: 'callers';
      readonly account: AccountConfig;
      readonly window: DayWindow;
      readonly role: IamPrincipal;
      readonly callers: readonly RoleCaller[];
      readonly logs: LogsSummary;
    };
