#!/usr/bin/env node
import { execute } from '@oclif/core';

// The pinned AWS SDK runs on the Node 20 iamtrail supports; its notice about future SDK versions
// needing Node 22 is for the people who upgrade iamtrail's dependencies, not for its users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// CloudTracker took its flags with no command (`cloudtracker --account demo --user alice`); so
// does iamtrail: flags first means the `report` command.
const args = process.argv.slice(2);
const [first] = args;
const isRootFlag =
  first !== undefined && first.startsWith('-') && !['-h', '--help', '-v', '--version'].includes(first);
await execute({ dir: import.meta.url, args: isRootFlag ? ['report', ...args] : args });
