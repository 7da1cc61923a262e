#!/usr/bin/env node
// Adds to package-lock.json the optional DuckDB native-binding packages of other platforms.
//
// Why: @duckdb/node-bindings lists one optional package per platform. The npm registry mirror of
// the build machines carries only the linux-x64 ones, so `npm install` there cannot record the
// others, and `npm ci` then refuses the lockfile as out of sync. An optional package whose os/cpu
// do not match is never fetched, so a lock entry with its platform fields is all `npm ci` needs.
// Run after any `npm install` that touches DuckDB: node scripts/lock-duckdb-platforms.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const PLATFORMS = {
  'darwin-arm64': { os: ['darwin'], cpu: ['arm64'] },
  'darwin-x64': { os: ['darwin'], cpu: ['x64'] },
  'linux-arm64': { os: ['linux'], cpu: ['arm64'], libc: ['glibc'] },
  'linux-arm64-musl': { os: ['linux'], cpu: ['arm64'], libc: ['musl'] },
  'win32-arm64': { os: ['win32'], cpu: ['arm64'] },
  'win32-x64': { os: ['win32'], cpu: ['x64'] },
};

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const bindings = lock.packages['node_modules/@duckdb/node-bindings'];
if (bindings === undefined) throw new Error('package-lock.json has no @duckdb/node-bindings');
let added = 0;
for (const [platform, fields] of Object.entries(PLATFORMS)) {
  const name = `@duckdb/node-bindings-${platform}`;
  const version = bindings.optionalDependencies?.[name];
  const key = `node_modules/${name}`;
  if (version === undefined || lock.packages[key] !== undefined) continue;
  lock.packages[key] = {
    version,
    cpu: fields.cpu,
    ...(fields.libc ? { libc: fields.libc } : {}),
    license: 'MIT',
    optional: true,
    os: fields.os,
  };
  added += 1;
}
const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
);
lock.packages = sorted;
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.error(`package-lock.json: ${added} DuckDB platform binding entries added`);
