import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { expandActionPattern } from '../../../src/actions/action-pattern.js';
import { loadActionData } from '../../../src/cli/action-data.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const GENERATED = ['aws_actions.txt', 'cloudtrail_supported_actions.tsv', 'SOURCES.json'];
const outDir = mkdtempSync(join(tmpdir(), 'iamtrail-data-'));
afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

describe('data/ regeneration', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/build-data.mjs'), '--out', outDir], {
      stdio: 'pipe',
    });
  });
  it.each(GENERATED)('npm run data:build would not change %s', (file) => {
    expect(readFileSync(join(outDir, file), 'utf8')).toBe(
      readFileSync(join(REPO_ROOT, 'data', file), 'utf8'),
    );
  });
});

describe('data/ invariants', () => {
  const { catalog, tables } = loadActionData();
  const readRows = (file: string): Record<string, unknown>[] =>
    (JSON.parse(readFileSync(join(REPO_ROOT, 'data', file), 'utf8')) as { rows: Record<string, unknown>[] })
      .rows;

  it('aws_actions.txt is one service:Action per line, sorted, unique, matching the catalog', () => {
    const lines = readFileSync(join(REPO_ROOT, 'data/aws_actions.txt'), 'utf8').trimEnd().split('\n');
    expect(lines.every((line) => /^[a-z0-9-]+:[A-Za-z0-9-]+$/.test(line))).toBe(true);
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines).toEqual(catalog.actions.map((a) => a.name));
  });

  it('every eventSource exception maps to a known IAM prefix', () => {
    for (const prefix of new Set(tables.eventSourcePrefixes.values()))
      expect(catalog.hasPrefix(prefix), prefix).toBe(true);
  });

  it('every rename and no-permission event names a known prefix', () => {
    for (const file of ['event_renames.json', 'no_permission_events.json']) {
      for (const row of readRows(file)) {
        const prefix = String(row.event).split(':')[0] ?? '';
        expect(catalog.hasPrefix(prefix), `${file}: ${String(row.event)}`).toBe(true);
      }
    }
  });

  it('every data-event and not-recorded pattern matches at least one action', () => {
    const patterns = [
      ...readRows('data_events.json').flatMap((row) => row.actions as string[]),
      ...readRows('not_recorded.json').map((row) => row.action as string),
    ];
    for (const pattern of patterns)
      expect(expandActionPattern(catalog, pattern).kind, pattern).toBe('matched');
  });

  it('every curated row cites an AWS documentation page', () => {
    for (const file of [
      'eventsource_prefixes.json',
      'event_renames.json',
      'no_permission_events.json',
      'data_events.json',
      'not_recorded.json',
    ]) {
      for (const row of readRows(file))
        expect(String(row.source), file).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    }
  });

  it('no event is both renamed and permission-free', () => {
    for (const key of tables.eventRenames.keys()) expect(tables.noPermissionEvents.has(key), key).toBe(false);
  });
});
