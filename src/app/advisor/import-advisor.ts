import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import * as z from 'zod/mini';

import '../../zod.js';

import type { CacheStore } from '../../cache/cache-store.js';
import { InputDataError, messageOf, UsageError } from '../../errors.js';
import { advisorEntityTypeOf, toAdvisorServices, toIsoTime } from '../../iam/access-advisor.js';
import type { AdvisorSnapshot } from '../../iam/access-advisor.js';

/*
 * `iamtrail advisor import DIR`: Access Advisor data recorded by other tools, CloudMapper's
 * `account-data/<account>/<region>/` layout (its collect writes one file per principal naming the
 * job, and one per job holding GetServiceLastAccessedDetails' response).
 */

/** The folder of the per-principal files holding `{"JobId": ...}`, named by the url-encoded ARN. */
export const JOB_ID_FOLDER = 'iam-generate-service-last-accessed-details';
/** The folder of the per-job files holding the GetServiceLastAccessedDetails response. */
export const JOB_DETAILS_FOLDER = 'iam-get-service-last-accessed-details';

/** A file that was not imported, and why. */
export interface AdvisorImportWarning {
  readonly file: string;
  readonly reason: string;
}

/** What one account folder gave. */
export interface AdvisorImportAccount {
  /** The folder's name (CloudMapper's account name). */
  readonly folder: string;
  /** The account ids of the ARNs imported from it, sorted. */
  readonly accountIds: readonly string[];
  readonly imported: number;
  /** Snapshots the cache already held (same ARN, time and file): not written twice. */
  readonly alreadyInCache: number;
  readonly skipped: number;
}

/** `iamtrail advisor import` as JSON (schema `iamtrail.advisor-import/v1`). */
export interface AdvisorImportDocument {
  readonly schema: 'iamtrail.advisor-import/v1';
  readonly directory: string;
  /** Where each snapshot's `collectedAt` comes from. */
  readonly collectedAtFrom: 'JobCompletionDate, else the job file modification time';
  readonly accounts: readonly AdvisorImportAccount[];
  readonly imported: number;
  readonly alreadyInCache: number;
  readonly skipped: number;
  readonly warnings: readonly AdvisorImportWarning[];
}

/** A GetServiceLastAccessedDetails response as CloudMapper stores it (extra keys are allowed). */
const timeValue = z.optional(z.nullable(z.union([z.string(), z.number()])));
const optionalText = z.optional(z.nullable(z.string()));
const jobDetailsSchema = z.looseObject({
  JobStatus: z.enum(['IN_PROGRESS', 'COMPLETED', 'FAILED']),
  JobCompletionDate: timeValue,
  Error: z.optional(z.nullable(z.looseObject({ Message: optionalText, Code: optionalText }))),
  ServicesLastAccessed: z.optional(
    z.array(
      z.looseObject({
        ServiceName: optionalText,
        ServiceNamespace: z.string().check(z.minLength(1)),
        LastAuthenticated: timeValue,
        LastAuthenticatedEntity: optionalText,
        LastAuthenticatedRegion: optionalText,
        TotalAuthenticatedEntities: z.optional(z.nullable(z.number().check(z.int(), z.nonnegative()))),
        TrackedActionsLastAccessed: z.optional(
          z.nullable(
            z.array(
              z.looseObject({
                ActionName: z.string().check(z.minLength(1)),
                LastAccessedEntity: optionalText,
                LastAccessedRegion: optionalText,
                LastAccessedTime: timeValue,
              }),
            ),
          ),
        ),
      }),
    ),
  ),
});
const jobIdSchema = z.looseObject({ JobId: z.string().check(z.minLength(1)) });

/**
 * Imports every principal's Access Advisor job found under `directory` (CloudMapper's
 * `account-data` folder, one account's folder of it, or one region's folder) into the cache, one
 * snapshot per principal. A bad file is skipped with a warning (`onWarning` and the document),
 * never stopping the import; a directory that does not exist or holds nothing importable is an
 * error (exit 2).
 */
