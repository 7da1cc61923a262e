import { existsSync } from 'node:fs';

import type { AdvisorFilter } from '../../cache/advisor-store.js';
import type { CacheStore } from '../../cache/cache-store.js';
import { loadActionData } from '../../cli/action-data.js';
import { readAuthorizationDetailsFile } from '../../cli/iam-file.js';
import { DEFAULT_CONFIG_FILE, findAccount, loadConfig } from '../../config/load-config.js';
import type { Config } from '../../config/load-config.js';
import { UsageError } from '../../errors.js';
import type {
  AdvisorAction,
  AdvisorEntityType,
  AdvisorService,
  AdvisorSnapshot,
} from '../../iam/access-advisor.js';
import { findUnusedServices } from '../../iam/advisor-unused.js';
import type { AdvisorUnused } from '../../iam/advisor-unused.js';
import type { AuthorizationDetails } from '../../iam/authorization-details.js';
import { computeGrantedActions } from '../../iam/granted-actions.js';

/** What `iamtrail advisor` is asked. Every criterion given must hold. */
export interface AdvisorQuestion {
  readonly arns?: readonly string[] | undefined;
  readonly phrase?: string | undefined;
  readonly regex?: string | undefined;
  /** An account name or id of the config, or any 12-digit id. */
  readonly account?: string | undefined;
  /** A service namespace (`s3`): only that service is shown, and principals that list it. */
  readonly service?: string | undefined;
  /** Only services granted and not authenticated for this many days (see {@link findUnusedServices}). */
  readonly unusedDays?: number | undefined;
  readonly history: boolean;
  /** `--config`; `undefined`: the default file when it exists, else no config. */
  readonly configFile?: string | undefined;
}

/** A tracked action as the document carries it. */
export type AdvisorActionEntry = AdvisorAction;

/** A service as the document carries it: `trackedActions` null when AWS gave no action-level data. */
export interface AdvisorServiceEntry extends Omit<AdvisorService, 'trackedActions'> {
  readonly trackedActions: readonly AdvisorActionEntry[] | null;
}

/** One snapshot of one principal in the document. */
export interface AdvisorPrincipalEntry {
  readonly arn: string;
  readonly accountId: string;
  /** The config's name of the account, when the config lists it. */
  readonly accountName: string | null;
  readonly entityType: AdvisorEntityType;
  readonly collectedAt: string;
  readonly jobCompletedAt: string | null;
  readonly origin: string;
  /** Every service (by namespace), or with `--unused-days` the unused ones only. */
  readonly services: readonly AdvisorServiceEntry[];
  /** With `--unused-days`: what "unused" was measured against; else null. */
  readonly unused: Omit<AdvisorUnused, 'services'> | null;
}

/** `iamtrail advisor` as JSON (schema `iamtrail.advisor/v1`). */
export interface AdvisorDocument {
  readonly schema: 'iamtrail.advisor/v1';
  readonly filter: {
    readonly arns: readonly string[] | null;
    readonly phrase: string | null;
    readonly regex: string | null;
    readonly account: { readonly name: string | null; readonly id: string } | null;
    readonly service: string | null;
    readonly history: boolean;
    readonly unusedDays: number | null;
  };
  /** Ordered by ARN (then time, with history). */
  readonly principals: readonly AdvisorPrincipalEntry[];
}

const SERVICE_NAMESPACE = /^[a-z0-9-]+$/;

/**
 * Reads the Access Advisor snapshots of the cache that match `question` (the latest per principal
 * unless `history`), and with `unusedDays` keeps the principals with services granted and not
 * authenticated for that many days: granted from the IAM data when the config gives the account's
 * `iam:` file and it lists the principal, else as Access Advisor lists them.
 */
