import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it, vi } from 'vitest';

import { buildServer, serverPlaces } from '../../src/app/serve/build-server.js';
import { createCacheAccess } from '../../src/app/serve/cache-access.js';
import { CACHE_SCHEMA_VERSION } from '../../src/cache/cache-schema.js';
import { loadConfig } from '../../src/config/load-config.js';
import { writeS3Snapshot } from '../helpers/advisor.js';
import { flatten, runCli } from '../helpers/cli.js';
import { usageServer } from '../helpers/usage-server.js';
import { REPO_ROOT } from '../helpers/paths.js';

/*
 * `iamtrail serve` is read-only (README "HTTP API"): it reads the cache as it is and never creates,
 * migrates or rebuilds it. A cache it cannot read as it is (missing, empty, of another schema
 * version) is the server's problem: a 503 that says what to do, and the file is left byte for byte;
 * at start-up, exit 2.
 */

const work = mkdtempSync(join(tmpdir(), 'iamtrail-serve-cache-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const ROLE = 'arn:aws:iam::000000000000:role/SecurityMonkey';

/** A cache holding one Access Advisor snapshot, its schema version then set to `version`. */
async function cacheOfVersion(name: string, version: string): Promise<string> {
  const path = join(work, name);
  await writeS3Snapshot(path, ROLE);
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  await connection.run(`UPDATE meta SET value = '${version}' WHERE key = 'schema_version'`);
  await connection.run('CHECKPOINT');
  connection.closeSync();
  instance.closeSync();
  return path;
}

/** What the server wrote to its stderr while `body` ran. */
async function stderrOf(body: () => Promise<void>): Promise<string> {
  const written: string[] = [];
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await body();
  } finally {
    stderr.mockRestore();
  }
  return written.join('');
}

async function serverOn(path: string) {
  return usageServer(path, loadConfig(join(REPO_ROOT, 'examples/demo/config.example.yaml')));
}

const ROUTES = [
  '/api/1/advisors',
  '/api/v1/principals',
  `/api/v1/principals/${encodeURIComponent(ROLE)}/advisor`,
  `/api/v1/principals/${encodeURIComponent('arn:aws:iam::111111111111:user/alice')}/usage?start=2026-10-01&end=2026-10-02`,
];

describe('serve on a cache of another schema version', () => {
  it.each([
    ['an older one it would migrate', '11', `iamtrail cache status --cache`],
    ['an older one it would rebuild', '6', `iamtrail cache status --cache`],
    ['a newer one', '99', 'written by a newer iamtrail'],
  ])(
    '%s: every route answers 503 saying what to do, and the file is left byte for byte',
    async (_name, version, advice) => {
      const path = await cacheOfVersion(`v${version}.duckdb`, version);
      const before = readFileSync(path);
      const server = await serverOn(path);
      const said = `has schema version ${version}${version === '99' ? ', written by a newer iamtrail' : ''}; this iamtrail reads version ${CACHE_SCHEMA_VERSION}`;
      const logged = await stderrOf(async () => {
        try {
          for (const url of ROUTES) {
            const answer = await server.inject({ method: 'GET', url });
            expect(answer.statusCode, url).toBe(503);
            const message = answer.json<{ message: string }>().message;
            // The client reads what is wrong, not where the server keeps its cache.
            expect(message, url).toContain(`the cache <--cache> ${said}`);
            expect(message, url).not.toContain(work);
            expect(message, url).toContain(advice);
          }
        } finally {
          await server.close();
        }
      });
      // The operator reads where, on the server's stderr.
      expect(logged).toContain(`the cache ${path} ${said}`);
      expect(readFileSync(path).equals(before)).toBe(true);
      expect(existsSync(`${path}.wal`)).toBe(false);
    },
  );
});

describe('serve on a cache whose writer was killed before its checkpoint', () => {
  it('answers every route without replaying the write-ahead log into the file', async () => {
    const path = await cacheOfVersion('wal.duckdb', CACHE_SCHEMA_VERSION);
    // The usage route's days, loaded as a report loads them.
    const loaded = await runCli([
      '--config',
      join(REPO_ROOT, 'examples/demo/config.example.yaml'),
      '--account',
      'demo',
      '--list',
      'users',
      '--start',
      '2026-10-01',
      '--end',
      '2026-10-02',
      '--cache',
      path,
    ]);
    expect(loaded.status, loaded.stderr).toBe(0);
    // A writer killed mid-way leaves its transaction in the WAL beside the file.
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api';
         const instance = await DuckDBInstance.create(process.argv[1]);
         const connection = await instance.connect();
         await connection.run("INSERT INTO advisor_snapshots VALUES ('pending', '000000000000', '${ROLE}', 'role', '2026-12-01T00:00:00Z', NULL, 'api')");
         process.kill(process.pid, 'SIGKILL');`,
        path,
      ],
      { cwd: REPO_ROOT },
    );
    expect(child.signal).toBe('SIGKILL');
    expect(existsSync(`${path}.wal`)).toBe(true);
    const [file, wal] = [readFileSync(path), readFileSync(`${path}.wal`)];
    const server = await serverOn(path);
    try {
      for (const url of ROUTES) {
        const answer = await server.inject({ method: 'GET', url });
        expect(answer.statusCode, `${url}: ${answer.body}`).toBe(200);
      }
    } finally {
      await server.close();
    }
    expect(readFileSync(path).equals(file)).toBe(true);
    expect(readFileSync(`${path}.wal`).equals(wal)).toBe(true);
  });
});

describe('serve on a cache that is not there yet', () => {
  it('a missing file: 503 saying so, and no file is created', async () => {
    const path = join(work, 'missing.duckdb');
    const server = await serverOn(path);
    try {
      for (const url of ROUTES) {
        const answer = await server.inject({ method: 'GET', url });
        expect(answer.statusCode, url).toBe(503);
        expect(answer.json<{ message: string }>().message, url).toContain(
          'the cache <--cache> does not exist',
        );
      }
    } finally {
      await server.close();
    }
    expect(existsSync(path)).toBe(false);
  });

  it('an empty file: 503 saying so, and the file stays empty', async () => {
    const path = join(work, 'empty.duckdb');
    writeFileSync(path, '');
    const server = await serverOn(path);
    try {
      const answer = await server.inject({ method: 'GET', url: '/api/1/advisors' });
      expect(answer.statusCode).toBe(503);
      expect(answer.json<{ message: string }>().message).toContain('the cache <--cache> is an empty file');
    } finally {
      await server.close();
    }
    expect(readFileSync(path).length).toBe(0);
  });
});

/*
 * `iamtrail serve`'s start-up: a --cache it cannot read as it is, or an address it cannot listen
 * on, stops it before it listens, exit 2 naming the flag (README "Exit codes": 2 is a bad flag or
 * input file); nothing is created.
 */
describe('serve refuses at start-up what it cannot serve', () => {
  it.each([
    ['a folder', () => mkdtempSync(join(work, 'folder-')), 'is a folder'],
    ['a missing file', () => join(work, 'nowhere.duckdb'), 'does not exist'],
    [
      'a file that is no DuckDB database',
      () => {
        const path = join(work, 'text.db');
        writeFileSync(path, 'hello\n');
        return path;
      },
      'is not a DuckDB database',
    ],
    ['a cache of another schema version', () => join(work, 'v6.duckdb'), 'has schema version 6'],
  ])('--cache %s: exit 2 naming --cache', async (_name, pathOf, problem) => {
    const path = pathOf();
    if (path.endsWith('v6.duckdb')) await cacheOfVersion('v6.duckdb', '6');
    const before = existsSync(path) && !path.includes('folder-') ? readFileSync(path) : undefined;
    const run = await runCli(['serve', '--port', '0', '--cache', path]);
    expect(run.status, run.stderr).toBe(2);
    expect(flatten(run.stderr)).toContain(`--cache: the cache ${path} ${problem}`);
    expect(run.stderr).not.toContain('listening');
    if (before === undefined) expect(existsSync(path)).toBe(path.includes('folder-'));
    else expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('--port in use, --host that does not resolve or is not this machine: exit 2 naming the flag', async () => {
    const path = await cacheOfVersion('current.duckdb', CACHE_SCHEMA_VERSION);
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const address = taken.address();
    const port = address !== null && typeof address === 'object' ? address.port : 0;
    try {
      const inUse = await runCli(['serve', '--port', String(port), '--cache', path]);
      expect(inUse.status, inUse.stderr).toBe(2);
      expect(flatten(inUse.stderr)).toContain(`--port ${port}: the port is in use on 127.0.0.1`);
      expect(flatten(inUse.stderr)).toContain('--port 0 for any free one');
    } finally {
      taken.close();
    }
    // .invalid never resolves (RFC 2606); 192.0.2.1 is TEST-NET-1 (RFC 5737), no machine's address.
    const unknown = await runCli(['serve', '--host', 'no-such-host.invalid', '--port', '0', '--cache', path]);
    expect(unknown.status, unknown.stderr).toBe(2);
    expect(flatten(unknown.stderr)).toContain('--host no-such-host.invalid: the name does not resolve');
    expect(unknown.stderr).not.toContain('listening');
    const foreign = await runCli(['serve', '--host', '192.0.2.1', '--port', '0', '--cache', path]);
    expect(foreign.status, foreign.stderr).toBe(2);
    expect(flatten(foreign.stderr)).toContain('--host 192.0.2.1: not an address of this machine');
  });
});

describe('serve --config without logs', () => {
  it('exits 2 naming --config: the usage route would have nothing to answer from', async () => {
    const dir = mkdtempSync(join(work, 'nologs-'));
    writeFileSync(join(dir, 'config.yaml'), 'accounts:\n  - name: lab\n    id: 333333333333\n');
    const path = await cacheOfVersion('nologs.duckdb', CACHE_SCHEMA_VERSION);
    const run = await runCli(['serve', '--port', '0', '--cache', path, '--config', join(dir, 'config.yaml')]);
    expect(run.status, run.stderr).toBe(2);
    expect(flatten(run.stderr)).toContain(
      `--config ${join(dir, 'config.yaml')}: neither logs: nor athena: is set`,
    );
    expect(run.stderr).not.toContain('listening');
  });
});

describe('what the client cannot mend is a 503, never a 400', () => {
  it('a --cache that became a folder after start-up', async () => {
    const path = mkdtempSync(join(work, 'became-folder-'));
    const server = await buildServer({
      cache: createCacheAccess(path, { lockTimeoutMs: 1000 }),
      privatePlaces: serverPlaces(path, undefined),
    });
    const logged = await stderrOf(async () => {
      try {
        const answer = await server.inject({ method: 'GET', url: '/api/1/advisors' });
        expect(answer.statusCode).toBe(503);
        expect(answer.json<{ message: string }>().message).toContain('the cache <--cache> is a folder');
      } finally {
        await server.close();
      }
    });
    expect(logged).toContain(`the cache ${path} is a folder`);
  });

  it("the server's config names an IAM file that is not IAM data", async () => {
    const dir = mkdtempSync(join(work, 'config-'));
    writeFileSync(join(dir, 'iam.json'), '{"not": "authorization details"');
    writeFileSync(
      join(dir, 'config.yaml'),
      'logs: logs\naccounts:\n  - name: lab\n    id: 333333333333\n    iam: iam.json\n',
    );
    mkdirSync(join(dir, 'logs'));
    const path = await cacheOfVersion('usage.duckdb', CACHE_SCHEMA_VERSION);
    const server = await usageServer(path, loadConfig(join(dir, 'config.yaml')));
    const logged = await stderrOf(async () => {
      try {
        const answer = await server.inject({
          method: 'GET',
          url: `/api/v1/principals/${encodeURIComponent('arn:aws:iam::333333333333:user/alice')}/usage`,
        });
        expect(answer.statusCode, answer.body).toBe(503);
        const { message } = answer.json<{ message: string }>();
        expect(message).toContain('<the iam: file of account 333333333333 in --config>');
        expect(message).not.toContain(dir);
      } finally {
        await server.close();
      }
    });
    expect(logged).toContain(join(dir, 'iam.json'));
  });
});

describe("what an answer may name of the server's", () => {
  it("a 503 about one account names no other account of the config, and the usage document none of the server's files", async () => {
    // The demo without the logs of account demo: a question about alice finds records of backup only.
    const dir = mkdtempSync(join(work, 'no-demo-logs-'));
    cpSync(join(REPO_ROOT, 'examples/demo'), dir, { recursive: true });
    rmSync(join(dir, 'logs/AWSLogs/o-demo12345/111111111111'), { recursive: true });
    const config = loadConfig(join(dir, 'config.example.yaml'));
    const path = join(dir, 'cache.duckdb');
    const window = ['--start', '2026-10-01', '--end', '2026-10-02'];
    const filled = await runCli([
      ...['--config', config.file, '--account', 'backup', '--list', 'users', ...window, '--cache', path],
    ]);
    expect(filled.status, filled.stderr).toBe(0);
    // The server is given the cache through a link: DuckDB names the file the link leads to.
    const link = join(dir, 'cache-link.duckdb');
    symlinkSync(path, link);
    expect(
      serverPlaces(link, config)
        .filter((place) => place.label === '<--cache>')
        .map((place) => place.path),
    ).toContain(realpathSync.native(path));
    const server = await usageServer(link, config);
    const usageOf = (arn: string) =>
      server.inject({
        method: 'GET',
        url: `/api/v1/principals/${encodeURIComponent(arn)}/usage?start=2026-10-01&end=2026-10-02`,
      });
    const logged = await stderrOf(async () => {
      try {
        const alice = await usageOf('arn:aws:iam::111111111111:user/alice');
        expect(alice.statusCode, alice.body).toBe(503);
        const { message } = alice.json<{ message: string }>();
        expect(message).toContain('no CloudTrail log for account demo (111111111111)');
        expect(message).toContain('records of <another account of --config>');
        expect(message).not.toContain('222222222222');
        expect(message).not.toContain(dir);
        const ops = await usageOf('arn:aws:iam::222222222222:user/ops');
        expect(ops.statusCode, ops.body).toBe(200);
        expect(ops.body).not.toContain(dir);
        expect(ops.json<{ logs: { cache: string } }>().logs.cache).toBe('<--cache>');
        expect(ops.body).toContain('222222222222');
      } finally {
        await server.close();
      }
    });
    expect(logged).toContain('records of 222222222222');
  });
});

describe('a cache file altered to read other files (a view, a macro): not read at all', () => {
  // A secret of the user running iamtrail; the altered file's objects would read it with DuckDB's
  // file functions, and serve would hand it to any client.
  const secret = join(work, 'credentials');
  writeFileSync(secret, '[default]\naws_secret_access_key = SECRET-MARKER\n');

  const altered = async (name: string, statements: string[]): Promise<string> => {
    const path = await cacheOfVersion(name, CACHE_SCHEMA_VERSION);
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    for (const statement of statements) await connection.run(statement);
    await connection.run('CHECKPOINT');
    connection.closeSync();
    instance.closeSync();
    return path;
  };
  const readsSecret = `(SELECT content FROM read_text('${secret}'))`;

  it.each([
    [
      'a view in place of a table',
      'view.duckdb',
      [
        'DROP TABLE advisor_snapshots',
        `CREATE VIEW advisor_snapshots AS SELECT 'x' AS snapshot_id, '000000000000' AS account_id, 'arn:aws:iam::000000000000:role/' || ${readsSecret} AS arn, 'role' AS entity_type, '2026-12-01T00:00:00Z' AS collected_at, NULL AS job_id, 'api' AS source`,
      ],
      'view advisor_snapshots',
    ],
    [
      'a macro shadowing a built-in',
      'macro.duckdb',
      [`CREATE MACRO lower(x) AS ${readsSecret}`],
      'macro lower',
    ],
  ])(
    '%s: serve answers no route with data, the CLI exits 3; both name the file',
    async (_name, file, statements, object) => {
      const path = await altered(file, statements);
      const server = await serverOn(path);
      try {
        for (const url of ROUTES) {
          const answer = await server.inject({ method: 'GET', url });
          expect(answer.body, url).not.toContain('SECRET-MARKER');
          expect(answer.statusCode, url).toBeGreaterThanOrEqual(500);
          expect(answer.json<{ message: string }>().message, url).toContain(
            `the cache <--cache> holds ${object}, which iamtrail never creates`,
          );
        }
      } finally {
        await server.close();
      }
      const list = await runCli([
        ...['--config', join(REPO_ROOT, 'examples/demo/config.example.yaml'), '--account', 'demo'],
        ...['--list', 'users', '--start', '2026-10-01', '--end', '2026-10-02', '--cache', path],
      ]);
      expect(list.status).toBe(3);
      expect(list.stdout + list.stderr).not.toContain('SECRET-MARKER');
      expect(flatten(list.stderr)).toContain(
        `the cache ${path} holds ${object}, which iamtrail never creates`,
      );
      expect(flatten(list.stderr)).not.toContain('cannot open the cache');
    },
  );
});

describe('an internal failure', () => {
  it("answers 500 without the server's detail, which goes to its stderr", async () => {
    // A cache of this version whose table lost a column: DuckDB's own error, naming the column.
    const path = await cacheOfVersion('broken.duckdb', CACHE_SCHEMA_VERSION);
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run('ALTER TABLE advisor_snapshots DROP COLUMN collected_at');
    await connection.run('CHECKPOINT');
    connection.closeSync();
    instance.closeSync();
    const server = await serverOn(path);
    const logged = await stderrOf(async () => {
      try {
        const answer = await server.inject({ method: 'GET', url: '/api/1/advisors' });
        expect(answer.statusCode).toBe(500);
        expect(answer.json()).toEqual({
          statusCode: 500,
          error: 'Internal Server Error',
          message: "internal error: the server's output says what went wrong",
        });
      } finally {
        await server.close();
      }
    });
    expect(logged).toContain('iamtrail serve: GET "/api/1/advisors": ');
    expect(logged).toContain('collected_at');
  });
});
