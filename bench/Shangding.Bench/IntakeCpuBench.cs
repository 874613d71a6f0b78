using System.Diagnostics;
using Shangding.Core.Intake;
using Shangding.Core.Intake.Files;
using Shangding.Core.Subjects;

namespace Shangding.Bench;

/// <summary>
/// (diagnostic) Where the per-row CPU of intake goes, one thread, rows already in memory: validation alone,
/// then the whole staging step (validation, look-up hash, encryption, canonical JSON, content hash), then
/// each of its parts on the validated records; with the bytes each allocates a row (what the garbage collector
/// has to clear and collect).
/// </summary>
internal static class IntakeCpuBench
{
    public static int Run(string path, int repeat)
    {
        var catalog = Program.Catalog;
        var category = catalog.Find("P-ARREARS-WATER")!;
        var watch = Stopwatch.StartNew();
        using var stream = File.OpenRead(path);
        using var source = TabularReader.Open(stream, path, IntakeFileLimits.Default);
        var all = source.ReadRows(CancellationToken.None).ToList();
        var map = ColumnMap.Detect(all.Take(6).Select(r => r.Cells).ToList(), category);
        var rows = all.Skip(map.DataStart).Select(r => map.ToRow(r.RowNumber, r.Cells)).ToList();
        var readSeconds = watch.Elapsed.TotalSeconds;
        var today = DateOnly.FromDateTime(DateTime.Now);
        var protector = new IdentityProtector(IdentityProtectionKeys.Generate());
        var intake = new IntakeService(catalog, protector, new Shangding.Core.Data.DatabaseSettings(Shangding.Core.Data.DatabaseProvider.Sqlite, "Data Source=:memory:"), TimeProvider.System);
        var request = new IntakeRequest("WATER-SUPPLY", IntakeChannels.Batch, "bench", category.Code);
        var results = new Dictionary<string, double>();
        var allocated = new Dictionary<string, long>();
        var mark = GC.GetAllocatedBytesForCurrentThread();
        void Done(string step)
        {
            results[step] = watch.Elapsed.TotalSeconds;
            var now = GC.GetAllocatedBytesForCurrentThread();
            allocated[step] = now - mark;
            mark = now;
            watch.Restart();
        }

        for (var round = 0; round < repeat; round++)
        {
            var validator = new RecordValidator(category, today);
            watch.Restart();
            mark = GC.GetAllocatedBytesForCurrentThread();
            var records = new List<ValidatedRecord>(rows.Count);
            foreach (var row in rows)
            {
                records.Add(validator.Validate(row).Record!);
            }

            Done("validate");
            var validators = new Dictionary<string, RecordValidator>(StringComparer.Ordinal);
            var subjects = new HashSet<IntakeService.HashKey>();
            foreach (var row in rows)
            {
                intake.Stage(row, 0, request, validators, subjects, today);
            }

            Done("stage");
            var hashes = new List<string>(records.Count);
            foreach (var r in records)
            {
                hashes.Add(protector.ContentKey(r.Subject!.NormalisedId));
            }

            Done("lookup-hash");
            foreach (var r in records)
            {
                protector.Encrypt(r.Subject!.NormalisedId);
            }

            Done("encrypt");
            var json = new List<string>(records.Count);
            foreach (var r in records)
            {
                json.Add(RecordContent.ToJson(r.Fields));
            }

            Done("fields-json");
            for (var i = 0; i < records.Count; i++)
            {
                RecordContent.Hash(records[i].CategoryCode, hashes[i], records[i].ActDate, json[i]);
            }

            Done("content-hash");
            foreach (var r in records)
            {
                Masking.Mask(r.Subject!.NormalisedId);
            }

            Done("mask");
        }

        Program.Report(new
        {
            step = "intake-cpu",
            rows = rows.Count,
            readSeconds,
            microsecondsPerRow = results.ToDictionary(r => r.Key, r => Math.Round(r.Value * 1e6 / rows.Count, 2)),
            bytesAllocatedPerRow = allocated.ToDictionary(r => r.Key, r => r.Value / rows.Count),
        });
        return 0;
    }
}
