import { DefaultQueryCompiler } from 'kysely';

const QUOTE = /"/g;

/**
 * Compiles kysely queries to Athena engine v3 (Trino) SQL: `?` placeholders, which Athena fills
 * from ExecutionParameters, and double-quoted identifiers.
 */
export class AthenaQueryCompiler extends DefaultQueryCompiler {
  protected override getCurrentParameterPlaceholder(): string {
    return '?';
  }

  protected override sanitizeIdentifier(identifier: string): string {
    return identifier.replace(QUOTE, '""');
  }
}
