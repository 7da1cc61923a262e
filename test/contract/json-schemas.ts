import { z } from 'zod';

// The JSON documents iamtrail prints, as the README documents them (schema names
// `iamtrail.<kind>/v1`), written out here by hand: a field renamed, removed or added without this
// file (and the README) changing fails the contract tests. Top-level documents are strict.

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const time = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
const count = z.number().int().nonnegative();
const account = z.strictObject({ name: z.string(), id: z.string().regex(/^\d{12}$/) });
const window = z.strictObject({ start: day, end: day });
const dayRange = z.strictObject({ startDay: day, endDay: day });

const logs = z.strictObject({
  engine: z.enum(['local', 'athena']),
  source: z.string(),
  cache: z.string().nullable(),
  engineCalls: count,
  daysRead: count,
  daysFromCache: count,
  filesRead: count,
  skippedFiles: z.array(z.strictObject({ file: z.string(), reason: z.string() })),
  unreadableFiles: z.array(z.strictObject({ file: z.string(), reason: z.string() })),
  coverage: z.array(
    z.strictObject({
      account,
      daysWithLogs: count,
      days: z.array(dayRange),
      gaps: z.array(dayRange),
      files: count,
    }),
  ),
  complete: z.boolean(),
  athena: z
    .strictObject({ queries: count, bytesScanned: count, dollars: z.number().nonnegative() })
    .optional(),
});

const identity = z.strictObject({
  name: z.string(),
  arn: z.string().startsWith('arn:'),
  active: z.boolean(),
  lastActivity: day.optional(),
  calls: count,
  deniedCalls: count,
  failedCalls: count,
  serviceLinked: z.boolean(),
  unused: z.boolean(),
  callers: z
    .array(
      z.strictObject({
        caller: z.string().nullable(),
        via: z.string().nullable(),
        calls: count,
        lastSeen: time,
      }),
    )
    .optional(),
  assumptions: count.optional(),
  lastAssumed: time.optional(),
  windowIncomplete: z.literal(true).optional(),
});

/** `iamtrail --list users|roles --format json`. */
export const listDocument = z.strictObject({
  schema: z.literal('iamtrail.list/v1'),
  account,
  window,
  type: z.enum(['user', 'role']),
  identities: z.array(identity),
  notInIam: z.array(
    z.strictObject({
      name: z.string(),
      arn: z.string().startsWith('arn:'),
      lastActivity: day.optional(),
      calls: count,
      deniedCalls: count,
      failedCalls: count,
    }),
  ),
  logs,
});

const action = z.strictObject({
  action: z.string().regex(/^[a-z0-9-]+:\S+$/),
  status: z.enum(['used', 'unused', 'unknown', 'ungranted']),
  symbol: z.enum([' ', '-', '?', '+']),
  calls: count,
  lastSeen: time.optional(),
  limited: z.boolean(),
  possiblyUsed: z.boolean(),
  recorded: z.string().regex(/^(management|data:.+|not-recorded|unknown)$/),
  evidence: z.strictObject({ kind: z.string(), detail: z.string() }),
  basis: z.string(),
  grantedBy: z.array(
    z.strictObject({
      policy: z.string().min(1),
      type: z.enum([
        'inline',
        'managed',
        'aws-managed',
        'group-inline',
        'group-managed',
        'group-aws-managed',
      ]),
      via: z.string().nullable(),
    }),
  ),
  failedCalls: count.positive().optional(),
  windowIncomplete: z.literal(true).optional(),
});
const tally = z.strictObject({ event: z.string(), reason: z.string(), calls: count });
const actionTally = z.strictObject({ action: z.string(), calls: count, lastSeen: time });
const totals = z.strictObject({ used: count, unused: count, unknown: count, ungranted: count });
const roleRef = z.strictObject({ name: z.string(), arn: z.string().startsWith('arn:') });

