import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';

import { DEMO_CACHED_ARGS, runCli } from '../helpers/cli.js';
import {
  advisorDocument,
  auditDocument,
  advisorImportDocument,
  cacheStatusDocument,
  callersDocument,
  diffDocument,
  iamShowDocument,
  listDocument,
} from './json-schemas.js';

const work = mkdtempSync(join(tmpdir(), 'iamtrail-contract-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const cache = DEMO_CACHED_ARGS[DEMO_CACHED_ARGS.indexOf('--cache') + 1] ?? '';

/** Every JSON-emitting question, with the schema its document must satisfy. */
const CASES: readonly { name: string; args: string[]; schema: z.ZodType; schemaName: string }[] = [
  {
    name: '--list users',
    args: [...DEMO_CACHED_ARGS, '--account', 'demo', '--list', 'users'],
    schema: listDocument,
    schemaName: 'iamtrail.list/v1',
  },
  {
    name: '--list roles (with callers)',
    args: [...DEMO_CACHED_ARGS, '--account', 'demo', '--list', 'roles'],
    schema: listDocument,
    schemaName: 'iamtrail.list/v1',
  },
  {
    name: '--user alice (with assumable roles, denied calls)',
    args: [...DEMO_CACHED_ARGS, '--account', 'demo', '--user', 'alice'],
    schema: diffDocument,
    schemaName: 'iamtrail.diff/v1',
  },
  {
    name: '--role admin --show-used',
    args: [...DEMO_CACHED_ARGS, '--account', 'demo', '--role', 'admin', '--show-used'],
    schema: diffDocument,
    schemaName: 'iamtrail.diff/v1',
  },
  {
    name: '--user alice --destrole admin --destaccount backup',
    args: [
      ...DEMO_CACHED_ARGS,
      ...['--account', 'demo', '--user', 'alice', '--destrole', 'admin', '--destaccount', 'backup'],
    ],
    schema: diffDocument,
    schemaName: 'iamtrail.diff/v1',
  },
  {
    name: '--destrole admin (callers)',
    args: [...DEMO_CACHED_ARGS, '--account', 'backup', '--destrole', 'admin'],
    schema: callersDocument,
    schemaName: 'iamtrail.callers/v1',
  },
  {
    name: 'iam show --all',
    args: ['iam', 'show', '--iam', 'test/fixtures/authz-cli-shape.json', '--all'],
    schema: iamShowDocument,
    schemaName: 'iamtrail.iam-show/v1',
  },
  {
    name: 'iam show --user (unknown patterns)',
    args: ['iam', 'show', '--iam', 'test/fixtures/authz-cli-shape.json', '--user', 'alice'],
    schema: iamShowDocument,
    schemaName: 'iamtrail.iam-show/v1',
  },
  {
    name: 'cache status of the demo cache',
    args: ['cache', 'status', '--cache', cache],
    schema: cacheStatusDocument,
    schemaName: 'iamtrail.cache-status/v1',
  },
  {
    name: 'cache status of no cache',
    args: ['cache', 'status', '--cache', join(work, 'none.duckdb')],
    schema: cacheStatusDocument,
    schemaName: 'iamtrail.cache-status/v1',
  },
  {
    name: 'advisor import of the demo fixture',
    args: [
      'advisor',
      'import',
      'examples/demo/advisor/account-data',
      '--cache',
      join(work, 'advisor.duckdb'),
    ],
    schema: advisorImportDocument,
    schemaName: 'iamtrail.advisor-import/v1',
  },
  {
    name: 'advisor (after the import above) with every filter',
    args: [
      ...[
        'advisor',
        '--cache',
        join(work, 'advisor.duckdb'),
        '--config',
        'examples/demo/config.example.yaml',
      ],
      ...[
        '--account',
        'demo',
        '--phrase',
        'a',
        '--regex',
        'user/',
        '--arn',
        'arn:aws:iam::111111111111:user/alice',
      ],
      ...['--service', 's3', '--history'],
    ],
    schema: advisorDocument,
    schemaName: 'iamtrail.advisor/v1',
  },
  {
    name: 'advisor --unused-days (after the import above)',
    args: ['advisor', '--cache', join(work, 'advisor.duckdb'), '--unused-days', '90'],
    schema: advisorDocument,
    schemaName: 'iamtrail.advisor/v1',
  },
  {
    name: 'audit of the demo organisation (its month, from the cache)',
    args: ['audit', ...DEMO_CACHED_ARGS],
    schema: auditDocument,
    schemaName: 'iamtrail.audit/v1',
  },
];

describe('documented JSON documents, validated against real output', () => {
  it.each(CASES)('$name: $schemaName', async ({ args, schema, schemaName }) => {
    const run = await runCli([...args, '--format', 'json']);
    expect(run.status, run.stderr).toBe(0);
    const document = JSON.parse(run.stdout) as { schema?: unknown };
    expect(document.schema).toBe(schemaName);
    const parsed = schema.safeParse(document);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it.each(CASES.filter((_, index) => index === 0 || index === 7))(
    '--json prints the same document as --format json: $name',
    async ({ args }) => {
      const [format, json] = [await runCli([...args, '--format', 'json']), await runCli([...args, '--json'])];
      expect(json.status, json.stderr).toBe(0);
      expect(json.stdout).toBe(format.stdout);
    },
  );

  it('a schema rejects a document with a field it does not document', () => {
    // The contract is strict: were it not, the cases above could not fail on an added field.
    const documented = {
      schema: 'iamtrail.cache-status/v1',
      path: '/x',
      exists: false,
      bytes: 0,
      schemaVersion: '5',
      sources: [],
      boundarySnapshots: 0,
      athenaLedger: 0,
    };
    expect(cacheStatusDocument.safeParse({ ...documented, more: 1 }).success).toBe(false);
    expect(cacheStatusDocument.safeParse(documented).success).toBe(true);
  });
});
