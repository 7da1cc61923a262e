import { DefaultQueryCompiler } from 'kysely';

const QUOTE = /"/g;

/**
 * Compiles kysely queries to DuckDB SQL. DuckDB speaks PostgreSQL's dialect for everything the
 * trail queries use (`$n` parameters, double-quoted identifiers), so only identifier escaping
 * needs saying.
 */
export class DuckDbQueryCompiler extends DefaultQueryCompiler {
  protected override sanitizeIdentifier(identifier: string): string {
    return identifier.replace(QUOTE, '""');
  }
}
