import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { totalmem } from 'node:os';
import { gunzipSync } from 'node:zlib';

import { listValue } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBResultReader, DuckDBValue } from '@duckdb/node-api';
import { CompiledQuery, Kysely } from 'kysely';

import { EngineError, InputDataError, InterruptedError, isInterrupted, messageOf } from '../../errors.js';
import {
  ACTOR_SUMMARY_COLUMNS,
  buildActorResolveQuery,
  buildActorStageQuery,
  buildResolveQuery,
  buildSessionStatsQuery,
  buildStageQuery,
  isActivityRecord,
  isCoverageRecord,
  isIamChangeRecord,
  isResourceUseRecord,
  LOOKBACK_DAYS,
  toActivityRow,
  toDayCoverage,
  toIamChangeRow,
  toResourceUsageRow,
} from '../../trail/activity-summary.js';
import type {
  ActivityRow,
  DayCoverage,
  LogFileRecord,
  SessionStats,
  StagedDatabase,
  SummaryRecord,
} from '../../trail/activity-summary.js';
import type { CloudTrailDatabase } from '../../trail/cloudtrail-relation.js';
import type { IamChangeRow } from '../../trail/iam-changes.js';
import type { ResourceUsageRow } from '../../trail/resource-usage.js';
import type {
  Engine,
  EngineReporter,
  ReadProgress,
  SkippedFile,
  SummaryRequest,
  SummaryResult,
} from '../engine.js';
import { DuckDbDialect } from './duckdb-dialect.js';
import { openDuckDbDatabase, setMemoryLimit, SPILL_FOLDER_PREFIX } from './duckdb-host.js';
import type { OpenedDatabase } from './duckdb-host.js';
import {
  JSON_EXTRACT_SCALAR_MACRO_SQL,
  withCloudTrailRelation,
  duckDbFilePattern,
  stagedTable,
} from './duckdb-sql.js';
import type { LogFileFormat, StagedTable } from './duckdb-sql.js';
import {
  DEFAULT_MAX_LOG_FILE_BYTES,
  defaultMemoryLimitBytes,
  DUCKDB_MEMORY_MB_ENV,
  duckDbMemoryLimitBytes,
  duckDbThreads,
  findOversizeProblem,
  formatMegabytes,
  parseMaxLogFileBytes,
  readerObjectBytes,
} from './log-file-size.js';
import { listLogFiles } from './log-files.js';
import { withoutRepeatedKeys } from './repeated-fields.js';
import { makeTempFolder, removeTempFolder } from '../temp-folder.js';
import { addDays } from '../../trail/utc-days.js';
import type { LogFile } from './log-files.js';

/** Options of {@link DuckDbEngine}. */
export interface DuckDbEngineOptions {
  /** Folder holding the CloudTrail tree (`AWSLogs/...` below it, at any depth). */
  readonly logsDir: string;
  /** Where warnings go. */
  readonly reporter: EngineReporter;
  /** Most files read by one DuckDB query. */
  readonly batchFiles: number;
  /** Most compressed bytes read by one DuckDB query. */
  readonly batchBytes: number;
  /** DuckDB worker threads. Default: `IAMTRAIL_DUCKDB_THREADS`, else one per core. */
  readonly threads: number;
  /**
   * Largest log file, once inflated; a larger one (a gzip bomb) is skipped with a warning before
   * DuckDB opens it. Default: `IAMTRAIL_MAX_LOG_FILE_MB` MiB, else 256 MiB.
   */
  readonly maxLogFileBytes: number;
  /**
   * A folder to write each summary into as a Parquet file (`SummaryResult.rowsFile`) instead of
   * returning its rows: a cache loads it without the rows ever crossing into JavaScript.
   */
  readonly spillDir?: string;
  /** Also count role sessions and attributed ones (`SummaryResult.sessions`): one more query. */
  readonly countSessions?: boolean;
  /**
   * Read each batch one line a document first (`LogFileFormat`), the way CloudTrail writes its
   * files, and as any JSON text only once a batch fails so. Default true; false reads every batch
   * as any JSON text (the same rows, slower).
   */
  readonly lineReader?: boolean;
  /**
   * DuckDB's memory limit: past it, the staged rows and the aggregations spill to a temporary
   * folder, so memory stays flat however many events are read. Default: `IAMTRAIL_DUCKDB_MEMORY_MB`
   * MiB, else a quarter of the machine's memory, from 512 MiB to 4 GiB.
   */
  readonly memoryLimitBytes: number;
}

