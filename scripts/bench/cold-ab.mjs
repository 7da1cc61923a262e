#!/usr/bin/env node
// Two builds of iamtrail taking turns on one command over one tree: wall seconds, CPU seconds and
// peak RSS of each run, the medians, B / A, and whether every run printed the same answer. The
// command is the benchmark's (a) (a cold `--list users`, no cache) unless one follows `--`, where
// an argument TREE, or one starting with TREE/, stands for the tree's folder. The builds take turns
// in both orders (A then B, B then A), so neither always runs second on a busy host. The answers
// are compared as printed: a command that prints the time (`--format json`'s generatedAt) differs
// at every run.
//   node scripts/bench/cold-ab.mjs TREE_DIR ROUNDS DIR_A DIR_B [-- ARGS...]
//   e.g. ... -- audit --config TREE/bench-jobs/config.yaml --start 2026-10-01 --end 2026-10-30 --cache TREE/cache.duckdb
// DIR_A and DIR_B each hold bin/run.js and its dist/ (a copy of a checkout made before a change).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const [tree, roundsArg, ...dirs] = dash === -1 ? argv : argv.slice(0, dash);
const rounds = Number(roundsArg);
if (tree === undefined || !Number.isSafeInteger(rounds) || rounds < 1 || dirs.length === 0) {
  console.error('usage: node scripts/bench/cold-ab.mjs TREE_DIR ROUNDS DIR_A [DIR_B] [-- ARGS...]');
  process.exit(2);
}
const missing = dirs.find((dir) => !existsSync(join(dir, 'bin/run.js')));
if (missing !== undefined) {
  console.error(
    `cold-ab.mjs: ${missing} holds no bin/run.js: give a checkout of iamtrail, built (npm run build)`,
  );
  process.exit(2);
}
const args =
  dash === -1
    ? [
        ...['--config', join(tree, 'config.yaml'), '--account', 'acct1', '--list', 'users'],
        ...['--start', '2026-10-01', '--end', '2026-10-30', '--no-cache'],
      ]
    : argv.slice(dash + 1).map((arg) => arg.replace(/^TREE(?=\/|$)/, tree));
if (args.length === 0) {
  console.error(
    'cold-ab.mjs: nothing after --: give the command to run (or leave out -- for the (a) command)',
  );
  process.exit(2);
}
const runs = dirs.map(() => []);
const answers = new Set();
for (let round = 0; round < rounds; round += 1) {
  const order = dirs.map((dir, index) => index);
  if (round % 2 === 1) order.reverse();
  order.forEach((index) => {
    const dir = dirs[index];
    const run = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', 'node', join(dir, 'bin/run.js'), ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    if (run.status !== 0) throw new Error(`${dir}: exit ${run.status}\n${run.stderr}`);
    const [seconds, kb, user, system] = run.stderr.trim().split('\n').at(-1).split(' ').map(Number);
    runs[index].push({ seconds, mb: kb / 1024, cpu: user + system });
    answers.add(createHash('sha256').update(run.stdout).digest('hex'));
    console.error(
      `round ${round + 1} ${dir}: ${seconds} s, ${(user + system).toFixed(2)} s CPU, ${(kb / 1024).toFixed(0)} MB`,
    );
  });
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const medians = runs.map((list) => ({
  seconds: median(list.map((run) => run.seconds)),
  mb: median(list.map((run) => run.mb)),
  cpu: median(list.map((run) => run.cpu)),
}));
dirs.forEach((dir, index) =>
  console.log(
    `${dir}: ${runs[index].map((run) => run.seconds.toFixed(2)).join(' / ')} s, ${runs[index].map((run) => run.cpu.toFixed(2)).join(' / ')} s CPU, ${runs[index].map((run) => run.mb.toFixed(0)).join(' / ')} MB; median ${medians[index].seconds.toFixed(2)} s, ${medians[index].cpu.toFixed(2)} s CPU, ${medians[index].mb.toFixed(0)} MB`,
  ),
);
if (dirs.length === 2)
  console.log(
    `B / A: ${(medians[1].seconds / medians[0].seconds).toFixed(2)}x the time, ${(medians[1].cpu / medians[0].cpu).toFixed(2)}x the CPU time, ${(medians[1].mb / medians[0].mb).toFixed(2)}x the peak RSS (medians of ${rounds})`,
  );
console.log(
  answers.size === 1 ? 'same answer in every run' : `ANSWERS DIFFER: ${answers.size} distinct outputs`,
);
if (answers.size !== 1) process.exitCode = 1;
