#!/usr/bin/env node
// The project's benchmark: generates synthetic organisation trails (scripts/generate-trail.mjs)
// and times, each as a whole process, on the same tree in the same run:
//   (a) iamtrail --list users over the window, no cache
//   (b) the zcat | jq | sort -u pipeline a user would write for the (identity, eventSource,
//       eventName) set
//   (c) one hand-written DuckDB query doing only that extraction (the floor)
//   (d) the same iamtrail question answered from the cache, and two more cached questions
//       (--list roles, --user user-001): each at most 2 × (e), the target of issue 17
//   (e) iamtrail --help
// and, from the same cache, the jobs over the whole organisation (inputs from
// scripts/bench/job-inputs.mjs, written into TREE/bench-jobs/):
//   audit                  every account, with credential reports from files (no AWS)
//   policy generate        one user (user-001) and one role (role-01, granted "*") of acct1, the
//                          warm repeat (the first run after the warm step reads the resources of
//                          the calls from the logs: timed once, shown apart)
//   test                   two tests per principal of every account (aws-iam-tester's format)
//   boundary plan          every role of acct1, at action level, over the window (read-only)
// with each one's peak resident memory, and writes docs/benchmarks.md. Every run also checks that
// the set iamtrail stored equals the jq pipeline's; a difference fails the run (exit 1). With
// several sizes it prints the growth of time and memory from each size to the next.
//
//   npm run bench                                  1,000,000 and 5,000,000 events, docs/benchmarks.md
//   npm run bench -- --sizes 1000000,5000000,20000000   with 20M events (not in CI)
//   npm run bench -- --sizes 100000 --repeat 1 --no-write     the CI smoke run
//   options: --sizes N[,N...]  --work DIR (trees are kept and reused there)  --repeat K  --no-write
//            --jq-runs-above-5m K (runs of (b) above 5,000,000 events, default 1: ~500 s each at 20M)
//            --jobs-at N[,N...] (sizes at which the jobs run, default 1000000)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { writeJobInputs } from './job-inputs.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const START = '2026-10-01';
const DAYS = 30;
const END = '2026-10-30';
/** The days of the window, START to END. */
const WINDOW_DAYS = (Date.parse(`${END}T00:00:00Z`) - Date.parse(`${START}T00:00:00Z`)) / 86_400_000 + 1;

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000000,5000000' },
    work: { type: 'string', default: join(tmpdir(), 'iamtrail-bench') },
    repeat: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    'jq-runs-above-5m': { type: 'string', default: '1' },
    'jobs-at': { type: 'string', default: '1000000' },
  },
});
const jqRunsAbove5m = Number(values['jq-runs-above-5m']);
const jobsAt = values['jobs-at'].split(',').map(Number);
if (
  !Number.isInteger(jqRunsAbove5m) ||
  jqRunsAbove5m <= 0 ||
  jobsAt.some((size) => !Number.isInteger(size) || size <= 0)
) {
  console.error(
    `--jq-runs-above-5m must be a positive integer and --jobs-at sizes in events, got ${values['jq-runs-above-5m']} and ${values['jobs-at']}`,
  );
  process.exit(2);
}
const sizes = values.sizes.split(',').map(Number);
if (sizes.some((size) => !Number.isInteger(size) || size <= 0)) {
  console.error(`--sizes must be positive integers, got ${values.sizes}`);
  process.exit(2);
}
for (const tool of ['jq', 'zcat', 'sort']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`${tool} is needed for the pipeline being compared (Debian: apt-get install ${tool})`);
    process.exit(2);
  }
}
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * Runs a shell command once; its wall time (s), the peak RSS (MB) of its largest process and what
 * it read from disk rather than the page cache (MB; GNU time %I counts 512-byte blocks).
 */
