using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Shangding.Core;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Intake.Files;
using Shangding.Core.Subjects;

namespace Shangding.Bench;

/// <summary>
/// Intake benchmarks (issue 3): generate a realistic file, then in separate processes read it,
/// import it on SQLite or PostgreSQL, and push records through the JSON API over loopback.
/// Each command prints one line of JSON; bench/run.sh collects them. See bench/README.md.
/// </summary>
public static class Program
{
    private static readonly ShangdingPaths Paths = ShangdingPaths.FromConfiguration(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
    private static readonly Lazy<CatalogDefinition> LazyCatalog = new(() => CatalogLoader.Load(Paths.CatalogDirectory));

    public static CatalogDefinition Catalog => LazyCatalog.Value;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            await Console.Error.WriteLineAsync("usage: generate <rows> <file.xlsx|file.csv> | read <file> | calibrate | import <file> <sqlite|postgres> [--twice] [--then <file2>] | api <records> <sqlite|postgres> | score-generate <sqlite|postgres> <file|database> <persons> <records-per-person> | score-stream|score-recompute [--draft]|score-rescore <n>|score-simulate|score-drop <sqlite|postgres> <file|database>");
            return 2;
        }

        if (args[0] == "api" && ApiBench.RunsAsDeployed() is { } exitCode)
        {
            return exitCode;
        }

