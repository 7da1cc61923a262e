#!/usr/bin/env node
import { execute } from '@oclif/core';

import { toCommandArgv } from '../dist/cli/root-argv.js';

// The pinned AWS SDK runs on the Node 20 iamtrail supports; its notice about future SDK versions
// needing Node 22 is for the people who upgrade iamtrail's dependencies, not for its users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

await execute({ dir: import.meta.url, args: toCommandArgv(process.argv.slice(2)) });

// The command has finished (oclif exits by itself after an error). Left to itself, Node would now
// tear down V8's heap page by page, 20-40 ms that nobody waits for (docs/benchmarks.md, tenth
// session): the process exits here, with the exit code the command set, once its output is
// written. Output still queued (where a pipe is written asynchronously) is left to Node's usual
// exit, which writes it first.
if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit();
