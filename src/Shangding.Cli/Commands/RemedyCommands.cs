using System.CommandLine;
using System.Globalization;
using Shangding.Core.Data;
using Shangding.Core.Remedies;

namespace Shangding.Cli.Commands;

/// <summary><c>disputes list [--overdue] [--json]</c> and <c>retention run [--dry-run]</c> for operators.</summary>
internal static class RemedyCommands
{
    public static IEnumerable<Command> Build(CliContext cli)
    {
        var overdue = new Option<bool>("--overdue") { Description = "Only disputes with a step past its working-day deadline" };
        var json = CommandHelpers.JsonOption();
        var list = new Command("list", "Open disputes with the deadline of each step (forward 3, verify 15, notify 2 working days)") { overdue, json };
        list.SetAction(async (parse, ct) =>
        {
            var service = cli.Get<DisputeService>();
            await using var context = DataServiceCollectionExtensions.CreateContext(cli.Get<DatabaseSettings>());
            var disputes = await service.ListOpenAsync(context, parse.GetValue(overdue), ct);
            var today = RemedyTime.Today(cli.Get<TimeProvider>());
            var rows = disputes.Select(d =>
            {
                var steps = service.Steps(d, today);
                var late = steps.FirstOrDefault(s => s.Overdue);
                return new
                {
                    d.Id,
                    Status = d.Status.ToString(),
                    d.RecordId,
                    Unit = d.UnitCode,
                    Category = d.CategoryCode,
                    Filed = RemedyTime.ChinaDate(d.FiledAt),
                    Steps = steps.Select(s => new { Step = s.Step.ToString(), s.Due, Done = s.DoneAt, s.Overdue, s.WorkingDaysLate }),
                    OverdueStep = late?.Step.ToString(),
                    WorkingDaysLate = late?.WorkingDaysLate ?? 0,
                };
            }).ToList();
            if (parse.GetValue(json))
            {
                cli.WriteJson(new { today, disputes = rows });
                return 0;
            }

            if (rows.Count == 0)
            {
                await cli.Out.WriteLineAsync(parse.GetValue(overdue) ? "No overdue disputes. / 没有逾期的异议。" : "No open disputes. / 没有正在处理的异议。");
                return 0;
            }

            await cli.Out.WriteLineAsync("  id  status     filed       unit                 category                  forward by  verify by   notify by   overdue");
            foreach (var r in rows)
            {
                var due = r.Steps.Select(s => s.Due?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "—".PadRight(10)).ToArray();
                await cli.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Id,4}  {r.Status,-9}  {r.Filed:yyyy-MM-dd}  {r.Unit,-20} {r.Category,-25} {due[0],-10}  {due[1],-10}  {due[2],-10}  {(r.OverdueStep is null ? "" : $"{r.OverdueStep} ({r.WorkingDaysLate} working day(s) late)")}"));
            }

            return 0;
        });
        var disputes = new Command("disputes", "Disputes of records (003 §22–24)") { list };

        var dryRun = new Option<bool>("--dry-run") { Description = "Count what would be retired and purged; change nothing" };
        var retentionJson = CommandHelpers.JsonOption();
        var run = new Command("run", "Retire bad records about persons older than 5 years and purge query logs older than 5 years (audited)") { dryRun, retentionJson };
        run.SetAction(async (parse, ct) =>
        {
            await using var context = DataServiceCollectionExtensions.CreateContext(cli.Get<DatabaseSettings>());
            var report = await cli.Get<RetentionService>().RunAsync(context, parse.GetValue(dryRun), "cli", ct);
            if (parse.GetValue(retentionJson))
            {
                cli.WriteJson(report);
                return 0;
            }

            var verb = report.DryRun ? "would be" : "were";
            var will = report.DryRun ? "将" : "已";
            await cli.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{(report.DryRun ? "试运行：" : "")}关于个人的不良记录（行为日期不晚于 {report.RecordCutoff:yyyy-MM-dd}）{will}移出 {report.RecordsRetired:N0} 条；" +
                $"查询日志（{report.QueryLogCutoff:yyyy-MM-dd HH:mm} UTC 之前）{will}清除 {report.QueryLogPurged:N0} 条。 / " +
                $"{(report.DryRun ? "Dry run: " : "")}{report.RecordsRetired:N0} bad record(s) about persons (act on or before {report.RecordCutoff:yyyy-MM-dd}) {verb} retired; {report.QueryLogPurged:N0} query log entries (before {report.QueryLogCutoff:yyyy-MM-dd HH:mm} UTC) {verb} purged."));
            if (!report.DryRun)
            {
                await cli.Out.WriteLineAsync("本次运行已记入审计链 / The run is recorded in the audit chain (retention-run" + (report.QueryLogPurged > 0 ? ", query-log-purge" : "") + ").");
            }

            return 0;
        });
        var retention = new Command("retention", "Retention of bad information and query logs (003 §19–20)") { run };
        return [disputes, retention];
    }
}
