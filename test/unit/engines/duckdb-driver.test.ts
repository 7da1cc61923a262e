import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DuckDbDialect } from '../../../src/engines/duckdb/duckdb-dialect.js';
import type {
  DuckDbConnectionLike,
  DuckDbSpareConnections,
} from '../../../src/engines/duckdb/duckdb-driver.js';

let instance: DuckDBInstance;
const opened: DuckDBConnection[] = [];
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:', { threads: '1' });
});
afterAll(() => {
  for (const connection of opened) connection.closeSync();
  instance.closeSync();
});

/** What the connections of one test saw: queries in the order each began, and how many ran at once. */
interface Watch {
  readonly began: string[];
  running: number;
  mostAtOnce: number;
  connects: number;
}

const newWatch = (): Watch => ({ began: [], running: 0, mostAtOnce: 0, connects: 0 });

/** A real DuckDB connection, watched: a query runs from its prepare to the end of its read. */
async function watched(watch: Watch, name: string): Promise<DuckDbConnectionLike> {
  const connection = await instance.connect();
  opened.push(connection);
  return {
    prepare: async (text) => {
      watch.running += 1;
      watch.mostAtOnce = Math.max(watch.mostAtOnce, watch.running);
      watch.began.push(`${name}: ${text}`);
      const prepared = await connection.prepare(text);
      return {
        bind: (values) => {
          prepared.bind(values);
        },
        runAndReadAll: async () => {
          try {
            return await prepared.runAndReadAll();
          } finally {
            watch.running -= 1;
          }
        },
        destroySync: () => {
          prepared.destroySync();
        },
      };
    },
  };
}

/** A kysely over one watched connection, and `spare` (given the watch) for more. */
async function database(
  watch: Watch,
  spare?: (watch: Watch) => DuckDbSpareConnections,
): Promise<Kysely<Record<string, never>>> {
  const first = await watched(watch, 'first');
  return new Kysely({
    dialect: new DuckDbDialect({
      connection: first,
      ...(spare === undefined ? {} : { spare: spare(watch) }),
    }),
  });
}

/** `count` queries asked at once, each a number of its own, with the numbers they gave. */
async function askAtOnce(db: Kysely<Record<string, never>>, count: number): Promise<number[]> {
  const queries = Array.from({ length: count }, (_, index) =>
    sql<{ n: number }>`SELECT CAST(${index} AS INTEGER) AS n FROM range(50000) GROUP BY ALL`.execute(db),
  );
  return (await Promise.all(queries)).map((result) => result.rows[0]?.n ?? -1);
}

describe('the DuckDB driver', () => {
  it('runs the queries it is given at once one after the other, in the order given, on its one connection', async () => {
    const watch = newWatch();
    const db = await database(watch);
    expect(await askAtOnce(db, 4)).toEqual([0, 1, 2, 3]);
    expect(watch.mostAtOnce).toBe(1);
    expect(watch.began.map((query) => /CAST\(\$1/.test(query) && query.startsWith('first:'))).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it('opens spare connections for queries that find every connection busy, up to the most it may hold', async () => {
    const watch = newWatch();
    const db = await database(watch, (w) => ({
      connect: async () => {
        w.connects += 1;
        return watched(w, `spare ${w.connects}`);
      },
      max: 3,
    }));
    expect(await askAtOnce(db, 6)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(watch.connects).toBe(2);
    expect(watch.mostAtOnce).toBe(3);
    // Idle connections are used again: no more are opened for the next queries.
    expect(await askAtOnce(db, 3)).toEqual([0, 1, 2]);
    expect(watch.connects).toBe(2);
  });

  it('answers every query on the connections it has when a spare cannot be opened, and then tries no more', async () => {
    const watch = newWatch();
    const db = await database(watch, (w) => ({
      connect: () => {
        w.connects += 1;
        return Promise.reject(new Error('no more connections'));
      },
      max: 4,
    }));
    expect(await askAtOnce(db, 4)).toEqual([0, 1, 2, 3]);
    // The queries asked at once each tried before the first failure was known.
    expect(watch.connects).toBe(3);
    expect(watch.mostAtOnce).toBe(1);
    expect(await askAtOnce(db, 4)).toEqual([0, 1, 2, 3]);
    expect(watch.connects).toBe(3);
  });

  it('takes a connection released while a spare failed to open, instead of waiting for ever', async () => {
    const watch = newWatch();
    let failSpare: (() => void) | undefined;
    const db = await database(watch, (w) => ({
      connect: () => {
        w.connects += 1;
        return new Promise<DuckDbConnectionLike>((_, reject) => {
          failSpare = () => {
            reject(new Error('no more connections'));
          };
        });
      },
      max: 2,
    }));
    const first = sql<{ n: number }>`SELECT 1 AS n`.execute(db);
    const second = sql<{ n: number }>`SELECT 2 AS n`.execute(db);
    // The first query ends (its connection idle again) while the second still waits for its spare.
    expect((await first).rows).toEqual([{ n: 1 }]);
    failSpare?.();
    expect((await second).rows).toEqual([{ n: 2 }]);
    expect(watch.connects).toBe(1);
    // What went wrong here was a wait without end: a few seconds say so.
  }, 10_000);

  it('keeps a transaction on its connection: the queries asked meanwhile run on another', async () => {
    const watch = newWatch();
    const db = await database(watch, (w) => ({
      connect: async () => {
        w.connects += 1;
        return watched(w, 'spare');
      },
      max: 2,
    }));
    const inTransaction = db.transaction().execute(async (transaction) => {
      await sql`CREATE TEMP TABLE mine AS SELECT 1 AS x`.execute(transaction);
      const [outside] = await askAtOnce(db, 1);
      return [outside, (await sql<{ x: number }>`SELECT x FROM mine`.execute(transaction)).rows[0]?.x];
    });
    expect(await inTransaction).toEqual([0, 1]);
    expect(watch.began.filter((query) => query.startsWith('spare:'))).toHaveLength(1);
    expect(watch.began.filter((query) => /FROM mine/.test(query))).toEqual(['first: SELECT x FROM mine']);
  });
});