/** `iamtrail --user|--role NAME --format json`. */
export const diffDocument = z.strictObject({
  schema: z.literal('iamtrail.diff/v1'),
  account,
  window,
  principal: z.strictObject({
    type: z.enum(['user', 'role']),
    name: z.string(),
    arn: z.string().startsWith('arn:'),
    createDate: time.optional(),
    knownTo: z.enum(['iam', 'logs-only']),
  }),
  filter: z.strictObject({
    showUsed: z.boolean(),
    ignoreBenign: z.boolean(),
    ignoreUnknown: z.boolean(),
  }),
  totals: z.strictObject({ all: totals, shown: totals }),
  actions: z.array(action),
  denied: z.array(actionTally),
  failed: z.array(actionTally),
  unmappedEvents: z.array(tally),
  noPermissionEvents: z.array(tally),
  dataEventTypesLogged: z.array(z.string().startsWith('AWS::')),
  writeOnlySuspected: z.boolean(),
  readOnlySuspected: z.boolean(),
  eventSelectors: z.string().nullable(),
  eventSelectorsNotApplied: z.string().nullable(),
  eventSelectorsCaution: z.string().nullable(),
  iamDataProblems: z.array(z.string()),
  federatedSessions: z.number().int().nonnegative(),
  destination: z.strictObject({ account, role: roleRef, assumable: z.boolean() }).optional(),
  assumableRoles: z
    .array(
      z.strictObject({
        name: z.string(),
        arn: z.string().startsWith('arn:'),
        account,
        conditional: z.boolean(),
        used: z.boolean(),
        calls: count,
        refusedCalls: count,
        assumptions: count,
        lastSeen: time.optional(),
      }),
    )
    .optional(),
  otherRolesUsed: z
    .array(
      z.strictObject({
        arn: z.string().startsWith('arn:'),
        calls: count,
        refusedCalls: count,
        assumptions: count,
        lastSeen: time,
      }),
    )
    .optional(),
  accessAdvisor: z
    .strictObject({
      state: z.enum(['applied', 'no-snapshot', 'not-covering', 'not-applicable']),
      collectedAt: time.nullable(),
      jobCompletedAt: time.nullable(),
      origin: z.string().nullable(),
      detail: z.string(),
      settled: z.strictObject({ unused: count, used: count }),
      serviceUsed: count,
    })
    .nullable(),
  logs,
});

/** `iamtrail --destrole ROLE --format json` (no --user/--role). */
export const callersDocument = z.strictObject({
  schema: z.literal('iamtrail.callers/v1'),
  account,
  window,
  role: roleRef,
  callers: z.array(
    z.strictObject({
      roleArn: z.string().startsWith('arn:'),
      callerArn: z.string().nullable(),
      viaArn: z.string().nullable(),
      calls: count,
      denied: count,
      failed: count,
      days: count,
      firstSeen: time,
      lastSeen: time,
    }),
  ),
  logs,
});

const statementRef = {
  kind: z.string(),
  policy: z.string(),
  policyArn: z.string().startsWith('arn:').optional(),
  group: z.string().optional(),
  statement: count,
  sid: z.string().optional(),
};

/** `iamtrail iam show --format json`. */
export const iamShowDocument = z.strictObject({
  schema: z.literal('iamtrail.iam-show/v1'),
  iamFile: z.string(),
  actionCatalog: z.strictObject({
    source: z.string(),
    package: z.string(),
    version: z.string(),
    updatedAt: z.string(),
    license: z.string(),
  }),
  principals: z.array(
    z.strictObject({
      type: z.enum(['user', 'role']),
      name: z.string(),
      arn: z.string().startsWith('arn:'),
      grantedCount: count,
      limitedCount: count,
      actions: z.array(
        z.strictObject({
          action: z.string(),
          limited: z.boolean(),
          sources: z.array(z.strictObject({ ...statementRef, limited: z.boolean() })),
          limitedBy: z.array(z.strictObject(statementRef)),
        }),
      ),
      unknownPatterns: z.array(
        z.strictObject({
          ...statementRef,
          pattern: z.string(),
          field: z.string(),
          effect: z.enum(['Allow', 'Deny']),
          reason: z.string(),
        }),
      ),
      denied: z.array(z.string()),
      outsideBoundary: z.array(z.string()),
      problems: z.array(
        z.strictObject({
          code: z.enum(['missing-managed-policy', 'missing-default-version', 'missing-group']),
          message: z.string(),
          /** The missing policy's ARN, or `group <name>`. */
          missing: z.string().optional(),
        }),
      ),
    }),
  ),
});

