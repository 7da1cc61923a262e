import { z } from 'zod';

/**
 * An AWS account id. CloudTracker's configs write it as a bare YAML number; the file is read with
 * YAML's failsafe schema, so it arrives as the exact digits written, leading zeros included.
 */
const accountId = z
  .string()
  .trim()
  .regex(/^\d{12}$/, 'must be a 12-digit AWS account id');

/** One entry of `accounts:`. */
const accountSchema = z.strictObject({
  name: z.string().min(1, 'must not be empty'),
  id: accountId,
  iam: z.string().min(1).optional(),
});

/**
 * The config file: CloudTracker's keys (`accounts`, `athena`) plus `logs`, the local CloudTrail
 * folder. `athena:` is accepted as CloudTracker wrote it and kept for the Athena engine.
 */
export const configSchema = z.looseObject({
  accounts: z.array(accountSchema).min(1, 'must list at least one account'),
  logs: z.string().min(1).optional(),
  athena: z.record(z.string(), z.unknown()).optional(),
});

/** The config file as parsed, before paths are resolved. */
export type ConfigFileContent = z.infer<typeof configSchema>;
