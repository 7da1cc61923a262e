#!/usr/bin/env node
import { execute } from '@oclif/core';

// CloudTracker took its flags with no command (`cloudtracker --account demo --user alice`); so
// does iamtrail: flags first means the `report` command.
const args = process.argv.slice(2);
const [first] = args;
const isRootFlag =
  first !== undefined && first.startsWith('-') && !['-h', '--help', '-v', '--version'].includes(first);
await execute({ dir: import.meta.url, args: isRootFlag ? ['report', ...args] : args });
