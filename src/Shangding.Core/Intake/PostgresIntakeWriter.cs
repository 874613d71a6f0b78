using System.Data.Common;
using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Shangding.Core.Audit;
using Shangding.Core.Data;

namespace Shangding.Core.Intake;

/// <summary>
/// Writes a batch into PostgreSQL a few thousand rows at a time, inside one transaction: the rows' subjects and
/// records are looked up by index with array parameters, new subjects inserted with <c>ON CONFLICT DO NOTHING</c> (another
/// batch may create the same person meanwhile), each row classified here, and the created records and their history
/// written with binary COPY straight into their tables (the records' ids taken from their sequence beforehand, so
/// their history rows need not wait for them). Updates and withdrawals are set-based statements over arrays, which read
/// each record's current fields on the server for its history.
/// </summary>
internal sealed class PostgresIntakeWriter(DatabaseSettings settings, BatchWrite batch) : IntakeWriter(batch)
{
    /// <summary>Rows gathered before they are looked up and written together: a round trip per statement for each flush.</summary>
    internal const int FlushRows = 4_096;

    /// <summary>Lets a test write every row in a flush of its own, to show that flushing does not change what is stored.</summary>
    internal static readonly AsyncLocal<int?> FlushRowsOverride = new();

    private NpgsqlConnection? _connection;
    private NpgsqlTransaction? _transaction;
    private readonly List<StagedRow> _pending = [];
    private readonly int _flushRows = FlushRowsOverride.Value ?? FlushRows;
    private string _recordSequence = "";
    private string _historySequence = "";

    // The seal's row hashes: created records' history rows are hashed here, from the values written (jsonb's text
    // reproduced by JsonbText), on pool threads while the batch goes on; history rows written by SQL (updates and
    // withdrawals, which take the record's fields on the server) and any whose jsonb text is not reproduced are
    // hashed by the server at the end (RecordHistory.ServerRowHash), by id.
    private readonly SealHasher _hasher = new();
    private readonly List<long> _serverHashed = [];
    private byte[]? _sealConstants;

    // Subjects this batch created (ids in ranges: they come from one sequence, mostly one after another): no one else
    // can have opted in for them before the batch commits.
    private readonly IdRanges _createdSubjects = new();

    // Subjects this batch created for a row it then refused at store time (its key about another subject or category):
    // deleted at the end unless a later row gave them a record. Only refused rows add to it.
    private List<long>? _refusedNewSubjects;

