using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using Shangding.Core.Data;

namespace Shangding.Core.Intake;

/// <summary>Counts of a merged batch.</summary>
public sealed record MergeCounts(int Created, int Updated, int Unchanged, int Withdrawn, int Rejected, int NameConflicts);

/// <summary>
/// The bulk path of intake. All rows of a batch go into a temporary staging table (binary COPY on
/// PostgreSQL, one prepared statement on SQLite), then a handful of set-based statements create
/// subjects, classify each row against the unit's existing records, write records, history,
/// rejects and rescoring marks — all in one transaction, so a failed or cancelled batch leaves
/// nothing behind. The SQL is shared by both engines apart from the staging step.
/// </summary>
public sealed class IntakeStore : IAsyncDisposable
{
    private const string StageColumns =
        "row_number, record_key, action, kind, cert_type, id_hash, id_cipher, id_masked, name, birth_date, sex, " +
        "category_code, act_date, severity, fields, content_hash, cells, reasons";

    private readonly DatabaseSettings _settings;
    private readonly DbConnection _connection;
    private DbTransaction? _transaction;
    private NpgsqlBinaryImporter? _copy;
    private SQLitePCL.sqlite3_stmt? _insert;
    private byte[] _utf8 = new byte[4096];
    private SqliteBatchPragmas? _sqlitePragmas;
    private readonly System.Diagnostics.Stopwatch _watch = System.Diagnostics.Stopwatch.StartNew();
    private readonly List<KeyValuePair<string, double>> _timings = [];

    /// <summary>
    /// Up to this many staged rows, PostgreSQL looks up each row's subject and existing record by index
    /// instead of letting the planner choose. While a table grows from empty, its statistics lag behind
    /// (an API batch of 1,000 rows saw the unit's records estimated at 588 when there were 79,000), and the
    /// planner hashed every record of the unit and scanned every subject for each batch: 66 ms a batch and
    /// growing with the tables. A thousand index look-ups cost the same on ten thousand records or ten
    /// million; a big file keeps the planner's hash joins, which read each table once.
    /// </summary>
    internal const int IndexLookupRows = 20_000;

    /// <summary>Lets a test send a small batch down the big batch's plan, to show both plans give the same outcomes.</summary>
    internal static readonly AsyncLocal<int?> IndexLookupRowsOverride = new();

    private int _staged;

    /// <summary>On SQLite, a batch of at most this many rows leaves its emptied-next-time staging tables on the connection.</summary>
    private const int KeptStageRows = 20_000;

    /// <summary>Seconds spent in each step of the batch, for benchmarks and slow-batch logs.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Timings => _timings;

    private void Mark(string step)
    {
        _timings.Add(new(step, _watch.Elapsed.TotalSeconds));
        _watch.Restart();
    }

    private IntakeStore(DatabaseSettings settings, DbConnection connection)
    {
        _settings = settings;
        _connection = connection;
    }

    private bool IsPostgres => _settings.Provider == DatabaseProvider.Postgres;

    /// <summary>Opens a connection, starts the batch transaction and creates the staging table.</summary>
    public static async Task<IntakeStore> BeginAsync(DatabaseSettings settings, CancellationToken cancellationToken)
    {
        DbConnection connection = settings.Provider == DatabaseProvider.Postgres
            ? new NpgsqlConnection(BulkConnectionString(settings.ConnectionString))
            : new SqliteConnection(new SqliteConnectionStringBuilder(settings.ConnectionString) { ForeignKeys = true }.ToString());
        await connection.OpenAsync(cancellationToken);
        var store = new IntakeStore(settings, connection);
        try
        {
            await store.StartAsync(cancellationToken);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }

        return store;
    }

    /// <summary>
    /// Batches run on sessions of their own (a pool of their own, by application name) with memory for a big batch:
    /// the staging tables stay in the session's temporary buffers instead of going to disk page by page, and the
    /// merge's hash joins, sorts and the created-records CTE stay in memory. The server takes the memory only as a
    /// batch uses it; a small API batch uses little.
    /// </summary>
    internal static string BulkConnectionString(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.ApplicationName = (builder.ApplicationName is { Length: > 0 } name ? name + " " : "") + "intake";
        builder.Options = ((builder.Options ?? "") + " -c temp_buffers=256MB -c work_mem=128MB").Trim();
        return builder.ToString();
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!IsPostgres)
        {
            // Staging tables go to temporary files, not memory: a million-row batch must not need gigabytes.
            await ExecuteAsync("PRAGMA temp_store = FILE; PRAGMA cache_size = -65536; " + SqliteBusyTimeout.Pragma, cancellationToken);

            // A big batch fills the write-ahead log with every page it touched; left to itself SQLite copies
            // them into the database (a checkpoint) inside the committing call. The batch's connection does
            // not checkpoint: after the commit a separate connection does it in the background (once batches
            // have committed CheckpointRows rows since the last one), so the request does not wait for it.
            _sqlitePragmas = await SqliteBatchPragmas.RelaxAsync(_connection, cancellationToken);
        }

