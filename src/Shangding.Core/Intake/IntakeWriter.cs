using System.Globalization;
using System.Data.Common;
using Shangding.Core.Data;

namespace Shangding.Core.Intake;

/// <summary>Counts of a written batch.</summary>
public sealed record MergeCounts(int Created, int Updated, int Unchanged, int Withdrawn, int Rejected, int NameConflicts);

/// <summary>What the writer knows of the batch it writes.</summary>
internal sealed record BatchWrite(string UnitCode, string Channel, string Actor, DateTime Now, bool ReturnResults)
{
    /// <summary>The batch's row id; known once its row is written (before the first row for files, inside the transaction for a few rows on SQLite).</summary>
    public long BatchId { get; set; }

    /// <summary>The key of the live lock the batch's PostgreSQL transaction holds (<see cref="BatchRunner.LiveLockClass"/>).</summary>
    public int LiveKey { get; } = Random.Shared.Next(int.MinValue, int.MaxValue);

    /// <summary>Set once the PostgreSQL writer's transaction holds the live lock; the batch's Running row waits for it.</summary>
    public TaskCompletionSource LiveLockTaken { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The batch's time as stored on SQLite (text), which history rows and their seal hashes carry.</summary>
    public string SqliteNow { get; } = Now.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
}

/// <summary>The unit's record with a staged row's key, as found when the row is written.</summary>
internal readonly record struct ExistingRecord(long Id, long SubjectId, string Status, string CategoryCode, string ContentHash, int Version);

/// <summary>What becomes of one staged row.</summary>
internal enum RowDecision
{
    Rejected,
    Created,
    Updated,
    Unchanged,
    Withdrawn,
    NothingToWithdraw,
    OtherCategory,

    /// <summary>The key is the unit's record about another subject (another ID number): a key is never moved to someone else.</summary>
    OtherSubject,

    /// <summary>The row expects a version of the record (<see cref="StagedRow.ExpectedVersion"/>) it no longer has, or the record is gone.</summary>
    VersionChanged,
}

/// <summary>
/// The write side of the intake pipeline: takes the batch's processed rows in order and writes them straight into
/// the tables — subjects found or created, each row classified against the unit's record with its key (created /
/// updated / unchanged / withdrawn / rejected), records, their history, rejects — then flags name conflicts and marks
/// opted-in subjects for rescoring, all in one transaction that <see cref="CommitAsync"/> ends. A failure or a cancel
/// leaves nothing: disposing an uncommitted writer rolls everything back.
/// </summary>
/// <remarks>
/// There is no staging table: a staged row used to be written once into a temporary table and then read again by each
/// set-based statement (new subjects, classification, records, history), which cost a million-row import more than
/// writing the rows themselves. The SQLite writer runs one prepared statement a row on SQLite's own handle; the
/// PostgreSQL writer looks up and writes a few thousand rows at a time (array parameters and binary COPY).
/// </remarks>
internal abstract class IntakeWriter : IAsyncDisposable
{
    protected IntakeWriter(BatchWrite batch)
    {
        Batch = batch;
        Results = batch.ReturnResults ? [] : null;
    }

    protected BatchWrite Batch { get; }

    /// <summary>Per-record outcomes in row order, when the caller asked for them (API answers).</summary>
    public List<RecordResult>? Results { get; }

    protected int Created { get; set; }

    protected int Updated { get; set; }

    protected int Unchanged { get; set; }

    protected int Withdrawn { get; set; }

    protected int Rejected { get; set; }

    protected int NameConflicts { get; set; }

    /// <summary>The first record keys of rows whose name differs from the one on file, for the batch's warning.</summary>
    public List<string> NameConflictKeys { get; } = [];

    /// <summary>
    /// The categories of the rows that furnished something (created, updated, unchanged, withdrawn): what a batch that
    /// names no category of its own (an API request) counts as a report for (003 §12–13).
    /// </summary>
    public SortedSet<string> FurnishedCategories { get; } = new(StringComparer.Ordinal);

    // The category last added: a batch's rows are mostly of one category, so the set is touched only when it changes.
    private string? _lastFurnished;

    /// <summary>How many keys <see cref="NameConflictKeys"/> keeps.</summary>
    public const int NameConflictKeysKept = 10;

