using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Shangding.Core;
using Shangding.Core.Data;
using Shangding.Core.Generation;
using Shangding.Core.Scoring;
using Shangding.Core.Subjects;

namespace Shangding.Bench;

/// <summary>
/// Score benchmarks (issue 4): a synthetic population written by <c>generate</c>, then, each in its
/// own process, streaming its records, a full recompute, rescoring changed subjects through the real
/// background worker, and a simulation of a draft model. The database is named on the command line
/// (a SQLite file, or a PostgreSQL database on SHANGDING_BENCH_POSTGRES) and kept between steps.
/// </summary>
internal static class ScoreBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var provider = Enum.Parse<DatabaseProvider>(args[1], ignoreCase: true);
        var settings = await SettingsAsync(provider, args[2], create: args[0] == "score-generate");
        return args[0] switch
        {
            "score-generate" => await GenerateAsync(settings, int.Parse(args[3], CultureInfo.InvariantCulture), int.Parse(args[4], CultureInfo.InvariantCulture)),
            "score-stream" => await StreamAsync(settings),
            "score-recompute" => await RecomputeAsync(settings, args.Length > 3 && args[3] == "--draft"),
            "score-rescore" => await RescoreAsync(settings, int.Parse(args[3], CultureInfo.InvariantCulture)),
            "score-simulate" => await SimulateAsync(settings),
            "score-drop" => await DropAsync(provider, args[2]),
            "score-cpu" => await CpuAsync(settings, int.Parse(args[3], CultureInfo.InvariantCulture)),
            _ => 2,
        };
    }

    private static readonly ShangdingPaths Paths = ShangdingPaths.FromConfiguration(new ConfigurationBuilder().Build());

    private static ScoreModelRegistry Registry(DatabaseSettings settings) => new(Paths, Program.Catalog, settings, TimeProvider.System);

    private static async Task<DatabaseSettings> SettingsAsync(DatabaseProvider provider, string target, bool create)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            return new DatabaseSettings(provider, new SqliteConnectionStringBuilder { DataSource = target }.ToString());
        }

        var admin = Admin();
        if (create)
        {
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {target} WITH (FORCE); ", connection);
            await command.ExecuteNonQueryAsync();
            command.CommandText = $"CREATE DATABASE {target}";
            await command.ExecuteNonQueryAsync();
        }

        return new DatabaseSettings(provider, new NpgsqlConnectionStringBuilder(admin) { Database = target }.ToString());
    }

    private static string Admin() => Environment.GetEnvironmentVariable("SHANGDING_BENCH_POSTGRES")
        ?? Environment.GetEnvironmentVariable("SHANGDING_TEST_POSTGRES")
        ?? throw new InvalidOperationException("Set SHANGDING_BENCH_POSTGRES to an admin connection string (see bench/README.md).");

    private static async Task<int> GenerateAsync(DatabaseSettings settings, int persons, int perPerson)
    {
        await new SchemaMigrator(settings).MigrateAsync();
        var protector = new IdentityProtector(IdentityProtectionKeys.Generate());
        var generator = new PopulationGenerator(Program.Catalog, protector, Registry(settings), TimeProvider.System);
        var report = await generator.GenerateAsync(settings, new GenerationOptions(persons, perPerson, Seed: 42, OptedInShare: 1.0), null, CancellationToken.None);
        Program.Report(new { step = "score-generate", provider = settings.Provider.ToString(), report.Persons, report.Records, report.OptedIn, report.SameActReports, report.Seconds, peakMb = Program.PeakMb() });
        return 0;
    }

    /// <summary>The baseline: the same chunked, subject-ordered reads as the recompute, every value touched, nothing built.</summary>
    private static async Task<int> StreamAsync(DatabaseSettings settings)
    {
        var watch = Stopwatch.StartNew();
        await using var context = DataServiceCollectionExtensions.CreateContext(settings);
        await context.Database.OpenConnectionAsync();
        var connection = context.Database.GetDbConnection();
        long subjects = 0, rows = 0, last = 0;
        while (true)
        {
            var ids = await ScoreStore.NextOptedInAsync(connection, null, last, FullRecompute.ChunkSize, CancellationToken.None);
            if (ids.Count == 0)
            {
                break;
            }

            rows += await ScoreStore.StreamOnlyAsync(connection, ids, CancellationToken.None);
            subjects += ids.Count;
            last = ids[^1];
        }

        Program.Report(new { step = "score-stream", provider = settings.Provider.ToString(), subjects, rows, seconds = watch.Elapsed.TotalSeconds, peakMb = Program.PeakMb(), load = Load() });
        return 0;
    }

    private static async Task<int> RecomputeAsync(DatabaseSettings settings, bool draft)
    {
        var model = draft ? DraftModel() : Registry(settings).Active;
        // A recompute leaves a dead version of every score on PostgreSQL. A daily run finds them vacuumed (autovacuum
        // has a day); back-to-back benchmark steps would measure autovacuum of the previous step instead. So the
        // previous step's vacuum runs first, untimed but reported.
        double? vacuumSeconds = null;
        if (settings.Provider == DatabaseProvider.Postgres)
        {
            var vacuum = Stopwatch.StartNew();
            await using var connection = new NpgsqlConnection(settings.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("VACUUM (ANALYZE) scores, score_history", connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync();
            vacuumSeconds = vacuum.Elapsed.TotalSeconds;
        }

        var report = await FullRecompute.RunAsync(settings, model, DateOnly.FromDateTime(DateTime.Now), TimeProvider.System, "recompute", null, CancellationToken.None);
        Program.Report(new { step = "score-recompute", provider = settings.Provider.ToString(), model = model.Version, report.Scored, report.Changed, report.Seconds, vacuumBeforeSeconds = vacuumSeconds, busy = new { read = report.StageSeconds.Read, compute = report.StageSeconds.Compute, write = report.StageSeconds.Write }, peakMb = Program.PeakMb(), load = Load() });
        return 0;
    }

    /// <summary>
    /// Changes one record of each of <paramref name="count"/> opted-in subjects (withdrawn) and marks them in one
    /// transaction, as intake does; the real background worker (already running, ticking every second) rescores them.
    /// Measures from that commit until the queue is empty and the last score is stored.
    /// </summary>
    private static async Task<int> RescoreAsync(DatabaseSettings settings, int count)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = settings.Provider.ToString(),
            ["ConnectionStrings:Shangding"] = settings.ConnectionString,
            ["Security:IdEncryptionKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Security:IdHashKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddShangdingCore(configuration);
        await using var provider = services.BuildServiceProvider();
        var worker = new Shangding.Web.RescoreWorker(provider, NullLogger<Shangding.Web.RescoreWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);

        await using var context = DataServiceCollectionExtensions.CreateContext(settings);
        var total = await context.ScoreOptIns.CountAsync();
        var step = Math.Max(1, total / count);
        var subjects = await context.ScoreOptIns.AsNoTracking().OrderBy(o => o.SubjectId).Select(o => o.SubjectId).ToListAsync();
        var chosen = subjects.Where((_, i) => i % step == 0).Take(count).ToList();
        var firstRecords = await context.Records.AsNoTracking().Where(r => chosen.Contains(r.SubjectId) && r.Status == RecordStatus.InForce)
            .GroupBy(r => r.SubjectId).Select(g => g.Min(r => r.Id)).ToListAsync();
        var now = DateTime.UtcNow;
        await using (var transaction = await context.Database.BeginTransactionAsync())
        {
            await context.Records.Where(r => firstRecords.Contains(r.Id)).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RecordStatus.Withdrawn).SetProperty(r => r.UpdatedAt, now));
            var connection = context.Database.GetDbConnection();
            await ScoreStore.Execute(connection, transaction.GetDbTransaction(),
                "INSERT INTO rescore_queue (subject_id, reason, marked_at) SELECT subject_id, 'intake', @now FROM score_opt_ins WHERE " + ScoreStore.InList(connection, "subject_id") +
                " ON CONFLICT (subject_id) DO UPDATE SET reason = excluded.reason, marked_at = excluded.marked_at", CancellationToken.None,
                ("@now", settings.Provider == DatabaseProvider.Postgres ? now : now.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)),
                ("@ids", ScoreStore.IdsParameter(connection, chosen)));
            await transaction.CommitAsync();
        }

        var watch = Stopwatch.StartNew();
        while (await context.RescoreQueue.AnyAsync())
        {
            await Task.Delay(20);
        }

        var seconds = watch.Elapsed.TotalSeconds;
        await worker.StopAsync(CancellationToken.None);
        var rescored = await context.Scores.CountAsync(s => chosen.Contains(s.SubjectId) && s.ComputedAt >= now);
        Program.Report(new { step = "score-rescore", provider = settings.Provider.ToString(), marked = chosen.Count, changedRecords = firstRecords.Count, rescored, seconds, peakMb = Program.PeakMb(), load = Load() });
        return 0;
    }

    /// <summary>Where the CPU goes for <paramref name="subjects"/> subjects: read and parse, compute, compute and serialise (one thread).</summary>
    private static async Task<int> CpuAsync(DatabaseSettings settings, int subjects)
    {
        await using var context = DataServiceCollectionExtensions.CreateContext(settings);
        await context.Database.OpenConnectionAsync();
        var connection = context.Database.GetDbConnection();
        var ids = await ScoreStore.NextOptedInAsync(connection, null, 0, subjects, CancellationToken.None);
        var watch = Stopwatch.StartNew();
        var stream = await ScoreStore.StreamOnlyAsync(connection, ids, CancellationToken.None);
        var streamSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var records = await ScoreStore.ReadRecordsAsync(connection, null, ids, Registry(settings).Active.Reads, CancellationToken.None);
        var readSeconds = watch.Elapsed.TotalSeconds;
        var model = Registry(settings).Active;
        var asOf = DateOnly.FromDateTime(DateTime.Now);
        long total = 0;
        for (var i = 0; i < Math.Min(5000, ids.Count); i++)
        {
            total += ScoreEngine.Compute(records[i], model, asOf).Score; // warm-up
        }

        watch.Restart();
        for (var i = 0; i < ids.Count; i++)
        {
            total += ScoreEngine.Compute(records[i], model, asOf).Score;
        }

        var computeSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        long bytes = 0;
        for (var i = 0; i < ids.Count; i++)
        {
            bytes += StoredExplanation.Of(ScoreEngine.Compute(records[i], model, asOf)).ToJson().Length;
        }

        var serialiseSeconds = watch.Elapsed.TotalSeconds - computeSeconds;
        var fields = records.SelectMany(r => r).Select(r => System.Text.Json.JsonSerializer.Serialize(r.Fields)).ToList();
        watch.Restart();
        foreach (var f in fields)
        {
            total += ScoringRecord.ParseFields(f).Count;
        }

        var parseSeconds = watch.Elapsed.TotalSeconds;
        Program.Report(new { step = "score-cpu", subjects = ids.Count, rows = stream, streamSeconds, readAndParseSeconds = readSeconds, parseSeconds, computeSeconds, serialiseSeconds, meanExplanationChars = bytes / ids.Count, total, load = Load() });
        return 0;
    }

    private static async Task<int> SimulateAsync(DatabaseSettings settings)
    {
        var watch = Stopwatch.StartNew();
        var report = await Simulation.RunAsync(settings, Registry(settings).Active, DraftModel(), DateOnly.FromDateTime(DateTime.Now), null, CancellationToken.None);
        Program.Report(new { step = "score-simulate", provider = settings.Provider.ToString(), report.Persons, report.MovedUp, report.MovedDown, report.LevelChanged, seconds = watch.Elapsed.TotalSeconds, peakMb = Program.PeakMb(), load = Load() });
        return 0;
    }

    private static async Task<int> DropAsync(DatabaseProvider provider, string target)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(target + suffix);
            }

            return 0;
        }

        await using var connection = new NpgsqlConnection(Admin());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {target} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
        return 0;
    }

    /// <summary>A draft of the shipped model: city-level volunteering worth as much as provincial (5 → 8), a new version.</summary>
    private static ScoreModel DraftModel()
    {
        var text = File.ReadAllText(Path.Combine(Paths.CatalogDirectory, "models", "2026.1.yaml"))
            .Replace("version: \"2026.1\"", "version: \"2026.2-bench\"", StringComparison.Ordinal)
            .Replace("{区县级: 3, 市级: 5, 省级: 8, 国家级: 12}}]\n    cap: 15", "{区县级: 3, 市级: 8, 省级: 8, 国家级: 12}}]\n    cap: 15", StringComparison.Ordinal);
        var file = Path.Combine(Path.GetTempPath(), "shangding-bench-draft.yaml");
        File.WriteAllText(file, text);
        return ScoreModelLoader.Load(file, Program.Catalog);
    }

    private static string Load() => File.ReadAllText("/proc/loadavg").Trim();
}
