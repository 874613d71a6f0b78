using System.Data.Common;
using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Shangding.Core.Data;

/// <summary>One versioned schema migration: an SQL script per provider, applied once, in order.</summary>
public sealed record SchemaMigration(string Version, string Name, string Sql);

/// <summary>The outcome of <see cref="SchemaMigrator.MigrateAsync"/>.</summary>
public sealed record MigrationReport(IReadOnlyList<string> AlreadyApplied, IReadOnlyList<string> NewlyApplied);

/// <summary>
/// Applies the hand-written SQL migrations of the configured provider (there is no <c>dotnet ef</c>
/// here). Each script runs in its own transaction together with its row in
/// <c>schema_migrations</c>, so a failing script leaves the schema as it was.
/// </summary>
public sealed class SchemaMigrator(DatabaseSettings settings)
{
    private const string ResourcePrefix = "migrations/";

    /// <summary>The migrations shipped for the configured provider, in version order.</summary>
    public IReadOnlyList<SchemaMigration> Available { get; } = LoadMigrations(settings.Provider);

    public async Task<MigrationReport> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await EnsureHistoryTableAsync(connection, cancellationToken);

        var already = new List<string>();
        var applied = new List<string>();
        foreach (var migration in Available)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (settings.Provider == DatabaseProvider.Postgres)
            {
                // Two processes migrating at once (web app and CLI) queue here instead of colliding.
                await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(727274001)", cancellationToken);
            }

            if (await IsAppliedAsync(connection, transaction, migration.Version, cancellationToken))
            {
                already.Add(migration.Version);
                await transaction.RollbackAsync(cancellationToken);
                continue;
            }

            try
            {
                await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
            }
            catch (DbException ex)
            {
                throw new InvalidOperationException(
                    $"Migration {migration.Version}_{migration.Name} failed on {settings.Provider}; nothing of it was applied: {ex.Message}", ex);
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
            applied.Add(migration.Version);
        }

        return new MigrationReport(already, applied);
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
        DbConnection connection = settings.Provider switch
        {
            DatabaseProvider.Sqlite => new SqliteConnection(settings.ConnectionString),
            DatabaseProvider.Postgres => new NpgsqlConnection(settings.ConnectionString),
            _ => throw new InvalidOperationException($"Unknown provider {settings.Provider}"),
        };
        await connection.OpenAsync(cancellationToken);
        if (settings.Provider == DatabaseProvider.Sqlite)
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
        var sql = settings.Provider == DatabaseProvider.Postgres
            ? "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)"
            : "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
        await ExecuteAsync(connection, null, sql, cancellationToken);
    }

    private static async Task<bool> IsAppliedAsync(DbConnection connection, DbTransaction transaction, string version, CancellationToken cancellationToken)
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

    private static List<SchemaMigration> LoadMigrations(DatabaseProvider provider)
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

        migrations.Sort((a, b) => string.CompareOrdinal(a.Version, b.Version));
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