/** Defaults of {@link DuckDbEngineOptions}: batches that keep memory bounded (threads: see `duckDbThreads`). */
export const DEFAULT_DUCKDB_ENGINE_OPTIONS: Omit<DuckDbEngineOptions, 'logsDir' | 'reporter' | 'threads'> = {
  batchFiles: 50_000,
  batchBytes: 256 * 1024 * 1024,
  maxLogFileBytes: DEFAULT_MAX_LOG_FILE_BYTES,
  memoryLimitBytes: defaultMemoryLimitBytes(totalmem()),
};

/**
 * The local engine: reads CloudTrail files on disk with embedded DuckDB and aggregates them into the
 * activity summary. Files are read in batches; a file DuckDB cannot read is isolated by splitting
 * its batch and skipped with one warning, so one bad file never costs the others.
 */
export class DuckDbEngine implements Engine {
  readonly #options: DuckDbEngineOptions;
  readonly #database: OpenedDatabase;
  readonly #connection: DuckDBConnection;
  readonly #db: Kysely<CloudTrailDatabase>;
  /** The same connection, typed for the staged table. */
  readonly #staged: Kysely<StagedDatabase>;
  #closed = false;
  #spills = 0;
  /** The JSON reader's largest object the memory limit was last set for (undefined: not yet). */
  #readerObjectBytes: number | undefined;
  /** Whether `json_extract_scalar` was created: a per-actor stage does not use it. */
  #macro = false;
  /**
   * Whether the next batch is read one line a document first (see `LogFileFormat`): until a batch
   * fails so, after which the engine reads every batch as any JSON text, as it reads a failed one.
   */
  #lineReader: boolean;

  private constructor(options: DuckDbEngineOptions, database: OpenedDatabase) {
    this.#options = options;
    this.#lineReader = options.lineReader !== false;
    this.#database = database;
    const connection = database.connection;
    this.#connection = connection;
    this.#db = new Kysely<CloudTrailDatabase>({ dialect: new DuckDbDialect({ connection }) });
    this.#staged = new Kysely<StagedDatabase>({ dialect: new DuckDbDialect({ connection }) });
  }

  /** Opens an in-memory DuckDB database for a log folder, which must exist. */
  static async create(
    options: Partial<DuckDbEngineOptions> & Pick<DuckDbEngineOptions, 'logsDir' | 'reporter'>,
  ): Promise<DuckDbEngine> {
    const resolved: DuckDbEngineOptions = {
      ...DEFAULT_DUCKDB_ENGINE_OPTIONS,
      maxLogFileBytes: parseMaxLogFileBytes(process.env),
      memoryLimitBytes: duckDbMemoryLimitBytes(),
      threads: duckDbThreads(),
      ...options,
    };
    if (!existsSync(resolved.logsDir) || !statSync(resolved.logsDir).isDirectory()) {
      throw new InputDataError(`log folder ${resolved.logsDir} does not exist or is not a folder`, {
        suggestions: ['Pass --logs DIR, the folder that holds AWSLogs/, or set logs: in the config file'],
      });
    }
    // The process's DuckDB, its threads and memory limit set for the reading: see duckdb-host.ts.
    const database = await openDuckDbDatabase(':memory:', {
      threads: resolved.threads,
      memoryLimitBytes: resolved.memoryLimitBytes,
    });
    return new DuckDbEngine(resolved, database);
  }

