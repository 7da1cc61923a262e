#!/usr/bin/env node
import { execute } from '@oclif/core';

import { toCommandArgv } from '../dist/cli/root-argv.js';

// The pinned AWS SDK runs on the Node 20 iamtrail supports; its notice about future SDK versions
// needing Node 22 is for the people who upgrade iamtrail's dependencies, not for its users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

await execute({ dir: import.meta.url, args: toCommandArgv(process.argv.slice(2)) });
