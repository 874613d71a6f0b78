using System.Data.Common;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Shangding.Core.Data;

/// <summary>
/// One versioned schema migration: an SQL script per provider, applied once, in order; or a step in code (<see cref="Code"/>)
/// for a change of stored data SQL cannot make (one that needs the identity keys), run in the same kind of transaction.
/// </summary>
public sealed record SchemaMigration(string Version, string Name, string Sql)
{
    /// <summary>A data step run after <see cref="Sql"/>, in the migration's transaction; it returns what it did, for the log.</summary>
    public Func<DbConnection, DbTransaction, CancellationToken, Task<string?>>? Code { get; init; }
}

/// <summary>The outcome of <see cref="SchemaMigrator.MigrateAsync"/>.</summary>
public sealed record MigrationReport(IReadOnlyList<string> AlreadyApplied, IReadOnlyList<string> NewlyApplied)
{
    /// <summary>What data steps applied now did ("0024 canonical_numbers: 12 record(s) rewritten …"), for the log.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>
/// How often a PostgreSQL migration that could not get a table lock within
/// <see cref="DatabaseSettings.MigrationLockTimeout"/> is tried, and how long to wait between tries
/// (doubling from <paramref name="FirstBackoff"/>, at most <paramref name="MaxBackoff"/>).
/// </summary>
internal sealed record MigrationRetry(int Attempts, TimeSpan FirstBackoff, TimeSpan MaxBackoff)
{
    /// <summary>6 attempts, 1, 2, 4, 8 and 10 s apart: with the 5 s lock timeout about a minute, longer than a 1M-row import holds its tables.</summary>
    public static readonly MigrationRetry Default = new(6, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));

    public TimeSpan BackoffAfter(int attempt)
    {
        var delay = FirstBackoff * Math.Pow(2, Math.Min(attempt - 1, 30));
        return delay < MaxBackoff ? delay : MaxBackoff;
    }
}

/// <summary>
/// Applies the hand-written SQL migrations of the configured provider (there is no <c>dotnet ef</c>
/// here). Each script runs in its own transaction together with its row in <c>schema_migrations</c>,
/// so a failing script leaves the schema as it was. On PostgreSQL a script's statements wait at most
/// <see cref="DatabaseSettings.MigrationLockTimeout"/> for a table lock (an ALTER TABLE waiting for its
/// lock makes every other query on the table wait behind it); a migration that times out is rolled back
/// and tried again a little later, a few times, before the migrator gives up with a clear message.
/// </summary>
public sealed class SchemaMigrator
{
    private const string ResourcePrefix = "migrations/";

    /// <summary>PostgreSQL's <c>lock_not_available</c>: a lock was not granted within <c>lock_timeout</c>.</summary>
    private const string LockNotAvailable = "55P03";

    private readonly DatabaseSettings _settings;
    private readonly MigrationRetry _retry;

    public SchemaMigrator(DatabaseSettings settings)
        : this(settings, identityProtector: null)
    {
    }

    /// <summary>
    /// The shipped migrations; <paramref name="identityProtector"/> gives the identity keys to a data step that needs them
    /// (asked for only if there is data to change, so a new or already migrated database needs no keys).
    /// </summary>
    public SchemaMigrator(DatabaseSettings settings, Func<Subjects.IdentityProtector>? identityProtector)
        : this(settings, LoadMigrations(settings.Provider, identityProtector))
    {
    }

    /// <summary>A migrator for a list of migrations of one's own (tests), with its own retry policy.</summary>
    internal SchemaMigrator(DatabaseSettings settings, IReadOnlyList<SchemaMigration> migrations, MigrationRetry? retry = null)
    {
        if (settings.MigrationLockTimeout < TimeSpan.FromMilliseconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(settings), "The migration lock timeout must be at least a millisecond (0 would mean waiting forever).");
        }