  /**
   * Reads the window's files (and the day before, for the AssumeRole calls that opened sessions
   * active on its first day) batch by batch into a staged table inside DuckDB, then resolves every
   * session's caller over all batches at once: a session and its AssumeRole call may be in
   * different batches, days or accounts.
   */
  async summarize(request: SummaryRequest): Promise<SummaryResult> {
    throwIfAborted(request.signal);
    const listing = listLogFiles(
      this.#options.logsDir,
      addDays(request.startDay, -LOOKBACK_DAYS),
      request.endDay,
    );
    const skippedFiles: SkippedFile[] = [];
    for (const entry of listing.unreadable) {
      // Out of file handles is the process's state, not the entry's: nothing is skipped for it.
      if (entry.reason === 'EMFILE' || entry.reason === 'ENFILE')
        throw new EngineError(`ran out of file handles listing the logs (${entry.reason} at ${entry.path})`, {
          suggestions: [OPEN_FILES_TIP],
        });
      this.#skip(skippedFiles, entry.path, `cannot be read (${entry.reason})`);
    }
    // A file too large once inflated never reaches DuckDB, whose reader would buffer it.
    const files: LogFile[] = [];
    for (const file of listing.files) {
      const problem = await findOversizeProblem(file.path, file.bytes, this.#options.maxLogFileBytes);
      if (problem === undefined) files.push(file);
      else this.#skip(skippedFiles, file.path, problem);
    }
    const table = stagedTable(request.actorsOnly === true);
    const stopInterrupting = this.#interruptOnAbort(request.signal);
    try {
      await this.#connection.run(table.create);
      return await this.#summarizeInto(table, request, listing.files, files, skippedFiles);
    } catch (error) {
      // Whatever DuckDB was doing when the signal came was interrupted: no file is to blame.
      if (isInterrupted(request.signal) && !(error instanceof InterruptedError))
        throw new InterruptedError(INTERRUPTED_READING, { cause: error });
      throw error;
    } finally {
      stopInterrupting();
      // Temporary, gone with the engine: a failed drop (after DuckDB's own failure) loses nothing.
      await this.#connection.run(table.drop).catch(() => undefined);
    }
  }

  /**
   * Makes `signal`'s abort (Ctrl-C) interrupt the engine's DuckDB query, which would otherwise run
   * to its end (a batch of 256 MB of logs, or the sessions' resolution, takes seconds) before the
   * run could stop. DuckDB forgets an interrupt that comes before its query has begun, so the
   * interrupt is sent again every 50 ms until the summary ends; its query then fails with
   * `INTERRUPT Error`, which {@link summarize} reports as the interruption. Returns what stops it.
   */
  #interruptOnAbort(signal: AbortSignal | undefined): () => void {
    if (signal === undefined) return () => undefined;
    let timer: NodeJS.Timeout | undefined;
    const interrupt = (): void => {
      this.#connection.interrupt();
      timer ??= setInterval(() => {
        this.#connection.interrupt();
      }, 50).unref();
    };
    if (signal.aborted) interrupt();
    else signal.addEventListener('abort', interrupt, { once: true });
    return () => {
      signal.removeEventListener('abort', interrupt);
      clearInterval(timer);
    };
  }