    /// <summary>Rows written; what the background checkpoint counts.</summary>
    public int Rows { get; protected set; }

    /// <summary>Subjects on file before this batch whose records it changed: marked for rescoring if they have opted in.</summary>
    protected HashSet<long> Rescore { get; } = [];

    /// <summary>Subjects whose name on file differs from one furnished in this batch: flagged, never overwritten.</summary>
    protected HashSet<long> NameConflictSubjects { get; } = [];

    /// <summary>Seconds spent in each step of the batch, for benchmarks and slow-batch logs.</summary>
    public List<KeyValuePair<string, double>> Timings { get; } = [];

    public static readonly string OtherCategoryJson = IntakeReasons.ToJson([new IntakeReason("key_other_category", IntakeColumns.RecordKey,
        "该单位记录编号已用于另一类信息：编号在本单位内应唯一。", "This record key is already used for another category: keys must be unique within your unit.")]);

    public static IntakeWriter Create(DatabaseSettings settings, BatchWrite batch) => settings.Provider == DatabaseProvider.Postgres
        ? new PostgresIntakeWriter(settings, batch)
        : new SqliteIntakeWriter(settings, batch);

    /// <summary>Opens the connection; nothing is locked or written yet.</summary>
    public abstract Task OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// SQLite, a few rows already processed: writes the batch's row (and its unit's, the first time) at the start of
    /// the batch's own write transaction, so it commits with the batch or not at all; returns its id.
    /// </summary>
    public virtual Task<long> InsertBatchRowAsync(IntakeBatch batch, string unitNameZh, string unitNameEn,
        CancellationToken cancellationToken) => throw new InvalidOperationException("Only a SQLite batch writes its row inside its transaction.");

    /// <summary>Writes the next rows of the batch, in row order.</summary>
    public abstract ValueTask WriteAsync(IReadOnlyList<StagedRow> rows, CancellationToken cancellationToken);

    /// <summary>Writes what waits for the last row (name-conflict flags, rescoring marks) and returns the counts.</summary>
    public abstract Task<MergeCounts> FinishAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Hashes the history rows the batch wrote for their seal (see <see cref="Audit.RecordHistory"/>): before the audit
    /// chain's lock is taken, which every batch's commit waits for.
    /// </summary>
    public abstract Task PrepareSealAsync(CancellationToken cancellationToken);

    private (byte[] Hashes, int Count, long? First, long? Last)? _seal;

    protected void SealReady((byte[] Hashes, int Count, long? First, long? Last) seal) => _seal = seal;

    /// <summary>Stores the seal of the batch's history rows and appends it to the audit chain, inside the batch transaction.</summary>
    public async Task WriteSealAsync(DateTime at, CancellationToken cancellationToken)
    {
        var (hashes, count, first, last) = _seal ?? throw new InvalidOperationException("The seal was not prepared.");
        await Audit.RecordHistory.WriteSealAsync(Connection, Transaction, Provider, "intake-batch", Batch.BatchId, hashes, count, first, last,
            Batch.Actor, at, cancellationToken);
    }

    protected abstract DatabaseProvider Provider { get; }

    public abstract System.Data.Common.DbConnection Connection { get; }

    public abstract System.Data.Common.DbTransaction Transaction { get; }