/** `iamtrail cache status --format json`. */
export const cacheStatusDocument = z.strictObject({
  schema: z.literal('iamtrail.cache-status/v1'),
  path: z.string(),
  exists: z.boolean(),
  bytes: count,
  schemaVersion: z.string(),
  sources: z.array(
    z.strictObject({
      source: z.string(),
      accounts: z.array(z.string()),
      loadedDays: count,
      ranges: z.array(dayRange),
      rows: count,
      lastLoadedAt: z.string(),
    }),
  ),
  boundarySnapshots: count,
  athenaLedger: count,
});

const accountId = z.string().regex(/^\d{12}$/);
const advisorService = z.strictObject({
  serviceNamespace: z.string(),
  serviceName: z.string(),
  lastAuthenticated: time.nullable(),
  lastAuthenticatedEntity: z.string().nullable(),
  lastAuthenticatedRegion: z.string().nullable(),
  totalAuthenticatedEntities: count,
  trackedActions: z
    .array(
      z.strictObject({
        actionName: z.string(),
        lastAccessed: time.nullable(),
        lastAccessedEntity: z.string().nullable(),
        lastAccessedRegion: z.string().nullable(),
      }),
    )
    .nullable(),
});

/** `iamtrail advisor --format json`. */
export const advisorDocument = z.strictObject({
  schema: z.literal('iamtrail.advisor/v1'),
  filter: z.strictObject({
    arns: z.array(z.string()).nullable(),
    phrase: z.string().nullable(),
    regex: z.string().nullable(),
    account: z.strictObject({ name: z.string().nullable(), id: accountId }).nullable(),
    service: z.string().nullable(),
    history: z.boolean(),
    unusedDays: count.nullable(),
  }),
  principals: z.array(
    z.strictObject({
      arn: z.string(),
      accountId,
      accountName: z.string().nullable(),
      entityType: z.enum(['user', 'role', 'group', 'policy']),
      collectedAt: time,
      jobCompletedAt: time.nullable(),
      origin: z.string(),
      services: z.array(advisorService),
      unused: z
        .strictObject({
          days: count,
          asOf: time,
          since: time,
          grantedFrom: z.enum(['iam', 'access-advisor']),
          notInSnapshot: z.array(z.string()),
        })
        .nullable(),
    }),
  ),
});

/** `iamtrail advisor import --format json`. */
export const advisorImportDocument = z.strictObject({
  schema: z.literal('iamtrail.advisor-import/v1'),
  directory: z.string(),
  collectedAtFrom: z.literal('JobCompletionDate, else the job file modification time'),
  accounts: z.array(
    z.strictObject({
      folder: z.string(),
      accountIds: z.array(accountId),
      imported: count,
      alreadyInCache: count,
      skipped: count,
    }),
  ),
  imported: count,
  alreadyInCache: count,
  skipped: count,
  warnings: z.array(z.strictObject({ file: z.string(), reason: z.string() })),
});

const collectMiss = z.strictObject({
  arn: z.string(),
  entityType: z.enum(['user', 'role', 'group', 'policy']),
  reason: z.string().min(1),
});

/** `iamtrail advisor collect --format json` (validated in test/aws/advisor-collect.test.ts). */
export const advisorCollectDocument = z.strictObject({
  schema: z.literal('iamtrail.advisor-collect/v1'),
  cache: z.string(),
  collectedAt: z.string(),
  concurrency: count,
  jobTimeoutSeconds: z.number().positive(),
  accounts: z.array(
    z.strictObject({
      name: z.string(),
      id: z.string().regex(/^\d{12}$/),
      role: z.string().nullable(),
      status: z.enum(['collected', 'partial', 'failed']),
      error: z.string().nullable(),
      listed: count,
      collected: z.array(z.string()),
      skipped: z.array(collectMiss),
      failed: z.array(collectMiss),
    }),
  ),
  totals: z.strictObject({
    accounts: count,
    accountsFailed: count,
    listed: count,
    collected: count,
    skipped: count,
    failed: count,
  }),
  awsCalls: z.record(z.string().regex(/^[a-z]+:[A-Za-z]+$/), count),
  awsCallsTotal: count,
  elapsedMs: count,
  complete: z.boolean(),
});