  /** {@link summarize} once the files are listed and checked: stages them into `table` and resolves. */
  async #summarizeInto(
    table: StagedTable,
    request: SummaryRequest,
    listed: readonly LogFile[],
    files: readonly LogFile[],
    skippedFiles: SkippedFile[],
  ): Promise<SummaryResult> {
    const progress = createProgressCounter(listed, files);
    this.#options.reporter.progress?.(progress.advance([]));
    for (const batch of this.#batches(files)) {
      throwIfAborted(request.signal);
      await this.#stageBatch(
        table,
        batch,
        request,
        skippedFiles,
        false,
        this.#lineReader ? 'newline_delimited' : 'unstructured',
      );
      this.#options.reporter.progress?.(progress.advance(batch));
    }
    throwIfAborted(request.signal);
    const compiled = (
      request.actorsOnly === true
        ? buildActorResolveQuery(this.#staged, 'duckdb')
        : buildResolveQuery(this.#staged, 'duckdb', request.resources === true)
    ).compile();
    // The same query (its kind tells the driver how to read its rows), over the staged table.
    const resolve: CompiledQuery<SummaryRecord> = { ...compiled, sql: table.readsStaged(compiled.sql) };
    let rows: ActivityRow[] = [];
    let changes: IamChangeRow[] = [];
    let resources: ResourceUsageRow[] = [];
    let coverage: DayCoverage[];
    let rowsFile: string | undefined;
    if (this.#options.spillDir === undefined) {
      const { rows: records } = await this.#staged.executeQuery(resolve);
      rows = records.filter(isActivityRecord).map(toActivityRow);
      changes = records.filter(isIamChangeRecord).map((record) => toIamChangeRow(record, record.first_seen));
      coverage = records.filter(isCoverageRecord).map(toDayCoverage);
      resources = records.filter(isResourceUseRecord).map(toResourceUsageRow);
    } else {
      this.#spills += 1;
      rowsFile = join(this.#options.spillDir, `summary-${this.#spills}.parquet`);
      // A per-actor summary keeps its actors' days and coverage alone: the other columns are null.
      const spilled =
        request.actorsOnly === true
          ? `SELECT ${ACTOR_SUMMARY_COLUMNS.join(', ')} FROM (${resolve.sql})`
          : resolve.sql;
      // The file name is bound, like every value.
      await this.#connection.run(`COPY (${spilled}) TO $${resolve.parameters.length + 1} (FORMAT parquet)`, [
        ...(resolve.parameters as DuckDBValue[]),
        rowsFile,
      ]);
      // A few rows per account and day, read back from the file's one column group that holds them.
      // Only the columns a day's coverage holds: every column of the file, taken into JavaScript,
      // cost ~5 ms more at 1,000,000 events.
      const read = await this.#connection.runAndReadAll(
        'SELECT account_id, day, log_files FROM read_parquet($1) WHERE actor_arn IS NULL',
        [duckDbFilePattern(rowsFile)],
      );
      coverage = (read.getRowObjectsJS() as unknown as SummaryRecord[]).map(toDayCoverage);
    }
    let stats: SessionStats | undefined;
    if (this.#options.countSessions === true) {
      const counted = buildSessionStatsQuery(this.#staged).compile();
      [stats] = (
        await this.#staged.executeQuery<SessionStats>({ ...counted, sql: table.readsStaged(counted.sql) })
      ).rows;
    }
    const listedPaths = new Set(skippedFiles.length === 0 ? [] : listed.map((file) => file.path));
    return {
      rows,
      changes,
      resources,
      ...(rowsFile === undefined ? {} : { rowsFile }),
      coverage,
      // The listed files not skipped (a folder that could not be listed is no file).
      filesRead: listed.length - skippedFiles.filter((skip) => listedPaths.has(skip.file)).length,
      skippedFiles,
      ...(stats === undefined ? {} : { sessions: stats }),
    };
  }

  /**
   * Whether the engine still reads a batch one line a document first (`lineReader`): false once a
   * batch failed so, for the rest of its runs.
   */
  get readsLines(): boolean {
    return this.#lineReader;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.destroy();
    await this.#staged.destroy();
    await this.#database.close();
  }

  *#batches(files: readonly LogFile[]): Generator<LogFile[]> {
    let batch: LogFile[] = [];
    let bytes = 0;
    for (const file of files) {
      if (
        batch.length > 0 &&
        (batch.length >= this.#options.batchFiles || bytes + file.bytes > this.#options.batchBytes)
      ) {
        yield batch;
        batch = [];
        bytes = 0;
      }
      batch.push(file);
      bytes += file.bytes;
    }
    if (batch.length > 0) yield batch;
  }

  /**
   * Sizes the JSON reader for a batch (`maximum_object_size`, and DuckDB's memory limit with it)
   * unless it was sized so already; its value for the batch's `cloudtrail` relation.
   */
  async #prepare(files: readonly LogFile[]): Promise<number> {
    const objectBytes = readerObjectBytes(files, this.#options.maxLogFileBytes);
    if (this.#readerObjectBytes === objectBytes) return objectBytes;
    // The reader reserves two buffers of the largest object per thread, whatever the files
    // hold: reserved on top of the limit, so that they never make DuckDB spill the data, nor
    // fail to read a file (a number, never a value read).
    await setMemoryLimit(
      this.#connection,
      this.#options.memoryLimitBytes + 2 * objectBytes * this.#options.threads,
    );
    this.#readerObjectBytes = objectBytes;
    return objectBytes;
  }

  /**
   * Stages one batch of files. When DuckDB cannot read it, the file its error names is staged
   * alone (and skipped if it fails again) and the others together; when they fail again, or the
   * error names none of them, the batch is halved, each half again going to the file named. So k
   * bad files of n cost about k·log n reads, never k reads of the whole batch. A batch read one
   * line a document (`newline_delimited`) that fails is staged again as any JSON text, as above,
   * and so is every later batch: what the line reader refuses may be a file written over several
   * lines, which only the other reads.
   */
  async #stageBatch(
    table: StagedTable,
    files: readonly LogFile[],
    request: SummaryRequest,
    skipped: SkippedFile[],
    afterNamed = false,
    format: LogFileFormat = 'unstructured',
  ): Promise<void> {
    const objectBytes = await this.#prepare(files);
    if (request.actorsOnly !== true && !this.#macro) {
      await this.#connection.run(JSON_EXTRACT_SCALAR_MACRO_SQL);
      this.#macro = true;
    }
    const stage = (
      request.actorsOnly === true
        ? buildActorStageQuery(this.#db, { ...request, lists: 'duckdb' })
        : buildStageQuery(this.#db, {
            ...request,
            perFile: true,
            lists: 'duckdb',
            resources: request.resources === true,
          })
    ).compile();
    const patterns = files.map((file) => duckDbFilePattern(file.readFrom ?? file.path));
    // One text of the paths, split inside DuckDB, binds in half the time of a list; not when a
    // path holds a line break.
    const asText = !patterns.some((pattern) => pattern.includes('\n'));
    try {
      // One statement: a batch that fails leaves nothing in the staged table.
      await this.#db.executeQuery(
        CompiledQuery.raw(
          `INSERT INTO ${table.name} BY NAME ${withCloudTrailRelation(stage.sql, stage.parameters.length, objectBytes, request.resources === true, request.actorsOnly === true, asText, format)}`,
          [...stage.parameters, asText ? patterns.join('\n') : listValue(patterns)],
        ),
      );
    } catch (error) {
      // Memory, file handles, the spill folder, iamtrail's own SQL and an interrupt are never the
      // file's to blame: a run stops rather than skip logs it could read.
      await this.#throwIfOwnFailure(error, request.signal);
      if (format === 'newline_delimited') {
        // Nothing of the failed statement was kept: the batch is read again, as any JSON text.
        this.#lineReader = false;
        await this.#stageBatch(table, files, request, skipped);
        return;
      }
      if (files.length === 1 && files[0] !== undefined) {
        const [file] = files;
        const message = messageOf(error);
        if (message.includes(REPEATED_FIELD) && file.readFrom === undefined) {
          // The field's name as DuckDB quotes it, when it is a plain name (it comes from the file).
          const field = FIELD_NAME.exec(message.slice(message.indexOf(REPEATED_FIELD)))?.[1];
          const copy = await this.#withoutRepeatedFields(file, request.signal);
          if (copy !== undefined) {
            try {
              const before = skipped.length;
              await this.#stageBatch(
                table,
                [{ ...file, readFrom: copy.file, bytes: copy.bytes }],
                request,
                skipped,
              );
              if (skipped.length === before)
                this.#options.reporter.warn(
                  `${file.path}: a record repeats ${field === undefined ? 'a field' : `the field "${field}"`}; read with each repeated field's last value, as jq and JSON.parse take it`,
                );
            } finally {
              copy.remove();
            }
            return;
          }
        }
        this.#skip(
          skipped,
          file.path,
          diagnoseLogFile(file.path, this.#options.maxLogFileBytes) ?? describeDuckDbError(error),
        );
        return;
      }
      // DuckDB's reader names the file it failed on ('Malformed JSON in file "…"', 'Input is not
      // a GZIP stream: …').
      const named = afterNamed ? undefined : fileNamedIn(messageOf(error), files);
      if (named !== undefined) {
        await this.#stageBatch(table, [named], request, skipped);
        await this.#stageBatch(
          table,
          files.filter((file) => file !== named),
          request,
          skipped,
          true,
        );
        return;
      }
      const middle = Math.ceil(files.length / 2);
      await this.#stageBatch(table, files.slice(0, middle), request, skipped);
      await this.#stageBatch(table, files.slice(middle), request, skipped);
      return;
    }
    // Each file read has its row: the rows cross into JavaScript only when some file has none.
    const [read] = (await this.#db.executeQuery<{ files: bigint }>(CompiledQuery.raw(table.filesRead))).rows;
    if (Number(read?.files ?? 0) === files.length) {
      await this.#connection.run(table.dropFileRows);
      return;
    }
    const fileRows = (await this.#db.executeQuery<LogFileRecord>(CompiledQuery.raw(table.fileRows))).rows;
    await this.#connection.run(table.dropFileRows);
    // Each file by its place in the batch's list (`"$path"`, see createCloudTrailViewSql).
    const hasRecords = new Map(fileRows.map((row) => [row.log_file, row.has_records]));
    for (const [index, file] of files.entries()) {
      const found = hasRecords.get(String(index));
      if (found === true) continue;
      // DuckDB reads a garbled gzip stream or an empty file as no rows, and a JSON object without
      // Records as a row without records, all without complaint: say what is wrong with them.
      const problem = diagnoseLogFile(file.path, this.#options.maxLogFileBytes);
      if (problem !== undefined) this.#skip(skipped, file.path, problem);
      else if (found === false)
        this.#skip(skipped, file.path, 'not a CloudTrail log file: it holds no "Records" list');
    }
  }

  /**
   * A copy of a log file whose records repeat a field, each object keeping the repeated field's
   * last value (jq's rule, and `JSON.parse`'s), in a new folder of its own (the caller removes it;
   * so does the process's exit, should it come first): the file as DuckDB reads it without
   * complaint, whichever fields a summary's reader names. DuckDB itself reads the file's documents
   * (`read_json_objects`, which takes whatever its JSON reader takes) and writes each in its
   * compact form (`json()`), from which only the repeated keys are removed: every value reads back
   * as it read from the file. `undefined` when DuckDB cannot read the file so, or the copy would be
   * larger than the size limit (the file is skipped as before).
   */
  async #withoutRepeatedFields(
    file: LogFile,
    signal: AbortSignal | undefined,
  ): Promise<{ file: string; bytes: number; remove: () => void } | undefined> {
    const objectBytes = await this.#prepare([file]);
    if (!Number.isSafeInteger(objectBytes))
      throw new RangeError(`object size ${objectBytes} is not a whole number`);
    let documents: DuckDBResultReader;
    try {
      documents = await this.#connection.runAndReadAll(
        `SELECT json(json)::VARCHAR FROM read_json_objects($1, format = 'unstructured', maximum_object_size = ${objectBytes})`,
        [duckDbFilePattern(file.path)],
      );
    } catch (error) {
      await this.#throwIfOwnFailure(error, signal);
      return undefined;
    }
    // Outside the try: a failure of iamtrail's own code is no reason to skip the file.
    const text = (documents.getRowsJS() as [string | null][])
      .flatMap(([document]) => (document === null ? [] : [withoutRepeatedKeys(document)]))
      .join('\n');
    const bytes = Buffer.byteLength(text);
    if (bytes > this.#options.maxLogFileBytes) return undefined;
    const folder = makeTempFolder('iamtrail-repeated-');
    const remove = function removeRepeatedFieldsCopy(): void {
      process.removeListener('exit', remove);
      removeTempFolder(folder);
    };
    // A second Ctrl-C exits at once, past every `finally`: the copy holds a log's records.
    process.once('exit', remove);
    const copy = join(folder, 'log.json');
    try {
      writeFileSync(copy, text);
    } catch (error) {
      remove();
      throw new EngineError(
        `cannot write a copy of ${file.path} into ${folder} (${(error as NodeJS.ErrnoException).code ?? messageOf(error)})`,
        {
          cause: error,
          suggestions: [
            'Free some space in the temporary folder, or set TMPDIR (TEMP on Windows) to a folder with room',
          ],
        },
      );
    }
    return { file: copy, bytes, remove };
  }

  /**
   * Stops the run when the user interrupted it (the query failed for the interrupt), when DuckDB
   * refused iamtrail's query ({@link isQueryDefect}), or when it failed for want of its own
   * resources rather than for a file: memory ({@link isOutOfMemory}), file handles (`...: Too many
   * open files`, after the quoted path), or its spill folder (a full disk, a folder it cannot
   * create), which its error names. Such a failure would otherwise be taken for the files of the
   * batch, which would be skipped with a reason that blames them. The spill folder is told by its
   * name, whose random part nobody can put in a log file (DuckDB may print the folder's path
   * otherwise than it was given: `~` expanded). A connection that cannot even say where it spills
   * is broken: the run stops on the first error.
   */
  async #throwIfOwnFailure(error: unknown, signal: AbortSignal | undefined): Promise<void> {
    // An interrupted query (Ctrl-C): not the files' fault either, and the run stops at once.
    if (isInterrupted(signal)) throw new InterruptedError(INTERRUPTED_READING, { cause: error });
    const message = messageOf(error);
    const firstLine = message.split('\n')[0] ?? '';
    if (isOutOfMemory(message))
      throw new EngineError(`DuckDB ran out of memory reading the logs: ${firstLine}`, {
        cause: error,
        suggestions: [`Raise ${DUCKDB_MEMORY_MB_ENV} (MiB), or read a shorter window (--start, --end)`],
      });
    if (isQueryDefect(message))
      throw new EngineError(`DuckDB refused iamtrail's own query reading the logs: ${firstLine}`, {
        cause: error,
        suggestions: ['This is a bug of iamtrail, not of the logs: please report it with this message'],
      });
    if (firstLine.trimEnd().endsWith('": Too many open files'))
      throw new EngineError(`DuckDB ran out of file handles reading the logs: ${firstLine}`, {
        cause: error,
        suggestions: [OPEN_FILES_TIP],
      });
    let spillFolder: string;
    try {
      spillFolder = await this.#spillFolder();
    } catch {
      throw new EngineError(`DuckDB failed reading the logs: ${firstLine}`, { cause: error });
    }
    const name = basename(spillFolder);
    if (name.startsWith(SPILL_FOLDER_PREFIX) && message.includes(name))
      throw new EngineError(`DuckDB could not use its spill folder ${spillFolder}: ${firstLine}`, {
        cause: error,
        suggestions: [
          'Free some space in the temporary folder, or set TMPDIR (TEMP on Windows) to a folder with room',
          `Or raise ${DUCKDB_MEMORY_MB_ENV} (MiB), so that DuckDB spills less`,
        ],
      });
  }

  /** Where DuckDB spills past its memory limit (its `temp_directory`); empty when nowhere. */
  async #spillFolder(): Promise<string> {
    const reader = await this.#connection.runAndReadAll("SELECT current_setting('temp_directory')");
    const [[folder]] = reader.getRowsJS() as [[unknown]];
    return typeof folder === 'string' ? folder : '';
  }

  #skip(skipped: SkippedFile[], file: string, reason: string): void {
    skipped.push({ file, reason });
    this.#options.reporter.warn(`skipped ${file}: ${reason}`);
  }
}

