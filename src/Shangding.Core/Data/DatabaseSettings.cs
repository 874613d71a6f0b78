using Microsoft.Extensions.Configuration;

namespace Shangding.Core.Data;

/// <summary>The storage engines Shangding runs on.</summary>
public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Where the data lives: read the same way by the web app, the CLI and the tests from
/// <c>Database:Provider</c> and <c>ConnectionStrings:Shangding</c> (or their environment-variable
/// forms <c>Database__Provider</c> and <c>ConnectionStrings__Shangding</c>), and
/// <c>Database:MigrationLockTimeoutSeconds</c>.
/// </summary>
public sealed record DatabaseSettings(DatabaseProvider Provider, string ConnectionString)
{
    public const string DefaultSqliteFile = "App_Data/shangding.db";

    /// <summary>The default of <see cref="MigrationLockTimeout"/>.</summary>
    public static readonly TimeSpan DefaultMigrationLockTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// On PostgreSQL, how long a migration's statement waits for a table lock (<c>lock_timeout</c>) before the
    /// migration is rolled back and tried again (see <see cref="SchemaMigrator"/>). While an ALTER TABLE waits for
    /// its lock, every other query on that table waits behind it, so this bounds how long a migration can stall the
    /// platform when another session (a running import) holds the table.
    /// </summary>
    public TimeSpan MigrationLockTimeout { get; init; } = DefaultMigrationLockTimeout;

    /// <summary>Reads the settings, placing a relative SQLite file under the platform home.</summary>
    public static DatabaseSettings FromConfiguration(IConfiguration configuration, ShangdingPaths paths) =>
        FromConfiguration(configuration, paths.Home);

    /// <summary>Reads the settings; a relative SQLite file is placed under <paramref name="contentRoot"/>.</summary>
    public static DatabaseSettings FromConfiguration(IConfiguration configuration, string contentRoot)
    {
        var providerText = configuration["Database:Provider"];
        DatabaseProvider provider;
        if (string.IsNullOrWhiteSpace(providerText))
        {
            provider = DatabaseProvider.Sqlite;
        }
        else if (!Enum.TryParse(providerText.Trim(), ignoreCase: true, out provider) || !Enum.IsDefined(provider))
        {
            throw new InvalidOperationException(
                $"Database:Provider is '{providerText}'; use 'Sqlite' (the default) or 'Postgres'.");
        }

        var connectionString = configuration.GetConnectionString("Shangding");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (provider == DatabaseProvider.Postgres)
            {
                throw new InvalidOperationException(
                    "Database:Provider is Postgres but ConnectionStrings:Shangding is not set " +
                    "(e.g. ConnectionStrings__Shangding='Host=localhost;Database=shangding;Username=…;Password=…').");
            }

            connectionString = $"Data Source={DefaultSqliteFile}";
        }

        if (provider == DatabaseProvider.Sqlite)
        {
            connectionString = AnchorSqlitePath(connectionString, contentRoot);
        }

        return new DatabaseSettings(provider, connectionString)
        {
            MigrationLockTimeout = ReadMigrationLockTimeout(configuration["Database:MigrationLockTimeoutSeconds"]),
        };
    }

    private static TimeSpan ReadMigrationLockTimeout(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultMigrationLockTimeout;
        }

        if (!double.TryParse(text.Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            || !double.IsFinite(seconds) || seconds < 0.001 || seconds > 3600)
        {
            throw new InvalidOperationException(
                $"Database:MigrationLockTimeoutSeconds is '{text}'; use a number of seconds from 0.001 to 3600 (default {DefaultMigrationLockTimeout.TotalSeconds}).");
        }

        return TimeSpan.FromSeconds(seconds);
    }

    private static string AnchorSqlitePath(string connectionString, string contentRoot)
    {
        var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString);
        var source = builder.DataSource;
        if (source.Length > 0 && source != ":memory:" && builder.Mode != Microsoft.Data.Sqlite.SqliteOpenMode.Memory
            && !Path.IsPathRooted(source))
        {
            builder.DataSource = Path.GetFullPath(Path.Combine(contentRoot, source));
        }

        if (builder.DataSource.Length > 0 && Path.IsPathRooted(builder.DataSource))
        {
            var directory = Path.GetDirectoryName(builder.DataSource);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }

        return builder.ToString();
    }

    /// <summary>The connection string with any password removed, for messages and logs.</summary>
    public string Describe()
    {
        if (Provider == DatabaseProvider.Sqlite)
        {
            return $"SQLite ({new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(ConnectionString).DataSource})";
        }

        var builder = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Password = null };
        return $"PostgreSQL (Host={builder.Host};Port={builder.Port};Database={builder.Database};Username={builder.Username})";
    }
}