        // On SQLite the rows are staged in a deferred transaction that touches only this connection's temporary
        // tables, so it holds no lock on the database and other batches can merge meanwhile; the merge then
        // takes the write lock in a transaction of its own (see MergeAsync). Microsoft.Data.Sqlite's default,
        // BEGIN IMMEDIATE, held the write lock from the first staged row to the commit: an API batch waited for
        // another one's validation as well as its merge.
        _transaction = IsPostgres
            ? await _connection.BeginTransactionAsync(cancellationToken)
            : ((SqliteConnection)_connection).BeginTransaction(deferred: true);
        var json = IsPostgres ? "jsonb" : "TEXT";
        var date = IsPostgres ? "date" : "TEXT";
        var onCommit = IsPostgres ? " ON COMMIT DROP" : "";
        // On SQLite the classification keeps only what it decides and the staged row's rowid; the record's data is
        // read back from the stage by rowid (a million rows: 2 s less classifying). PostgreSQL would join the two by
        // hashing, which costs more than it saves, so there the classification carries the data.
        var data = IsPostgres ? "act_date {0} NULL, severity text NULL, fields {1} NULL, content_hash text NULL, category_code text NOT NULL," : "stage_row integer NOT NULL,";
        // On SQLite the tables stay on the (pooled) connection from one batch to the next and are emptied here: creating
        // them and their index changed the connection's schema each batch, which made SQLite re-prepare every
        // statement the batch ran. A big batch drops them when it is done (DisposeAsync), not to keep its rows.
        var ifNotExists = IsPostgres ? "" : "IF NOT EXISTS ";
        if (IsPostgres)
        {
            await ExecuteAsync("DROP TABLE IF EXISTS pg_temp.intake_stage; DROP TABLE IF EXISTS pg_temp.intake_classified;", cancellationToken);
        }

        await ExecuteAsync($"""
            CREATE TEMP TABLE {ifNotExists}intake_stage (
                row_number integer NOT NULL, record_key text NULL, action char(1) NOT NULL, kind text NULL, cert_type text NULL,
                id_hash text NULL, id_cipher text NULL, id_masked text NULL, name text NULL, birth_date {date} NULL, sex text NULL,
                category_code text NULL, act_date {date} NULL, severity text NULL, fields {json} NULL, content_hash text NULL,
                cells {json} NULL, reasons {json} NULL){onCommit};
            CREATE TEMP TABLE {ifNotExists}intake_classified (
                row_number integer NOT NULL, record_key text NOT NULL, {string.Format(CultureInfo.InvariantCulture, data, date, json)}
                subject_id bigint NULL, name_conflict boolean NOT NULL, record_id bigint NULL, old_subject_id bigint NULL,
                old_status text NULL, outcome text NOT NULL){onCommit};
            """, cancellationToken);
        if (!IsPostgres)
        {
            await ExecuteAsync("""
                CREATE INDEX IF NOT EXISTS temp.ix_classified_outcome ON intake_classified (outcome);
                DELETE FROM temp.intake_stage;
                DELETE FROM temp.intake_classified;
                """, cancellationToken);
        }

        if (IsPostgres)
        {
            _copy = await ((NpgsqlConnection)_connection).BeginBinaryImportAsync(
                $"COPY intake_stage ({StageColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        }
        else
        {
            // The staging insert runs a million times in a big batch: it is bound by position and stepped straight on
            // SQLite's statement (the connection's own handle, so inside the batch transaction). Through the ADO.NET
            // command each execution looked up all 18 parameters by name and built a data reader (1M-row .csv:
            // the writing thread busy 16.2 s before, 8.8-9.4 s after).
            var handle = ((SqliteConnection)_connection).Handle!;
            var sql = $"INSERT INTO intake_stage ({StageColumns}) VALUES (" + string.Join(", ", StageColumns.Split(", ").Select(_ => "?")) + ")";
            Check(SQLitePCL.raw.sqlite3_prepare_v2(handle, sql, out var statement));
            _insert = statement;
        }
    }

    /// <summary>Throws SQLite's error of the batch connection for a result code other than OK.</summary>
    private void Check(int rc)
    {
        if (rc != SQLitePCL.raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, ((SqliteConnection)_connection).Handle);
        }
    }