/**
 * The file of `files` that DuckDB's error message names (its path followed by a quote, a line
 * break, a space or the end), the longest if several paths match; `undefined` when none does.
 */
export function fileNamedIn(message: string, files: readonly LogFile[]): LogFile | undefined {
  let named: LogFile | undefined;
  for (const file of files) {
    let at = message.indexOf(file.path);
    while (at !== -1) {
      const next = message[at + file.path.length];
      if (next === undefined || next === '"' || next === '\n' || next === ' ') {
        if (named === undefined || file.path.length > named.path.length) named = file;
        break;
      }
      at = message.indexOf(file.path, at + 1);
    }
  }
  return named;
}

/**
 * Whether DuckDB failed for want of memory: its OutOfMemoryException, `Out of Memory Error: ...`
 * (past its limit, a block it could not offload, or an allocation the system refused, which DuckDB
 * reports as `Out of Memory Error: Allocation failure`). By the start of the message only: DuckDB's
 * other errors quote the file they failed on, and a log folder names its files (`Malformed JSON in
 * file ".../out of memory.json"` is a bad file, to skip), and may quote a value of it.
 */
export function isOutOfMemory(message: string): boolean {
  return message.startsWith('Out of Memory Error:');
}

/**
 * Whether DuckDB refused the query itself (`Binder Error`, `Parser Error`, `Catalog Error`): a
 * defect of iamtrail's SQL, which every file would meet alike. A log file's content and name reach
 * the reader as values, never as SQL, so they cannot cause these; taken for the files' fault, they
 * would skip every file and leave verdicts resting on no logs.
 */