const severity = z.enum(['low', 'medium', 'high', 'critical']);
const findingType = z.enum([
  'UnusedIAMRole',
  'UnusedIAMUserAccessKey',
  'UnusedIAMUserPassword',
  'UnusedPermission',
  'UnusedIAMUser',
  'AccessKeyNotRotated',
  'TwoActiveAccessKeys',
  'ConsolePasswordWithoutMfa',
  'RootAccessKey',
  'RootWithoutMfa',
  'RootUsed',
]);
const byType = z.partialRecord(findingType, count);
const lastAccessed = time.nullable();
const findingDetail = z.union([
  z.strictObject({ unusedIamRoleDetails: z.strictObject({ lastAccessed }) }),
  z.strictObject({
    unusedIamUserAccessKeyDetails: z.strictObject({ accessKeyId: z.string().min(1), lastAccessed }),
  }),
  z.strictObject({ unusedIamUserPasswordDetails: z.strictObject({ lastAccessed }) }),
  z.strictObject({
    unusedPermissionDetails: z.strictObject({
      serviceNamespace: z.string().min(1),
      lastAccessed,
      actions: z.array(z.strictObject({ action: z.string().includes(':'), lastAccessed })).min(1),
    }),
  }),
  z.strictObject({
    iamtrailDetails: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  }),
]);
const finding = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  findingType,
  severity,
  resource: z.string().startsWith('arn:'),
  resourceType: z.enum(['AWS::IAM::User', 'AWS::IAM::Role']),
  resourceOwnerAccount: z.string().regex(/^\d{12}$/),
  accountName: z.string(),
  title: z.string().min(1),
  findingDetails: z.array(findingDetail).min(1),
  evidence: z
    .array(
      z.strictObject({
        source: z.enum(['cloudtrail', 'credential-report', 'role-last-used', 'access-advisor', 'iam']),
        detail: z.string().min(1),
        lastUsed: lastAccessed,
        covers: z.string().nullable(),
      }),
    )
    .min(1),
});
const credentialRow = z.strictObject({
  user: z.string(),
  arn: z.string().startsWith('arn:'),
  isRoot: z.boolean(),
  userCreationTime: time.nullable(),
  passwordEnabled: z.boolean().nullable(),
  passwordLastUsed: time.nullable(),
  passwordLastUsedState: z.enum(['used', 'never', 'no-password']),
  passwordLastChanged: time.nullable(),
  passwordNextRotation: time.nullable(),
  mfaActive: z.boolean(),
  accessKeys: z.array(
    z.strictObject({
      slot: z.union([z.literal(1), z.literal(2)]),
      active: z.boolean(),
      lastRotated: time,
      lastUsedDate: time.nullable(),
      lastUsedRegion: z.string().nullable(),
      lastUsedService: z.string().nullable(),
    }),
  ),
  certificates: z.array(
    z.strictObject({ slot: z.union([z.literal(1), z.literal(2)]), active: z.boolean(), lastRotated: time }),
  ),
});
const auditPrincipal = z.strictObject({
  type: z.enum(['user', 'role', 'root']),
  name: z.string(),
  arn: z.string().startsWith('arn:'),
  createdAt: time.nullable(),
  lastActivity: time.nullable().optional(),
  roleLastUsed: time.nullable().optional(),
  credentials: z
    .strictObject({
      report: credentialRow,
      mfaType: z.enum(['virtual', 'hardware', 'none', 'unknown']),
      accessKeys: z.array(
        z.strictObject({
          slot: z.union([z.literal(1), z.literal(2)]),
          accessKeyId: z.string().nullable(),
          status: z.enum(['Active', 'Inactive']),
          created: time,
          lastUsedDate: time.nullable(),
          lastUsedService: z.string().nullable(),
          lastUsedRegion: z.string().nullable(),
        }),
      ),
    })
    .optional(),
  actions: z
    .strictObject({ used: z.array(z.string()), unused: z.array(z.string()), unknown: z.array(z.string()) })
    .optional(),
  tags: z.record(z.string(), z.string()),
});
const iamChange = z.strictObject({
  accountId: z.string().regex(/^\d{12}$/),
  day,
  eventTime: time,
  eventId: z.string(),
  eventName: z.string(),
  actorArn: z.string(),
  actorType: z.string(),
  callerArn: z.string().nullable(),
  sourceIp: z.string().nullable(),
  userName: z.string().nullable(),
  roleName: z.string().nullable(),
  groupName: z.string().nullable(),
  accessKeyId: z.string().nullable(),
  policyArn: z.string().nullable(),
  policyName: z.string().nullable(),
  status: z.string().nullable(),
  createdAccessKeyId: z.string().nullable(),
  outcome: z.enum(['ok', 'denied', 'failed']),
  errorCode: z.string().nullable(),
});

