import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { REPO_ROOT } from './paths.js';

/** A running moto_server on loopback. */
export interface MotoServer {
  readonly endpoint: string;
  /** Environment for the SDK (and child processes) to talk to it with dummy credentials. */
  readonly env: Readonly<Record<string, string>>;
  /** The dummy credentials of {@link env}, for the tests' own SDK clients. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Queues canned Athena results: each later query execution gets the next set (moto does not run SQL). */
  queueAthenaResults(
    rows: readonly (readonly (string | null)[])[],
    columns: readonly { name: string; type: string }[],
  ): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** The Access Advisor emulator: moto_server plus the Access Advisor API (see the file). */
export const MOTO_ADVISOR_LAUNCHER = join(REPO_ROOT, 'test/moto/moto_advisor.py');
/** Its default fixture: the answers it gives. */
export const MOTO_ADVISOR_FIXTURE = join(REPO_ROOT, 'test/moto/advisor-fixture.json');

/**
 * Starts the Access Advisor emulator ({@link MOTO_ADVISOR_LAUNCHER}) on a free loopback port,
 * answering from `fixture`, with `env` added to its environment (e.g. MOTO_SIMULATOR_LOG); the
 * same server as {@link startMoto} otherwise.
 */
export function startMotoAdvisor(
  fixture: string = MOTO_ADVISOR_FIXTURE,
  env: Readonly<Record<string, string>> = {},
): Promise<MotoServer> {
  return startMoto({ launcher: MOTO_ADVISOR_LAUNCHER, fixture, env });
}

/**
 * Starts `moto_server` (Python moto, preinstalled on the build machines) and waits until it answers;
 * `env` is added to its environment (e.g. MOTO_ENABLE_RECORDING, for {@link readMotoRecording}).
 */
export async function startMoto(
  options: {
    readonly launcher?: string;
    readonly fixture?: string;
    readonly env?: Readonly<Record<string, string>>;
  } = {},
): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  const child: ChildProcess =
    options.launcher === undefined
      ? spawn('moto_server', args, { stdio: 'ignore', env: { ...process.env, ...options.env } })
      : spawn('python3', [options.launcher, ...args], {
          stdio: 'ignore',
          env: {
            ...process.env,
            ...(options.fixture === undefined ? {} : { MOTO_ADVISOR_FIXTURE: options.fixture }),
            ...options.env,
          },
        });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`moto_server did not start on ${endpoint}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    async queueAthenaResults(rows, columns) {
      const toRow = (cells: readonly (string | null)[]) => ({
        Data: cells.map((cell) => (cell === null ? {} : { VarCharValue: cell })),
      });
      const response = await fetch(`${endpoint}/moto-api/static/athena/query-results`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          account_id: '123456789012',
          region: 'us-east-1',
          results: [
            {
              rows: [toRow(columns.map((column) => column.name)), ...rows.map(toRow)],
              column_info: columns.map((column) => ({
                Name: column.name,
                Type: column.type,
                Nullable: 'UNKNOWN',
              })),
            },
          ],
        }),
      });
      if (!response.ok) throw new Error(`moto refused the canned results: ${response.status}`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => {
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** One request moto_server recorded (MOTO_ENABLE_RECORDING, MOTO_RECORDER_FILEPATH). */
export interface MotoRecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The requests moto_server received since the recording was last reset, as its recorder wrote
 * them: what the SDK really sent over HTTP, whoever sent it. `reset` empties the recording.
 */
export async function readMotoRecording(
  moto: MotoServer,
  options: { readonly reset?: boolean } = {},
): Promise<MotoRecordedRequest[]> {
  const response = await fetch(`${moto.endpoint}/moto-api/recorder/download-recording`);
  if (!response.ok) throw new Error(`moto refused the recording: ${response.status}`);
  const text = await response.text();
  if (options.reset === true) await resetMotoRecording(moto);
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as MotoRecordedRequest);
}

/** Empties moto_server's recording. */
export async function resetMotoRecording(moto: MotoServer): Promise<void> {
  const response = await fetch(`${moto.endpoint}/moto-api/recorder/reset-recording`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto refused to reset the recording: ${response.status}`);
}
