using Microsoft.Data.Sqlite;
using Npgsql;
using Shangding.Core.Data;
using Xunit;

namespace Shangding.Testing;

/// <summary>
/// A fresh, migrated database for one test on one engine: a temporary SQLite file, or a new
/// PostgreSQL database on the server named by <c>SHANGDING_TEST_POSTGRES</c> (an admin connection
/// string, e.g. <c>Host=127.0.0.1;Username=postgres;Password=postgres;Database=postgres</c>).
/// Without that variable PostgreSQL tests are skipped locally and fail when <c>CI=true</c>.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "SHANGDING_TEST_POSTGRES";

    private readonly string? _sqliteFile;
    private readonly string? _adminConnection;
    private readonly string? _databaseName;

    private TestDatabase(DatabaseSettings settings, string? sqliteFile, string? adminConnection, string? databaseName)
    {
        Settings = settings;
        _sqliteFile = sqliteFile;
        _adminConnection = adminConnection;
        _databaseName = databaseName;
    }

    public DatabaseSettings Settings { get; }

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Creates and migrates an empty database on <paramref name="provider"/>.</summary>
    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider, bool migrate = true)
    {
        var database = provider switch
        {
            DatabaseProvider.Sqlite => CreateSqlite(),
            DatabaseProvider.Postgres => await CreatePostgresAsync(),
            _ => throw new ArgumentOutOfRangeException(nameof(provider)),
        };
        if (migrate)
        {
            await new SchemaMigrator(database.Settings).MigrateAsync(TestContext.Current.CancellationToken);
        }

        return database;
    }

    public ShangdingDbContext NewContext() => DataServiceCollectionExtensions.CreateContext(Settings);

    private static TestDatabase CreateSqlite()
    {
        var file = Path.Combine(Path.GetTempPath(), $"shangding-test-{Guid.NewGuid():N}.db");
        var settings = new DatabaseSettings(DatabaseProvider.Sqlite, new SqliteConnectionStringBuilder { DataSource = file }.ToString());
        return new TestDatabase(settings, file, null, null);
    }

    private static async Task<TestDatabase> CreatePostgresAsync()
    {
        var admin = Environment.GetEnvironmentVariable(PostgresVariable);
        if (string.IsNullOrWhiteSpace(admin))
        {
            if (InCi)
            {
                throw new InvalidOperationException(
                    $"CI=true but {PostgresVariable} is not set: PostgreSQL tests must run in CI (.ci/run sets it).");
            }

            Assert.Skip($"PostgreSQL not configured: set {PostgresVariable} (see README) to run this test on PostgreSQL.");
        }

        var name = $"sd_test_{Guid.NewGuid():N}"[..24];
        try
        {
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException ex)
        {
            throw new InvalidOperationException(
                $"{PostgresVariable} is set but the PostgreSQL server cannot be used: {ex.Message}", ex);
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = false };
        return new TestDatabase(new DatabaseSettings(DatabaseProvider.Postgres, builder.ToString()), null, admin, name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_sqliteFile is not null)
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(_sqliteFile + suffix);
            }
        }

        if (_adminConnection is not null && _databaseName is not null)
        {
            await using var connection = new NpgsqlConnection(_adminConnection);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_databaseName} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
