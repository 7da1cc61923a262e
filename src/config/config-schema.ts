import { z } from 'zod';

/** An AWS account id as CloudTracker's config may write it: a YAML number or a string. */
const accountId = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((value) => (typeof value === 'number' ? String(value).padStart(12, '0') : value.trim()))
  .pipe(z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'));

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
