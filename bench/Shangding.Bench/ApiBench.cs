using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Web;

namespace Shangding.Bench;

/// <summary>
/// The JSON API over loopback: the real web app (Kestrel on 127.0.0.1) on a fresh database, two
/// clients sending batches of 1,000 records with a unit's API token. A warm-up of other records goes
/// first and is timed apart: a server that has just started spends much of one of the two cores on
/// compiling its hot paths again (tiered JIT) over its first 200 or so batches; the measured
/// records are the rate of a server that has been up for a while.
/// </summary>
internal static class ApiBench
{
    public const int BatchSize = 1000;
    private static readonly int Clients = int.Parse(Environment.GetEnvironmentVariable("BENCH_CLIENTS") ?? "2");

    /// <summary>
    /// The web app runs with server garbage collection and without dynamic PGO (Shangding.Web.csproj); this
    /// process has the CLI's settings, which the file benchmarks need. Unless the API benchmark already runs as the
    /// web app does, it runs itself again with the web app's settings and returns that run's exit code; null when
    /// it already does (or SHANGDING_BENCH_AS_IS is set, to measure other settings).
    /// </summary>
    public static int? RunsAsDeployed()
    {
        if ((System.Runtime.GCSettings.IsServerGC && !TieredPgo) || Environment.GetEnvironmentVariable("SHANGDING_BENCH_AS_IS") is not null)
        {
            return null;
        }

        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        var args = Environment.GetCommandLineArgs();
        // Started as `dotnet Shangding.Bench.dll ...`, the first argument is the assembly; from the apphost it is not needed.
        var viaDotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet";
        foreach (var arg in viaDotnet ? args : args[1..])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_gcServer"] = "1";
        start.Environment["DOTNET_TieredPGO"] = "0";
        start.Environment["SHANGDING_BENCH_AS_IS"] = "1";
        using var child = Process.Start(start)!;
        child.WaitForExit();
        return child.ExitCode;
    }

    /// <summary>Whether dynamic PGO is on: the runtimeconfig switch if the build sets one, else the environment.</summary>
    private static bool TieredPgo =>
        AppContext.TryGetSwitch("System.Runtime.TieredPGO", out var on) ? on : Environment.GetEnvironmentVariable("DOTNET_TieredPGO") != "0";

    public static async Task<int> RunAsync(int records, DatabaseProvider provider, int warmUp)
    {
        await using var database = await BenchDatabase.CreateAsync(provider);
        var home = Shangding.Core.ShangdingPaths.FromConfiguration(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build()).Home;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Production",
            ContentRootPath = Path.Combine(home, "src", "Shangding.Web"),
        });
        builder.Configuration["Database:Provider"] = provider.ToString();
        builder.Configuration["ConnectionStrings:Shangding"] = database.Settings.ConnectionString;
        builder.Configuration["Database:MigrateOnStart"] = "true";
        builder.Configuration["Security:IdEncryptionKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        builder.Configuration["Security:IdHashKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        builder.Configuration["Access:QueryLogKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        builder.Logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddShangdingWeb();
        await using var app = builder.Build();
        await app.PrepareDatabaseAsync();
        app.UseShangdingWeb();
        await app.StartAsync();
        var address = app.Urls.First();

        string token;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            token = (await scope.ServiceProvider.GetRequiredService<UnitCredentials>().CreateAsync(db, "WATER-SUPPLY", null, "bench", "bench", CancellationToken.None)).Token;
        }

        // Prepare the request bodies first, as JSON bytes, so the clock measures the server, not the generator or the
        // client's serializer (both run in this process, on the same two cores).
        // The generated rows are not kept, only the request bodies (byte arrays): three million small strings left
        // on the heap made every full garbage collection of the server mark them.
        var codes = IntakeColumns.For(Program.Catalog.Find("P-ARREARS-WATER")!).Select(c => c.Code).ToList();
        var bodies = DataGenerator.Rows(warmUp + records, seed: 7).Skip(2).Chunk(BatchSize).Select(chunk => new
        {
            records = chunk.Select(r => new
            {
                recordKey = r[0],
                category = "P-ARREARS-WATER",
                fields = Enumerable.Range(1, r.Length - 1).Where(i => r[i].Length > 0).ToDictionary(i => codes[i], i => r[i]),
            }).ToList(),
        }).Select(body => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body)).ToList();

        using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var warmUpBatches = warmUp / BatchSize;
        var (warmUpSeconds, warmUpCreated) = await SendAsync(http, bodies[..warmUpBatches]);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var pauseBefore = GC.GetTotalPauseDuration();
        var gen2Before = GC.CollectionCount(2);
        var trace = Environment.GetEnvironmentVariable("SHANGDING_BENCH_GCTRACE") is null ? null : new GcTrace();
        var (seconds, created) = await SendAsync(http, bodies[warmUpBatches..]);
        var gcTrace = trace?.Summary();
        trace?.Dispose();
        // The process's CPU time over the measured phase (server and clients share the machine's cores) and the
        // garbage collector's share of it, to tell a busy machine from a waiting one.
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var gcPauseSeconds = (GC.GetTotalPauseDuration() - pauseBefore).TotalSeconds;
        var gen2 = GC.CollectionCount(2) - gen2Before;
        await app.StopAsync();
        Program.Report(new
        {
            step = "api",
            provider = provider.ToString(),
            records,
            warmUpRecords = warmUpBatches * BatchSize,
            warmUpSeconds,
            warmUpRecordsPerSecond = warmUpBatches * BatchSize / warmUpSeconds,
            batch = BatchSize,
            clients = Clients,
            serverGc = System.Runtime.GCSettings.IsServerGC,
            tieredPgo = TieredPgo,
            created,
            seconds,
            recordsPerSecond = records / seconds,
            cpuSeconds,
            coresBusy = cpuSeconds / seconds,
            gcPauseSeconds,
            gen2Collections = gen2,
            gcTrace,
            peakMb = Program.PeakMb(),
        });
        return created == records && warmUpCreated == warmUpBatches * BatchSize ? 0 : 1;
    }

    private static async Task<(double Seconds, int Created)> SendAsync(HttpClient http, List<byte[]> bodies)
    {
        var next = -1;
        var created = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Count)
            {
                using var content = new ByteArrayContent(bodies[i]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await http.PostAsync("/api/v1/records", content);
                response.EnsureSuccessStatusCode();
                var answer = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
                Interlocked.Add(ref created, answer.GetProperty("created").GetInt32());
            }
        }));
        return (watch.Elapsed.TotalSeconds, created);
    }
}