/** `iamtrail audit --format json`. */
export const auditDocument = z.strictObject({
  schema: z.literal('iamtrail.audit/v1'),
  generatedAt: time,
  window: dayRange,
  settings: z.strictObject({
    unusedDays: z.number().int().positive(),
    keyMaxAgeDays: z.number().int().positive(),
    failOn: severity.nullable(),
    eventSelectors: z
      .strictObject({ file: z.string(), notAppliedTo: z.array(account), ownFoldersOnly: z.array(account) })
      .nullable(),
  }),
  cloudTrail: z.union([
    z.strictObject({ used: z.literal(true), logs }),
    z.strictObject({ used: z.literal(false), reason: z.string().min(1) }),
  ]),
  accessAdvisor: z.strictObject({ used: z.boolean(), principals: count }),
  accounts: z.array(
    z.union([
      z.strictObject({
        name: z.string(),
        id: z.string().regex(/^\d{12}$/),
        status: z.literal('audited'),
        credentialReportGeneratedAt: time.nullable(),
        principals: z.array(auditPrincipal),
        warnings: z.array(z.string()),
      }),
      z.strictObject({
        name: z.string(),
        id: z.string().regex(/^\d{12}$/),
        status: z.literal('failed'),
        errorCode: z.string().nullable(),
        error: z.string().min(1),
      }),
    ]),
  ),
  findings: z.array(finding),
  suppressed: byType,
  iamChanges: z.array(iamChange).nullable(),
  totals: z.strictObject({
    accounts: count,
    accountsFailed: count,
    principals: count,
    findings: count,
    byType,
    bySeverity: z.strictObject({ low: count, medium: count, high: count, critical: count }),
  }),
  complete: z.boolean(),
});

const boundaryStatement = z.strictObject({
  Sid: z.string(),
  Effect: z.enum(['Allow', 'Deny']),
  Action: z.array(z.string().regex(/^[\w*?-]+:[\w*?]+$/)).min(1),
  Resource: z.string(),
});
const principalRef = {
  type: z.enum(['user', 'role']),
  name: z.string(),
  arn: z.string().startsWith('arn:'),
};

/** `iamtrail boundary plan --format json`. */
export const boundaryPlanDocument = z.strictObject({
  schema: z.literal('iamtrail.boundary-plan/v1'),
  generatedAt: time,
  account,
  window: dayRange,
  settings: z.strictObject({
    unusedDays: count,
    level: z.enum(['service', 'action']),
    baseActions: z.array(z.string()),
    exclude: z.array(z.string()),
    eventSelectors: z.string().nullable(),
    eventSelectorsNotApplied: z.string().nullable(),
    eventSelectorsCaution: z.string().nullable(),
  }),
  coverage: z.strictObject({ covers: z.string(), coversPeriod: z.boolean(), unreadableFiles: count }),
  logs,
  accessAdvisor: z.strictObject({ principals: count }),
  principals: z.array(
    z.union([
      z.strictObject({
        ...principalRef,
        currentBoundary: z.string().startsWith('arn:').nullable(),
        status: z.literal('planned'),
        used: z.array(z.string()),
        ungranted: z.array(z.string()),
        unknown: z.array(z.string()),
        advisorServices: z.array(z.string()),
        unknownGrants: z.array(
          z.strictObject({
            pattern: z.string(),
            field: z.enum(['Action', 'NotAction']),
            reason: z.enum(['unknown-service', 'unknown-action']),
            sources: z.array(z.strictObject(statementRef)),
          }),
        ),
        counts: z.strictObject({
          granted: count,
          proposed: count,
          usedGranted: count,
          coveragePercent: z.number().min(0).max(100).nullable(),
          unknownKept: count,
          unknownPatternsKept: count,
        }),
        boundary: z.strictObject({
          policyName: z.string().startsWith('iamtrail-boundary-'),
          policyArn: z.string().startsWith('arn:'),
          document: z.strictObject({
            Version: z.literal('2012-10-17'),
            Statement: z.array(boundaryStatement),
          }),
          size: count,
          maxChars: count,
          fits: z.boolean(),
          fallbackServices: z.array(z.string()),
        }),
        replay: z.strictObject({ total: count, allowed: count, notAllowed: z.array(z.string()) }),
      }),
      z.strictObject({
        ...principalRef,
        currentBoundary: z.string().startsWith('arn:').nullable(),
        status: z.literal('skipped'),
        reason: z.enum(['excluded', 'service-linked', 'has-boundary', 'younger-than-period', 'no-evidence']),
        detail: z.string(),
      }),
    ]),
  ),
  totals: z.strictObject({
    principals: count,
    planned: count,
    skipped: count,
    notFitting: count,
    replayFailures: count,
  }),
});