export async function queryAdvisor(
  question: AdvisorQuestion,
  openStore: () => Promise<CacheStore>,
): Promise<AdvisorDocument> {
  const config = loadConfigOf(question.configFile);
  const account = question.account === undefined ? undefined : resolveAccount(config, question.account);
  const service = question.service?.toLowerCase();
  if (service !== undefined && !SERVICE_NAMESPACE.test(service))
    throw new UsageError(
      `--service ${JSON.stringify(question.service)} is not a service namespace (letters, digits and "-", as in s3 or ec2)`,
    );
  if (
    question.unusedDays !== undefined &&
    (!Number.isInteger(question.unusedDays) || question.unusedDays < 0)
  )
    throw new UsageError(`--unused-days ${question.unusedDays} must be a whole number of days, 0 or more`);

  const filter: AdvisorFilter = {
    ...(question.arns === undefined || question.arns.length === 0 ? {} : { arns: question.arns }),
    ...(question.phrase === undefined ? {} : { phrase: question.phrase }),
    ...(question.regex === undefined ? {} : { regex: question.regex }),
    ...(account === undefined ? {} : { accountIds: [account.id] }),
    history: question.history,
  };
  const store = await openStore();
  let snapshots: AdvisorSnapshot[];
  try {
    snapshots = await store.advisorSnapshots(filter);
  } finally {
    await store.close();
  }

  const grants = question.unusedDays === undefined ? undefined : createGrantedServices(config);
  const principals: AdvisorPrincipalEntry[] = [];
  for (const snapshot of snapshots) {
    const unused =
      question.unusedDays === undefined || grants === undefined
        ? undefined
        : findUnusedServices(snapshot, question.unusedDays, grants(snapshot));
    const services = (unused?.services ?? snapshot.services).filter(
      (entry) => service === undefined || entry.serviceNamespace.toLowerCase() === service,
    );
    if ((service !== undefined || unused !== undefined) && services.length === 0) continue;
    principals.push({
      arn: snapshot.arn,
      accountId: snapshot.accountId,
      accountName: config?.accounts.find((entry) => entry.id === snapshot.accountId)?.name ?? null,
      entityType: snapshot.entityType,
      collectedAt: snapshot.collectedAt,
      jobCompletedAt: snapshot.jobCompletedAt,
      origin: snapshot.origin,
      services: services.map(toServiceEntry),
      unused:
        unused === undefined
          ? null
          : {
              days: unused.days,
              asOf: unused.asOf,
              since: unused.since,
              grantedFrom: unused.grantedFrom,
              notInSnapshot: unused.notInSnapshot,
            },
    });
  }
  return {
    schema: 'iamtrail.advisor/v1',
    filter: {
      arns: filter.arns === undefined ? null : [...filter.arns],
      phrase: question.phrase ?? null,
      regex: question.regex ?? null,
      account: account ?? null,
      service: service ?? null,
      history: question.history,
      unusedDays: question.unusedDays ?? null,
    },
    principals,
  };
}

function toServiceEntry(service: AdvisorService): AdvisorServiceEntry {
  const { trackedActions, ...rest } = service;
  return { ...rest, trackedActions: trackedActions === undefined ? null : [...trackedActions] };
}

/** `--config FILE`, else the default file when it exists, else none (the cache alone answers). */
function loadConfigOf(file: string | undefined): Config | undefined {
  if (file !== undefined) return loadConfig(file);
  return existsSync(DEFAULT_CONFIG_FILE) ? loadConfig(DEFAULT_CONFIG_FILE) : undefined;
}

/** A config account by name or id; a 12-digit id the config does not list is taken as it is. */
function resolveAccount(
  config: Config | undefined,
  nameOrId: string,
): { readonly name: string | null; readonly id: string } {
  const isId = /^\d{12}$/.test(nameOrId);
  if (config !== undefined) {
    if (isId && !config.accounts.some((entry) => entry.id === nameOrId)) return { name: null, id: nameOrId };
    const account = findAccount(config, nameOrId);
    return { name: account.name, id: account.id };
  }
  if (isId) return { name: null, id: nameOrId };
  throw new UsageError(`unknown account "${nameOrId}": without a config file --account takes a 12-digit id`, {
    suggestions: ['Give the account id, or --config FILE to use account names'],
  });
}

/**
 * A function giving the service namespaces a snapshot's principal is granted by the IAM data, or
 * `undefined` when there is none for it (no config, no `iam:` file for its account, a group or
 * policy, or a principal the file does not list). IAM files and the catalog are read once.
 */
function createGrantedServices(
  config: Config | undefined,
): (snapshot: AdvisorSnapshot) => ReadonlySet<string> | undefined {
  const files = new Map<string, AuthorizationDetails>();
  let catalog: ReturnType<typeof loadActionData>['catalog'] | undefined;
  return (snapshot) => {
    const iamFile = config?.accounts.find((entry) => entry.id === snapshot.accountId)?.iam;
    if (iamFile === undefined || (snapshot.entityType !== 'user' && snapshot.entityType !== 'role'))
      return undefined;
    const details = files.get(iamFile) ?? readAuthorizationDetailsFile(iamFile);
    files.set(iamFile, details);
    const principals = snapshot.entityType === 'user' ? details.users : details.roles;
    const principal = principals.find((entry) => entry.arn.toLowerCase() === snapshot.arn.toLowerCase());
    if (principal === undefined) return undefined;
    catalog ??= loadActionData().catalog;
    const granted = computeGrantedActions(details, principal, catalog);
    return new Set(granted.actions.map((entry) => (entry.action.split(':')[0] ?? '').toLowerCase()));
  };
}
