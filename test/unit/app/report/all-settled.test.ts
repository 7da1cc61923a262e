import { describe, expect, it } from 'vitest';

import { allSettled } from '../../../../src/app/report/run-report.js';

/** A promise and the functions that settle it, with whether it has settled. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('allSettled (the evidence queries of a report)', () => {
  it('gives every value, in order', async () => {
    await expect(allSettled([Promise.resolve(1), Promise.resolve('two')] as const)).resolves.toEqual([
      1,
      'two',
    ]);
  });

  it('fails with the first error only once every query has settled: the store closes after the last', async () => {
    const failing = deferred<number>();
    const running = deferred<string>();
    let settled = false;
    const all = allSettled([failing.promise, running.promise] as const).finally(() => {
      settled = true;
    });
    failing.reject(new Error('the cache is damaged'));
    // Turns of the event loop: Promise.all would have failed by now.
    for (let turn = 0; turn < 5; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    running.resolve('rows');
    await expect(all).rejects.toThrow('the cache is damaged');
    expect(settled).toBe(true);
  });
});
