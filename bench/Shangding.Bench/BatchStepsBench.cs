using System.Diagnostics;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Intake.Files;
using Shangding.Core.Subjects;

namespace Shangding.Bench;

/// <summary>
/// (diagnostic) Where the time of a small batch goes: the first rows of a file sent as API-sized batches of 1,000,
/// one after another, in process (no HTTP), after ten uncounted warm-up batches; each step of the batch summed over all batches.
/// </summary>
internal static class BatchStepsBench
{
    /// <summary>Batches sent first and not counted: the JIT and the connection pools settle on them.</summary>
    private const int WarmUpBatches = 10;

    public static async Task<int> RunAsync(string path, DatabaseProvider provider, int records)
    {
        await using var database = await BenchDatabase.CreateAsync(provider);
        await new SchemaMigrator(database.Settings).MigrateAsync();
        var category = Program.Catalog.Find("P-ARREARS-WATER")!;
        using var stream = File.OpenRead(path);
        using var source = TabularReader.Open(stream, path, IntakeFileLimits.Default);
        var all = source.ReadRows(CancellationToken.None).Take(records + 6).ToList();
        var map = ColumnMap.Detect(all.Take(6).Select(r => r.Cells).ToList(), category);
        var rows = all.Skip(map.DataStart).Take(records).Select(r => map.ToRow(r.RowNumber, r.Cells)).ToList();
        var protector = new IdentityProtector(IdentityProtectionKeys.Generate());
        var intake = new IntakeService(Program.Catalog, protector, database.Settings, TimeProvider.System);
        var steps = new Dictionary<string, double>();
        var inside = 0.0;
        // No idempotency key: one request serves every batch.
        var request = new IntakeRequest("WATER-SUPPLY", IntakeChannels.Api, "api:bench", category.Code, ReturnRecordResults: true);
        var chunks = rows.Chunk(ApiBench.BatchSize).ToList();
        var created = 0;
        foreach (var chunk in chunks.Take(WarmUpBatches))
        {
            created += (await intake.RunAsync(request, chunk, null, CancellationToken.None)).Created;
        }

        chunks = chunks.Skip(WarmUpBatches).ToList();
        var measured = chunks.Sum(c => c.Length);
        var watch = Stopwatch.StartNew();
        foreach (var chunk in chunks)
        {
            var result = await intake.RunAsync(request, chunk, null, CancellationToken.None);
            created += result.Created;
            foreach (var (name, seconds) in result.Timings)
            {
                steps[name] = steps.GetValueOrDefault(name) + seconds;
                if (!name.StartsWith("stage.busy", StringComparison.Ordinal))
                {
                    inside += seconds;
                }
            }
        }

        var total = watch.Elapsed.TotalSeconds;
        var batches = chunks.Count;
        Program.Report(new
        {
            step = "batch-steps",
            provider = provider.ToString(),
            warmUpBatches = WarmUpBatches,
            records = measured,
            batches,
            created, // warm-up and measured batches together
            seconds = total,
            recordsPerSecond = measured / total,
            msPerBatch = Math.Round(total * 1000 / batches, 2),
            msPerBatchOutsideStore = Math.Round((total - inside) * 1000 / batches, 2),
            stepsMsPerBatch = steps.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value * 1000 / batches, 2)),
        });
        // Every row of the file is valid and new: a batch that created fewer measured rejections, not the merge.
        return created == rows.Count ? 0 : 1;
    }
}
