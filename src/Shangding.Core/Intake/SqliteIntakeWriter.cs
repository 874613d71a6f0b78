using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Shangding.Core.Audit;
using Shangding.Core.Data;
using SQLitePCL;

namespace Shangding.Core.Intake;

/// <summary>
/// Writes a batch into SQLite one row at a time, with prepared statements stepped on SQLite's own handle, inside one
/// <c>BEGIN IMMEDIATE</c> transaction: holding SQLite's write lock, it alone writes, so it can look a subject or a
/// record up and then insert it without a race, take ids as SQLite assigns them, and hash each history row for its
/// seal from the very values it binds instead of reading the rows back.
/// </summary>
/// <remarks>
/// The transaction (and the write lock) begins with the first rows to write: a file's rows are read and validated
/// meanwhile on other threads, and a few rows in memory (an API request, a form) are validated before it begins.
/// </remarks>
internal sealed class SqliteIntakeWriter(DatabaseSettings settings, BatchWrite batch) : IntakeWriter(batch)
{
    private SqliteConnection? _connection;
    private SqliteTransaction? _transaction;
    private SqliteBatchPragmas? _pragmas;
    private sqlite3? _db;
    private readonly List<sqlite3_stmt> _statements = [];
    private sqlite3_stmt? _selectSubject, _insertSubject, _selectRecord, _insertRecord, _insertChange, _updateRecord, _withdrawRecord, _insertReject;

    // The last subject id before the batch: a subject above it was created by this batch, which holds the write lock.
    private long _subjectsBefore;

    // Whether the unit had any record when the batch began. If not, no row of the batch can find one: keys are unique
    // within a batch (a repeated key is rejected before it comes here), and nobody else writes while the batch does.
    private bool _unitHasRecords;

    // Whether rows of this batch mostly name new subjects: then a first row of a subject is inserted straight away
    // (one statement, which finds an existing one by its conflict) instead of looked up first (two statements for a new one).
    private int _newSubjects;
    private int _knownSubjects;

    // Subjects this batch created for a row it then refused at store time (its key about another subject or category):
    // deleted at the end unless a later row gave them a record. Only refused rows add to it.
    private List<long>? _refusedNewSubjects;

    private byte[] _text = new byte[1024];
    private byte[] _before = new byte[2048];
    private readonly byte[] _unit = Encoding.UTF8.GetBytes(batch.UnitCode);
    private readonly byte[] _channel = Encoding.UTF8.GetBytes(batch.Channel);
    private readonly byte[] _actor = Encoding.UTF8.GetBytes(batch.Actor);
    private readonly byte[] _now = Encoding.UTF8.GetBytes(batch.SqliteNow);
    private byte[] _batchId = [];

    private readonly SealHasher _hasher = new();

    private SemaphoreSlim? _gate;
    private readonly System.Diagnostics.Stopwatch _busy = new();

    public override DbConnection Connection => _connection ?? throw new InvalidOperationException("The writer is not open.");

    public override DbTransaction Transaction => _transaction ?? throw new InvalidOperationException("The batch transaction is not open.");