    /// <summary>
    /// Writes a batch's row (and its unit's, the first time) on an open connection; returns its id. Plain SQL, not the data
    /// layer's context: in a process's first batch (the CLI's import) building that context took about a second before any
    /// row could be written.
    /// </summary>
    public static async Task<long> InsertBatchRowAsync(DbConnection connection, DbTransaction? transaction,
        DatabaseProvider provider, IntakeBatch batch, string unitNameZh, string unitNameEn, CancellationToken cancellationToken)
    {
        var postgres = provider == DatabaseProvider.Postgres;
        var json = postgres ? "::jsonb" : "";
        static object Nullable(string? value) => (object?)value ?? DBNull.Value;
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
            ["@started"] = postgres ? batch.StartedAt : batch.StartedAt.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
            ["@headers"] = Nullable(batch.HeaderCellsJson),
            ["@warnings"] = Nullable(batch.WarningsJson),
            ["@runner"] = Nullable(batch.Runner),
            ["@note"] = Nullable(batch.Note),
        };
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        foreach (var (name, value) in args)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        command.CommandText = "INSERT INTO units (code, name_zh, name_en, created_at) VALUES (@unit, @zh, @en, @started) ON CONFLICT (code) DO NOTHING";
        await command.ExecuteNonQueryAsync(cancellationToken);
        command.CommandText = $"""
            INSERT INTO intake_batches (unit_code, category_code, channel, file_name, file_sha256, idempotency_key, status, actor,
                                        started_at, header_cells, warnings, runner, note)
            VALUES (@unit, @category, @channel, @file, @sha, @key, @status, @actor, @started, @headers{json}, @warnings{json}, @runner, @note)
            RETURNING id
            """;
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>Runs a statement inside the batch transaction (batch bookkeeping); returns the rows it changed.</summary>
    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, IReadOnlyDictionary<string, object>? args = null)
    {
        await using var command = Connection.CreateCommand();
        command.Transaction = Transaction;
        command.CommandText = sql;
        command.CommandTimeout = 0;
        foreach (var (name, value) in args ?? new Dictionary<string, object>())
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public abstract Task CommitAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    protected MergeCounts Counts() => new(Created, Updated, Unchanged, Withdrawn, Rejected, NameConflicts);

    /// <summary>
    /// Decides what a row does to the unit's record with its key (none: <paramref name="existing"/> is null);
    /// <paramref name="subjectId"/> is the subject the row names (an upsert's; a withdrawal names none).
    /// </summary>
    /// <remarks>
    /// A row with an expected version is refused unless the record is at that version: the writers look the record up as
    /// committed and hold it against other writers until the batch commits (SQLite: the batch's write lock; PostgreSQL: a
    /// row lock taken by the look-up), so nobody's change can come between this comparison and the write. The same holds
    /// for every row that changes its record: its history row's version and "before" are those of the record it changes.
    /// </remarks>
    protected static RowDecision Decide(StagedRow row, in ExistingRecord? existing, long subjectId)
    {
        if (row.ExpectedVersion is { } expected && (existing is not { } e || e.Version != expected))
        {
            return RowDecision.VersionChanged;
        }

        if (row.Action == 'W')
        {
            return existing is not { } w ? RowDecision.NothingToWithdraw
                : w.CategoryCode != row.CategoryCode ? RowDecision.OtherCategory
                : w.Status == nameof(RecordStatus.Withdrawn) ? RowDecision.Unchanged
                : RowDecision.Withdrawn;
        }

        return existing is not { } r ? RowDecision.Created
            : r.CategoryCode != row.CategoryCode ? RowDecision.OtherCategory
            : r.SubjectId != subjectId ? RowDecision.OtherSubject
            : r.ContentHash == row.ContentHash && r.Status != nameof(RecordStatus.Withdrawn) ? RowDecision.Unchanged
            : RowDecision.Updated;
    }

    /// <summary>The history action of a row that changes an existing record.</summary>
    protected static string ChangeAction(RowDecision decision, in ExistingRecord existing) => decision == RowDecision.Withdrawn
        ? nameof(RecordAction.Withdrawn)
        : existing.Status == nameof(RecordStatus.Withdrawn) ? nameof(RecordAction.Restored) : nameof(RecordAction.Updated);

    /// <summary>
    /// Counts a row's outcome and adds it to the per-record results; returns the reasons JSON of a store-time rejection.
    /// <paramref name="currentVersion"/> is the version of the record the row found (for a refused expected version).
    /// </summary>
    protected string? Tally(StagedRow row, RowDecision decision, bool nameConflict, int? currentVersion = null)
    {
        string? storeReasons = null;
        RecordOutcome outcome;
        switch (decision)
        {
            case RowDecision.Created:
                Created++;
                outcome = RecordOutcome.Created;
                break;
            case RowDecision.Updated:
                Updated++;
                outcome = RecordOutcome.Updated;
                break;
            case RowDecision.Unchanged:
                Unchanged++;
                outcome = RecordOutcome.Unchanged;
                break;
            case RowDecision.Withdrawn:
                Withdrawn++;
                outcome = RecordOutcome.Withdrawn;
                break;
            case RowDecision.NothingToWithdraw:
                storeReasons = IntakeReasons.ToJson([IntakeMessages.NothingToWithdraw(row.RecordKey ?? "")]);
                Rejected++;
                outcome = RecordOutcome.Rejected;
                break;
            case RowDecision.OtherSubject:
                storeReasons = IntakeReasons.ToJson([IntakeMessages.KeyUsedForOtherSubject(row.RecordKey ?? "")]);
                Rejected++;
                outcome = RecordOutcome.Rejected;
                break;
            case RowDecision.VersionChanged:
                storeReasons = IntakeReasons.ToJson([IntakeMessages.VersionChanged(row.RecordKey ?? "", row.ExpectedVersion!.Value, currentVersion)]);
                Rejected++;
                outcome = RecordOutcome.Rejected;
                break;
            case RowDecision.OtherCategory:
                storeReasons = OtherCategoryJson;
                Rejected++;
                outcome = RecordOutcome.Rejected;
                break;
            default:
                Rejected++;
                outcome = RecordOutcome.Rejected;
                break;
        }

        if (outcome != RecordOutcome.Rejected && !string.Equals(row.CategoryCode, _lastFurnished, StringComparison.Ordinal) && row.CategoryCode is { } category)
        {
            FurnishedCategories.Add(category);
            _lastFurnished = category;
        }

        nameConflict &= outcome != RecordOutcome.Rejected;
        if (nameConflict)
        {
            NameConflicts++;
            if (NameConflictKeys.Count < NameConflictKeysKept && row.RecordKey is { } key)
            {
                NameConflictKeys.Add(key);
            }
        }

        Rows++;
        // The version the row leaves the record at: the writers hold the record from this decision to their commit (SQLite's write
        // lock; on PostgreSQL the row lock of a row with an expected version, otherwise the version as looked up, as the record's
        // history row numbers it).
        Results?.Add(new RecordResult(row.RowNumber, row.RecordKey, outcome,
            outcome == RecordOutcome.Rejected ? IntakeReasons.Parse(storeReasons ?? row.ReasonsJson ?? "[]") : [], nameConflict)
        {
            Version = decision switch
            {
                RowDecision.Created => 1,
                RowDecision.Updated or RowDecision.Withdrawn => currentVersion + 1,
                RowDecision.Unchanged or RowDecision.VersionChanged => currentVersion,
                _ => null,
            },
        });
        return storeReasons;
    }
}

/// <summary>Reasons as stored with a rejected row (JSON), and back.</summary>
public static class IntakeReasons
{
    public static string ToJson(IEnumerable<IntakeReason> reasons) =>
        System.Text.Json.JsonSerializer.Serialize(reasons.Select(r => new ReasonJson(r.Code, r.Field, r.MessageZh, r.MessageEn)), IntakeJson.Options);