export async function importAdvisor(
  directory: string,
  openStore: () => Promise<CacheStore>,
  onWarning: (warning: AdvisorImportWarning) => void,
): Promise<AdvisorImportDocument> {
  const root = resolve(directory);
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new UsageError(`${directory} is not a directory`, {
      suggestions: ["Give CloudMapper's account-data folder, or one account's folder of it"],
    });
  const regions = findRegionFolders(root);
  if (regions.length === 0)
    throw new InputDataError(
      `${directory} holds no ${JOB_ID_FOLDER} folder: nothing to import (expected account-data/<account>/<region>/${JOB_ID_FOLDER}/)`,
    );
  const warnings: AdvisorImportWarning[] = [];
  const warn = (file: string, reason: string): void => {
    const warning = { file, reason };
    warnings.push(warning);
    onWarning(warning);
  };
  const parsed = regions.map((region) => ({ region, snapshots: readRegionFolder(region.path, warn) }));

  const store = await openStore();
  const accounts = new Map<
    string,
    { ids: Set<string>; imported: number; present: number; skipped: number }
  >();
  try {
    for (const { region, snapshots } of parsed) {
      const account = accounts.get(region.account) ?? { ids: new Set(), imported: 0, present: 0, skipped: 0 };
      accounts.set(region.account, account);
      account.skipped += snapshots.skipped;
      // What the cache already holds of these principals, read once per folder.
      const keyOf = (snapshot: AdvisorSnapshot): string =>
        JSON.stringify([snapshot.arn.toLowerCase(), snapshot.collectedAt, snapshot.origin]);
      const held = new Set(
        snapshots.read.length === 0
          ? []
          : (
              await store.advisorSnapshots({
                arns: snapshots.read.map((snapshot) => snapshot.arn),
                history: true,
              })
            ).map(keyOf),
      );
      for (const snapshot of snapshots.read) account.ids.add(snapshot.accountId);
      const fresh = snapshots.read.filter((snapshot) => !held.has(keyOf(snapshot)));
      // One transaction per folder: an interrupted import leaves whole folders or nothing.
      if (fresh.length > 0) await store.writeAdvisorSnapshots(fresh);
      account.imported += fresh.length;
      account.present += snapshots.read.length - fresh.length;
    }
  } finally {
    await store.close();
  }
  const rows = [...accounts.entries()]
    .map(([folder, account]) => ({
      folder,
      accountIds: [...account.ids].sort(),
      imported: account.imported,
      alreadyInCache: account.present,
      skipped: account.skipped,
    }))
    .sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0));
  const document: AdvisorImportDocument = {
    schema: 'iamtrail.advisor-import/v1',
    directory: root,
    collectedAtFrom: 'JobCompletionDate, else the job file modification time',
    accounts: rows,
    imported: rows.reduce((sum, row) => sum + row.imported, 0),
    alreadyInCache: rows.reduce((sum, row) => sum + row.alreadyInCache, 0),
    skipped: warnings.length,
    warnings,
  };
  if (document.imported + document.alreadyInCache === 0)
    throw new InputDataError(
      `nothing importable in ${directory}: ${warnings.length} file(s) skipped (see the warnings)`,
    );
  return document;
}

/** A region folder holding the job-id folder, and the account folder it belongs to. */
interface RegionFolder {
  readonly account: string;
  readonly path: string;
}

/** The region folders under `root`, whether it is account-data, an account's or a region's folder. */
function findRegionFolders(root: string): RegionFolder[] {
  const hasJobs = (path: string): boolean => isDirectory(join(path, JOB_ID_FOLDER));
  const parts = root.split(/[\\/]/);
  if (hasJobs(root)) return [{ account: parts.at(-2) ?? root, path: root }];
  const regionsOf = (account: string): RegionFolder[] =>
    subfolders(account)
      .filter(hasJobs)
      .map((path) => ({ account: account.split(/[\\/]/).at(-1) ?? account, path }));
  const direct = regionsOf(root);
  if (direct.length > 0) return direct;
  return subfolders(root).flatMap(regionsOf);
}