        return args[0] switch
        {
            "generate" => Generate(int.Parse(args[1], CultureInfo.InvariantCulture), args[2]),
            "read" => Read(args[1]),
            "calibrate" => Calibrate(),
            "rejects-write" => RejectsWrite(int.Parse(args[1], CultureInfo.InvariantCulture), args[2]),
            "rejects-export" => await RejectsExportAsync(args[1], Enum.Parse<DatabaseProvider>(args[2], ignoreCase: true)),
            "intake-cpu" => IntakeCpuBench.Run(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3),
            "storage-floor" => await StorageFloorBench.RunAsync(args[1], Enum.Parse<DatabaseProvider>(args[2], ignoreCase: true)),
            "numbers-migration" => await NumbersMigrationBench.RunAsync(args[1], Enum.Parse<DatabaseProvider>(args[2], ignoreCase: true)),
            "import" => await ImportAsync(args[1], Enum.Parse<DatabaseProvider>(args[2], ignoreCase: true), args.Contains("--twice"),
                Array.IndexOf(args, "--then") is var then and > 0 && then + 1 < args.Length ? args[then + 1] : null),
            _ when args[0].StartsWith("score-", StringComparison.Ordinal) => await ScoreBench.RunAsync(args),
            "batch-steps" => await BatchStepsBench.RunAsync(args[1], Enum.Parse<DatabaseProvider>(args[2], ignoreCase: true), args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 50_000),
            "api" => await ApiBench.RunAsync(int.Parse(args[1], CultureInfo.InvariantCulture), Enum.Parse<DatabaseProvider>(args[2], ignoreCase: true),
                args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 100_000),
            _ => 2,
        };
    }

    /// <summary>
    /// Writes <paramref name="rows"/> rejected water-arrears rows (as uploaded, with a reason of about 70 characters) as
    /// a rejects file, .xlsx or .csv, to nowhere: the writer's own cost, without the database or the network.
    /// </summary>
    private static int RejectsWrite(int rows, string format)
    {
        var header = IntakeColumns.For(Catalog.Find("P-ARREARS-WATER")!).Select(c => c.NameZh).ToList();
        IEnumerable<(int, string?[], string)> Rows()
        {
            for (var i = 0; i < rows; i++)
            {
                yield return (i + 3, [$"W-{i:D7}", "姚昊然", "居民身分证", "410102195001010006", "郑州市金桥105号22单元1536", "2025-02-04", "2025-03-29", "16",
                    "3808.64", "市自来水公司", "2025-04-01", null], "证件类型：“居民身分证”不在可选值中（可选：居民身份证、护照、港澳居民来往内地通行证、台湾居民来往大陆通行证、外国人永久居留身份证）");
            }
        }

        var output = new CountingStream();
        var watch = Stopwatch.StartNew();
        if (format == "xlsx")
        {
            RejectsFileWriter.WriteXlsx(output, header, Rows(), RejectsExport.ReasonHeader);
        }
        else
        {
            RejectsFileWriter.WriteCsv(output, header, Rows(), RejectsExport.ReasonHeader);
        }

        Report(new { step = "rejects-write", format, rows, bytes = output.Length, seconds = watch.Elapsed.TotalSeconds });
        return 0;
    }

    /// <summary>
    /// Imports <paramref name="path"/> (a file whose rows are refused, e.g. bench/web-rejects.sh's water-bad.csv), then
    /// exports the batch's rejects as .xlsx and as .csv to nowhere, twice each: the stored rows read, decrypted and
    /// written, as a clerk's download does without the network (<c>rejects-write</c> times the writer alone).
    /// </summary>
    private static async Task<int> RejectsExportAsync(string path, DatabaseProvider provider)
    {
        await using var database = await BenchDatabase.CreateAsync(provider);
        await new SchemaMigrator(database.Settings).MigrateAsync();
        var protector = new IdentityProtector(IdentityProtectionKeys.Generate());
        var result = await database.ImportWaterFileAsync(path, protector);

        Report(new { step = "rejects-import", provider = provider.ToString(), rows = result.TotalRows, result.Rejected });
        for (var round = 0; round < 2; round++)
        {
            foreach (var xlsx in new[] { true, false })
            {
                await using var context = DataServiceCollectionExtensions.CreateContext(database.Settings);
                var batch = await context.IntakeBatches.AsNoTracking().SingleAsync(b => b.Id == result.BatchId);
                var output = new CountingStream();
                var watch = Stopwatch.StartNew();
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                RejectsExport.Write(context, batch, output, xlsx, english: false, protector);
                Report(new
                {
                    step = "rejects-export",
                    provider = provider.ToString(),
                    format = xlsx ? "xlsx" : "csv",
                    rows = result.Rejected,
                    bytes = output.Length,
                    seconds = watch.Elapsed.TotalSeconds,
                    cpuSeconds = Math.Round((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds, 2),
                    peakMb = PeakMb(),
                });
            }
        }

        return 0;
    }

    /// <summary>A write-only stream that only counts (not seekable, like a response body).</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
    }

    private static int Generate(int rows, string path)
    {
        var watch = Stopwatch.StartNew();
        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            DataGenerator.WriteCsv(path, rows, seed: 42);
        }
        else
        {
            DataGenerator.WriteXlsx(path, rows, seed: 42);
        }

        Report(new { step = "generate", file = Path.GetFileName(path), rows, bytes = new FileInfo(path).Length, seconds = watch.Elapsed.TotalSeconds });
        return 0;
    }

    /// <summary>
    /// The same fixed work every time — sorting 4 million random integers (memory-bound) and hashing 256 MB (CPU-bound) —
    /// to tell the machine's speed at that moment. On the virtual machines this was measured on, the same binary's
    /// import took anything from 16 to 23 s within minutes; a calibration next to each result says which phase it ran in.
    /// </summary>
    private static int Calibrate()
    {
        var random = new Random(7);
        var numbers = new int[4_000_000];
        for (var i = 0; i < numbers.Length; i++)
        {
            numbers[i] = random.Next();
        }

        var watch = Stopwatch.StartNew();
        Array.Sort(numbers);
        var sort = watch.Elapsed.TotalSeconds;
        var block = new byte[1 << 20];
        random.NextBytes(block);
        watch.Restart();
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        for (var i = 0; i < 256; i++)
        {
            sha.AppendData(block);
        }

        sha.GetHashAndReset();
        Report(new { step = "calibrate", sortSeconds = Math.Round(sort, 3), sha256Seconds = Math.Round(watch.Elapsed.TotalSeconds, 3), loadAverage = File.ReadAllText("/proc/loadavg").Trim() });
        return 0;
    }

    /// <summary>The bare read: every row through the file layer, nothing else.</summary>
    private static int Read(string path)
    {
        var watch = Stopwatch.StartNew();
        using var stream = File.OpenRead(path);
        using var source = TabularReader.Open(stream, path, IntakeFileLimits.Default);
        long rows = 0, cells = 0;
        // Until the first row: what a reader does before it hands out any row (an .xlsx's shared strings are read whole
        // first), during which nothing downstream of it — validation, the database — can start.
        double? firstRowSeconds = null;
        foreach (var row in source.ReadRows(CancellationToken.None))
        {
            firstRowSeconds ??= watch.Elapsed.TotalSeconds;
            rows++;
            cells += row.Cells.Length;
        }

        Report(new { step = "read", file = Path.GetFileName(path), rows, cells, seconds = watch.Elapsed.TotalSeconds, firstRowSeconds, peakMb = PeakMb() });
        return 0;
    }

    /// <summary>Imports the file (twice: again, all unchanged); then: a second file after it (e.g. the same keys with other
    /// amounts: every row an update).</summary>
    private static async Task<int> ImportAsync(string first, DatabaseProvider provider, bool twice, string? then)
    {
        await using var database = await BenchDatabase.CreateAsync(provider);
        await new SchemaMigrator(database.Settings).MigrateAsync();
        var protector = new IdentityProtector(IdentityProtectionKeys.Generate());
        var intake = new IntakeService(Catalog, protector, database.Settings, TimeProvider.System);
        var import = new FileImport(intake, IntakeFileLimits.Default);
        var rounds = new List<(string Step, string Path)> { ("import", first) };
        if (twice)
        {
            rounds.Add(("reimport", first));
        }

        if (then is not null)
        {
            rounds.Add(("then", then));
        }

        foreach (var (step, path) in rounds)
        {
            var watch = Stopwatch.StartNew();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var pauseBefore = GC.GetTotalPauseDuration();
            var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var cpu = await CpuAccount.StartAsync(database.Server.Admin, database.Server.Name);
            await using var stream = File.OpenRead(path);
            using var trace = Environment.GetEnvironmentVariable("SHANGDING_BENCH_GCTRACE") is null ? null : new GcTrace();
            var result = await import.RunAsync(stream, Path.GetFileName(path), "WATER-SUPPLY", "P-ARREARS-WATER", "bench", null, CancellationToken.None);
            var seconds = watch.Elapsed.TotalSeconds;
            var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            var machine = await cpu.StopAsync(seconds);
            Report(new
            {
                step,
                provider = provider.ToString(),
                file = Path.GetFileName(path),
                rows = result.TotalRows,
                result.Created,
                result.Updated,
                result.Unchanged,
                result.Rejected,
                result.Status,
                refusals = result.Refusals.Select(r => r.MessageEn),
                seconds,
                rowsPerSecond = result.TotalRows / seconds,
                peakMb = PeakMb(),
                // This process's CPU and its garbage collections; the machine's and a local PostgreSQL server's CPU (cpu).
                clientCpuSeconds = Math.Round(clientCpu, 2),
                gcPauseSeconds = Math.Round((GC.GetTotalPauseDuration() - pauseBefore).TotalSeconds, 2),
                gcCounts = new[] { GC.CollectionCount(0) - gcBefore.Item1, GC.CollectionCount(1) - gcBefore.Item2, GC.CollectionCount(2) - gcBefore.Item3 },
                steps = result.Timings.ToDictionary(t => t.Key, t => Math.Round(t.Value, 2)),
                gcTrace = trace?.Summary(),
                cpu = machine,
            });
        }

        return 0;
    }

    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Report(object value) => Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(value, JsonOptions));

    /// <summary>Peak resident memory of this process (VmHWM), in MB.</summary>
    public static double PeakMb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
        }

        return double.NaN;
    }
}