    /// <summary>Adds one row to the staging table.</summary>
    public async ValueTask StageAsync(StagedRow row, CancellationToken cancellationToken)
    {
        _staged++;
        if (_copy is not null)
        {
            await _copy.StartRowAsync(cancellationToken);
            await _copy.WriteAsync(row.RowNumber, NpgsqlDbType.Integer, cancellationToken);
            await WriteText(row.RecordKey);
            await _copy.WriteAsync(row.Action.ToString(), NpgsqlDbType.Char, cancellationToken);
            await WriteText(row.Kind);
            await WriteText(row.CertType);
            await WriteText(row.IdHash);
            await WriteText(row.IdCipher);
            await WriteText(row.IdMasked);
            await WriteText(row.Name);
            await WriteDate(row.BirthDate);
            await WriteText(row.Sex);
            await WriteText(row.CategoryCode);
            await WriteDate(row.ActDate);
            await WriteText(row.Severity);
            await WriteJson(row.FieldsJson);
            await WriteText(row.ContentHash);
            await WriteJson(row.CellsJson);
            await WriteJson(row.ReasonsJson);
            return;
        }

        var stmt = _insert!;
        Check(SQLitePCL.raw.sqlite3_bind_int(stmt, 1, row.RowNumber)); // column 0
        BindText(1, row.RecordKey);
        BindText(2, row.Action.ToString());
        BindText(3, row.Kind);
        BindText(4, row.CertType);
        BindText(5, row.IdHash);
        BindText(6, row.IdCipher);
        BindText(7, row.IdMasked);
        BindText(8, row.Name);
        BindDate(9, row.BirthDate);
        BindText(10, row.Sex);
        BindText(11, row.CategoryCode);
        BindDate(12, row.ActDate);
        BindText(13, row.Severity);
        BindText(14, row.FieldsJson);
        BindText(15, row.ContentHash);
        BindText(16, row.CellsJson);
        BindText(17, row.ReasonsJson);
        cancellationToken.ThrowIfCancellationRequested();
        var done = SQLitePCL.raw.sqlite3_step(stmt);
        // Reset before reporting: the statement is ready again, and SQLite keeps the step's error message.
        SQLitePCL.raw.sqlite3_reset(stmt);
        if (done != SQLitePCL.raw.SQLITE_DONE)
        {
            Check(done);
        }

        // Parameters are numbered from 1; the index given is the column's position counted from 0. Text goes in as
        // UTF-8, the database's encoding: given UTF-16, SQLite converts each value itself, a character at a time,
        // into memory it allocates (1M-row .csv: the writing thread busy 8.8-9.2 s before, 6.6-6.8 s after).
        void BindText(int column, string? value)
        {
            if (value is null)
            {
                Check(SQLitePCL.raw.sqlite3_bind_null(stmt, column + 1));
                return;
            }

            var needed = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length);
            if (_utf8.Length < needed)
            {
                _utf8 = new byte[Math.Max(needed, _utf8.Length * 2)];
            }

            var length = System.Text.Encoding.UTF8.GetBytes(value, _utf8);
            Check(SQLitePCL.raw.sqlite3_bind_text(stmt, column + 1, _utf8.AsSpan(0, length)));
        }

        void BindDate(int column, DateOnly? value)
        {
            if (value is { } date)
            {
                Span<byte> text = stackalloc byte[10];
                date.TryFormat(text, out _, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                Check(SQLitePCL.raw.sqlite3_bind_text(stmt, column + 1, text));
            }
            else
            {
                Check(SQLitePCL.raw.sqlite3_bind_null(stmt, column + 1));
            }
        }

        async ValueTask WriteText(string? value)
        {
            if (value is null)
            {
                await _copy.WriteNullAsync(cancellationToken);
            }
            else
            {
                await _copy.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);
            }
        }

        async ValueTask WriteJson(string? value)
        {
            if (value is null)
            {
                await _copy.WriteNullAsync(cancellationToken);
            }
            else
            {
                await _copy.WriteAsync(value, NpgsqlDbType.Jsonb, cancellationToken);
            }
        }