const patternOrPatterns = z.union([z.string().min(1), z.array(z.string().min(1)).min(2)]);
const conditionBlock = z.record(
  z.string().min(1),
  z.record(z.string().min(1), z.union([z.string(), z.array(z.string()).min(2)])),
);
/** An Allow (Action; Resource or NotResource; a Condition copied, `iam:PassedToService` for PassRole), or a copied Deny. */
const generatedStatement = z.union([
  z.strictObject({
    Sid: z.string().regex(/^[A-Za-z0-9]+$/),
    Effect: z.literal('Allow'),
    Action: z.array(z.string().regex(/^[\w-]+:[\w*?]+$/)).min(1),
    Resource: patternOrPatterns.optional(),
    NotResource: patternOrPatterns.optional(),
    Condition: conditionBlock.optional(),
  }),
  z.strictObject({
    Sid: z.string().regex(/^[A-Za-z0-9]+$/),
    Effect: z.literal('Deny'),
    Action: z.array(z.string().min(1)).min(1).optional(),
    NotAction: z.array(z.string().min(1)).min(1).optional(),
    Resource: patternOrPatterns.optional(),
    NotResource: patternOrPatterns.optional(),
    Condition: conditionBlock.optional(),
  }),
]);

/** A generated IAM policy document (`policy generate`'s stdout with `--format json`, one policy). */
export const generatedPolicyDocument = z.strictObject({
  Version: z.literal('2012-10-17'),
  Statement: z.array(generatedStatement).min(1),
});

const replayMiss = z.strictObject({
  kind: z.enum(['call', 'resource']),
  event: z.string(),
  action: z.string(),
  resource: z.string(),
  passedToService: z.string().optional(),
  calls: count,
});
const replayTally = z.strictObject({ total: count, allowed: count, outsideGrant: count });

/** `iamtrail policy generate --json`. */
export const policyGenerateDocument = z.strictObject({
  schema: z.literal('iamtrail.policy-generate/v1'),
  generatedAt: time,
  account,
  principal: z.strictObject({
    type: z.enum(['user', 'role']),
    name: z.string(),
    arn: z.string().startsWith('arn:'),
  }),
  window: dayRange,
  settings: z.strictObject({
    keepUnknown: z.boolean(),
    resources: z.enum(['scoped', 'star']),
    maxChars: count,
    exactLimit: count,
  }),
  coverage: z.strictObject({
    windowDays: count,
    daysWithLogs: count,
    gaps: z.array(dayRange),
    unreadableFiles: count,
    complete: z.boolean(),
  }),
  logs,
  accessAdvisor: z.strictObject({ state: z.string(), detail: z.string() }),
  counts: z.strictObject({
    used: count,
    unknownKept: count,
    unknownDropped: count,
    ungranted: count,
    actions: count,
    dropped: count,
    scopedActions: count,
    statements: count,
    policies: count,
    sizeBefore: count,
    resourceRows: count,
  }),
  policies: z
    .array(
      z.strictObject({
        name: z.string().startsWith('iamtrail-'),
        document: generatedPolicyDocument,
        size: count,
        maxChars: count,
        fits: z.boolean(),
      }),
    )
    .min(1),
  scoped: z.array(
    z.strictObject({
      action: z.string(),
      scopes: z.array(
        z.strictObject({
          resources: z.array(z.string()).min(1),
          notResource: z.literal(true).optional(),
          services: z.array(z.string()).min(1).optional(),
          condition: conditionBlock.optional(),
        }),
      ),
      seen: count,
      narrowedToGrant: z.boolean(),
    }),
  ),
  ungranted: z.array(z.string()),
  dropped: z.array(z.strictObject({ action: z.string(), reason: z.string() })),
  notes: z.array(z.string()),
  replay: z.strictObject({
    calls: replayTally,
    resourceUses: replayTally,
    denied: z.array(replayMiss),
    outsideGrant: z.array(replayMiss),
    conditional: z.array(replayMiss),
    unmapped: z.strictObject({
      calls: count,
      events: z.array(z.strictObject({ event: z.string(), reason: z.string(), calls: count })),
    }),
    unresolvedRoles: z.array(
      z.strictObject({ event: z.string(), reference: z.string(), reason: z.string(), calls: count }),
    ),
  }),
});