function measure(command) {
  const started = process.hrtime.bigint();
  const wrapped = TIME === undefined ? ['sh', ['-c', command]] : [TIME, ['-f', '%M %I', 'sh', '-c', command]];
  const result = spawnSync(wrapped[0], wrapped[1], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    console.error(`failed (${result.status}): ${command}\n${result.stderr}`);
    process.exit(1);
  }
  const [rssKb, blocksIn] =
    TIME === undefined ? [] : result.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return {
    seconds,
    rssMb: rssKb === undefined ? undefined : rssKb / 1024,
    diskMb: blocksIn === undefined ? undefined : (blocksIn * 512) / 1e6,
    stdout: result.stdout,
  };
}

/** The median of K runs of `run` (a function returning a measurement). */
function timedRuns(label, run, repeat) {
  const runs = Array.from({ length: repeat }, run);
  runs.sort((a, b) => a.seconds - b.seconds);
  const median = runs[Math.floor(runs.length / 2)];
  console.error(
    `  ${label}: ${runs.map((entry) => entry.seconds.toFixed(2)).join(' / ')} s, peak ${median.rssMb?.toFixed(0) ?? '?'} MB${runs.length < 3 ? ` (${runs.length} run${runs.length === 1 ? '' : 's'})` : ''}`,
  );
  return { ...median, runs: runs.map((entry) => entry.seconds) };
}

/** The medians of K runs of each command, the commands taking turns. */
function timedTogether(entries, repeat) {
  const runs = entries.map(() => []);
  for (let round = 0; round < repeat; round += 1)
    entries.forEach(([, command], index) => runs[index].push(measure(command)));
  return entries.map(([label], index) => {
    const inOrder = runs[index].map((run) => run.seconds);
    const sorted = runs[index].sort((x, y) => x.seconds - y.seconds);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.error(
      `  ${label}: ${sorted.map((run) => run.seconds.toFixed(2)).join(' / ')} s, peak ${median.rssMb?.toFixed(0) ?? '?'} MB, read from disk ${sorted.map((run) => run.diskMb?.toFixed(0) ?? '?').join(' / ')} MB`,
    );
    return { ...median, runs: sorted.map((run) => run.seconds), inOrder };
  });
}

/** One run of the jq pipeline with each stage under GNU time: the sum of the stages' peaks. */
function measureJq(commands, dir) {
  if (commands.bMeasured === undefined) return measure(commands.b);
  for (const stage of ['zcat', 'jq', 'sort']) rmSync(join(dir, `b-${stage}.rss`), { force: true });
  const run = measure(commands.bMeasured);
  // The stages run at once: the sum of their peaks bounds the pipeline's.
  const peakKb = (stage) =>
    Math.max(
      0,
      ...readFileSync(join(dir, `b-${stage}.rss`), 'utf8')
        .split('\n')
        .filter((line) => /^\d+$/.test(line))
        .map(Number),
    );
  return { ...run, rssMb: (peakKb('zcat') + peakKb('jq') + peakKb('sort')) / 1024 };
}

/** Reads every file under `dir` once, untimed, into the page cache. */
function readTree(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) readFileSync(join(entry.parentPath ?? entry.path, entry.name));
}

