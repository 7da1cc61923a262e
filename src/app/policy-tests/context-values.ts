import type { ContextKeyType } from '../../iam/policy-evaluation.js';
import { parseAddressBlock } from '../../iam/policy-evaluator.js';

/*
 * The values of a request's context keys (a test file's `custom_context`, `access --context`),
 * checked against their type before anything is evaluated: a value IAM could not read as its type
 * would silently make a condition false (or a case inconclusive) instead of being the mistake it is.
 */

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const EPOCH_SECONDS = /^\d+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The type of a list type's members (`ipList` → `ip`); a scalar type is its own. */
function memberType(type: ContextKeyType): string {
  return type.endsWith('List') ? type.slice(0, -'List'.length) : type;
}

/**
 * Why `value` is not a value of `type`, or `undefined` when it is: ip (an address or CIDR block),
 * boolean (`true`/`false`, any case, as IAM reads them), numeric, date (ISO 8601 or epoch seconds),
 * binary (base64); strings take anything.
 */
export function contextValueProblem(type: ContextKeyType, value: string): string | undefined {
  switch (memberType(type)) {
    case 'ip':
      return parseAddressBlock(value) !== undefined
        ? undefined
        : 'is not an IP address or CIDR block (10.0.0.1, 10.0.0.0/8)';
    case 'boolean':
      return /^(?:true|false)$/i.test(value) ? undefined : 'is not a boolean (true or false)';
    case 'numeric':
      return NUMERIC.test(value) ? undefined : 'is not a number';
    case 'date':
      return EPOCH_SECONDS.test(value) || (ISO_DATE.test(value) && !Number.isNaN(Date.parse(value)))
        ? undefined
        : 'is not a date (ISO 8601 such as 2026-10-31T12:00:00Z, or epoch seconds)';
    case 'binary':
      return value.length > 0 && BASE64.test(value) ? undefined : 'is not base64';
    default:
      return undefined;
  }
}

/** Why a context key name is not one (empty, or blank), or `undefined`. */
export function contextKeyProblem(key: string): string | undefined {
  return key.trim().length === 0 ? 'is empty: a context key needs a name (aws:SourceIp)' : undefined;
}