        async ValueTask WriteDate(DateOnly? value)
        {
            if (value is { } d)
            {
                await _copy.WriteAsync(d, NpgsqlDbType.Date, cancellationToken);
            }
            else
            {
                await _copy.WriteNullAsync(cancellationToken);
            }
        }
    }

    private bool _writing;

    /// <summary>
    /// On SQLite, ends the staging transaction and begins the one everything the batch stores is written in. The
    /// staged rows are in temporary tables, which outlive the transaction on this connection and vanish with it;
    /// the write transaction is BEGIN IMMEDIATE, so it waits (busy_timeout) for the write lock and reads the
    /// database only once it holds it.
    /// </summary>
    private async Task BeginWritingAsync(CancellationToken cancellationToken)
    {
        if (IsPostgres || _writing)
        {
            return;
        }

        _writing = true;
        await _transaction!.CommitAsync(cancellationToken);
        await _transaction.DisposeAsync();
        _transaction = null;
        var gate = WriteGates.GetOrAdd(((SqliteConnection)_connection).DataSource, _ => new SemaphoreSlim(1, 1));
        if (await gate.WaitAsync(SqliteWriteGateWait, cancellationToken))
        {
            _gate = gate;
        }

        try
        {
            _transaction = ((SqliteConnection)_connection).BeginTransaction(deferred: false);
        }
        catch
        {
            ReleaseWriteGate();
            throw;
        }
    }

    /// <summary>
    /// This process's batches queue for a SQLite database's write lock here rather than in SQLite's busy handler.
    /// That handler sleeps 1, 2, 5, 10, 15, 20, then 25 ms and more between tries, so a batch that met another one
    /// merging took the lock up to a sleep after it was free: with two clients sending 1,000-record batches, the
    /// lock (held about 25 ms a batch) stood free for several milliseconds each time. Here the next batch starts
    /// as the last commits. Other processes (a CLI import) and other writers still meet the busy handler.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> WriteGates = new(StringComparer.Ordinal);

    /// <summary>As long as SQLite's busy timeout; past it the batch tries the lock anyway, and SQLite's handler waits.</summary>
    private static readonly TimeSpan SqliteWriteGateWait = TimeSpan.FromSeconds(30);

    private SemaphoreSlim? _gate;

    private void ReleaseWriteGate() => Interlocked.Exchange(ref _gate, null)?.Release();

    /// <summary>For tests: whether a batch of this process holds the write gate of the open SQLite database.</summary>
    internal static bool WriteGateHeld(SqliteConnection open) =>
        WriteGates.TryGetValue(open.DataSource, out var gate) && gate.CurrentCount == 0;

    /// <summary>
    /// SQLite, rows already staged: writes the batch's row (and its unit's, the first time) at the start of the
    /// batch's own write transaction, so it commits with the batch or not at all; returns its id and the last
    /// history id before the batch. Written from another connection, as a file's Running row is, its commit made
    /// SQLite drop this connection's whole page cache when the merge began (a database changed by another
    /// connection is read afresh), and the merge then read every index page it needed from the file again.
    /// </summary>
    public async Task<(long BatchId, long HistoryFrom)> InsertBatchRowAsync(IntakeBatch batch, string unitNameZh, string unitNameEn,
        CancellationToken cancellationToken)
    {
        if (IsPostgres)
        {
            throw new InvalidOperationException("On PostgreSQL the batch row is written before staging.");
        }

        await BeginWritingAsync(cancellationToken);
        static object Nullable(string? value) => (object?)value ?? DBNull.Value;
        var started = batch.StartedAt.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
        var args = new Dictionary<string, object>
        {
            ["@unit"] = batch.UnitCode,
            ["@zh"] = unitNameZh,
            ["@en"] = unitNameEn,
            ["@category"] = Nullable(batch.CategoryCode),
            ["@channel"] = batch.Channel,
            ["@file"] = Nullable(batch.FileName),
            ["@sha"] = Nullable(batch.FileSha256),
            ["@key"] = Nullable(batch.IdempotencyKey),
            ["@status"] = batch.Status.ToString(),
            ["@actor"] = batch.Actor,
            ["@started"] = started,
            ["@headers"] = Nullable(batch.HeaderCellsJson),
            ["@warnings"] = Nullable(batch.WarningsJson),
        };
        await ExecuteAsync("""
            INSERT INTO units (code, name_zh, name_en, created_at) VALUES (@unit, @zh, @en, @started) ON CONFLICT (code) DO NOTHING
            """, cancellationToken, args);
        var id = Convert.ToInt64(await ScalarAsync("""
            INSERT INTO intake_batches (unit_code, category_code, channel, file_name, file_sha256, idempotency_key, status, actor,
                                        started_at, header_cells, warnings)
            VALUES (@unit, @category, @channel, @file, @sha, @key, @status, @actor, @started, @headers, @warnings)
            RETURNING id
            """, cancellationToken, args), CultureInfo.InvariantCulture);
        var historyFrom = Convert.ToInt64(await ScalarAsync("SELECT coalesce(max(id), 0) FROM record_changes", cancellationToken),
            CultureInfo.InvariantCulture);
        return (id, historyFrom);
    }

    /// <summary>
    /// Merges the staged rows into the unit's records and writes everything that goes with them.
    /// Store-time rejections (withdrawing a record that does not exist, a key used by another
    /// category) get their reasons here. Nothing is visible to others until <see cref="CommitAsync"/>.
    /// </summary>
    public async Task<MergeCounts> MergeAsync(long batchId, string unitCode, string channel, string actor, DateTime now, CancellationToken cancellationToken)
    {
        if (_copy is not null)
        {
            await _copy.CompleteAsync(cancellationToken);
            await _copy.DisposeAsync();
            _copy = null;
        }

        var args = new Dictionary<string, object>
        {
            ["@b"] = batchId,
            ["@u"] = unitCode,
            ["@c"] = channel,
            ["@a"] = actor,
            ["@now"] = IsPostgres ? now : now.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
            ["@nothing"] = ReasonsJson([IntakeMessages.NothingToWithdraw("")]),
            ["@other"] = ReasonsJson([new IntakeReason("key_other_category", IntakeColumns.RecordKey,
                "该单位记录编号已用于另一类信息：编号在本单位内应唯一。", "This record key is already used for another category: keys must be unique within your unit.")]),
        };
        var t = IsPostgres ? "true" : "1";
        var f = IsPostgres ? "false" : "0";
        var json = IsPostgres ? "::jsonb" : "";
        // Where a classified row's data is (see StartAsync): d.fields, d.act_date, ...
        var (d, withData) = IsPostgres ? ("c", "") : ("st", "JOIN intake_stage st ON st.rowid = c.stage_row");

        await BeginWritingAsync(cancellationToken);
        Mark("stage");
        // The planner's estimates of a temporary table come from its size in pages until it is analysed; that is
        // close enough for a small batch looked up by index, and ANALYZE of both tables cost 20 ms of a 1,000-row batch.
        var small = _staged <= (IndexLookupRowsOverride.Value ?? IndexLookupRows);
        if (IsPostgres && !small)
        {
            await ExecuteAsync("ANALYZE intake_stage", cancellationToken);
        }

        Mark("analyze");
        // 1. Subjects not yet known, once each (the first row of a file names a new subject). Only the first
        //    accepted row of each subject is staged with its identifier encrypted (see IntakeService.Stage),
        //    so no window over the whole stage is needed to find it.
        await ExecuteAsync($"""
            INSERT INTO subjects (kind, cert_type, id_hash, id_cipher, id_masked, name, birth_date, sex, name_conflict, created_at, updated_at)
            SELECT kind, cert_type, id_hash, id_cipher, id_masked, name, birth_date, sex, {f}, @now, @now
            FROM intake_stage WHERE reasons IS NULL AND action = 'U' AND id_cipher IS NOT NULL
            ON CONFLICT (id_hash) DO NOTHING
            """, cancellationToken, args);

        Mark("subjects");
        // 2. Classify every accepted row against the unit's existing record with the same key.
        await ExecuteAsync($"""
            INSERT INTO intake_classified (row_number, record_key, {(IsPostgres ? "act_date, severity, fields, content_hash, category_code, " : "stage_row, ")}
                                           subject_id, name_conflict, record_id, old_subject_id, old_status, outcome)
            SELECT st.row_number, st.record_key, {(IsPostgres ? "st.act_date, st.severity, st.fields, st.content_hash, st.category_code, " : "st.rowid, ")}
                   s.id, CASE WHEN s.id IS NOT NULL AND s.name <> st.name THEN {t} ELSE {f} END,
                   r.id, r.subject_id, r.status,
                   CASE
                     WHEN st.action = 'W' AND r.id IS NULL THEN 'R:nothing'
                     WHEN r.id IS NOT NULL AND r.category_code <> st.category_code THEN 'R:other'
                     WHEN st.action = 'W' AND r.status = 'Withdrawn' THEN 'Unchanged'
                     WHEN st.action = 'W' THEN 'Withdrawn'
                     WHEN r.id IS NULL THEN 'Created'
                     WHEN r.content_hash = st.content_hash AND r.status <> 'Withdrawn' THEN 'Unchanged'
                     ELSE 'Updated'
                   END
            FROM intake_stage st
            {(IsPostgres && small
                ? """
                  LEFT JOIN LATERAL (SELECT s.id, s.name FROM subjects s WHERE s.id_hash = st.id_hash LIMIT 1) s ON true
                  LEFT JOIN LATERAL (SELECT r.id, r.subject_id, r.status, r.category_code, r.content_hash FROM credit_records r
                                     WHERE r.unit_code = @u AND r.record_key = st.record_key LIMIT 1) r ON true
                  """
                : """
                  LEFT JOIN subjects s ON s.id_hash = st.id_hash
                  LEFT JOIN credit_records r ON r.unit_code = @u AND r.record_key = st.record_key
                  """)}
            WHERE st.reasons IS NULL
            """, cancellationToken, args);

        if (IsPostgres && !small)
        {
            await ExecuteAsync("ANALYZE intake_classified", cancellationToken);
        }

        Mark("classify");
        // 3. Store-time rejections go back to the stage with their reasons, for the rejects file.
        await ExecuteAsync($"""
            UPDATE intake_stage SET reasons = CASE c.outcome WHEN 'R:nothing' THEN @nothing{json} ELSE @other{json} END
            FROM intake_classified c
            WHERE c.row_number = intake_stage.row_number AND c.outcome LIKE 'R:%'
            """, cancellationToken, args);

        Mark("store-rejections");
        // 4. History first, while the records still hold their previous state.
        await ExecuteAsync($"""
            INSERT INTO record_changes (subject_id, record_id, version, action, channel, batch_id, actor, at, before, after)
            SELECT COALESCE(c.subject_id, r.subject_id), r.id, r.version + 1,
                   CASE WHEN c.outcome = 'Withdrawn' THEN 'Withdrawn' WHEN r.status = 'Withdrawn' THEN 'Restored' ELSE 'Updated' END,
                   @c, @b, @a, @now, r.fields, CASE WHEN c.outcome = 'Withdrawn' THEN NULL ELSE {d}.fields END
            FROM intake_classified c JOIN credit_records r ON r.id = c.record_id {withData}
            WHERE c.outcome IN ('Updated', 'Withdrawn')
            """, cancellationToken, args);

        Mark("history-of-updates");
        // An update restores a withdrawn record; a repaired or expired one stays so (a corrected detail
        // does not undo an approved repair or a publication period that has run out).
        await ExecuteAsync($"""
            UPDATE credit_records SET subject_id = c.subject_id, act_date = {d}.act_date, severity = {d}.severity, fields = {d}.fields,
                   content_hash = {d}.content_hash,
                   status = CASE WHEN credit_records.status IN ('Repaired', 'Expired') THEN credit_records.status ELSE 'InForce' END,
                   version = credit_records.version + 1, batch_id = @b, updated_at = @now
            FROM intake_classified c {withData}
            WHERE c.record_id = credit_records.id AND c.outcome = 'Updated'
            """, cancellationToken, args);

        await ExecuteAsync("""
            UPDATE credit_records SET status = 'Withdrawn', version = credit_records.version + 1, batch_id = @b, updated_at = @now
            FROM intake_classified c
            WHERE c.record_id = credit_records.id AND c.outcome = 'Withdrawn'
            """, cancellationToken, args);

        Mark("apply-updates");
        var insertCreated = $"""
            INSERT INTO credit_records (subject_id, unit_code, category_code, record_key, act_date, severity, status, fields, content_hash,
                                        publication_end, under_dispute, version, batch_id, created_at, updated_at)
            SELECT c.subject_id, @u, {d}.category_code, c.record_key, {d}.act_date, {d}.severity, 'InForce', {d}.fields, {d}.content_hash,
                   NULL, {f}, 1, @b, @now, @now
            FROM intake_classified c {withData} WHERE c.outcome = 'Created'
            """;
        if (IsPostgres)
        {
            // One pass: the inserted rows feed their history directly.
            await ExecuteAsync($"""
                WITH created AS ({insertCreated} RETURNING id, subject_id, fields)
                INSERT INTO record_changes (subject_id, record_id, version, action, channel, batch_id, actor, at, before, after)
                SELECT subject_id, id, 1, 'Created', @c, @b, @a, @now, NULL, fields FROM created
                """, cancellationToken, args);
        }
        else
        {
            await ExecuteAsync(insertCreated, cancellationToken, args);
            Mark("insert-records");
            await ExecuteAsync("""
                INSERT INTO record_changes (subject_id, record_id, version, action, channel, batch_id, actor, at, before, after)
                SELECT r.subject_id, r.id, 1, 'Created', @c, @b, @a, @now, NULL, r.fields
                FROM intake_classified c JOIN credit_records r ON r.unit_code = @u AND r.record_key = c.record_key
                WHERE c.outcome = 'Created'
                """, cancellationToken, args);
        }

        Mark("created-records-and-history");
        // 5. Flag, never overwrite, a subject whose name on file differs from the one furnished.
        await ExecuteAsync($"""
            UPDATE subjects SET name_conflict = {t}, updated_at = @now
            WHERE id IN (SELECT subject_id FROM intake_classified WHERE name_conflict = {t} AND outcome IN ('Created', 'Updated', 'Unchanged'))
            """, cancellationToken, args);

        Mark("name-conflicts");
        // 6. Everyone with a score whose records changed is due for rescoring the same day. Only opted-in subjects
        // are scored, so only they are marked (most of a file's subjects never opt in). A resident opting in while
        // this batch is on its way is not missed: on PostgreSQL the opt-in waits for this lock before it computes
        // the first score (ScoreService.OptInLock), so it either is visible here or sees these records; on SQLite
        // the two writes cannot overlap at all.
        if (IsPostgres)
        {
            await ExecuteAsync("SELECT pg_advisory_xact_lock_shared(@lock)", cancellationToken, new Dictionary<string, object> { ["@lock"] = Scoring.ScoreService.OptInLock });
        }

        await ExecuteAsync("""
            INSERT INTO rescore_queue (subject_id, reason, marked_at)
            SELECT m.subject_id, 'intake', @now
            FROM (SELECT subject_id FROM intake_classified WHERE outcome IN ('Created', 'Updated') AND subject_id IS NOT NULL
                  UNION
                  SELECT old_subject_id FROM intake_classified WHERE outcome IN ('Updated', 'Withdrawn') AND old_subject_id IS NOT NULL) m
            WHERE EXISTS (SELECT 1 FROM score_opt_ins o WHERE o.subject_id = m.subject_id AND o.opted_out_at IS NULL)
            ON CONFLICT (subject_id) DO UPDATE SET reason = excluded.reason, marked_at = excluded.marked_at
            """, cancellationToken, args);

        Mark("rescore-queue");
        // 7. The rejects, as uploaded, with their reasons.
        await ExecuteAsync("""
            INSERT INTO intake_rejects (batch_id, row_number, record_key, cells, reasons)
            SELECT @b, row_number, record_key, COALESCE(cells, '[]'), reasons FROM intake_stage WHERE reasons IS NOT NULL
            """, cancellationToken, args);

        Mark("rejects");
        var counts = new Dictionary<string, (int Count, int Conflicts)>(StringComparer.Ordinal);
        await using (var command = Command($"SELECT outcome, COUNT(*), SUM(CASE WHEN name_conflict = {t} THEN 1 ELSE 0 END) FROM intake_classified GROUP BY outcome", args))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                counts[reader.GetString(0)] = (Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture), Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture));
            }
        }

        var rejected = Convert.ToInt32(await ScalarAsync("SELECT COUNT(*) FROM intake_stage WHERE reasons IS NOT NULL", cancellationToken), CultureInfo.InvariantCulture);
        int C(string outcome) => counts.TryGetValue(outcome, out var v) ? v.Count : 0;
        var conflicts = counts.Where(kv => !kv.Key.StartsWith("R:", StringComparison.Ordinal)).Sum(kv => kv.Value.Conflicts);
        return new MergeCounts(C("Created"), C("Updated"), C("Unchanged"), C("Withdrawn"), rejected, conflicts);
    }

    /// <summary>Per-record outcomes in row order (API answers); store-time and validation rejections included.</summary>
    public async Task<IReadOnlyList<RecordResult>> ReadResultsAsync(CancellationToken cancellationToken)
    {
        var t = IsPostgres ? "true" : "1";
        var results = new List<RecordResult>();
        await using var command = Command($"""
            SELECT st.row_number, st.record_key, COALESCE(c.outcome, 'R'), st.reasons, CASE WHEN c.name_conflict = {t} THEN 1 ELSE 0 END
            FROM intake_stage st LEFT JOIN intake_classified c ON c.row_number = st.row_number
            ORDER BY st.row_number
            """, null);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var outcomeText = reader.GetString(2);
            var outcome = outcomeText.StartsWith('R') ? RecordOutcome.Rejected : Enum.Parse<RecordOutcome>(outcomeText);
            var reasons = reader.IsDBNull(3) ? [] : ParseReasons(reader.GetString(3));
            results.Add(new RecordResult(reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1), outcome, reasons,
                Convert.ToInt32(reader.GetValue(4), CultureInfo.InvariantCulture) == 1));
        }

        return results;
    }

    /// <summary>Runs a statement inside the batch transaction (batch bookkeeping, audit entry).</summary>
    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken, IReadOnlyDictionary<string, object>? args = null)
    {
        await using var command = Command(sql, args);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken, IReadOnlyDictionary<string, object>? args = null)
    {
        await using var command = Command(sql, args);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>
    /// Rows committed by batches since the last background checkpoint, and whether one is running, per SQLite
    /// database. Small batches share a checkpoint: each API batch of 1,000 records rewrites the same inner pages of
    /// the indexes, and copying the log after every one of them cost about 33 ms of work a batch, on the core the
    /// next batch needed (in-process batches of 1,000: about 11,400 records/s checkpointing after each batch,
    /// about 12,400 after every fifth).
    /// </summary>
    private sealed class CheckpointState
    {
        public int RowsSince;
        public int Running;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, CheckpointState> Checkpoints = new(StringComparer.Ordinal);

    /// <summary>Rows after which the batches' write-ahead log is copied into the database in the background.</summary>
    internal const int CheckpointRows = 5_000;

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await _transaction!.CommitAsync(cancellationToken);
        _transaction = null;
        ReleaseWriteGate();
        if (_sqlitePragmas is null)
        {
            return;
        }

        // Never creates a database: one deleted meanwhile (tests) is left alone.
        var connectionString = new SqliteConnectionStringBuilder(_connection.ConnectionString) { Mode = SqliteOpenMode.ReadWrite }.ToString();
        var state = Checkpoints.GetOrAdd(connectionString, _ => new CheckpointState());
        if (Interlocked.Add(ref state.RowsSince, Math.Max(_staged, 1)) < CheckpointRows || Interlocked.CompareExchange(ref state.Running, 1, 0) != 0)
        {
            // Left in the log for now: readers find the pages there, and the next batch past the threshold (or
            // any other connection's automatic checkpoint, or closing the database) copies them.
            return;
        }

        Interlocked.Exchange(ref state.RowsSince, 0);
        _ = Task.Run(async () =>
        {
            try
            {
                await using var connection = new SqliteConnection(connectionString);
                await connection.OpenAsync(CancellationToken.None);
                await using var command = connection.CreateCommand();
                command.CommandText = SqliteBusyTimeout.Pragma + " PRAGMA wal_checkpoint(PASSIVE);";
                await command.ExecuteNonQueryAsync(CancellationToken.None);
            }
            catch (SqliteException)
            {
                // Best effort: the next commit of any other connection checkpoints anyway.
            }
            finally
            {
                Interlocked.Exchange(ref state.Running, 0);
            }
        }, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_copy is not null)
        {
            try
            {
                await _copy.DisposeAsync();
            }
            catch (NpgsqlException)
            {
                // An unfinished COPY is cancelled by disposing; the transaction rolls back below.
            }
        }

        _insert?.Dispose();

        if (_transaction is not null)
        {
            try
            {
                await _transaction.RollbackAsync();
            }
            catch (DbException)
            {
                // The connection may already be broken; closing it rolls back.
            }

            await _transaction.DisposeAsync();
            _transaction = null;
        }

        ReleaseWriteGate();
        if (!IsPostgres && _staged > KeptStageRows)
        {
            try
            {
                // The pooled connection would keep a big batch's staged rows in its temporary file until its next batch.
                await ExecuteAsync("DROP TABLE IF EXISTS temp.intake_stage; DROP TABLE IF EXISTS temp.intake_classified;", CancellationToken.None);
            }
            catch (SqliteException)
            {
                // A broken connection is not reused as it is.
            }
        }

        if (_sqlitePragmas is { } pragmas)
        {
            try
            {
                await pragmas.RestoreAsync(_connection);
            }
            catch (SqliteException)
            {
                // A broken connection is not reused as it is.
            }
        }

        await _connection.DisposeAsync();
    }

    public DbConnection Connection => _connection;

    public DbTransaction Transaction => _transaction ?? throw new InvalidOperationException("The batch transaction is over.");

    private DbCommand Command(string sql, IReadOnlyDictionary<string, object>? args)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        command.CommandTimeout = 0;
        if (args is not null)
        {
            foreach (var (name, value) in args)
            {
                if (!sql.Contains(name, StringComparison.Ordinal))
                {
                    continue;
                }

                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value;
                command.Parameters.Add(parameter);
            }
        }

        return command;
    }

    public static string ReasonsJson(IEnumerable<IntakeReason> reasons) =>
        System.Text.Json.JsonSerializer.Serialize(reasons.Select(r => new ReasonJson(r.Code, r.Field, r.MessageZh, r.MessageEn)), IntakeJson.Options);

    public static IReadOnlyList<IntakeReason> ParseReasons(string json) =>
        (System.Text.Json.JsonSerializer.Deserialize<List<ReasonJson>>(json, IntakeJson.Options) ?? [])
            .Select(r => new IntakeReason(r.Code, r.Field, r.Zh, r.En)).ToList();

    private sealed record ReasonJson(string Code, string? Field, string Zh, string En);
}

internal static class IntakeJson
{
    public static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