function ensureTree(size) {
  const dir = join(values.work, `trail-${size}`);
  const marker = join(dir, '.complete');
  if (!existsSync(marker)) {
    rmSync(dir, { recursive: true, force: true });
    console.error(`generating ${size} events into ${dir} ...`);
    const generated = spawnSync(
      process.execPath,
      [
        'scripts/generate-trail.mjs',
        '--events',
        String(size),
        '--out',
        dir,
        '--days',
        String(DAYS),
        '--start',
        START,
      ],
      { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (generated.status !== 0) process.exit(1);
    writeFileSync(marker, `${size}\n`);
  }
  return dir;
}

const sh = (value) => `'${value.replace(/'/g, "'\\''")}'`;
const IDENTITY_JQ =
  'if .userIdentity.type == "AssumedRole" then .userIdentity.sessionContext.sessionIssuer.arn else .userIdentity.arn end';

function commandsFor(dir, jobInputs) {
  const config = join(dir, 'config.yaml');
  const cache = `--cache ${sh(join(dir, 'cache.duckdb'))}`;
  const window = `--start ${START} --end ${END}`;
  const policy = `node bin/run.js policy generate --config ${sh(config)} --account acct1 ${window} ${cache}`;
  const iamtrail = `node bin/run.js --config ${sh(config)} --account acct1 --list users --start ${START} --end ${END}`;
  const files = `find ${sh(join(dir, 'logs'))} -name '*.json.gz' -print0 | xargs -0`;
  return {
    a: `${iamtrail} --no-cache > /dev/null`,
    b:
      `${files} zcat | jq -r '.Records[] | select(.eventTime >= "${START}" and .eventTime < "2026-10-31")` +
      ` | [(${IDENTITY_JQ}), .eventSource, .eventName] | select(.[0] != null) | @tsv' | LC_ALL=C sort -u > ${sh(join(dir, 'jq-set.tsv'))}`,
    // The same pipeline with each stage under GNU time, for its memory (the shell's own figure
    // leaves the stages out).
    bMeasured:
      TIME === undefined
        ? undefined
        : `${files} ${TIME} -a -o ${sh(join(dir, 'b-zcat.rss'))} -f %M zcat | ${TIME} -o ${sh(join(dir, 'b-jq.rss'))} -f %M jq -r '.Records[] | select(.eventTime >= "${START}" and .eventTime < "2026-10-31")` +
          ` | [(${IDENTITY_JQ}), .eventSource, .eventName] | select(.[0] != null) | @tsv' | LC_ALL=C ${TIME} -o ${sh(join(dir, 'b-sort.rss'))} -f %M sort -u > ${sh(join(dir, 'jq-set.tsv'))}`,
    c: `node scripts/bench/duckdb-floor.mjs ${sh(join(dir, 'logs'))} ${START} 2026-10-31 > ${sh(join(dir, 'duckdb-set.tsv'))}`,
    warm: `${iamtrail} --cache ${sh(join(dir, 'cache.duckdb'))} --refresh > /dev/null`,
    d: `${iamtrail} --cache ${sh(join(dir, 'cache.duckdb'))} > /dev/null`,
    dRoles: `${iamtrail.replace('--list users', '--list roles')} --cache ${sh(join(dir, 'cache.duckdb'))} > /dev/null`,
    dUser: `${iamtrail.replace('--list users', '--user user-001')} --cache ${sh(join(dir, 'cache.duckdb'))} > /dev/null`,
    e: 'node bin/run.js --help > /dev/null',
    audit: `node bin/run.js audit --config ${sh(jobInputs.config)} ${window} ${cache} > /dev/null`,
    policyFirst: `${policy} --user user-001 --json`,
    policyUser: `${policy} --user user-001 > /dev/null`,
    policyRole: `${policy} --role role-01 > /dev/null`,
    test: `node bin/run.js test --config ${sh(config)} --tests ${sh(jobInputs.tests)} ${window} ${cache} > /dev/null`,
    // The period of the plan is the window: its last day and as many days as it has.
    boundary: `node bin/run.js boundary plan --config ${sh(config)} --account acct1 --all-roles --level action --end ${END} --unused-days ${WINDOW_DAYS} ${cache} > /dev/null`,
    set: `node scripts/bench/cached-set.mjs ${sh(join(dir, 'cache.duckdb'))} | LC_ALL=C sort -u`,
  };
}

/** The measured lines whose growth is printed: key, label, and how to find it in a result row. */
const GROWTH_LINES = [
  ['a', '(a)', (row) => row.a],
  ['b', '(b)', (row) => row.b],
  ['c', '(c)', (row) => row.c],
  ['d', '(d)', (row) => row.d],
  ['audit', 'audit', (row) => row.jobs?.audit],
  ['policy', 'policy user-001', (row) => row.jobs?.policyUser],
  ['test', 'test', (row) => row.jobs?.test],
  ['boundary', 'boundary plan', (row) => row.jobs?.boundary],
];

const results = [];
let failed = false;
for (const size of sizes) {
  const dir = ensureTree(size);
  const repeat = Number(values.repeat ?? (size <= 1_000_000 ? 3 : 1));
  const jobInputs = writeJobInputs(dir, { lastDay: END });
  const commands = commandsFor(dir, jobInputs);
  console.error(`${size} events (${dir}), ${repeat} run(s) each, median:`);
  // (a) and (c) read the same files: they take turns, after one untimed read of the tree, so that
  // neither pays alone for files the page cache has let go since the tree was last read.
  readTree(join(dir, 'logs'));
  const [a, c] = timedTogether(
    [
      ['(a) iamtrail --list users, no cache', commands.a],
      ['(c) DuckDB extraction (floor)', commands.c],
    ],
    repeat,
  );
  // Each round's (a) against the floor run right after it: the ratio a neighbour's load, which
  // comes and goes, disturbs least (shown beside the medians' ratio, which the targets judge).
  const acRounds = a.inOrder.map((seconds, round) => seconds / c.inOrder[round]);
  console.error(`  (a)/(c) round by round: ${acRounds.map((ratio) => ratio.toFixed(2)).join(' / ')}`);
  // (b) takes about 25 s per million events: above 5M, --jq-runs-above-5m runs of it.
  const jqRuns = size > 5_000_000 ? Math.min(repeat, jqRunsAbove5m) : repeat;
  const b = timedRuns(
    '(b) zcat | jq | sort -u (memory: its stages summed)',
    () => measureJq(commands, dir),
    jqRuns,
  );
  // The warm step is the same question through the cache: every row read and written, as a
  // question pays the first time with the cache on (shown for that, one run). It starts from no
  // cache file: what another run left there (another tree's rows) would be measured and checked.
  rmSync(join(dir, 'cache.duckdb'), { force: true });
  rmSync(join(dir, 'cache.duckdb.wal'), { force: true });
  const warm = measure(commands.warm);
  console.error(
    `  (a) through the cache, --refresh (the warm step: every row read and written): ${warm.seconds.toFixed(2)} s, peak ${warm.rssMb?.toFixed(0) ?? '?'} MB (1 run)`,
  );
  // Start-up costs are a fraction of a second: at least 5 runs each, interleaved, so that a
  // neighbour's load falls on (d) and (e) alike.
  const quick = Math.max(repeat, 5);
  const startup = timedTogether(
    [
      ['(d) iamtrail --list users from the cache', commands.d],
      ['(d) iamtrail --list roles from the cache', commands.dRoles],
      ['(d) iamtrail --user user-001 from the cache', commands.dUser],
      ['(e) iamtrail --help', commands.e],
    ],
    quick,
  );
  const [d, dRoles, dUser, e] = startup;
  const jqSet = readFileSync(join(dir, 'jq-set.tsv'), 'utf8');
  const engineSet = measure(commands.set).stdout;
  const duckSet = readFileSync(join(dir, 'duckdb-set.tsv'), 'utf8');
  const agree = engineSet === jqSet && duckSet === jqSet;
  const lines = jqSet.split('\n').filter(Boolean).length;
  console.error(
    `  (identity, eventSource, eventName) set: jq ${lines}, iamtrail ${engineSet.split('\n').filter(Boolean).length}, DuckDB ${duckSet.split('\n').filter(Boolean).length}: ${agree ? 'identical' : 'DIFFERENT'}`,
  );
  if (!agree) failed = true;
  // The first policy generate alone reads the logs again (about 3 × (a) at 100,000 events): the
  // jobs run at the sizes of --jobs-at (issue 17 asks for 1M), never in the CI smoke run.
  const jobs = jobsAt.includes(size) ? measureJobs(commands, repeat, jobInputs) : undefined;
  if (jobs === undefined)
    console.error(
      `  jobs (audit, policy generate, test, boundary plan): measured at ${jobsAt.map((at) => at.toLocaleString('en-US')).join(', ')} events only (--jobs-at)`,
    );
  results.push({
    size,
    repeat,
    quick,
    a,
    b,
    c,
    acRounds,
    d,
    dRoles,
    dUser,
    e,
    warm,
    lines,
    agree,
    commands,
    jobs,
  });
}
const growth = growthOf(results);
for (const step of growth) {
  console.error(
    `growth ${step.from.toLocaleString('en-US')} → ${step.to.toLocaleString('en-US')} events (× ${step.events.toFixed(2)}): ` +
      step.lines
        .map((line) => `${line.key} time × ${fmtRatio(line.time)}, memory × ${fmtRatio(line.memory)}`)
        .join('; '),
  );
}

if (!values['no-write']) writeReport(results, growth);

/**
 * The jobs over the organisation, from the cache the warm step filled: audit, policy generate
 * (after one run that reads the resources of the calls, timed apart) and test; each command's
 * exit code is checked (test: 0 means every case went as the IAM data says).
 */
function measureJobs(commands, repeat, jobInputs) {
  console.error(
    `  jobs from the cache (${jobInputs.principals} principals; ${jobInputs.testCount} tests in ${jobInputs.tests}):`,
  );
  // Its document says how many days it read from the logs (the text output does not).
  const policyFirst = measure(commands.policyFirst);
  const { daysRead, filesRead } = JSON.parse(policyFirst.stdout).logs;
  const readLogs = daysRead > 0;
  console.error(
    `  policy generate --user user-001, first run after the warm step: ${policyFirst.seconds.toFixed(2)} s, peak ${policyFirst.rssMb?.toFixed(0) ?? '?'} MB (${readLogs ? `read ${daysRead} day(s), ${filesRead} file(s) from the logs for the resources` : 'no log read: the cache already held the resources'})`,
  );
  const [audit, policyUser, policyRole, test, boundary] = timedTogether(
    [
      ['audit, every account', commands.audit],
      ['policy generate --user user-001 (warm)', commands.policyUser],
      ['policy generate --role role-01 (warm)', commands.policyRole],
      ['test, every principal', commands.test],
      ['boundary plan, every role of acct1', commands.boundary],
    ],
    repeat,
  );
  return {
    policyFirst: { ...policyFirst, stdout: '', readLogs },
    audit,
    policyUser,
    policyRole,
    test,
    boundary,
    ...jobInputs,
  };
}

/** From each size to the next: the events' ratio, and each line's time and memory ratios. */
function growthOf(rows) {
  const sorted = [...rows].sort((x, y) => x.size - y.size);
  return sorted.slice(1).map((row, index) => {
    const before = sorted[index];
    return {
      from: before.size,
      to: row.size,
      events: row.size / before.size,
      lines: GROWTH_LINES.map(([key, label, pick]) => {
        const [now, then] = [pick(row), pick(before)];
        return {
          key,
          label,
          time: now === undefined || then === undefined ? undefined : now.seconds / then.seconds,
          memory: now?.rssMb === undefined || then?.rssMb === undefined ? undefined : now.rssMb / then.rssMb,
        };
      }),
    };
  });
}

/** A ratio, or `n/a` (a line not measured at one of the sizes, or no GNU time). */
function fmtRatio(value) {
  return value === undefined ? 'n/a' : value.toFixed(2);
}

/**
 * Issue 17's memory target, judged at 20M events and more: (a)'s peak at most 1.2 × its value at
 * 1M events (in the same run) and under 1 GB.
 */
function memoryTarget(row, rows, check) {
  const base = rows.find((other) => other.size === 1_000_000);
  const peak = row.a.rssMb;
  if (peak === undefined) return '- (a)’s peak memory: not measured (no GNU time)';
  const under = peak < 1024;
  if (base?.a.rssMb === undefined)
    return `- (a)’s peak memory at most 1.2 × its value at 1,000,000 events and under 1 GB: ${peak.toFixed(0)} MB, 1,000,000 events not in this run — ${under ? 'under 1 GB, the ratio not judged' : check(false)}`;
  const ratio = peak / base.a.rssMb;
  return `- (a)’s peak memory at most 1.2 × its value at 1,000,000 events and under 1 GB: ${peak.toFixed(0)} MB, ${ratio.toFixed(2)} × ${base.a.rssMb.toFixed(0)} MB — ${check(ratio <= 1.2 && under)}`;
}

/** The worst ratio of a cached question's time to --help's. */
function worstStartup(row) {
  return Math.max(row.d.seconds, row.dRoles.seconds, row.dUser.seconds) / row.e.seconds;
}

/**
 * The sections of docs/benchmarks.md written by hand (what each change bought), from their
 * heading to the next generated one: kept when the file is written again.
 */
function keptSections(file) {
  if (!existsSync(file)) return '';
  const KEPT = ['## Start-up of a cached question', '## Cold reads: what each change bought'];
  const text = readFileSync(file, 'utf8');
  return KEPT.map((heading) => {
    const start = text.indexOf(`\n${heading}\n`);
    if (start < 0) return '';
    const next = text.indexOf('\n## ', start + heading.length + 2);
    return `${text.slice(start + 1, next < 0 ? text.length : next + 1).trimEnd()}\n`;
  })
    .filter(Boolean)
    .map((section) => `\n${section}`)
    .join('');
}
if (failed) {
  console.error('the engine answer differs from the jq pipeline: see the counts above');
  process.exit(1);
}

function writeReport(rows, growth) {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const f = (value, digits = 2) => value.toFixed(digits);
  const mb = (value) => (value === undefined ? '?' : f(value, 0));
  /** Every run's seconds, fastest first. */
  const runList = (run) => run.runs.map((x) => f(x)).join(' ');
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (scripts/bench/run.mjs) on ${new Date().toISOString().slice(0, 10)}.`,
    `Machine: ${cpus().length} × ${cpu}, ${f(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}, ${process.platform}.`,
    `Trees: scripts/generate-trail.mjs, ${DAYS} days from ${START}, 5 accounts, 3 regions, 300 users, 75 roles, AssumeRole sessions, about 1.2 KB per event.`,
    'Times are wall-clock seconds of whole processes (median of the runs shown); memory is the peak resident set of the largest process (GNU time %M).',
    '(a) and (c) take turns, run after run, after one untimed read of the tree: both read the logs from the page cache (the run’s log prints what each run read from disk, GNU time %I).',
    '',
    '| events | (a) iamtrail, no cache | (b) zcat \\| jq \\| sort -u | (c) DuckDB floor | (d) iamtrail, cached | (e) --help | a/b | a/c | a/d | d/e |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.size.toLocaleString('en-US')} | ${f(row.a.seconds)} s, ${mb(row.a.rssMb)} MB | ${f(row.b.seconds)} s, ${mb(row.b.rssMb)} MB | ${f(row.c.seconds)} s, ${mb(row.c.rssMb)} MB | ${f(row.d.seconds)} s, ${mb(row.d.rssMb)} MB | ${f(row.e.seconds)} s, ${mb(row.e.rssMb)} MB | ${f(row.b.seconds / row.a.seconds, 1)}× faster | ${f(row.a.seconds / row.c.seconds)} | ${f(row.a.seconds / row.d.seconds, 1)}× | ${f(row.d.seconds / row.e.seconds)} |`,
    ),
    '',
    'Cached questions against `--help` (medians of the runs shown, the four commands taking turns):',
    '',
    '| events | (e) --help | (d) --list users | (d) --list roles | (d) --user user-001 | worst d/e |',
    '|---:|---:|---:|---:|---:|---:|',
    ...rows.map((row) => {
      const cell = (run) => `${f(run.seconds)} s (${f(run.seconds / row.e.seconds)}×; ${runList(run)})`;
      return `| ${row.size.toLocaleString('en-US')} | ${f(row.e.seconds)} s (${runList(row.e)}) | ${cell(row.d)} | ${cell(row.dRoles)} | ${cell(row.dUser)} | ${f(worstStartup(row))} |`;
    }),
    '',
    '(b)’s memory is the sum of its stages’ peaks (zcat, jq, sort), each measured by GNU time: they run at once.',
    '',
    'Runs per median (fewer than 3 marked):',
    ...rows.map((row) => {
      const runs = (count, what) => `${count} of ${what}${count < 3 ? ' (**fewer than 3**)' : ''}`;
      return `- ${row.size.toLocaleString('en-US')} events: ${runs(row.repeat, '(a), (c) and the jobs')}; ${runs(row.b.runs.length, '(b)')}${row.size > 5_000_000 && row.b.runs.length < row.repeat ? ' (--jq-runs-above-5m)' : ''}; ${runs(row.quick, '(d) and (e)')}.`;
    }),
    '',
    '(a)/(c) round by round (each (a) against the floor run right after it, in the order run; the table’s a/c is the ratio of the medians):',
    ...rows.map(
      (row) =>
        `- ${row.size.toLocaleString('en-US')} events: ${row.acRounds.map((ratio) => f(ratio)).join(', ')}.`,
    ),
    '',
    '## The jobs over the organisation, from the cache',
    '',
    'On the cache (a)’s warm step filled (`--list users --refresh`, which reads every account of the tree), each job over the',
    'whole organisation of the tree, the four commands taking turns (medians of the runs shown). Their inputs are derived from the tree’s',
    'IAM files by scripts/bench/job-inputs.mjs into TREE/bench-jobs/: `audit` reads a credential report file per account (no AWS; every',
    'user with one active access key last used on the window’s last day); `test` runs two tests per principal of every account, each',
    'limited to that principal’s ARN (its granted probes expected to succeed, three never-called actions it is not granted expected to',
    'fail), and exits 0 only when every case goes as the IAM files say. `policy generate` answers for one principal per process: user-001',
    'and role-01 (granted `*`, so its policy lists every action of unknown use) of acct1. Its first run after the warm step reads the',
    'resources of the calls from the logs (the warm step leaves them out): that run is shown apart; the table gives the warm repeat.',
    '`boundary plan` plans, read-only, the boundary of every role of acct1 at action level over the window (`--unused-days` its days).',
    '',
    '| events | principals, tests | audit, every account | policy generate, first run | policy generate --user user-001 | policy generate --role role-01 | test, every principal | boundary plan, every role of acct1 |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((row) => {
      const cell = (run) => `${f(run.seconds)} s, ${mb(run.rssMb)} MB (${runList(run)})`;
      if (row.jobs === undefined)
        return `| ${row.size.toLocaleString('en-US')} | not measured at this size (--jobs-at) | | | | | | |`;
      const first = row.jobs.policyFirst;
      return `| ${row.size.toLocaleString('en-US')} | ${row.jobs.principals}, ${row.jobs.testCount} | ${cell(row.jobs.audit)} | ${f(first.seconds)} s, ${mb(first.rssMb)} MB (${first.readLogs ? 'read the logs' : 'no log read'}) | ${cell(row.jobs.policyUser)} | ${cell(row.jobs.policyRole)} | ${cell(row.jobs.test)} | ${cell(row.jobs.boundary)} |`;
    }),
    '',
    ...(growth.length === 0
      ? []
      : [
          '## Growth from size to size',
          '',
          'Each line’s time and peak memory at a size divided by its value at the size before, against the events’ ratio:',
          'time should grow with the events (a ratio near theirs, or below), memory should not (a ratio near 1).',
          '',
          `| | ${growth.map((step) => `${step.from.toLocaleString('en-US')} → ${step.to.toLocaleString('en-US')}: time × | memory ×`).join(' | ')} |`,
          `|---|${growth.map(() => '---:|---:').join('|')}|`,
          `| events | ${growth.map((step) => `${f(step.events)} | `).join(' | ')} |`,
          ...GROWTH_LINES.map(
            ([key, label]) =>
              `| ${label} | ${growth
                .map((step) => {
                  const line = step.lines.find((entry) => entry.key === key);
                  return `${fmtRatio(line.time)} | ${fmtRatio(line.memory)}`;
                })
                .join(' | ')} |`,
          ),
          '',
        ]),
    '## Targets, as measured in this run',
    '',
    ...rows.flatMap((row) => {
      const big = row.size >= 5_000_000;
      const check = (ok) => (ok ? 'met' : '**missed**');
      return [
        `${row.size.toLocaleString('en-US')} events:`,
        `- (a) at least 8 times faster than (b): ${f(row.b.seconds / row.a.seconds, 1)}× — ${check(row.b.seconds / row.a.seconds >= 8)}`,
        `- (a) at most 1.25 times (c): ${f(row.a.seconds / row.c.seconds)} — ${check(row.a.seconds / row.c.seconds <= 1.25)}`,
        ...(big
          ? [
              `- (a)’s peak memory under 2 GB: ${mb(row.a.rssMb)} MB — ${check((row.a.rssMb ?? Infinity) < 2048)}`,
              `- (d) at least 20 times faster than (a): ${f(row.a.seconds / row.d.seconds, 1)}× — ${check(row.a.seconds / row.d.seconds >= 20)}`,
            ]
          : []),
        `- (e) under 0.5 s: ${f(row.e.seconds)} s — ${check(row.e.seconds < 0.5)}`,
        `- (d) at most 2 times (e), for --list users, --list roles and --user: worst ${f(worstStartup(row))} — ${check(worstStartup(row) <= 2)}`,
        ...(row.size >= 20_000_000 ? [memoryTarget(row, rows, check)] : []),
        '',
      ];
    }),
    '## What bounds (a)',
    '',
    '(c) only inflates and parses each record for three fields and keeps a set of about 20,000 tuples. (a), `--list users` without the',
    'cache, reads what the list shows, in one pass, its reader naming only those fields: each actor’s calls per account, day and outcome',
    '(who, when, which account, the call’s error), a row per file read, and the coverage; no role session is resolved and no event kept',
    'apart, since nothing is stored (`SummaryRequest.actorsOnly`). Through the cache the same question reads everything a later question',
    'may need (access key, sourceIdentity, invokedBy, userName, the AssumeRole response, IAM changes), aggregates by account, day, actor,',
    'role session, event and outcome — on these trees about one group for every two events — resolves each role session’s caller over all',
    'batches and writes the summary into the cache (as Parquet, DuckDB to DuckDB): that is the warm step, timed once per size below.',
    '(b)/(c) is the speed of the jq pipeline against the floor: an (a)/(b) of 8 needs (a) within (b)/(c) ÷ 8 of the floor.',
    '',
    'The same question through the cache (the warm step, `--refresh`: every row read and written, as the first question with the cache on pays; one run):',
    ...rows.map(
      (row) =>
        `- ${row.size.toLocaleString('en-US')} events: ${row.warm === undefined ? 'not measured' : `${row.warm.seconds.toFixed(2)} s, ${row.warm.rssMb?.toFixed(0) ?? '?'} MB`}.`,
    ),
    '',
    'Every run checks that the (identity, eventSource, eventName) set iamtrail stored in the warm step equals the jq pipeline’s and the DuckDB query’s:',
    ...rows.map(
      (row) =>
        `- ${row.size.toLocaleString('en-US')} events: ${row.lines} tuples, ${row.agree ? 'identical' : 'DIFFERENT'}.`,
    ),
    '',
    '## Commands',
    '',
    'With TREE the generated tree (`node scripts/generate-trail.mjs --events N --out TREE`):',
    '',
    '```sh',
    ...Object.entries(rows[0].commands)
      .filter(([key]) => key !== 'set' && key !== 'bMeasured')
      .map(
        ([key, command]) =>
          `# ${key}\n${command.replaceAll(join(values.work, `trail-${rows[0].size}`), 'TREE')}`,
      ),
    '```',
    '',
  ];
  const file = join(REPO, 'docs/benchmarks.md');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n${keptSections(file)}`);
  console.error(`wrote ${file}`);
}