/// <summary>A fresh database per run: a temporary SQLite file, or a new PostgreSQL database on SHANGDING_BENCH_POSTGRES (admin connection).</summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private readonly string? _file;
    private readonly string? _admin;
    private readonly string? _name;

    private BenchDatabase(DatabaseSettings settings, string? file, string? admin, string? name)
    {
        Settings = settings;
        _file = file;
        _admin = admin;
        _name = name;
    }

    public DatabaseSettings Settings { get; }

    /// <summary>The admin connection string and database name of a PostgreSQL bench database (null on SQLite).</summary>
    public (string? Admin, string? Name) Server => (_admin, _name);

    /// <summary>Imports <paramref name="path"/> as the water company's arrears file, as the web page and the CLI do.</summary>
    public async Task<BatchResult> ImportWaterFileAsync(string path, IdentityProtector protector)
    {
        var intake = new IntakeService(Program.Catalog, protector, Settings, TimeProvider.System);
        await using var stream = File.OpenRead(path);
        return await new FileImport(intake, IntakeFileLimits.Default).RunAsync(stream, Path.GetFileName(path), "WATER-SUPPLY", "P-ARREARS-WATER", "bench", null,
            CancellationToken.None);
    }

    public static async Task<BenchDatabase> CreateAsync(DatabaseProvider provider)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            var file = Path.Combine(Path.GetTempPath(), $"shangding-bench-{Guid.NewGuid():N}.db");
            return new BenchDatabase(new DatabaseSettings(provider, new SqliteConnectionStringBuilder { DataSource = file }.ToString()), file, null, null);
        }

        var admin = Environment.GetEnvironmentVariable("SHANGDING_BENCH_POSTGRES")
            ?? Environment.GetEnvironmentVariable("SHANGDING_TEST_POSTGRES")
            ?? throw new InvalidOperationException("Set SHANGDING_BENCH_POSTGRES to an admin connection string (see bench/README.md).");
        var name = $"sd_bench_{Guid.NewGuid():N}"[..24];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        var settings = new DatabaseSettings(provider, new NpgsqlConnectionStringBuilder(admin) { Database = name }.ToString());
        return new BenchDatabase(settings, null, admin, name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_file is not null)
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(_file + suffix);
            }
        }

        if (_admin is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_admin);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