function subfolders(path: string): string[] {
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(path, entry.name))
    .sort();
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The snapshots of one region folder's jobs, and how many principals' files were skipped. */
function readRegionFolder(
  regionPath: string,
  warn: (file: string, reason: string) => void,
): { read: AdvisorSnapshot[]; skipped: number } {
  const read: AdvisorSnapshot[] = [];
  let skipped = 0;
  const jobIdFolder = join(regionPath, JOB_ID_FOLDER);
  for (const name of readdirSync(jobIdFolder).sort()) {
    const file = join(jobIdFolder, name);
    let outcome: AdvisorSnapshot | AdvisorImportWarning;
    try {
      outcome = readPrincipal(file, name, regionPath);
    } catch (error) {
      // An entry that cannot be read at all (a dangling link, no permission) is skipped too.
      outcome = {
        file,
        reason: `cannot be read (${messageOf(error)})`,
      };
    }
    if ('reason' in outcome) {
      skipped += 1;
      warn(outcome.file, outcome.reason);
    } else read.push(outcome);
  }
  return { read, skipped };
}

/** One principal's snapshot, or the file at fault (the principal's or its job's) and why. */
function readPrincipal(
  file: string,
  name: string,
  regionPath: string,
): AdvisorSnapshot | AdvisorImportWarning {
  const skip = (reason: string, at = file): AdvisorImportWarning => ({ file: at, reason });
  if (!statSync(file).isFile()) return skip('not a file');
  let arn: string;
  try {
    arn = decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return skip('its name is not a url-encoded ARN');
  }
  const entityType = advisorEntityTypeOf(arn);
  const accountId = /^arn:aws[\w-]*:iam::(\d{12}):/.exec(arn)?.[1];
  if (entityType === undefined || accountId === undefined)
    return skip(`its name ${JSON.stringify(arn)} is not the ARN of an IAM user, role, group or policy`);
  const jobId = readJson(file, jobIdSchema);
  if (typeof jobId === 'string') return skip(jobId);
  const detailsFile = join(regionPath, JOB_DETAILS_FOLDER, encodeURIComponent(jobId.JobId));
  if (!existsSync(detailsFile))
    return skip(
      `job ${JSON.stringify(jobId.JobId)} of ${arn} has no details file (${detailsFile} does not exist)`,
    );
  const details = readJson(detailsFile, jobDetailsSchema);
  if (typeof details === 'string') return skip(details, detailsFile);
  if (details.JobStatus !== 'COMPLETED') {
    const message = details.Error?.Message;
    return skip(
      `the job of ${arn} is ${details.JobStatus}, not COMPLETED${message ? ` (${message})` : ''}`,
      detailsFile,
    );
  }
  try {
    const jobCompletedAt = toIsoTime(details.JobCompletionDate);
    return {
      accountId,
      arn,
      entityType,
      collectedAt: jobCompletedAt ?? toIsoTime(statSync(detailsFile).mtime) ?? '',
      jobCompletedAt,
      origin: `import:${detailsFile}`,
      services: toAdvisorServices(
        (details.ServicesLastAccessed ?? []).map((entry) => ({
          ServiceName: entry.ServiceName ?? undefined,
          ServiceNamespace: entry.ServiceNamespace,
          LastAuthenticated: toTimeInput(entry.LastAuthenticated),
          LastAuthenticatedEntity: entry.LastAuthenticatedEntity ?? undefined,
          LastAuthenticatedRegion: entry.LastAuthenticatedRegion ?? undefined,
          TotalAuthenticatedEntities: entry.TotalAuthenticatedEntities ?? undefined,
          TrackedActionsLastAccessed: entry.TrackedActionsLastAccessed?.map((action) => ({
            ActionName: action.ActionName,
            LastAccessedEntity: action.LastAccessedEntity ?? undefined,
            LastAccessedRegion: action.LastAccessedRegion ?? undefined,
            LastAccessedTime: toTimeInput(action.LastAccessedTime),
          })),
        })),
      ),
    };
  } catch (error) {
    return skip(messageOf(error), detailsFile);
  }
}

/** A JSON time (a string, or epoch seconds as boto3's JSON may hold) in the shape `toIsoTime` takes. */
function toTimeInput(value: string | number | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'number' ? new Date(value * 1000).toISOString() : value;
}

/** The file's JSON validated by `schema`, or why it is not usable. */
function readJson<T>(file: string, schema: z.ZodMiniType<T>): T | string {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return error instanceof SyntaxError ? `not JSON (${error.message})` : `cannot be read (${String(error)})`;
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  return `not the expected shape: ${issue === undefined ? 'invalid' : `${issue.path.join('.') || '(top level)'}: ${issue.message}`}`;
}