    /// <summary>
    /// Per database and unit: whether its last flush found most of its new-looking subjects already on file. A unit
    /// that furnishes the same people month after month then looks them up before inserting the few new ones; a unit
    /// furnishing new people inserts first and lets the conflict find the rest (each order costs one index probe for
    /// the common case and two for the other: a 1M-row re-import spent 14.7 s in inserts that all conflicted).
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Database, string Unit), bool> LookUpFirstHints = new();

    /// <summary>First rows of a subject a flush needs before its share on file is worth learning from.</summary>
    private const int HintSample = 100;

    private bool _lookUpFirst = LookUpFirstHints.GetValueOrDefault((settings.ConnectionString, batch.UnitCode));

    private readonly Stopwatch _watch = new();
    private readonly Dictionary<string, double> _steps = new(StringComparer.Ordinal);

    /// <summary>For tests: whether the next flush of a batch of this unit will look its subjects up before inserting.</summary>
    internal static bool LooksUpFirst(DatabaseSettings settings, string unitCode) => LookUpFirstHints.GetValueOrDefault((settings.ConnectionString, unitCode));

    public override DbConnection Connection => _connection ?? throw new InvalidOperationException("The writer is not open.");

    public override DbTransaction Transaction => _transaction ?? throw new InvalidOperationException("The batch transaction is not open.");

    /// <summary>For tests: awaited, in the batch's own flow, just before its transaction takes its live lock (a slow start).</summary>
    internal static readonly AsyncLocal<Func<Task>?> BeforeLiveLock = new();

    public override async Task OpenAsync(CancellationToken cancellationToken)
    {
        _connection = new NpgsqlConnection(BulkConnectionString(settings.ConnectionString));
        await _connection.OpenAsync(cancellationToken);
        _transaction = await _connection.BeginTransactionAsync(cancellationToken);
        // Every look-up of the batch is by key, and must use its index. The planner judges tables by statistics that
        // cannot count this transaction's own rows: to it a unit's first million records are an empty table.
        // Nor does a batch's seal query need parallel workers: starting them cost more than the query (stale statistics
        // made the planner expect the whole history table).
        await using (var plan = Command("SET LOCAL enable_seqscan = off; SET LOCAL max_parallel_workers_per_gather = 0"))
        {
            await plan.ExecuteNonQueryAsync(cancellationToken);
        }

        if (BeforeLiveLock.Value is { } hook)
        {
            await hook();
        }

        // Held until the batch commits or rolls back, however its process ends: a sweep finds a batch whose lock is free
        // to have no runner (IntakeService.SweepInterruptedAsync).
        await using (var live = Command($"SELECT pg_advisory_xact_lock_shared({BatchRunner.LiveLockClass}, @key)"))
        {
            live.Parameters.AddWithValue("key", Batch.LiveKey);
            await live.ExecuteNonQueryAsync(cancellationToken);
        }

        Batch.LiveLockTaken.TrySetResult();

        await using var command = Command("SELECT pg_get_serial_sequence('credit_records', 'id'), pg_get_serial_sequence('record_changes', 'id')");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        _recordSequence = reader.GetString(0);
        _historySequence = reader.GetString(1);
    }

    /// <summary>
    /// Batches run on sessions of their own (a pool of their own, by application name) with memory for a big batch's
    /// sorts and hashes. The server takes the memory only as a batch uses it; a small API batch uses little.
    /// No command timeout: a batch's statements wait for other writers as long as the server lets them (it finds
    /// deadlocks), like <see cref="Command"/>'s. A COPY stream has no command of its own and took its read and write
    /// timeouts from the connection string (Npgsql's default 30 s): a COPY waiting on another batch's uncommitted key
    /// timed out and broke the connection, and the batch failed with a bare error instead of its own message.
    /// </summary>
    internal static string BulkConnectionString(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.ApplicationName = (builder.ApplicationName is { Length: > 0 } name ? name + " " : "") + "intake";
        builder.Options = ((builder.Options ?? "") + " -c work_mem=64MB").Trim();
        builder.CommandTimeout = 0;
        return builder.ToString();
    }

    public override async ValueTask WriteAsync(IReadOnlyList<StagedRow> rows, CancellationToken cancellationToken)
    {
        _pending.AddRange(rows);
        if (_pending.Count >= _flushRows)
        {
            await FlushAsync(cancellationToken);
        }
    }

    public override async Task<MergeCounts> FinishAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken);
        foreach (var (step, seconds) in _steps)
        {
            Timings.Add(new(step, seconds));
        }

        var watch = Stopwatch.StartNew();
        if (_refusedNewSubjects is { } refused)
        {
            // A flush inserts its new subjects before it checks its rows' record keys; when a key turned out to be the
            // unit's record about someone else (or of another category), the subject is left with nothing, unless a
            // later row of the batch gave it a record. No other transaction has seen it: one inserting the same person
            // waits for this one, and then inserts it itself.
            await using var delete = Command("""
                DELETE FROM subjects s WHERE s.id = ANY(@ids)
                AND NOT EXISTS (SELECT 1 FROM credit_records r WHERE r.subject_id = s.id)
                AND NOT EXISTS (SELECT 1 FROM record_changes c WHERE c.subject_id = s.id)
                """);
            delete.Parameters.AddWithValue("ids", refused.ToArray());
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        if (NameConflictSubjects.Count > 0)
        {
            // Flag, never overwrite, a subject whose name on file differs from the one furnished.
            await using var flag = Command("UPDATE subjects SET name_conflict = true, updated_at = @now WHERE id = ANY(@ids)");
            flag.Parameters.AddWithValue("now", Batch.Now);
            flag.Parameters.AddWithValue("ids", NameConflictSubjects.ToArray());
            await flag.ExecuteNonQueryAsync(cancellationToken);
        }

        // Everyone with a score whose records changed is due for rescoring the same day; only opted-in subjects are
        // scored, so only they are marked. A resident opting in while this batch is on its way is not missed: the opt-in
        // waits for this lock before it computes the first score (ScoreService.OptInLock), so it either is visible here
        // or sees these records.
        await using (var lockCommand = Command("SELECT pg_advisory_xact_lock_shared(@lock)"))
        {
            lockCommand.Parameters.AddWithValue("lock", Scoring.ScoreService.OptInLock);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        if (Rescore.Count > 0)
        {
            await using var mark = Command("""
                INSERT INTO rescore_queue (subject_id, reason, marked_at)
                SELECT s, 'intake', @now FROM unnest(@ids::bigint[]) AS s
                WHERE EXISTS (SELECT 1 FROM score_opt_ins o WHERE o.subject_id = s AND o.opted_out_at IS NULL)
                ON CONFLICT (subject_id) DO UPDATE SET reason = excluded.reason, marked_at = excluded.marked_at
                """);
            mark.Parameters.AddWithValue("now", Batch.Now);
            mark.Parameters.AddWithValue("ids", Rescore.ToArray());
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }

        Timings.Add(new("name-conflicts-and-rescore-marks", watch.Elapsed.TotalSeconds));
        return Counts();
    }

    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;

    public override async Task PrepareSealAsync(CancellationToken cancellationToken)
    {
        var client = await _hasher.FinishAsync();
        if (_serverHashed.Count == 0)
        {
            SealReady(client);
            return;
        }

        var server = await RecordHistory.HashRowsAsync(Connection, Transaction, "id = ANY(@ids)",
            new Dictionary<string, object> { ["@ids"] = _serverHashed.ToArray() }, cancellationToken);
        SealReady(RecordHistory.MergeEntries(client, server));
    }

    public override async Task CommitAsync(CancellationToken cancellationToken)
    {
        await _transaction!.CommitAsync(cancellationToken);
        await _transaction.DisposeAsync();
        _transaction = null;
    }

    public override async ValueTask DisposeAsync()
    {
        await _hasher.DisposeAsync();
        if (_transaction is not null)
        {
            try
            {
                await _transaction.RollbackAsync();
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // The connection may already be broken; closing it rolls back.
            }

            await _transaction.DisposeAsync();
            _transaction = null;
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    private void Step(string name)
    {
        _steps[name] = _steps.GetValueOrDefault(name) + _watch.Elapsed.TotalSeconds;
        _watch.Restart();
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        _watch.Restart();
        var rows = _pending;
        var subjects = await ResolveSubjectsAsync(rows, cancellationToken);
        Step("subjects-lookup");
        var existing = await LookUpRecordsAsync(rows, cancellationToken);
        Step("record-lookup");

        var created = new List<(StagedRow Row, long SubjectId)>();
        var changes = new List<(StagedRow Row, long SubjectId, ExistingRecord Old, RowDecision Decision)>();
        var rejects = new List<(StagedRow Row, string Reasons)>();
        foreach (var row in rows)
        {
            if (row.ReasonsJson is not null)
            {
                Tally(row, RowDecision.Rejected, false);
                rejects.Add((row, row.ReasonsJson));
                continue;
            }

            var (subjectId, subjectName, newSubject) = row.Action == 'U' ? subjects[row.IdHash!] : (0L, null, false);
            var nameConflict = subjectName is not null && !string.Equals(subjectName, row.Name, StringComparison.Ordinal);
            ExistingRecord? old = existing.TryGetValue(row.RecordKey!, out var found) ? found : null;
            var decision = Decide(row, old, subjectId);
            var storeReasons = Tally(row, decision, nameConflict, old?.Version);
            if (storeReasons is not null)
            {
                if (newSubject)
                {
                    (_refusedNewSubjects ??= []).Add(subjectId);
                }

                rejects.Add((row, storeReasons));
                continue;
            }

            if (nameConflict)
            {
                NameConflictSubjects.Add(subjectId);
            }

            if (decision is RowDecision.Created or RowDecision.Updated && !newSubject && !_createdSubjects.Contains(subjectId))
            {
                Rescore.Add(subjectId);
            }

            switch (decision)
            {
                case RowDecision.Created:
                    created.Add((row, subjectId));
                    break;
                case RowDecision.Updated or RowDecision.Withdrawn:
                    Rescore.Add(old!.Value.SubjectId);
                    changes.Add((row, decision == RowDecision.Withdrawn ? old.Value.SubjectId : subjectId, old.Value, decision));
                    break;
            }
        }

        await WriteChangesAsync(changes, cancellationToken);
        Step("updates-and-withdrawals");
        try
        {
            await WriteCreatedAsync(created, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "ix_credit_records_unit_key")
        {
            // Another batch of the unit created a record with one of these keys after this flush looked it up (its COPY
            // waited for that batch and found the key taken when it committed). Nothing of this batch is kept; sent again,
            // the row finds the record and updates it or leaves it unchanged.
            throw new RecordCreatedMeanwhileException(e);
        }

        Step("created-records-and-history");
        await WriteRejectsAsync(rejects, cancellationToken);
        Step("rejects");
        _pending.Clear();
    }

    /// <summary>
    /// The subject of every accepted row of the flush, by look-up key: its id, its name on file (for one created now, the
    /// name its creating row gave) and whether this batch created it.
    /// </summary>
    private async Task<Dictionary<string, (long Id, string? Name, bool New)>> ResolveSubjectsAsync(List<StagedRow> rows, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, (long, string?, bool)>(StringComparer.Ordinal);
        var keys = rows.Where(r => r.ReasonsJson is null && r.Action == 'U').Select(r => r.IdHash!).Distinct(StringComparer.Ordinal).ToArray();
        if (keys.Length == 0)
        {
            return result;
        }

        // Only the first accepted row of a subject in the batch carries what creating it needs (see IntakeService.Stage):
        // those rows insert their subject straight away, and one already on file is found by the conflict; only the
        // rest are looked up (a new subject costs one index probe, not two).
        var toCreate = rows.Where(r => r.ReasonsJson is null && r.Action == 'U' && r.IdCipher is not null).ToList();
        var firstRows = toCreate.Count;
        if (_lookUpFirst && toCreate.Count > 0)
        {
            await FindSubjectsAsync(toCreate.Select(r => r.IdHash!).ToArray(), result, cancellationToken);
            toCreate = toCreate.Where(r => !result.ContainsKey(r.IdHash!)).ToList();
            Step("subjects-lookup-first");
        }

        var onFile = firstRows - toCreate.Count;
        if (toCreate.Count > 0)
        {
            await using var insert = Command("""
                INSERT INTO subjects (kind, cert_type, id_hash, id_cipher, id_masked, name, birth_date, sex, name_conflict, created_at, updated_at)
                SELECT k, c, h, x, m, n, b::date, s, false, @now, @now
                FROM unnest(@k::text[], @c::text[], @h::text[], @x::text[], @m::text[], @n::text[], @b::text[], @s::text[]) AS u(k, c, h, x, m, n, b, s)
                ON CONFLICT (id_hash) DO NOTHING
                RETURNING id_hash, id
                """);
            insert.Parameters.AddWithValue("now", Batch.Now);
            insert.Parameters.AddWithValue("k", toCreate.Select(r => r.Kind).ToArray());
            insert.Parameters.AddWithValue("c", toCreate.Select(r => r.CertType).ToArray());
            insert.Parameters.AddWithValue("h", toCreate.Select(r => r.IdHash).ToArray());
            insert.Parameters.AddWithValue("x", toCreate.Select(r => r.IdCipher).ToArray());
            insert.Parameters.AddWithValue("m", toCreate.Select(r => r.IdMasked).ToArray());
            insert.Parameters.AddWithValue("n", toCreate.Select(r => r.Name).ToArray());
            insert.Parameters.AddWithValue("b", toCreate.Select(r => r.BirthDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)).ToArray());
            insert.Parameters.AddWithValue("s", toCreate.Select(r => r.Sex).ToArray());
            var names = toCreate.ToDictionary(r => r.IdHash!, r => r.Name, StringComparer.Ordinal);
            var ids = new List<long>(toCreate.Count);
            await using (var reader = await insert.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    var id = reader.GetInt64(1);
                    var key = reader.GetString(0);
                    result[key] = (id, names[key], true);
                    ids.Add(id);
                }
            }

            ids.Sort();
            foreach (var id in ids)
            {
                _createdSubjects.Add(id);
            }

            // Those not inserted were on file (or created meanwhile by another batch, which the look-up below finds).
            onFile += toCreate.Count - ids.Count;
            Step("subjects-insert");
        }

        if (firstRows >= HintSample)
        {
            _lookUpFirst = onFile * 2 > firstRows;
            LookUpFirstHints[(settings.ConnectionString, Batch.UnitCode)] = _lookUpFirst;
        }

        // On file before the batch, created by an earlier flush of it, or by another batch that has committed since
        // (the insert waited for it).
        var missing = keys.Where(h => !result.ContainsKey(h)).ToArray();
        if (missing.Length > 0)
        {
            await FindSubjectsAsync(missing, result, cancellationToken);
        }

        foreach (var key in keys)
        {
            if (!result.ContainsKey(key))
            {
                throw new InvalidOperationException("A row's subject is neither on file nor created by an earlier row of the batch.");
            }
        }

        return result;
    }

    private async Task FindSubjectsAsync(string[] keys, Dictionary<string, (long, string?, bool)> result, CancellationToken cancellationToken)
    {
        // One index look-up a key: a lateral join with LIMIT 1 (without it the planner turns it into a join again). With
        // the keys as "id_hash = ANY(@h)" the planner may scan instead.
        await using var select = Command("""
            SELECT s.id_hash, s.id, s.name FROM unnest(@h::text[]) AS k(h)
            CROSS JOIN LATERAL (SELECT id_hash, id, name FROM subjects WHERE id_hash = k.h LIMIT 1) s
            """);
        select.Parameters.AddWithValue("h", keys);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetInt64(1);
            result[reader.GetString(0)] = (id, reader.GetString(2), _createdSubjects.Contains(id));
        }
    }

    private async Task<Dictionary<string, ExistingRecord>> LookUpRecordsAsync(List<StagedRow> rows, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, ExistingRecord>(StringComparer.Ordinal);
        var keys = new List<string>(rows.Count);
        List<string>? locking = null;
        foreach (var row in rows)
        {
            if (row.ReasonsJson is null)
            {
                if (row.ExpectedVersion is null)
                {
                    keys.Add(row.RecordKey!);
                }
                else
                {
                    (locking ??= []).Add(row.RecordKey!);
                }
            }
        }

        if (keys.Count > 0)
        {
            await ReadRecordsAsync(keys, RecordLookUp, result, cancellationToken);
            // A row that would change the record it found is looked up again, locked (below). The plain look-up reads the
            // record as of its own start, and another batch may be changing it and commit right after: without the lock this
            // batch's history row took its version and "before" from the record as it had been, while its update
            // (version = version + 1) landed on the other batch's change — two history rows with one version, and a
            // "before" that was never the record. A row that changes nothing needs no lock: it writes nothing, as if its
            // batch had come first.
            foreach (var row in rows)
            {
                if (row.ReasonsJson is null && row.ExpectedVersion is null && result.TryGetValue(row.RecordKey!, out var found) && WouldChange(row, found))
                {
                    (locking ??= []).Add(row.RecordKey!);
                }
            }
        }

        if (locking is not null)
        {
            // Rows with an expected version (a clerk's correction, a dispute's answer, an API record naming one) and rows
            // that change their record look it up locked. FOR UPDATE waits for a transaction changing the record to end and
            // reads the record as it committed, and the lock keeps anyone else from changing it until this batch commits, so
            // the row is decided on, compared with and written over the very version it changes. Locked in key order, so
            // two batches naming the same records in other orders within one flush queue instead of deadlocking; across
            // flushes (each batch holds its earlier flushes' locks and new subjects) they still can, and the one PostgreSQL
            // chooses gives way whole (BatchContendedException: send it again).
            locking.Sort(StringComparer.Ordinal);
            foreach (var key in locking)
            {
                result.Remove(key);
            }

            await ReadRecordsAsync(locking, LockedRecordLookUp, result, cancellationToken);
        }

        return result;
    }

    /// <summary>Whether a row would change the record it found, were nothing else different (what <c>Decide</c> writes over).</summary>
    private static bool WouldChange(StagedRow row, in ExistingRecord found) => row.Action == 'W'
        ? found.Status != nameof(RecordStatus.Withdrawn)
        : found.ContentHash != row.ContentHash || found.Status == nameof(RecordStatus.Withdrawn);

    // One index look-up a key: a lateral join with LIMIT 1 (without it the planner turns it into a hash join over the
    // unit's records). As "record_key = ANY(@k)" the planner, sure from its statistics that
    // the unit has few records, read all of them for each flush and filtered by key (a million-row file: 74 s).
    private const string RecordLookUp = """
        SELECT r.record_key, r.id, r.subject_id, r.status, r.category_code, r.content_hash, r.version
        FROM unnest(@k::text[]) AS k(key)
        CROSS JOIN LATERAL (SELECT record_key, id, subject_id, status, category_code, content_hash, version
                            FROM credit_records WHERE unit_code = @u AND record_key = k.key LIMIT 1) r
        """;

    private static readonly string LockedRecordLookUp = RecordLookUp.Replace("LIMIT 1)", "LIMIT 1 FOR UPDATE)", StringComparison.Ordinal);

    private async Task ReadRecordsAsync(List<string> keys, string sql, Dictionary<string, ExistingRecord> result, CancellationToken cancellationToken)
    {
        await using var select = Command(sql);
        select.Parameters.AddWithValue("u", Batch.UnitCode);
        select.Parameters.AddWithValue("k", keys);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result[reader.GetString(0)] = new ExistingRecord(reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), reader.GetInt32(6));
        }
    }

    /// <summary>Updates and withdrawals: history first, from the records as they still are, then the records.</summary>
    private async Task WriteChangesAsync(List<(StagedRow Row, long SubjectId, ExistingRecord Old, RowDecision Decision)> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return;
        }

        // One statement for the history rows and the updates: both read the records as they were before it (the statement's
        // parts share one snapshot), so a history row's "before" and version are the record's before its update, and the
        // fields are sent and parsed once, not once for the history and again for the record. An update restores a withdrawn
        // record; a repaired or expired one stays so (a corrected detail does not undo an approved repair or a publication
        // period that has run out).
        await using (var write = Command("""
            WITH u AS MATERIALIZED (
                SELECT * FROM unnest(@rid::bigint[], @sid::bigint[], @act::text[], @after::jsonb[], @upd::boolean[], @ad::text[], @sev::text[], @h::text[])
                    WITH ORDINALITY AS u(record_id, subject_id, action, after, updates, act_date, severity, hash, n)
            ),
            history AS (
                INSERT INTO record_changes (subject_id, record_id, version, action, channel, batch_id, actor, at, before, after)
                SELECT u.subject_id, r.id, r.version + 1, u.action, @c, @b, @a, @now, r.fields, u.after
                FROM u JOIN credit_records r ON r.id = u.record_id
                ORDER BY u.n
                RETURNING id
            ),
            updated AS (
                UPDATE credit_records r SET subject_id = u.subject_id, act_date = u.act_date::date, severity = u.severity, fields = u.after,
                       content_hash = u.hash, status = CASE WHEN r.status IN ('Repaired', 'Expired') THEN r.status ELSE 'InForce' END,
                       version = r.version + 1, batch_id = @b, updated_at = @now
                FROM u
                WHERE r.id = u.record_id AND u.updates
            )
            SELECT id FROM history ORDER BY id
            """))
        {
            AddBatchParameters(write);
            write.Parameters.AddWithValue("rid", changes.Select(c => c.Old.Id).ToArray());
            write.Parameters.AddWithValue("sid", changes.Select(c => c.SubjectId).ToArray());
            write.Parameters.AddWithValue("act", changes.Select(c => ChangeAction(c.Decision, c.Old)).ToArray());
            write.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Array | NpgsqlDbType.Jsonb)
            {
                Value = changes.Select(c => c.Decision == RowDecision.Withdrawn ? null : c.Row.FieldsJson).ToArray(),
            });
            write.Parameters.AddWithValue("upd", changes.Select(c => c.Decision == RowDecision.Updated).ToArray());
            write.Parameters.AddWithValue("ad", changes.Select(c => c.Decision == RowDecision.Updated
                ? c.Row.ActDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : null).ToArray());
            write.Parameters.AddWithValue("sev", changes.Select(c => c.Decision == RowDecision.Updated ? c.Row.Severity : null).ToArray());
            write.Parameters.AddWithValue("h", changes.Select(c => c.Decision == RowDecision.Updated ? c.Row.ContentHash : null).ToArray());
            await using var ids = await write.ExecuteReaderAsync(cancellationToken);
            while (await ids.ReadAsync(cancellationToken))
            {
                _serverHashed.Add(ids.GetInt64(0));
            }
        }

        var withdrawals = changes.Where(c => c.Decision == RowDecision.Withdrawn).Select(c => c.Old.Id).ToArray();
        if (withdrawals.Length > 0)
        {
            await using var withdraw = Command("""
                UPDATE credit_records SET status = 'Withdrawn', version = version + 1, batch_id = @b, updated_at = @now WHERE id = ANY(@ids)
                """);
            AddBatchParameters(withdraw);
            withdraw.Parameters.AddWithValue("ids", withdrawals);
            await withdraw.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>New records and their "Created" history, by binary COPY into the tables themselves.</summary>
    private async Task WriteCreatedAsync(List<(StagedRow Row, long SubjectId)> created, CancellationToken cancellationToken)
    {
        if (created.Count == 0)
        {
            return;
        }

        var ids = new long[created.Count];
        var historyIds = new long[created.Count];
        await using (var reserve = Command("SELECT nextval(@seq::regclass), nextval(@hseq::regclass) FROM generate_series(1, @n)"))
        {
            reserve.Parameters.AddWithValue("seq", _recordSequence);
            reserve.Parameters.AddWithValue("hseq", _historySequence);
            reserve.Parameters.AddWithValue("n", created.Count);
            await using var reader = await reserve.ExecuteReaderAsync(cancellationToken);
            for (var i = 0; await reader.ReadAsync(cancellationToken); i++)
            {
                ids[i] = reader.GetInt64(0);
                historyIds[i] = reader.GetInt64(1);
            }
        }

        await using (var copy = await PgBinaryCopy.BeginAsync(_connection!, settings.ConnectionString, """
            COPY credit_records (id, subject_id, unit_code, category_code, record_key, act_date, severity, status, fields, content_hash,
                                 under_dispute, version, batch_id, created_at, updated_at) FROM STDIN (FORMAT BINARY)
            """, cancellationToken))
        {
            for (var i = 0; i < created.Count; i++)
            {
                var (row, subjectId) = created[i];
                await copy.StartRowAsync(15, cancellationToken);
                copy.Int64(ids[i]);
                copy.Int64(subjectId);
                copy.Text(Batch.UnitCode);
                copy.Text(row.CategoryCode!);
                copy.Text(row.RecordKey!);
                copy.Date(row.ActDate);
                copy.Text(row.Severity);
                copy.Text(nameof(RecordStatus.InForce));
                copy.Jsonb(row.Fields!);
                copy.Text(row.ContentHash!);
                copy.Boolean(false);
                copy.Int32(1);
                copy.Int64(Batch.BatchId);
                copy.TimestampTz(Batch.Now);
                copy.TimestampTz(Batch.Now);
            }

            await copy.CompleteAsync(cancellationToken);
        }

        await using (var copy = await PgBinaryCopy.BeginAsync(_connection!, settings.ConnectionString, """
            COPY record_changes (id, subject_id, record_id, version, action, channel, batch_id, actor, at, before, after) FROM STDIN (FORMAT BINARY)
            """, cancellationToken))
        {
            for (var i = 0; i < created.Count; i++)
            {
                var (row, subjectId) = created[i];
                HashCreated(historyIds[i], subjectId, ids[i], row.Fields!);
                await copy.StartRowAsync(11, cancellationToken);
                copy.Int64(historyIds[i]);
                copy.Int64(subjectId);
                copy.Int64(ids[i]);
                copy.Int32(1);
                copy.Text(nameof(RecordAction.Created));
                copy.Text(Batch.Channel);
                copy.Int64(Batch.BatchId);
                copy.Text(Batch.Actor);
                copy.TimestampTz(Batch.Now);
                copy.Null();
                copy.Jsonb(row.Fields!);
            }

            await copy.CompleteAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Adds a "Created" history row to the seal: the bytes RecordHistory.ServerRowHash hashes on the server — each value's
    /// text, U+001F between them, U+2400 for the missing "before", the time as .NET ticks of its microseconds, the fields
    /// as jsonb prints them — hashed on a pool thread. A row whose jsonb text is not reproduced is left to the server.
    /// </summary>
    private void HashCreated(long id, long subjectId, long recordId, byte[] fields)
    {
        // version, action, channel, batch, actor, time and the missing "before": the same for every created row of the batch.
        _sealConstants ??= System.Text.Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"1\u001fCreated\u001f{Batch.Channel}\u001f{Batch.BatchId}\u001f{Batch.Actor}\u001f{PgBinaryCopy.StoredTicks(Batch.Now)}\u001f\u2400\u001f"));
        var buffer = _hasher.Reserve(64 + _sealConstants.Length + JsonbText.MaxLength(fields.Length), out var at);
        var start = at;
        SealHasher.Field(buffer, ref at, id);
        SealHasher.Field(buffer, ref at, subjectId);
        SealHasher.Field(buffer, ref at, recordId);
        SealHasher.Field(buffer, ref at, _sealConstants, last: true); // it ends with its own separator
        if (JsonbText.TryWrite(fields, buffer, ref at))
        {
            _hasher.Add(id, at - start);
        }
        else
        {
            _serverHashed.Add(id);
        }
    }

    private async Task WriteRejectsAsync(List<(StagedRow Row, string Reasons)> rejects, CancellationToken cancellationToken)
    {
        if (rejects.Count == 0)
        {
            return;
        }

        await using var copy = await PgBinaryCopy.BeginAsync(_connection!, settings.ConnectionString,
            "COPY intake_rejects (batch_id, row_number, record_key, cells, reasons) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var (row, reasons) in rejects)
        {
            await copy.StartRowAsync(5, cancellationToken);
            copy.Int64(Batch.BatchId);
            copy.Int32(row.RowNumber);
            copy.Text(row.RecordKey);
            copy.Jsonb(row.CellsJson ?? "[]");
            copy.Jsonb(reasons);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    private void AddBatchParameters(NpgsqlCommand command)
    {
        command.Parameters.AddWithValue("c", Batch.Channel);
        command.Parameters.AddWithValue("b", Batch.BatchId);
        command.Parameters.AddWithValue("a", Batch.Actor);
        command.Parameters.AddWithValue("now", Batch.Now);
    }

    private NpgsqlCommand Command(string sql) => new(sql, _connection, _transaction) { CommandTimeout = 0 };
}

/// <summary>A set of ids added in increasing order, kept as ranges of consecutive ids.</summary>
internal sealed class IdRanges
{
    private readonly List<long> _starts = [];
    private readonly List<long> _ends = [];

    public void Add(long id)
    {
        if (_ends.Count > 0 && id <= _ends[^1])
        {
            if (Contains(id))
            {
                return;
            }

            throw new ArgumentException("Ids are added in increasing order.", nameof(id));
        }

        if (_ends.Count > 0 && _ends[^1] == id - 1)
        {
            _ends[^1] = id;
        }
        else
        {
            _starts.Add(id);
            _ends.Add(id);
        }
    }

    public bool Contains(long id)
    {
        var index = _starts.BinarySearch(id);
        if (index >= 0)
        {
            return true;
        }

        index = ~index - 1;
        return index >= 0 && id <= _ends[index];
    }
}
