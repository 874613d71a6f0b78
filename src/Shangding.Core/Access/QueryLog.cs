using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Configuration;
using Shangding.Core.Audit;
using Shangding.Core.Data;

namespace Shangding.Core.Access;

/// <summary>One look at a subject, to be logged (seed 003 §19).</summary>
public sealed record QueryLogInput(
    long? QuerierAccountId,
    string QuerierRole,
    string QuerierName,
    long SubjectId,
    string Channel,
    string Purpose,
    string Scope,
    long? GrantId,
    string? LetterNumber,
    QueryOutcome Outcome,
    string? RefusalReason);

/// <summary>
/// The secret that signs query-log checkpoints (HMAC-SHA256): <c>Access:QueryLogKey</c>, base64 of 32
/// random bytes, with an optional <c>Access:QueryLogKeyId</c> naming it (for rotation). Without it, and
/// where development keys may be generated (SQLite by default), a key is generated once in
/// <c>App_Data/dev-query-log-key</c>.
/// </summary>
public sealed class QueryLogKey
{
    public const string KeyName = "Access:QueryLogKey";
    public const string KeyIdName = "Access:QueryLogKeyId";

    private readonly byte[] _key;

    public QueryLogKey(byte[] key, string keyId)
    {
        if (key.Length < 32)
        {
            throw new ArgumentException("The query log key must be at least 32 bytes.", nameof(key));
        }

        _key = (byte[])key.Clone();
        KeyId = keyId;
    }

    public string KeyId { get; }

    public string Sign(string text) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text)));

    public static QueryLogKey Generate() => new(RandomNumberGenerator.GetBytes(32), "test");

    public static QueryLogKey Load(IConfiguration configuration, string developmentKeyFile, bool allowGenerate)
    {
        var keyId = configuration[KeyIdName] is { Length: > 0 } id ? id : "k1";
        if (configuration[KeyName] is { Length: > 0 } configured)
        {
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(configured.Trim());
            }
            catch (FormatException ex)
            {
                throw new InvalidOperationException($"{KeyName} is not valid base64: set it to base64 of 32 random bytes (openssl rand -base64 32).", ex);
            }

            if (bytes.Length < 32)
            {
                throw new InvalidOperationException($"{KeyName} is {bytes.Length} bytes long but must be at least 32 bytes.");
            }

            return new QueryLogKey(bytes, keyId);
        }

        if (!allowGenerate)
        {
            throw new InvalidOperationException(
                $"The query log checkpoint key is not configured: set {KeyName} (base64 of 32 random bytes, e.g. from `openssl rand -base64 32`). " +
                "Keep it secret and backed up: `audit verify` needs it to check the signed checkpoints.");
        }

        var path = Path.GetFullPath(developmentKeyFile);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllText(temporary, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException)
            {
                // Another process created it first: use theirs.
                File.Delete(temporary);
            }
        }

        return new QueryLogKey(Convert.FromBase64String(File.ReadAllText(path).Trim()), "dev");
    }
}

/// <summary>
/// The query log (seed 003 §19): every look at a subject's credit information, allowed or refused,
/// appended inside the caller's transaction. Entries are chained by SHA-256 (each entry hashes its
/// content and the previous entry's hash); every <see cref="CheckpointEvery"/> entries (and daily) a
/// checkpoint signs the hash of the latest entry with the configured key, so even a log rewritten with
/// recomputed hashes is detected up to the last checkpoint. The product offers no way to edit or delete
/// entries; purging after 5 years is the retention job's, which records the purge in the audit chain.
/// </summary>
public sealed class QueryLog(DatabaseSettings settings, QueryLogKey key, TimeProvider clock)
{
    /// <summary>A checkpoint is written after this many entries since the previous one.</summary>
    public int CheckpointEvery { get; init; } = 1000;

    /// <summary>Serialises appends on PostgreSQL (the audit chain uses 727274002).</summary>
    private const long AdvisoryLock = 727274011;