        _settings = settings;
        _retry = retry ?? MigrationRetry.Default;
        if (_retry.Attempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(retry), "A migration needs at least one attempt.");
        }

        Available = migrations;
    }

    /// <summary>The migrations shipped for the configured provider, in version order.</summary>
    public IReadOnlyList<SchemaMigration> Available { get; }

    public async Task<MigrationReport> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await EnsureHistoryTableAsync(connection, cancellationToken);

        // A database a newer release migrated is refused before anything of this release is applied: inside each pending
        // migration's transaction (TryApplyAsync) and, when nothing was pending, after the loop.
        var already = new List<string>();
        var applied = new List<string>();
        var notes = new List<string>();
        foreach (var migration in Available)
        {
            for (var attempt = 1; ; attempt++)
            {
                var outcome = await TryApplyAsync(connection, migration, attempt, notes, cancellationToken);
                if (outcome == Outcome.AlreadyApplied)
                {
                    already.Add(migration.Version);
                    break;
                }

                if (outcome == Outcome.Applied)
                {
                    applied.Add(migration.Version);
                    break;
                }

                // Outcome.LockTimedOut: rolled back; the other session's lock may be gone in a moment.
                await Task.Delay(_retry.BackoffAfter(attempt), cancellationToken);
            }
        }

        // Also a newer release that migrated while this one looked (both started at once). One still migrating, uncommitted,
        // is not seen — hence the upgrade note: stop the old release's processes first.
        await RefuseNewerDatabaseAsync(connection, null, cancellationToken);
        return new MigrationReport(already, applied) { Notes = notes };
    }

    private enum Outcome
    {
        AlreadyApplied,
        Applied,
        LockTimedOut,
    }

    /// <summary>One attempt at one migration, in a transaction of its own: applied and recorded, or nothing of it.</summary>
    private async Task<Outcome> TryApplyAsync(DbConnection connection, SchemaMigration migration, int attempt, List<string> notes, CancellationToken cancellationToken)
    {
        // Looked up first outside any transaction: an applied migration stays applied, and on SQLite the transaction
        // below takes the write lock, which a batch import holds for its whole file (an app starting meanwhile would
        // wait for it, and fail after 30 s, only to find nothing to do).
        if (await IsAppliedAsync(connection, null, migration.Version, cancellationToken))
        {
            return Outcome.AlreadyApplied;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (_settings.Provider == DatabaseProvider.Postgres)
        {
            // Two processes migrating at once (web app and CLI) queue here instead of colliding.
            await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(727274001)", cancellationToken);
            // A statement waiting for a lock another session holds (an ALTER TABLE behind an import's transaction) makes
            // every later query on that table queue behind it: wait only this long, then roll back and try again.
            var milliseconds = Math.Max(1, (long)Math.Ceiling(_settings.MigrationLockTimeout.TotalMilliseconds));
            await ExecuteAsync(connection, transaction,
                $"SET LOCAL lock_timeout = '{milliseconds.ToString(CultureInfo.InvariantCulture)}ms'", cancellationToken);
        }

        if (await IsAppliedAsync(connection, transaction, migration.Version, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            return Outcome.AlreadyApplied;
        }

        // Under the lock migrations take (PostgreSQL's advisory lock, SQLite's write lock): a newer release that migrated
        // since this one began is not followed by this one's older step.
        await RefuseNewerDatabaseAsync(connection, transaction, cancellationToken);

        string? note = null;
        try
        {
            if (!string.IsNullOrWhiteSpace(migration.Sql))
            {
                await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
            }

            if (migration.Code is { } code && await code(connection, transaction, cancellationToken) is { } did)
            {
                note = $"{migration.Version} {migration.Name}: {did}";
            }
        }
        catch (PostgresException ex) when (ex.SqlState == LockNotAvailable)
        {
            await transaction.RollbackAsync(cancellationToken);
            if (attempt < _retry.Attempts)
            {
                return Outcome.LockTimedOut;
            }

            var tables = TablesLocked(migration.Sql);
            var which = tables.Count switch
            {
                0 => "a table it changes",
                1 => tables[0],
                _ => "one of " + string.Join(", ", tables),
            };
            throw new InvalidOperationException(
                $"Migration {migration.Version}_{migration.Name} failed on {_settings.Provider}; nothing of it was applied: " +
                $"it could not get the lock it needs on {which} within the lock timeout of " +
                $"{_settings.MigrationLockTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s " +
                $"(Database:MigrationLockTimeoutSeconds) in any of {_retry.Attempts} attempts ({ex.MessageText}). " +
                "Another session holds a lock on that table, e.g. a running import or another long transaction; " +
                "migrate again when it has ended.", ex);
        }
        catch (DbException ex)
        {
            throw new InvalidOperationException(
                $"Migration {migration.Version}_{migration.Name} failed on {_settings.Provider}; nothing of it was applied: {ex.Message}", ex);
        }

        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @n, @a)";
            AddParameter(insert, "@v", migration.Version);
            AddParameter(insert, "@n", migration.Name);
            AddParameter(insert, "@a", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (note is not null)
        {
            notes.Add(note);
        }

        return Outcome.Applied;
    }

    /// <summary>
    /// The tables a script alters, locks or indexes, as written in it, for the message of a migration that could not
    /// get its lock (PostgreSQL's lock timeout names no table).
    /// </summary>
    internal static IReadOnlyList<string> TablesLocked(string sql)
    {
        var code = Regex.Replace(sql, "--[^\n]*", " ");
        return Regex.Matches(code,
                @"\b(?:(?:ALTER|LOCK|DROP|TRUNCATE)\s+TABLE|CREATE\s+(?:UNIQUE\s+)?INDEX\b[^;]*?\bON|CREATE\s+(?:OR\s+REPLACE\s+)?TRIGGER\b[^;]*?\bON|REFERENCES)" +
                @"\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?<table>[A-Za-z_][\w.""]*)",
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)
            .Select(m => m.Groups["table"].Value)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>Refuses a database a newer release has migrated (<see cref="DatabaseNewerThanProgramException"/>), changing nothing else: for a process that does not migrate at start.</summary>
    public async Task EnsureNotNewerAsync(CancellationToken cancellationToken = default)
    {
        DbConnection connection;
        if (_settings.Provider == DatabaseProvider.Sqlite)
        {
            // Opened as it is: no page size or journal mode set (OpenAsync's), and a file that does not exist is not made.
            var builder = new SqliteConnectionStringBuilder(_settings.ConnectionString);
            if (builder.Mode == SqliteOpenMode.ReadWriteCreate)
            {
                builder.Mode = SqliteOpenMode.ReadWrite;
            }

            connection = new SqliteConnection(builder.ToString());
            try
            {
                await connection.OpenAsync(cancellationToken);
            }
            catch (SqliteException e) when (e.SqliteErrorCode == SQLitePCL.raw.SQLITE_CANTOPEN)
            {
                // No database yet: nothing a newer release could have migrated.
                await connection.DisposeAsync();
                return;
            }
        }
        else
        {
            connection = await OpenAsync(cancellationToken);
        }

        await using var _ = connection;
        await using (var exists = connection.CreateCommand())
        {
            // A database never migrated is not created or changed here.
            exists.CommandText = _settings.Provider == DatabaseProvider.Sqlite
                ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
                : "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'";
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 0)
            {
                return;
            }
        }

        await RefuseNewerDatabaseAsync(connection, null, cancellationToken);
    }

    /// <summary>
    /// A database migrated by a newer release (a migration this program does not have) is not used: this program's code
    /// would write rows the newer schema or data steps do not expect (0024's numbers, say, in the form before it), and no
    /// later start would bring them in line. Said before anything is changed, in both languages, naming the migrations.
    /// </summary>
    private async Task RefuseNewerDatabaseAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var known = Available.Select(m => m.Version).ToHashSet(StringComparer.Ordinal);
        var unknown = new List<string>();
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT version, name FROM schema_migrations ORDER BY version";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (!known.Contains(reader.GetString(0)))
                {
                    unknown.Add($"{reader.GetString(0)} {reader.GetString(1)}");
                }
            }
        }

        if (unknown.Count > 0)
        {
            throw new DatabaseNewerThanProgramException(unknown, Available.Count > 0 ? Available[^1].Version : "-");
        }
    }

    /// <summary>Versions recorded as applied, or an empty list for a database never migrated.</summary>
    public async Task<IReadOnlyList<string>> AppliedAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await EnsureHistoryTableAsync(connection, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM schema_migrations ORDER BY version";
        var versions = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(reader.GetString(0));
        }

        return versions;
    }

    /// <summary>The page size of a SQLite database this migrator creates.</summary>
    public const int SqlitePageSize = 16_384;

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        DbConnection connection = _settings.Provider switch
        {
            DatabaseProvider.Sqlite => new SqliteConnection(_settings.ConnectionString),
            DatabaseProvider.Postgres => new NpgsqlConnection(_settings.ConnectionString),
            _ => throw new InvalidOperationException($"Unknown provider {_settings.Provider}"),
        };
        await connection.OpenAsync(cancellationToken);
        if (_settings.Provider == DatabaseProvider.Sqlite)
        {
            // A new database gets 16 KB pages (an existing one keeps its size: SQLite changes it only for an empty file).
            // A million-record import writes about a gigabyte of pages; with SQLite's default 4 KB, each is a system call
            // into the write-ahead log and again into the database at the checkpoint, and on this kind of virtual machine
            // those calls, not the B-trees, were a third of the import (1M rows written row by row: 15.5-17.9 s with 4 KB
            // pages, 12.7-13.0 s with 16 KB, 12.0 with 32 KB). 16 KB keeps a point read (a citizen's page) small.
            // WAL lets readers (the web app) go on while a batch import writes.
            await ExecuteAsync(connection, null, $"PRAGMA page_size = {SqlitePageSize}; PRAGMA journal_mode=WAL;", cancellationToken);
        }

        return connection;
    }

    private async Task EnsureHistoryTableAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var sql = _settings.Provider == DatabaseProvider.Postgres
            ? "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)"
            : "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
        await ExecuteAsync(connection, null, sql, cancellationToken);
    }

    private static async Task<bool> IsAppliedAsync(DbConnection connection, DbTransaction? transaction, string version, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM schema_migrations WHERE version = @v";
        AddParameter(command, "@v", version);
        var count = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        return count > 0;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private static List<SchemaMigration> LoadMigrations(DatabaseProvider provider, Func<Subjects.IdentityProtector>? identityProtector)
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var folder = ResourcePrefix + provider + "/";
        var migrations = new List<SchemaMigration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(folder, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var file = Path.GetFileNameWithoutExtension(resource[folder.Length..]);
            var separator = file.IndexOf('_', StringComparison.Ordinal);
            if (separator <= 0)
            {
                throw new InvalidOperationException($"Migration resource '{resource}' must be named NNNN_name.sql.");
            }

            migrations.Add(new SchemaMigration(file[..separator], file[(separator + 1)..], ReadResource(assembly, resource)));
        }

        migrations.Add(Intake.CanonicalNumbersMigration.Create(provider, identityProtector));
        migrations.Sort((a, b) => string.CompareOrdinal(a.Version, b.Version));
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version)
            {
                throw new InvalidOperationException($"Two migrations have version {migrations[i].Version}: {migrations[i - 1].Name} and {migrations[i].Name}.");
            }
        }

        return migrations;
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Missing embedded migration {name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>The database holds migrations this program does not know: it was upgraded by a newer release.</summary>
public sealed class DatabaseNewerThanProgramException(IReadOnlyList<string> unknown, string latestKnown) : InvalidOperationException(
    $"数据库已由较新版本的尚鼎升级（本程序不认识的迁移：{string.Join("、", unknown)}；本程序只认识到 {latestKnown}）。为免写入旧格式的数据，本程序不使用该数据库：请升级本程序。"
    + $" / The database was upgraded by a newer release of Shangding (migrations this program does not know: {string.Join(", ", unknown)}; it knows up to "
    + $"{latestKnown}). So as not to write data in an older form, this program does not use it: upgrade this program.")
{
    public IReadOnlyList<string> Unknown { get; } = unknown;
}