export function isQueryDefect(message: string): boolean {
  // `@duckdb/node-api` puts its own words before a parser error of a statement run with values.
  return /^(?:Failed to extract statements: )?(?:Binder|Parser|Catalog) Error:/.test(message);
}

/** What to do when the process runs out of file handles. */
const OPEN_FILES_TIP = 'Raise the limit on open files (ulimit -n), or run fewer programs at once';

/** Why a read stopped at the user's interrupt; nothing is cached before every range is read. */
const INTERRUPTED_READING = 'interrupted: stopped reading the logs; nothing of this run was cached';

/** Stops the read, before its next step, once the user interrupted it. */
function throwIfAborted(signal: AbortSignal | undefined): void {
  if (isInterrupted(signal)) throw new InterruptedError(INTERRUPTED_READING);
}

/** How DuckDB's JSON reader refuses a record that repeats a field its type names. */
const REPEATED_FIELD = 'has duplicate key "';
/** The field it names after {@link REPEATED_FIELD}, when a plain name. */
const FIELD_NAME = /^has duplicate key "([A-Za-z0-9_.:-]{1,100})"/;

/** Turns a DuckDB read error into a short reason: `malformed JSON at byte 48: unexpected end of data`. */
function describeDuckDbError(error: unknown): string {
  const message = messageOf(error).split('\n')[0] ?? '';
  return message
    .replace(/^[A-Za-z ]+Error: /, '')
    .replace(/ in file "[^"]*",?/, '')
    .replace(/ in record\/value \d+/, '')
    .replace(/^Malformed JSON/, 'malformed JSON')
    .replace(/^Input is not a GZIP stream/, 'not a valid gzip stream')
    .trim();
}