    public override async Task OpenAsync(CancellationToken cancellationToken)
    {
        // The connection is set up for writing only once the batch holds the write gate: it may then take the parked
        // connection of the batches before it instead (see Park).
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder(settings.ConnectionString) { ForeignKeys = true }.ToString());
        await _connection.OpenAsync(cancellationToken);
    }

    private async Task PrepareConnectionAsync(CancellationToken cancellationToken)
    {
        if (_gate is not null && TakeParked(_connection!.DataSource) is { } parked)
        {
            await _connection.DisposeAsync();
            (_connection, _pragmas) = (parked.Connection, parked.Pragmas);
            _db = _connection.Handle!;
            return;
        }

        await using (var command = _connection!.CreateCommand())
        {
            command.CommandText = "PRAGMA cache_size = -65536; " + SqliteBusyTimeout.Pragma;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        // A big batch fills the write-ahead log with every page it touched; left to itself SQLite copies them into the
        // database (a checkpoint) inside the committing call. The batch's connection does not checkpoint: after the
        // commit a separate connection does it in the background (once batches have committed CheckpointRows rows
        // since the last one), so the request does not wait for it.
        _pragmas = await SqliteBatchPragmas.RelaxAsync(_connection, cancellationToken);
        _db = _connection.Handle!;
    }

    /// <summary>
    /// Begins the write transaction: waits for this process's other batches on the database's gate, then for SQLite's
    /// write lock (busy_timeout), and reads what the batch needs to know of the database as it is now.
    /// </summary>
    private async Task BeginAsync(CancellationToken cancellationToken)
    {
        if (_transaction is not null)
        {
            return;
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var gate = WriteGates.GetOrAdd(_connection!.DataSource, _ => new SemaphoreSlim(1, 1));
        if (await gate.WaitAsync(WriteGateWait, cancellationToken))
        {
            _gate = gate;
        }

        try
        {
            await PrepareConnectionAsync(cancellationToken);
            _transaction = _connection.BeginTransaction(deferred: false);
        }
        catch
        {
            ReleaseWriteGate();
            throw;
        }

        Timings.Add(new("wait-for-write-lock", watch.Elapsed.TotalSeconds));
        _subjectsBefore = Scalar("SELECT coalesce(max(id), 0) FROM subjects");
        _unitHasRecords = Scalar("SELECT EXISTS (SELECT 1 FROM credit_records WHERE unit_code = ?1)", _unit) != 0;
        _selectSubject = Prepare("SELECT id, name FROM subjects WHERE id_hash = ?1");
        _insertSubject = Prepare("""
            INSERT INTO subjects (kind, cert_type, id_hash, id_cipher, id_masked, name, birth_date, sex, name_conflict, created_at, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?9) ON CONFLICT (id_hash) DO NOTHING
            """);
        _selectRecord = Prepare("SELECT id, subject_id, status, category_code, content_hash, version, fields FROM credit_records WHERE unit_code = ?1 AND record_key = ?2");
        _insertRecord = Prepare("""
            INSERT INTO credit_records (subject_id, unit_code, category_code, record_key, act_date, severity, status, fields, content_hash,
                                        publication_end, under_dispute, version, batch_id, created_at, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'InForce', ?7, ?8, NULL, 0, 1, ?9, ?10, ?10)
            """);
        _insertChange = Prepare("""
            INSERT INTO record_changes (subject_id, record_id, version, action, channel, batch_id, actor, at, before, after)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            """);
        // An update restores a withdrawn record; a repaired or expired one stays so (a corrected detail does not undo an
        // approved repair or a publication period that has run out).
        _updateRecord = Prepare("""
            UPDATE credit_records SET subject_id = ?1, act_date = ?2, severity = ?3, fields = ?4, content_hash = ?5,
                   status = CASE WHEN status IN ('Repaired', 'Expired') THEN status ELSE 'InForce' END,
                   version = ?6, batch_id = ?7, updated_at = ?8
            WHERE id = ?9
            """);
        _withdrawRecord = Prepare("UPDATE credit_records SET status = 'Withdrawn', version = ?1, batch_id = ?2, updated_at = ?3 WHERE id = ?4");
        _insertReject = Prepare("INSERT INTO intake_rejects (batch_id, row_number, record_key, cells, reasons) VALUES (?1, ?2, ?3, ?4, ?5)");
    }

    public override async Task<long> InsertBatchRowAsync(IntakeBatch batch, string unitNameZh, string unitNameEn,
        CancellationToken cancellationToken)
    {
        await BeginAsync(cancellationToken);
        return await InsertBatchRowAsync(Connection, Transaction, DatabaseProvider.Sqlite, batch, unitNameZh, unitNameEn, cancellationToken);
    }

    public override async ValueTask WriteAsync(IReadOnlyList<StagedRow> rows, CancellationToken cancellationToken)
    {
        await BeginAsync(cancellationToken);
        if (_batchId.Length == 0)
        {
            _batchId = Encoding.UTF8.GetBytes(Batch.BatchId.ToString(CultureInfo.InvariantCulture));
            BindConstants();
        }

        _busy.Start();
        try
        {
            for (var i = 0; i < rows.Count; i++)
            {
                Write(rows[i]);
            }
        }
        finally
        {
            _busy.Stop();
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Binds once what every row of the batch shares (unit, batch, channel, actor, time): SQLite keeps a statement's
    /// bindings across resets, and each bound text is copied into memory SQLite allocates.
    /// </summary>
    private void BindConstants()
    {
        BindBytes(_selectRecord!, 1, _unit);
        BindBytes(_insertSubject!, 9, _now);
        BindBytes(_insertRecord!, 2, _unit);
        BindBytes(_insertRecord!, 9, _batchId);
        BindBytes(_insertRecord!, 10, _now);
        BindBytes(_insertChange!, 5, _channel);
        BindBytes(_insertChange!, 6, _batchId);
        BindBytes(_insertChange!, 7, _actor);
        BindBytes(_insertChange!, 8, _now);
        BindBytes(_updateRecord!, 7, _batchId);
        BindBytes(_updateRecord!, 8, _now);
        BindBytes(_withdrawRecord!, 2, _batchId);
        BindBytes(_withdrawRecord!, 3, _now);
        BindBytes(_insertReject!, 1, _batchId);
    }

    private void Write(StagedRow row)
    {
        if (row.ReasonsJson is not null)
        {
            Tally(row, RowDecision.Rejected, false);
            InsertReject(row, row.ReasonsJson);
            return;
        }

        long subjectId = 0;
        var nameConflict = false;
        var newSubject = false;
        if (row.Action == 'U')
        {
            (subjectId, newSubject, nameConflict) = ResolveSubject(row);
        }

        ExistingRecord? existing = null;
        byte[] fields = [];
        var beforeLength = 0;
        if (_unitHasRecords)
        {
            var stmt = _selectRecord!;
            BindText(stmt, 2, row.RecordKey);
            var rc = raw.sqlite3_step(stmt);
            if (rc == raw.SQLITE_ROW)
            {
                existing = new ExistingRecord(raw.sqlite3_column_int64(stmt, 0), raw.sqlite3_column_int64(stmt, 1), ColumnString(stmt, 2),
                    ColumnString(stmt, 3), ColumnString(stmt, 4), raw.sqlite3_column_int(stmt, 5));
                if (Decide(row, existing, subjectId) is RowDecision.Updated or RowDecision.Withdrawn)
                {
                    // The record's current fields become the history row's "before".
                    var current = raw.sqlite3_column_blob(stmt, 6);
                    Ensure(ref _before, current.Length);
                    current.CopyTo(_before);
                    beforeLength = current.Length;
                }
            }
            else if (rc != raw.SQLITE_DONE)
            {
                Fail(rc);
            }

            raw.sqlite3_reset(stmt);
        }

        // Holding the write lock since before the look-up, the batch compares an expected version with the record as
        // committed, and nobody can change it before the batch commits.
        var decision = Decide(row, existing, subjectId);
        var storeReasons = Tally(row, decision, nameConflict, existing?.Version);
        if (storeReasons is not null)
        {
            if (row.Action == 'U' && subjectId > _subjectsBefore)
            {
                (_refusedNewSubjects ??= []).Add(subjectId);
            }

            InsertReject(row, storeReasons);
            return;
        }

        if (nameConflict && decision != RowDecision.Withdrawn)
        {
            NameConflictSubjects.Add(subjectId);
        }

        if (decision is RowDecision.Created or RowDecision.Updated)
        {
            fields = row.Fields!;
            if (!newSubject && subjectId <= _subjectsBefore)
            {
                Rescore.Add(subjectId);
            }
        }

        switch (decision)
        {
            case RowDecision.Created:
            {
                var stmt = _insertRecord!;
                Bind(stmt, 1, subjectId);
                BindText(stmt, 3, row.CategoryCode);
                BindText(stmt, 4, row.RecordKey);
                BindDate(stmt, 5, row.ActDate);
                BindText(stmt, 6, row.Severity);
                BindBytes(stmt, 7, fields);
                BindText(stmt, 8, row.ContentHash);
                Done(stmt);
                var recordId = raw.sqlite3_last_insert_rowid(_db);
                InsertChange(subjectId, recordId, 1, "Created"u8, [], false, fields, true);
                break;
            }

            case RowDecision.Updated:
            {
                var old = existing!.Value;
                Rescore.Add(old.SubjectId);
                var version = old.Version + 1;
                InsertChange(subjectId, old.Id, version, Encoding.UTF8.GetBytes(ChangeAction(decision, old)), _before.AsSpan(0, beforeLength), true,
                    fields, true);
                var stmt = _updateRecord!;
                Bind(stmt, 1, subjectId);
                BindDate(stmt, 2, row.ActDate);
                BindText(stmt, 3, row.Severity);
                BindBytes(stmt, 4, fields);
                BindText(stmt, 5, row.ContentHash);
                Bind(stmt, 6, version);
                Bind(stmt, 9, old.Id);
                Done(stmt);
                break;
            }

            case RowDecision.Withdrawn:
            {
                var old = existing!.Value;
                Rescore.Add(old.SubjectId);
                var version = old.Version + 1;
                InsertChange(old.SubjectId, old.Id, version, "Withdrawn"u8, _before.AsSpan(0, beforeLength), true, [], false);
                var stmt = _withdrawRecord!;
                Bind(stmt, 1, version);
                Bind(stmt, 4, old.Id);
                Done(stmt);
                break;
            }
        }
    }

    /// <summary>Finds the row's subject, or creates it from the first accepted row that names it; returns its id, whether
    /// this row created it, and whether the name on file differs from the row's.</summary>
    private (long Id, bool Created, bool NameConflict) ResolveSubject(StagedRow row)
    {
        var insertFirst = row.IdCipher is not null && _newSubjects >= _knownSubjects;
        if (insertFirst && InsertSubject(row) is { } created)
        {
            return (created, true, false);
        }

        var stmt = _selectSubject!;
        BindText(stmt, 1, row.IdHash);
        var rc = raw.sqlite3_step(stmt);
        if (rc == raw.SQLITE_ROW)
        {
            var id = raw.sqlite3_column_int64(stmt, 0);
            var conflict = !raw.sqlite3_column_blob(stmt, 1).SequenceEqual(_text.AsSpan(0, Utf8(row.Name!, ref _text)));
            raw.sqlite3_reset(stmt);
            _knownSubjects++;
            return (id, false, conflict);
        }

        raw.sqlite3_reset(stmt);
        if (rc != raw.SQLITE_DONE)
        {
            Fail(rc);
        }

        if (row.IdCipher is null || insertFirst || InsertSubject(row) is not { } id2)
        {
            // The first accepted row of every subject carries what creating it needs, and rows come in order.
            throw new InvalidOperationException($"Row {row.RowNumber}: its subject is neither on file nor created by an earlier row of the batch.");
        }

        return (id2, true, false);
    }

    private long? InsertSubject(StagedRow row)
    {
        var stmt = _insertSubject!;
        BindText(stmt, 1, row.Kind);
        BindText(stmt, 2, row.CertType);
        BindText(stmt, 3, row.IdHash);
        BindText(stmt, 4, row.IdCipher);
        BindText(stmt, 5, row.IdMasked);
        BindText(stmt, 6, row.Name);
        BindDate(stmt, 7, row.BirthDate);
        BindText(stmt, 8, row.Sex);
        Done(stmt);
        if (raw.sqlite3_changes(_db) == 0)
        {
            return null;
        }

        _newSubjects++;
        return raw.sqlite3_last_insert_rowid(_db);
    }

    /// <summary>Inserts a history row and adds its hash (<see cref="RecordHistory.RowHash"/> of the values as stored) to the seal.</summary>
    private void InsertChange(long subjectId, long recordId, int version, ReadOnlySpan<byte> action, ReadOnlySpan<byte> before, bool hasBefore,
        ReadOnlySpan<byte> after, bool hasAfter)
    {
        var stmt = _insertChange!;
        Bind(stmt, 1, subjectId);
        Bind(stmt, 2, recordId);
        Bind(stmt, 3, version);
        BindBytes(stmt, 4, action);
        if (hasBefore)
        {
            BindBytes(stmt, 9, before);
        }
        else
        {
            Check(raw.sqlite3_bind_null(stmt, 9));
        }

        if (hasAfter)
        {
            BindBytes(stmt, 10, after);
        }
        else
        {
            Check(raw.sqlite3_bind_null(stmt, 10));
        }

        Done(stmt);
        var id = raw.sqlite3_last_insert_rowid(_db);

        // The bytes SQLite's concat_ws would give (RecordHistory.SqliteRowBytes): each value as stored, U+001F between
        // them, U+2400 for null. They are hashed off this thread (SealHasher): the writer is the import's busiest.
        var buffer = _hasher.Reserve(200 + action.Length + before.Length + after.Length + _channel.Length + _actor.Length, out var at);
        var start = at;
        SealHasher.Field(buffer, ref at, id);
        SealHasher.Field(buffer, ref at, subjectId);
        SealHasher.Field(buffer, ref at, recordId);
        SealHasher.Field(buffer, ref at, version);
        SealHasher.Field(buffer, ref at, action);
        SealHasher.Field(buffer, ref at, _channel);
        SealHasher.Field(buffer, ref at, _batchId);
        SealHasher.Field(buffer, ref at, _actor);
        SealHasher.Field(buffer, ref at, _now);
        SealHasher.Field(buffer, ref at, hasBefore ? before : Null);
        SealHasher.Field(buffer, ref at, hasAfter ? after : Null, last: true);
        _hasher.Add(id, at - start);
    }

    private static ReadOnlySpan<byte> Null => "\u2400"u8;

    private void InsertReject(StagedRow row, string reasons)
    {
        var stmt = _insertReject!;
        Bind(stmt, 2, row.RowNumber);
        BindText(stmt, 3, row.RecordKey);
        BindText(stmt, 4, row.CellsJson ?? "[]");
        BindText(stmt, 5, reasons);
        Done(stmt);
    }

    public override async Task<MergeCounts> FinishAsync(CancellationToken cancellationToken)
    {
        await BeginAsync(cancellationToken);
        Timings.Add(new("write", _busy.Elapsed.TotalSeconds));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        if (_refusedNewSubjects is { } refused)
        {
            // A subject is created by the first accepted row that names it, before its record key is checked; when the
            // key turned out to be the unit's record about someone else (or of another category), the subject is left
            // with nothing, unless a later row of the batch gave it a record. Nobody else can have seen or used it: the
            // batch holds the write lock.
            using var delete = PrepareOnce("""
                DELETE FROM subjects WHERE id = ?1
                AND NOT EXISTS (SELECT 1 FROM credit_records WHERE subject_id = ?1)
                AND NOT EXISTS (SELECT 1 FROM record_changes WHERE subject_id = ?1)
                """);
            foreach (var id in refused)
            {
                Bind(delete, 1, id);
                Done(delete);
            }
        }

        // Flag, never overwrite, a subject whose name on file differs from the one furnished.
        using (var flag = PrepareOnce("UPDATE subjects SET name_conflict = 1, updated_at = ?1 WHERE id = ?2"))
        {
            foreach (var id in NameConflictSubjects)
            {
                BindBytes(flag, 1, _now);
                Bind(flag, 2, id);
                Done(flag);
            }
        }

        // Everyone with a score whose records changed is due for rescoring the same day. Only opted-in subjects are
        // scored, so only they are marked. A subject this batch created cannot have opted in: nobody else sees it
        // before the commit, and the batch holds the write lock an opt-in needs.
        using (var mark = PrepareOnce("""
            INSERT INTO rescore_queue (subject_id, reason, marked_at)
            SELECT ?1, 'intake', ?2 WHERE EXISTS (SELECT 1 FROM score_opt_ins o WHERE o.subject_id = ?1 AND o.opted_out_at IS NULL)
            ON CONFLICT (subject_id) DO UPDATE SET reason = excluded.reason, marked_at = excluded.marked_at
            """))
        {
            foreach (var id in Rescore)
            {
                Bind(mark, 1, id);
                BindBytes(mark, 2, _now);
                Done(mark);
            }
        }

        Timings.Add(new("name-conflicts-and-rescore-marks", watch.Elapsed.TotalSeconds));
        return Counts();
    }

    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    public override async Task PrepareSealAsync(CancellationToken cancellationToken) => SealReady(await _hasher.FinishAsync());

    public override async Task CommitAsync(CancellationToken cancellationToken)
    {
        FinalizeStatements();
        await _transaction!.CommitAsync(cancellationToken);
        await _transaction.DisposeAsync();
        _transaction = null;
        var connectionString = _connection!.ConnectionString;
        if (_gate is not null && _pragmas is { } pragmas)
        {
            // Parked while the gate is still held, so the batch waiting for the gate finds it.
            Park(new ParkedConnection(_connection.DataSource, _connection, pragmas));
            _connection = null;
            _db = null;
        }

        ReleaseWriteGate();
        ScheduleCheckpoint(connectionString, Math.Max(Rows, 1));
    }

    public override async ValueTask DisposeAsync()
    {
        FinalizeStatements();
        if (_transaction is not null)
        {
            try
            {
                await _transaction.RollbackAsync();
            }
            catch (SqliteException)
            {
                // The connection may already be broken; closing it rolls back.
            }

            await _transaction.DisposeAsync();
            _transaction = null;
        }

        ReleaseWriteGate();
        if (_connection is not null)
        {
            if (_pragmas is { } pragmas)
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

        await _hasher.DisposeAsync();
    }

    private void FinalizeStatements()
    {
        foreach (var statement in _statements)
        {
            statement.Dispose();
        }

        _statements.Clear();
    }

    // ---- SQLite plumbing ----

    private sqlite3_stmt Prepare(string sql)
    {
        var statement = PrepareOnce(sql);
        _statements.Add(statement);
        return statement;
    }

    private sqlite3_stmt PrepareOnce(string sql)
    {
        Check(raw.sqlite3_prepare_v2(_db, sql, out var statement));
        return statement;
    }

    /// <summary>A scalar query on the handle, inside the batch transaction; named parameters bound from <paramref name="args"/>, or ?1.</summary>
    private long Scalar(string sql, ReadOnlySpan<byte> first = default) => Scalar(sql, null, first);

    private long Scalar(string sql, IReadOnlyDictionary<string, object>? args, ReadOnlySpan<byte> first = default)
    {
        using var stmt = PrepareOnce(sql);
        if (!first.IsEmpty)
        {
            BindBytes(stmt, 1, first);
        }

        foreach (var (name, value) in args ?? new Dictionary<string, object>())
        {
            var index = raw.sqlite3_bind_parameter_index(stmt, name);
            if (index == 0)
            {
                continue;
            }

            Check(value switch
            {
                DBNull => raw.sqlite3_bind_null(stmt, index),
                string text => raw.sqlite3_bind_text16(stmt, index, text.AsSpan()),
                long number => raw.sqlite3_bind_int64(stmt, index, number),
                _ => throw new ArgumentException($"Parameter {name}: a {value.GetType().Name} is not bound here.", nameof(args)),
            });
        }

        var rc = raw.sqlite3_step(stmt);
        if (rc != raw.SQLITE_ROW)
        {
            Fail(rc);
        }

        return raw.sqlite3_column_int64(stmt, 0);
    }

    private void Done(sqlite3_stmt stmt)
    {
        var rc = raw.sqlite3_step(stmt);
        // Reset before reporting: the statement is ready again, and SQLite keeps the step's error message.
        raw.sqlite3_reset(stmt);
        if (rc != raw.SQLITE_DONE)
        {
            Fail(rc);
        }
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            Fail(rc);
        }
    }

    private void Fail(int rc) => SqliteException.ThrowExceptionForRC(rc, _db);

    private void Bind(sqlite3_stmt stmt, int index, long value) => Check(raw.sqlite3_bind_int64(stmt, index, value));

    private void BindBytes(sqlite3_stmt stmt, int index, ReadOnlySpan<byte> utf8) => Check(raw.sqlite3_bind_text(stmt, index, utf8));

    // Text goes in as UTF-8, the database's encoding: given UTF-16, SQLite converts each value itself into memory it allocates.
    private void BindText(sqlite3_stmt stmt, int index, string? value)
    {
        if (value is null)
        {
            Check(raw.sqlite3_bind_null(stmt, index));
            return;
        }

        var length = Utf8(value, ref _text);
        Check(raw.sqlite3_bind_text(stmt, index, _text.AsSpan(0, length)));
    }

    private void BindDate(sqlite3_stmt stmt, int index, DateOnly? value)
    {
        if (value is not { } date)
        {
            Check(raw.sqlite3_bind_null(stmt, index));
            return;
        }

        Span<byte> text = stackalloc byte[IsoDate.Length];
        IsoDate.Write(date, text);
        Check(raw.sqlite3_bind_text(stmt, index, text));
    }

    private static string ColumnString(sqlite3_stmt stmt, int index) => Encoding.UTF8.GetString(raw.sqlite3_column_blob(stmt, index));

    private static int Utf8(string value, ref byte[] buffer)
    {
        Ensure(ref buffer, Encoding.UTF8.GetMaxByteCount(value.Length));
        return Encoding.UTF8.GetBytes(value, buffer);
    }

    private static void Ensure(ref byte[] buffer, int size)
    {
        if (buffer.Length < size)
        {
            buffer = new byte[Math.Max(size, buffer.Length * 2)];
        }
    }

    // ---- The write gate and the background checkpoint, shared by the batches of this process ----

    /// <summary>
    /// This process's batches queue for a SQLite database's write lock here rather than in SQLite's busy handler.
    /// That handler sleeps 1, 2, 5, 10, 15, 20, then 25 ms and more between tries, so a batch that met another one
    /// writing took the lock up to a sleep after it was free: with two clients sending 1,000-record batches, the
    /// lock stood free for several milliseconds each time. Here the next batch starts as the last commits. Other
    /// processes (a CLI import) and other writers still meet the busy handler.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> WriteGates = new(StringComparer.Ordinal);

    /// <summary>As long as SQLite's busy timeout; past it the batch tries the lock anyway, and SQLite's handler waits.</summary>
    private static readonly TimeSpan WriteGateWait = TimeSpan.FromSeconds(30);

    private void ReleaseWriteGate() => Interlocked.Exchange(ref _gate, null)?.Release();

    /// <summary>A batch connection kept open for the next batch, with the pragmas to restore when it is let go.</summary>
    private sealed record ParkedConnection(string DataSource, SqliteConnection Connection, SqliteBatchPragmas Pragmas);

    /// <summary>
    /// The connection of the last batch that committed, kept open for the next one (one for the process: a process
    /// serves one database). SQLite drops a connection's page cache whenever another connection has written to the
    /// database since it last read; batches on two pooled connections, one after the other (two API clients), each
    /// began by reading their index pages from the file again. Batches of a process take turns on the write gate, so
    /// they can as well take turns on one connection whose cache only its own writes change. Only a batch that holds
    /// the gate takes or parks it.
    /// </summary>
    private static ParkedConnection? _parked;

    static SqliteIntakeWriter() => AppDomain.CurrentDomain.ProcessExit += (_, _) => LetGo(Interlocked.Exchange(ref _parked, null));

    private static ParkedConnection? TakeParked(string dataSource)
    {
        var parked = Interlocked.Exchange(ref _parked, null);
        if (parked is null || string.Equals(parked.DataSource, dataSource, StringComparison.Ordinal))
        {
            return parked;
        }

        // Another database's: put back, unless another batch has parked one meanwhile.
        if (Interlocked.CompareExchange(ref _parked, parked, null) is not null)
        {
            LetGo(parked);
        }

        return null;
    }

    private static void Park(ParkedConnection connection) => LetGo(Interlocked.Exchange(ref _parked, connection));

    /// <summary>Back to the pool, with the pragmas it had before the batches relaxed them.</summary>
    private static void LetGo(ParkedConnection? parked)
    {
        if (parked is null)
        {
            return;
        }

        try
        {
            parked.Pragmas.RestoreAsync(parked.Connection).GetAwaiter().GetResult();
        }
        catch (SqliteException)
        {
            // The database may be gone (tests delete theirs); the connection is closed all the same.
        }

        parked.Connection.Dispose();
    }

    /// <summary>For tests: the connection parked for the next batch on this database, if any.</summary>
    internal static SqliteConnection? ParkedConnectionFor(string dataSource) =>
        Volatile.Read(ref _parked) is { } parked && string.Equals(parked.DataSource, dataSource, StringComparison.Ordinal) ? parked.Connection : null;

    /// <summary>For tests: whether a batch of this process holds the write gate of the open SQLite database.</summary>
    internal static bool WriteGateHeld(SqliteConnection open) =>
        WriteGates.TryGetValue(open.DataSource, out var gate) && gate.CurrentCount == 0;

    /// <summary>
    /// Rows committed by batches since the last background checkpoint, and whether one is running, per SQLite
    /// database. Small batches share a checkpoint: each API batch of 1,000 records rewrites the same inner pages of
    /// the indexes, and copying the log after every one of them cost about 33 ms of work a batch, on the core the
    /// next batch needed.
    /// </summary>
    private sealed class CheckpointState
    {
        public int RowsSince;
        public int Running;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, CheckpointState> Checkpoints = new(StringComparer.Ordinal);

    /// <summary>Rows after which the batches' write-ahead log is copied into the database in the background.</summary>
    internal const int CheckpointRows = 5_000;

    private static void ScheduleCheckpoint(string batchConnectionString, int rows)
    {
        // Never creates a database: one deleted meanwhile (tests) is left alone.
        var connectionString = new SqliteConnectionStringBuilder(batchConnectionString) { Mode = SqliteOpenMode.ReadWrite }.ToString();
        var state = Checkpoints.GetOrAdd(connectionString, _ => new CheckpointState());
        if (Interlocked.Add(ref state.RowsSince, rows) < CheckpointRows || Interlocked.CompareExchange(ref state.Running, 1, 0) != 0)
        {
            // Left in the log for now: readers find the pages there, and the next batch past the threshold (or any
            // other connection's automatic checkpoint, or closing the database) copies them.
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
}

/// <summary>
/// Hashes history rows for their seal on the thread pool, a block at a time, while the writer goes on: each row's
/// bytes are gathered into a block, and a full block is hashed by a task of its own into its entries (the row id
/// big-endian, then the first <see cref="RecordHistory.RowHashBytes"/> of the row's SHA-256), which stay in row order.
/// </summary>
internal sealed class SealHasher : IAsyncDisposable
{
    private const int BlockBytes = 1 << 20;

    private readonly List<Task<byte[]>> _hashed = [];

    // Blocks come back here once hashed: a million rows pass through a handful of blocks, not 450 of them left for
    // the garbage collector's large-object heap.
    private readonly System.Collections.Concurrent.ConcurrentBag<byte[]> _free = [];
    private byte[] _data = new byte[BlockBytes];
    private int _used;
    private List<(long Id, int Length)> _rows = [];
    private int _count;
    private long? _first;
    private long? _last;

    /// <summary>A buffer with at least <paramref name="size"/> free bytes from <paramref name="at"/> on, for the next row.</summary>
    public byte[] Reserve(int size, out int at)
    {
        if (_used + size > _data.Length)
        {
            Hand();
            if (size > _data.Length)
            {
                _data = new byte[size];
            }
        }

        at = _used;
        return _data;
    }

    /// <summary>Writes a number's text into a row's bytes, then the U+001F that separates it from the next value.</summary>
    public static void Field(byte[] buffer, ref int at, long value)
    {
        value.TryFormat(buffer.AsSpan(at), out var written, default, CultureInfo.InvariantCulture);
        at += written;
        buffer[at++] = 0x1f;
    }

    /// <summary>Writes a value's bytes into a row's bytes, then (unless it is the last) the U+001F after it.</summary>
    public static void Field(byte[] buffer, ref int at, ReadOnlySpan<byte> value, bool last = false)
    {
        value.CopyTo(buffer.AsSpan(at));
        at += value.Length;
        if (!last)
        {
            buffer[at++] = 0x1f;
        }
    }

    /// <summary>Adds the row whose bytes were just written at the reserved place.</summary>
    public void Add(long id, int length)
    {
        _rows.Add((id, length));
        _used += length;
        _count++;
        _first ??= id;
        _last = id;
    }

    private void Hand()
    {
        if (_rows.Count == 0)
        {
            return;
        }

        var data = _data;
        var rows = _rows;
        _hashed.Add(Task.Run(() =>
        {
            var entries = new byte[rows.Count * RecordHistory.EntryBytes];
            Span<byte> full = stackalloc byte[System.Security.Cryptography.SHA256.HashSizeInBytes];
            var offset = 0;
            for (var i = 0; i < rows.Count; i++)
            {
                var (id, length) = rows[i];
                System.Security.Cryptography.SHA256.HashData(data.AsSpan(offset, length), full);
                offset += length;
                var entry = entries.AsSpan(i * RecordHistory.EntryBytes, RecordHistory.EntryBytes);
                System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(entry, id);
                full[..RecordHistory.RowHashBytes].CopyTo(entry[8..]);
            }

            if (data.Length == BlockBytes)
            {
                _free.Add(data);
            }

            return entries;
        }));
        _data = _free.TryTake(out var free) ? free : new byte[BlockBytes];
        _used = 0;
        _rows = [];
    }

    /// <summary>Waits for every block; returns the seal's entries in row order, their count, and the first and last ids.</summary>
    public async Task<(byte[] Entries, int Count, long? First, long? Last)> FinishAsync()
    {
        Hand();
        var blocks = await Task.WhenAll(_hashed);
        _hashed.Clear();
        var entries = new byte[_count * RecordHistory.EntryBytes];
        var at = 0;
        foreach (var block in blocks)
        {
            block.CopyTo(entries, at);
            at += block.Length;
        }

        return (entries, _count, _first, _last);
    }

    public async ValueTask DisposeAsync()
    {
        // A batch that failed leaves its blocks to finish; nothing is waiting for them.
        try
        {
            await Task.WhenAll(_hashed);
        }
        catch (Exception)
        {
            // Hashing bytes in memory fails only with the process.
        }
    }
}