const tag = z.strictObject({ key: z.string(), value: z.string() });
const arnOrNull = z.string().startsWith('arn:').nullable();

/** `iamtrail boundary apply --format json`. */
export const boundaryApplyDocument = z.strictObject({
  schema: z.literal('iamtrail.boundary-apply/v1'),
  generatedAt: time,
  account,
  window: dayRange,
  dryRun: z.boolean(),
  cache: z.string(),
  principals: z.array(
    z.strictObject({
      ...principalRef,
      status: z.enum(['skipped', 'refused', 'would-apply', 'applied', 'failed', 'interrupted']),
      reasons: z.array(z.string()),
      denied: z.array(z.string()),
      policyArn: arnOrNull,
      boundaryBefore: arnOrNull,
      boundaryAfter: arnOrNull,
      policy: z
        .union([
          z.strictObject({ kind: z.literal('create') }),
          z.strictObject({
            kind: z.literal('new-version'),
            previousDefault: z.string(),
            deletes: z.string().nullable(),
          }),
          z.strictObject({ kind: z.literal('unchanged'), defaultVersion: z.string() }),
        ])
        .nullable(),
      tags: z.array(tag),
      snapshotId: z.string().nullable(),
      newVersion: z.string().nullable(),
    }),
  ),
  totals: z.strictObject({
    principals: count,
    skipped: count,
    refused: count,
    wouldApply: count,
    applied: count,
    failed: count,
    interrupted: count,
  }),
});

/** A boundary snapshot, as `boundary history` and `rollback` print it. */
const boundarySnapshot = z.strictObject({
  id: z.string(),
  accountId: z.string().regex(/^\d{12}$/),
  principal: z.strictObject({
    kind: z.enum(['role', 'user']),
    name: z.string(),
    arn: z.string().startsWith('arn:'),
  }),
  takenAt: time,
  operation: z.enum(['apply', 'rollback']),
  previousBoundaryArn: arnOrNull,
  previousTags: z.array(tag),
  policyArn: z.string().startsWith('arn:'),
  policyExisted: z.boolean(),
  previousDefaultVersion: z.string().nullable(),
  previousPolicyDocument: z.string().nullable(),
  newVersion: z.string().nullable(),
  appliedTags: z.array(tag),
  restoresSnapshotId: z.string().nullable(),
  message: z.string().nullable(),
  state: z.enum(['pending', 'applied', 'failed', 'rolled-back']),
});

/** `iamtrail boundary rollback --format json`. */
export const boundaryRollbackDocument = z.strictObject({
  schema: z.literal('iamtrail.boundary-rollback/v1'),
  generatedAt: time,
  account,
  principal: z.strictObject(principalRef),
  restores: boundarySnapshot,
  dryRun: z.boolean(),
  steps: z.array(z.string()),
  notes: z.array(z.string()),
  status: z.enum(['would-roll-back', 'rolled-back', 'nothing-to-do', 'refused', 'failed']),
  snapshotId: z.string().nullable(),
  error: z.string().nullable(),
});

/** `iamtrail boundary history --format json`. */
export const boundaryHistoryDocument = z.strictObject({
  schema: z.literal('iamtrail.boundary-history/v1'),
  account,
  cache: z.string(),
  snapshots: z.array(boundarySnapshot),
});

/** `iamtrail boundary plan | apply | rollback --org --format json`: one document per account, or its error. */
export function boundaryOrgDocument<T extends z.ZodType>(document: T) {
  return z.strictObject({
    schema: z.literal('iamtrail.boundary-org/v1'),
    operation: z.enum(['plan', 'apply', 'rollback']),
    accounts: z.array(
      z.union([
        z.strictObject({ account, status: z.literal('done'), document }),
        z.strictObject({ account, status: z.literal('nothing'), reason: z.string() }),
        z.strictObject({ account, status: z.literal('failed'), error: z.string(), exitCode: count }),
      ]),
    ),
    totals: z.strictObject({ accounts: count, failed: count }),
  });
}
