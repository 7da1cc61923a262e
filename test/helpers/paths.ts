import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The shared real-world data sets (`../shared/datasets` beside the checkout, or
 * `IAMTRAIL_DATASETS`). CI always has them; a developer without them sees those tests skipped.
 */
export const DATASETS_DIR =
  process.env.IAMTRAIL_DATASETS ?? fileURLToPath(new URL('../../../shared/datasets/', import.meta.url));

/** Whether the shared data sets are present; under CI their absence is an error, not a skip. */
export function hasDatasets(): boolean {
  const present = existsSync(DATASETS_DIR);
  if (!present && process.env.CI === 'true') {
    throw new Error(
      `shared data sets not found at ${DATASETS_DIR}; CI must have ../shared beside the checkout`,
    );
  }
  return present;
}
