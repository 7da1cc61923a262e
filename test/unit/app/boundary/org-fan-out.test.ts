import { describe, expect, it } from 'vitest';

import { forEachOrgAccount, ORG_INTERRUPTED } from '../../../../src/app/boundary/org-fan-out.js';
import type { AccountConfig } from '../../../../src/config/load-config.js';
import { InterruptedError } from '../../../../src/errors.js';

/*
 * `boundary apply|rollback --org` going through the accounts: Ctrl-C in one account keeps the
 * results of the accounts before it (their changes are made: the output must say so) and runs
 * none after it.
 */

const account = (name: string, id: string): AccountConfig => ({ name, id, role: undefined, iam: undefined });
const ACCOUNTS = [account('a', '111111111111'), account('b', '222222222222'), account('c', '333333333333')];

describe('forEachOrgAccount', () => {
  it('keeps the accounts done before Ctrl-C, and fails that one and the rest with exit code 130', async () => {
    const ran: string[] = [];
    const org = await forEachOrgAccount('apply', ACCOUNTS, (target) => {
      ran.push(target.name);
      if (target.name === 'b')
        return Promise.reject(new InterruptedError('interrupted: stopped reading the logs'));
      return Promise.resolve(`applied in ${target.name}`);
    });
    expect(ran).toEqual(['a', 'b']);
    expect(org.accounts).toEqual([
      { account: { name: 'a', id: '111111111111' }, status: 'done', document: 'applied in a' },
      {
        account: { name: 'b', id: '222222222222' },
        status: 'failed',
        error: 'interrupted: stopped reading the logs',
        exitCode: 130,
      },
      { account: { name: 'c', id: '333333333333' }, status: 'failed', error: ORG_INTERRUPTED, exitCode: 130 },
    ]);
    expect(org.totals).toEqual({ accounts: 3, failed: 2 });
  });

  it('runs no account after the signal is aborted', async () => {
    const interrupt = new AbortController();
    const ran: string[] = [];
    const org = await forEachOrgAccount(
      'rollback',
      ACCOUNTS,
      (target) => {
        ran.push(target.name);
        interrupt.abort();
        return Promise.resolve(target.name);
      },
      undefined,
      interrupt.signal,
    );
    expect(ran).toEqual(['a']);
    expect(org.accounts.map((result) => result.status)).toEqual(['done', 'failed', 'failed']);
  });
});