    public QueryLogKey Key => key;

    /// <summary>Appends an entry in the context's current transaction, or in a transaction of its own.</summary>
    public async Task<QueryLogEntry> AppendAsync(ShangdingDbContext context, QueryLogInput input, CancellationToken cancellationToken) =>
        (await AppendAsync(context, [input], cancellationToken))[0];

    /// <summary>Appends entries, in this order, in the context's current transaction or in a transaction of its own.</summary>
    public async Task<IReadOnlyList<QueryLogEntry>> AppendAsync(ShangdingDbContext context, IReadOnlyList<QueryLogInput> inputs, CancellationToken cancellationToken)
    {
        var own = context.Database.CurrentTransaction is null ? await context.Database.BeginTransactionAsync(cancellationToken) : null;
        try
        {
            var connection = context.Database.GetDbConnection();
            var entries = await AppendAsync(connection, context.Database.CurrentTransaction!.GetDbTransaction(), inputs, cancellationToken);
            if (own is not null)
            {
                await own.CommitAsync(cancellationToken);
            }

            return entries;
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync();
            }
        }
    }

    /// <summary>Appends an entry inside the caller's transaction (serialised on PostgreSQL by an advisory lock).</summary>
    public async Task<QueryLogEntry> AppendAsync(DbConnection connection, DbTransaction transaction, QueryLogInput input, CancellationToken cancellationToken) =>
        (await AppendAsync(connection, transaction, [input], cancellationToken))[0];

    /// <summary>
    /// Appends entries, chained in this order, inside the caller's transaction: one lock and one read of the
    /// previous hash for all of them (a page that shows several subjects logs them together).
    /// </summary>
    public async Task<IReadOnlyList<QueryLogEntry>> AppendAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<QueryLogInput> inputs, CancellationToken cancellationToken)
    {
        if (inputs.Count == 0)
        {
            return [];
        }

        if (connection.State != ConnectionState.Open)
        {
            await connection.OpenAsync(cancellationToken);
        }

        var isPostgres = settings.Provider == DatabaseProvider.Postgres;
        if (isPostgres)
        {
            await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({AdvisoryLock})", cancellationToken);
        }

        var previous = await ScalarAsync(connection, transaction, "SELECT entry_hash FROM query_log ORDER BY id DESC LIMIT 1", cancellationToken) as string
            ?? await StartHashAsync(connection, transaction, cancellationToken);
        var at = Truncate(clock.GetUtcNow().UtcDateTime);
        var entries = new List<QueryLogEntry>(inputs.Count);
        foreach (var input in inputs)
        {
            var entry = new QueryLogEntry
            {
                At = at,
                QuerierAccountId = input.QuerierAccountId,
                QuerierRole = input.QuerierRole,
                QuerierName = input.QuerierName,
                SubjectId = input.SubjectId,
                Channel = input.Channel,
                Purpose = input.Purpose,
                Scope = input.Scope,
                GrantId = input.GrantId,
                LetterNumber = input.LetterNumber,
                Outcome = input.Outcome,
                RefusalReason = input.RefusalReason,
                PrevHash = previous,
                EntryHash = "",
            };
            entry.EntryHash = EntryHash(previous, entry);
            entry.Id = await InsertAsync(connection, transaction, entry, isPostgres, cancellationToken);
            entries.Add(entry);
            previous = entry.EntryHash;
        }

        var last = entries[^1];
        var lastCheckpointed = Convert.ToInt64(await ScalarAsync(connection, transaction,
            "SELECT COALESCE(MAX(last_entry_id), 0) FROM query_log_checkpoints", cancellationToken), CultureInfo.InvariantCulture);
        var since = Convert.ToInt64(await ScalarAsync(connection, transaction,
            $"SELECT COUNT(*) FROM query_log WHERE id > {lastCheckpointed.ToString(CultureInfo.InvariantCulture)}", cancellationToken), CultureInfo.InvariantCulture);
        if (since >= CheckpointEvery)
        {
            await WriteCheckpointAsync(connection, transaction, last.Id, last.EntryHash, await AuditHeadAsync(connection, transaction, cancellationToken), at, cancellationToken);
        }

        return entries;
    }

    private static async Task<long> InsertAsync(DbConnection connection, DbTransaction transaction, QueryLogEntry entry, bool isPostgres, CancellationToken cancellationToken)
    {
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO query_log (at, querier_account_id, querier_role, querier_name, subject_id, channel, purpose, scope, grant_id,
                                   letter_number, outcome, refusal_reason, prev_hash, entry_hash)
            VALUES (@at, @acc, @role, @name, @subject, @channel, @purpose, @scope, @grant, @letter, @outcome, @reason, @prev, @hash)
            RETURNING id
            """;
        Add(insert, "@at", isPostgres ? entry.At : Text(entry.At));
        Add(insert, "@acc", (object?)entry.QuerierAccountId ?? DBNull.Value);
        Add(insert, "@role", entry.QuerierRole);
        Add(insert, "@name", entry.QuerierName);
        Add(insert, "@subject", entry.SubjectId);
        Add(insert, "@channel", entry.Channel);
        Add(insert, "@purpose", entry.Purpose);
        Add(insert, "@scope", entry.Scope);
        Add(insert, "@grant", (object?)entry.GrantId ?? DBNull.Value);
        Add(insert, "@letter", (object?)entry.LetterNumber ?? DBNull.Value);
        Add(insert, "@outcome", entry.Outcome.ToString());
        Add(insert, "@reason", (object?)entry.RefusalReason ?? DBNull.Value);
        Add(insert, "@prev", entry.PrevHash);
        Add(insert, "@hash", entry.EntryHash);
        return Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Signs the latest query-log entry and the audit chain's head now (the daily job and <c>shangding audit checkpoint</c>);
    /// nothing if both are signed already.
    /// </summary>
    public async Task<QueryLogCheckpoint?> CheckpointAsync(ShangdingDbContext context, CancellationToken cancellationToken)
    {
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        var connection = context.Database.GetDbConnection();
        var tx = transaction.GetDbTransaction();
        if (settings.Provider == DatabaseProvider.Postgres)
        {
            await ExecuteAsync(connection, tx, $"SELECT pg_advisory_xact_lock({AdvisoryLock})", cancellationToken);
        }

        var last = await context.QueryLog.AsNoTracking().OrderByDescending(q => q.Id).Select(q => new { q.Id, q.EntryHash }).FirstOrDefaultAsync(cancellationToken);
        var head = await AuditHeadAsync(connection, tx, cancellationToken);
        var latest = await context.QueryLogCheckpoints.AsNoTracking().OrderByDescending(c => c.Id).FirstOrDefaultAsync(cancellationToken);
        if ((last is null || last.Id <= latest?.LastEntryId) && (head is null || head.Value.Id <= latest?.AuditEntryId))
        {
            return null;
        }

        var (entryId, entryHash) = last is null ? (0L, await StartHashAsync(connection, tx, cancellationToken)) : (last.Id, last.EntryHash);
        var checkpoint = await WriteCheckpointAsync(connection, tx, entryId, entryHash, head, Truncate(clock.GetUtcNow().UtcDateTime), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return checkpoint;
    }

    /// <param name="head">The audit chain's newest entry, which the checkpoint signs as well (null for an empty chain).</param>
    private async Task<QueryLogCheckpoint> WriteCheckpointAsync(DbConnection connection, DbTransaction transaction, long entryId, string entryHash,
        (long Id, string Hash)? head, DateTime at, CancellationToken cancellationToken)
    {
        var checkpoint = new QueryLogCheckpoint
        {
            LastEntryId = entryId, LastEntryHash = entryHash, At = at, KeyId = key.KeyId, Signature = "", AuditEntryId = head?.Id, AuditEntryHash = head?.Hash,
        };
        checkpoint.Signature = key.Sign(CheckpointText(checkpoint));
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO query_log_checkpoints (last_entry_id, last_entry_hash, at, key_id, signature, audit_entry_id, audit_entry_hash) VALUES (@e, @h, @t, @k, @s, @ai, @ah)";
        Add(insert, "@ai", (object?)head?.Id ?? DBNull.Value);
        Add(insert, "@ah", (object?)head?.Hash ?? DBNull.Value);
        Add(insert, "@e", entryId);
        Add(insert, "@h", entryHash);
        Add(insert, "@t", settings.Provider == DatabaseProvider.Postgres ? at : Text(at));
        Add(insert, "@k", checkpoint.KeyId);
        Add(insert, "@s", checkpoint.Signature);
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return checkpoint;
    }

    /// <summary>The text a checkpoint signs (with the audit chain's head when it names one; checkpoints from before 0017 do not).</summary>
    public static string CheckpointText(QueryLogCheckpoint checkpoint)
    {
        var text = string.Join('\u001f',
            checkpoint.LastEntryId.ToString(CultureInfo.InvariantCulture), checkpoint.LastEntryHash, Iso(checkpoint.At), checkpoint.KeyId);
        return checkpoint.AuditEntryId is { } auditId
            ? string.Join('\u001f', text, "audit", auditId.ToString(CultureInfo.InvariantCulture), checkpoint.AuditEntryHash)
            : text;
    }

    /// <summary>The newest audit entry (its id and hash), or null for an empty chain.</summary>
    private static async Task<(long Id, string Hash)?> AuditHeadAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT id, entry_hash FROM audit_entries ORDER BY id DESC LIMIT 1";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    /// <summary>Where the chain starts: the last deleted entry's hash after a purge (audit kind <c>query-log-purge</c>), else the genesis hash.</summary>
    private static async Task<string> StartHashAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        await ScalarAsync(connection, transaction,
            $"SELECT content_hash FROM audit_entries WHERE kind = '{PurgeKind}' ORDER BY id DESC LIMIT 1", cancellationToken) as string ?? AuditChain.Genesis;

    /// <summary>The audit entry kind of a query-log purge: ref_id = id of the last deleted entry, content_hash = its entry_hash.</summary>
    public const string PurgeKind = "query-log-purge";

    /// <summary>The hash that links an entry to its predecessor; <c>audit verify</c> recomputes it.</summary>
    public static string EntryHash(string previous, QueryLogEntry e)
    {
        var text = string.Join('\u001f', previous, Iso(e.At), e.QuerierAccountId?.ToString(CultureInfo.InvariantCulture) ?? "", e.QuerierRole, e.QuerierName,
            e.SubjectId.ToString(CultureInfo.InvariantCulture), e.Channel, e.Purpose, e.Scope, e.GrantId?.ToString(CultureInfo.InvariantCulture) ?? "",
            e.LetterNumber ?? "", e.Outcome.ToString(), e.RefusalReason ?? "");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>How many times a subject has been queried (allowed queries; 003 §19 "累计查询次数").</summary>
    public static Task<int> CountAsync(ShangdingDbContext context, long subjectId, CancellationToken cancellationToken) =>
        context.QueryLog.CountAsync(q => q.SubjectId == subjectId && q.Outcome == QueryOutcome.Allowed, cancellationToken);

    /// <summary>Microseconds: what both engines store, so the hash recomputed from a stored row matches.</summary>
    public static DateTime Truncate(DateTime utc) => new(utc.Ticks - utc.Ticks % 10, DateTimeKind.Utc);

    private static string Iso(DateTime at) => DateTime.SpecifyKind(at, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);

    private static string Text(DateTime at) => at.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
