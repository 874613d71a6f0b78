using System.Diagnostics;
using Shangding.Core.Intake;
using Shangding.Core.Intake.Files;
using Shangding.Core.Subjects;

namespace Shangding.Bench;

/// <summary>
/// (diagnostic) Where the per-row CPU of intake goes, one thread, rows already in memory: validation alone,
/// then the whole staging step (validation, look-up hash, encryption, canonical JSON, content hash), then
/// each of its parts on the validated records.
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
        for (var round = 0; round < repeat; round++)
        {
            var validator = new RecordValidator(category, today);
            watch.Restart();
            var records = new List<ValidatedRecord>(rows.Count);
            foreach (var row in rows)
            {
                records.Add(validator.Validate(row).Record!);
            }

            results["validate"] = watch.Elapsed.TotalSeconds;
            watch.Restart();
            var validators = new Dictionary<string, RecordValidator>(StringComparer.Ordinal);
            var subjects = new HashSet<IntakeService.HashKey>();
            foreach (var row in rows)
            {
                intake.Stage(row, 0, request, validators, subjects, today);
            }

            results["stage"] = watch.Elapsed.TotalSeconds;
            watch.Restart();
            var hashes = new List<string>(records.Count);
            foreach (var r in records)
            {
                hashes.Add(protector.ContentKey(r.Subject!.NormalisedId));
            }

            results["lookup-hash"] = watch.Elapsed.TotalSeconds;
            watch.Restart();
            foreach (var r in records)
            {
                protector.Encrypt(r.Subject!.NormalisedId);
            }

            results["encrypt"] = watch.Elapsed.TotalSeconds;
            watch.Restart();
            var json = new List<string>(records.Count);
            foreach (var r in records)
            {
                json.Add(RecordContent.ToJson(r.Fields));
            }

            results["fields-json"] = watch.Elapsed.TotalSeconds;
            watch.Restart();
            for (var i = 0; i < records.Count; i++)
            {
                RecordContent.Hash(records[i].CategoryCode, hashes[i], records[i].ActDate, json[i]);
            }

            results["content-hash"] = watch.Elapsed.TotalSeconds;
            watch.Restart();
            foreach (var r in records)
            {
                Masking.Mask(r.Subject!.NormalisedId);
            }

            results["mask"] = watch.Elapsed.TotalSeconds;
        }

        Program.Report(new
        {
            step = "intake-cpu",
            rows = rows.Count,
            readSeconds,
            microsecondsPerRow = results.ToDictionary(r => r.Key, r => Math.Round(r.Value * 1e6 / rows.Count, 2)),
        });
        return 0;
    }
}
