import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { DEMO_ARGS, DEMO_CACHED_ARGS, flatten, runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * The README shows the demo's answers as examples (JSON documents, totals lines, a `serve` curl,
 * a `policy generate` transcript). The numbers checked here (alice's totals and lines, the files
 * read, policy generate's dropped count) must be what the tool prints on the demo now: a change of
 * verdicts that does not update them fails this test. The audit transcript has its own test
 * (cli-audit); other numbers of the README are not checked.
 */
const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** Every match of `pattern` (global) in the README, its groups as numbers or text. */
function readmeMatches(pattern: RegExp): string[][] {
  const found = [...README.matchAll(pattern)].map((match) => match.slice(1));
  expect(found.length, `README has ${String(pattern)}`).toBeGreaterThan(0);
  return found;
}

interface Totals {
  used: number;
  unused: number;
  unknown: number;
  ungranted: number;
}

describe("the README's examples of the demo are what the tool prints", () => {
  let alice: { totals: { all: Totals }; actions: { action: string; calls: number; lastSeen?: string }[] };
  let users: {
    identities: { name: string; calls: number }[];
    logs: { filesRead: number; coverage: { files: number }[] };
  };
  beforeAll(async () => {
    const diff = await runCli([
      ...DEMO_CACHED_ARGS,
      '--account',
      'demo',
      '--user',
      'alice',
      '--format',
      'json',
    ]);
    expect(diff.status, diff.stderr).toBe(0);
    alice = JSON.parse(diff.stdout) as typeof alice;
    // Without the cache: the README's list document is of a first read (filesRead).
    const list = await runCli([...DEMO_ARGS, '--account', 'demo', '--list', 'users', '--format', 'json']);
    expect(list.status, list.stderr).toBe(0);
    users = JSON.parse(list.stdout) as typeof users;
  });

  it("alice's totals, in the JSON document, the serve curl and the text totals lines", () => {
    const { used, unused, unknown, ungranted } = alice.totals.all;
    const asText = [used, unused, unknown, ungranted].map(String);
    for (const groups of readmeMatches(
      /"all": \{ "used": (\d+), "unused": (\d+), "unknown": (\d+), "ungranted": (\d+) \}/g,
    ))
      expect(groups).toEqual(asText);
    for (const groups of readmeMatches(
      /"principal":"arn:aws:iam::111111111111:user\/alice","totals":\{"used":(\d+),"unused":(\d+),"unknown":(\d+),"ungranted":(\d+)\}/g,
    ))
      expect(groups).toEqual(asText);
    for (const groups of readmeMatches(
      /Totals \(whole diff\): (\d+) used, (\d+) unused, (\d+) unknown, (\d+) not granted/g,
    ))
      expect(groups).toEqual(asText);
  });

  it("alice's s3:GetObject line, her calls in the list, the files read and covered", () => {
    const getObject = alice.actions.find((line) => line.action === 's3:GetObject');
    expect(
      readmeMatches(
        /"action": "s3:GetObject", "status": "used", "symbol": " ", "calls": (\d+),\s+"lastSeen": "([^"]+)"/g,
      ),
    ).toEqual([[String(getObject?.calls), getObject?.lastSeen]]);
    const listed = users.identities.find((identity) => identity.name === 'alice');
    expect(
      readmeMatches(
        /"name": "alice", "arn": "…", "active": true, "lastActivity": "[^"]+",\s+"calls": (\d+)/g,
      ),
    ).toEqual([[String(listed?.calls)]]);
    expect(readmeMatches(/"filesRead": (\d+),/g)).toEqual([[String(users.logs.filesRead)]]);
    expect(readmeMatches(/"gaps": \[\], "files": (\d+) \}/g)).toEqual([
      [String(users.logs.coverage[0]?.files)],
    ]);
  });

  it("policy generate's transcript: the unknown actions it dropped", async () => {
    const run = await runCli([
      ...['policy', 'generate', '--config', 'examples/demo/config.example.yaml', '--account', 'demo'],
      ...['--user', 'alice', '--start', '2026-10-16', '--end', '2026-10-31', '--no-keep-unknown'],
      ...DEMO_CACHED_ARGS.slice(DEMO_CACHED_ARGS.indexOf('--cache')),
    ]);
    expect(run.status, run.stderr).toBe(0);
    const dropped = /dropped (\d+) granted action\(s\) of unknown use/.exec(flatten(run.stderr))?.[1];
    expect(readmeMatches(/note: dropped (\d+) granted action\(s\) of unknown use/g)).toEqual([[dropped]]);
  });
});