/**
 * Says what is wrong with a log file DuckDB could not use, reading it in Node; `undefined` when the
 * file looks like a CloudTrail log (the problem is then deeper inside its records). Only called for
 * the rare bad file, so the second read costs nothing in normal runs. Files reach it already
 * checked against `maxBytes`; inflating stops there all the same.
 */
export function diagnoseLogFile(path: string, maxBytes: number): string | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    return `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  let text: string;
  try {
    const gzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
    text = (gzip ? gunzipSync(bytes, { maxOutputLength: maxBytes }) : bytes).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      return `inflates past ${formatMegabytes(maxBytes)}`;
    return `not a valid gzip stream (${(error as Error).message})`;
  }
  if (text.trim() === '') return 'empty file';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not valid JSON (${(error as Error).message.split('\n')[0] ?? ''})`;
  }
  if (Array.isArray(value))
    return 'not a CloudTrail log file: the top level is an array, not {"Records": [...]}';
  if (typeof value !== 'object' || value === null || !('Records' in value)) {
    return 'not a CloudTrail log file: the top level has no "Records" list';
  }
  return Array.isArray(value.Records) ? undefined : 'not a CloudTrail log file: "Records" is not a list';
}

/**
 * Counts files and days done as batches finish. Every listed file counts, those skipped before
 * reading (too large) as done from the start; a file outside the S3 key layout has no day.
 */
function createProgressCounter(
  listed: readonly LogFile[],
  toRead: readonly LogFile[],
): {
  advance(batch: readonly LogFile[]): ReadProgress;
} {
  const left = new Map<string, number>();
  for (const file of listed)
    if (file.folderDay !== undefined) left.set(file.folderDay, (left.get(file.folderDay) ?? 0) + 1);
  const daysTotal = left.size;
  let filesLeft = listed.length;
  let started = false;
  return {
    advance(batch) {
      const reading = new Set(toRead);
      const done = started ? batch : listed.filter((file) => !reading.has(file));
      started = true;
      for (const file of done) {
        filesLeft -= 1;
        if (file.folderDay === undefined) continue;
        const remaining = (left.get(file.folderDay) ?? 1) - 1;
        if (remaining === 0) left.delete(file.folderDay);
        else left.set(file.folderDay, remaining);
      }
      return {
        filesDone: listed.length - filesLeft,
        filesTotal: listed.length,
        daysDone: daysTotal - left.size,
        daysTotal,
      };
    },
  };
}
