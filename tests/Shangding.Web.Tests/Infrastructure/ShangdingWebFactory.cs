using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Testing;

namespace Shangding.Web.Tests.Infrastructure;

/// <summary>
/// The real web app over HTTP on a temporary SQLite database, migrated and seeded with a small demo
/// population, with identity keys of its own.
/// </summary>
public sealed class ShangdingWebFactory : WebApplicationFactory<Program>
{
    private readonly string _databaseFile = Path.Combine(Path.GetTempPath(), $"shangding-web-{Guid.NewGuid():N}.db");
    private readonly string _spoolDirectory = Path.Combine(Path.GetTempPath(), $"shangding-web-{Guid.NewGuid():N}-spool");
    private readonly string? _environment;
    private readonly IReadOnlyDictionary<string, string?> _settings;

    /// <summary>The app as a test fixture: the host's default environment (Development).</summary>
    public ShangdingWebFactory()
        : this(null, null)
    {
    }

    private ShangdingWebFactory(string? environment, IReadOnlyDictionary<string, string?>? settings)
    {
        _environment = environment;
        _settings = settings ?? new Dictionary<string, string?>();
    }

    /// <summary>The app in another environment (e.g. Production) and with more settings, for tests of environment-dependent behaviour.</summary>
    public static ShangdingWebFactory In(string environment, IReadOnlyDictionary<string, string?>? settings = null) => new(environment, settings);

    public static IReadOnlyDictionary<string, string?> TestKeys { get; } = new Dictionary<string, string?>
    {
        ["Security:IdEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["Security:IdHashKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["Access:QueryLogKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    };

    /// <summary>The app's SQLite database file (another factory may be pointed at it, as a second app on the same database).</summary>
    public string DatabaseFile => _databaseFile;

    /// <summary>Where the app spools uploads (<c>Intake:SpoolDirectory</c>): the factory's own, unless its settings name another.</summary>
    public string SpoolDirectory => _settings.TryGetValue("Intake:SpoolDirectory", out var configured) && configured is not null ? configured : _spoolDirectory;

    /// <summary>A clock for the whole app (e.g. a <see cref="MovableClock"/>), instead of the system's.</summary>
    public TimeProvider? Clock { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        if (Clock is { } clock)
        {
            builder.ConfigureTestServices(services => services.AddSingleton(clock));
        }

        builder.UseSetting("Shangding:Home", RepoPaths.Root);
        builder.UseSetting("Database:Provider", "Sqlite");
        builder.UseSetting("ConnectionStrings:Shangding", new SqliteConnectionStringBuilder { DataSource = _databaseFile }.ToString());
        builder.UseSetting("Database:MigrateOnStart", "true");
        builder.UseSetting("Demo:Seed", "true");
        builder.UseSetting("Demo:Persons", "40");
        builder.UseSetting("Jobs:Enabled", "false");
        // Uploads spooled apart from other tests' (and from leftovers of killed test runs, which an app would take back).
        builder.UseSetting("Intake:SpoolDirectory", _spoolDirectory);
        // Every test client comes from the same address: rate limits are tested on their own (AccessAbuseTests).
        builder.UseSetting("Access:RateLimits:SignInPerMinute", "10000");
        builder.UseSetting("Access:RateLimits:QueriesPerMinute", "10000");
        builder.UseSetting("Access:RateLimits:PublicSearchesPerMinute", "10000");
        foreach (var (key, value) in TestKeys.Concat(_settings))
        {
            builder.UseSetting(key, value);
        }

        if (_environment is not null)
        {
            builder.UseEnvironment(_environment);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_spoolDirectory))
        {
            Directory.Delete(_spoolDirectory, recursive: true);
        }

        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_databaseFile + suffix);
        }
    }
}
