/*
 * iamtrail's schemas use zod's small build, zod/mini (functions where the full build has methods,
 * `.check(...)` for refinements; the same core, the same issues). This module gives it the
 * English messages the full build sets on its own; every module with a schema imports it. The
 * full build cost every command some 50 ms of its start, loading classes nothing here used
 * (docs/benchmarks.md). Import zod/mini as a namespace in each module (`import * as z`), never
 * re-exported from one: a namespace object that escapes keeps all of zod in the bundle.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
