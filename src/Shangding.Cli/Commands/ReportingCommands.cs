using System.CommandLine;
using System.Globalization;
using Shangding.Core.Calendar;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Notifications;
using Shangding.Core.Reporting;

namespace Shangding.Cli.Commands;

internal static class ReportingCommands
{
    public static Command Build(CliContext cli)
    {
        var json = CommandHelpers.JsonOption();
        var remind = new Command("remind", "Run today's reminder job: write reminders (催报) for missed deadlines, list units for criticism") { json };
        remind.SetAction(async (parse, ct) =>
        {
            await using var context = DataServiceCollectionExtensions.CreateContext(cli.Get<DatabaseSettings>());
            // The unit's clerks get each reminder and listing in their inbox (and the outbox of the configured gateways).
            var result = await ReminderJob.RunAsync(context, cli.Get<CatalogDefinition>(), cli.Get<WorkingDayCalendar>(), cli.Get<TimeProvider>(),
                cli.Get<ReportingOptions>(), cli.Get<NotificationService>(), ct);
            if (parse.GetValue(json))
            {
                cli.WriteJson(new
                {
                    result.Today,
                    written = result.Written.Select(r => new { r.UnitCode, r.CategoryCode, r.PeriodStart, r.PeriodEnd, r.Deadline, r.ReminderDeadline }),
                    resolved = result.Resolved.Select(r => new { r.UnitCode, r.CategoryCode, r.ResolvedAt }),
                    listedForCriticism = result.ListedForCriticism.Select(r => new { r.UnitCode, r.CategoryCode, r.ReminderDeadline }),
                });
                return 0;
            }

            await cli.Out.WriteLineAsync($"{result.Today:yyyy-MM-dd}：新发催报 {result.Written.Count} 条，已解除 {result.Resolved.Count} 条，列入通报批评 {result.ListedForCriticism.Count} 项（单位×类别）。");
            await cli.Out.WriteLineAsync($"{result.Today:yyyy-MM-dd}: {result.Written.Count} reminder(s) written, {result.Resolved.Count} resolved, {result.ListedForCriticism.Count} unit×category listed for criticism.");
            foreach (var r in result.Written)
            {
                var notice = ReminderNotice.Build(cli.Get<CatalogDefinition>(), r);
                await cli.Out.WriteLineAsync("  " + notice.Zh);
            }

            foreach (var r in result.ListedForCriticism)
            {
                await cli.Out.WriteLineAsync("  " + ReminderNotice.CriticismMessage(cli.Get<CatalogDefinition>(), r).BodyZh);
            }

            return 0;
        });

        var statusJson = CommandHelpers.JsonOption();
        var unit = new Option<string?>("--unit") { Description = "Only this unit" };
        var date = new Option<string?>("--date") { Description = "As of this date (yyyy-mm-dd; default today)" };
        var status = new Command("status", "Reporting compliance of every unit × category (or one unit)") { unit, date, statusJson };
        status.SetAction(async (parse, ct) =>
        {
            var asOf = parse.GetValue(date) is { } text
                ? DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : throw new CliException($"'{text}' is not a date in the form yyyy-mm-dd.")
                : ReportingTime.ChinaDate(cli.Get<TimeProvider>().GetUtcNow().UtcDateTime);
            await using var context = DataServiceCollectionExtensions.CreateContext(cli.Get<DatabaseSettings>());
            var rows = await ReportingCompliance.ComputeAsync(context, cli.Get<CatalogDefinition>(), cli.Get<WorkingDayCalendar>(), asOf,
                cli.Get<ReportingOptions>(), parse.GetValue(unit), ct);
            if (parse.GetValue(statusJson))
            {
                cli.WriteJson(rows);
                return 0;
            }

            foreach (var r in rows)
            {
                await cli.Out.WriteLineAsync($"{r.UnitCode,-20} {r.CategoryCode,-28} {r.Cycle,-9} {r.Status,-18} deadline {r.Deadline:yyyy-MM-dd}{(r.Provisional ? " (provisional)" : "")} last {r.LastReportAt:yyyy-MM-dd HH:mm}");
            }

            return 0;
        });

        return new Command("reporting", "Reporting deadlines, reminders and compliance (003 §12–13)") { remind, status };
    }
}
