#!/usr/bin/env node
// Times the policy evaluator (src/iam/policy-evaluator.ts) on a real authorization-details dump:
// every principal x every action of the catalog (as `*:*` expands) on resource "*", with
// aws-iam-tester's default context (aws:MultiFactorAuthPresent=true). Reads the built dist/
// (`npx tsc -p tsconfig.build.json` first).
//   node scripts/bench/evaluator.mjs [AUTHZ_FILE] [ROUNDS]
import { loadActionData } from '../../dist/cli/action-data.js';
import { readAuthorizationDetailsFile } from '../../dist/cli/iam-file.js';
import { compilePolicies } from '../../dist/iam/policy-evaluator.js';
import { principalPolicies } from '../../dist/iam/principal-policies.js';

const file = process.argv[2] ?? '../shared/datasets/cloudsplaining-iam-vulnerable-authz/example.json.gz';
const rounds = Number(process.argv[3] ?? 1);
const details = readAuthorizationDetailsFile(file);
const actions = loadActionData().catalog.actions.map((action) => action.name);
const principals = [...details.users, ...details.roles];
const context = [{ key: 'aws:MultiFactorAuthPresent', values: ['true'], type: 'boolean' }];
const account = principals[0]?.arn.split(':')[4] ?? '000000000000';

const counts = { allowed: 0, explicitDeny: 0, implicitDeny: 0, inconclusive: 0 };
const started = process.hrtime.bigint();
let evaluations = 0;
for (let round = 0; round < rounds; round += 1) {
  for (const principal of principals) {
    const evaluator = compilePolicies(principalPolicies(details, principal, account, undefined).policies);
    for (const action of actions) {
      counts[evaluator({ action, resource: '*', context }).decision] += 1;
      evaluations += 1;
    }
  }
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(
  `${principals.length} principals x ${actions.length} actions x ${rounds} round(s) = ${evaluations} evaluations in ${seconds.toFixed(2)} s (${Math.round(evaluations / seconds).toLocaleString('en-US')} per second)`,
);
console.log(
  `decisions per round: ${JSON.stringify(Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / rounds])))}`,
);
