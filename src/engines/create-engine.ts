import type { AthenaEngineOptions } from './athena/athena-engine.js';
import type { DuckDbEngineOptions } from './duckdb/duckdb-engine.js';
import type { Engine } from './engine.js';

/** What to build an engine from: the local engine over a log folder, or Athena over its table. */
export type EngineSpec =
  | ({ readonly kind: 'local' } & Partial<DuckDbEngineOptions> &
      Pick<DuckDbEngineOptions, 'logsDir' | 'reporter'>)
  | ({ readonly kind: 'athena' } & AthenaEngineOptions);

/**
 * Builds an engine: the one place that knows the concrete classes. Each engine's module (and the
 * AWS SDK behind Athena) is loaded only when that engine is asked for.
 */
export async function createEngine(spec: EngineSpec): Promise<Engine> {
  if (spec.kind === 'athena') {
    const { kind: _kind, ...options } = spec;
    const { AthenaEngine } = await import('./athena/athena-engine.js');
    return new AthenaEngine(options);
  }
  const { kind: _kind, ...options } = spec;
  const { DuckDbEngine } = await import('./duckdb/duckdb-engine.js');
  return DuckDbEngine.create(options);
}