    public static IReadOnlyList<IntakeReason> Parse(string json) =>
        (System.Text.Json.JsonSerializer.Deserialize<List<ReasonJson>>(json, IntakeJson.Options) ?? [])
            .Select(r => new IntakeReason(r.Code, r.Field, r.Zh, r.En)).ToList();

    /// <summary>
    /// The messages of stored reasons (<see cref="ToJson"/>) in one language, joined by <paramref name="separator"/>: what a
    /// rejects file's reason column holds. Read with <see cref="System.Text.Json.Utf8JsonReader"/> for the million-row
    /// download; the same as joining <see cref="Parse"/>'s <see cref="IntakeReason.Message"/>s.
    /// </summary>
    public static string JoinMessages(string json, bool english, string separator)
    {
        var reader = new System.Text.Json.Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json));
        var wanted = english ? "en"u8 : "zh"u8;
        string? first = null;
        System.Text.StringBuilder? joined = null;
        while (reader.Read())
        {
            if (reader.TokenType != System.Text.Json.JsonTokenType.PropertyName || reader.CurrentDepth != 2 || !reader.ValueTextEquals(wanted))
            {
                continue;
            }

            reader.Read();
            var message = reader.GetString() ?? "";
            if (first is null)
            {
                first = message;
            }
            else
            {
                (joined ??= new System.Text.StringBuilder(first)).Append(separator).Append(message);
            }
        }

        return joined?.ToString() ?? first ?? "";
    }

    private sealed record ReasonJson(string Code, string? Field, string Zh, string En);
}

internal static class IntakeJson
{
    public static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
