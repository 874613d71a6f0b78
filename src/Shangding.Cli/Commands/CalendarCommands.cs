using System.CommandLine;
using System.Globalization;
using Shangding.Core;
using Shangding.Core.Calendar;

namespace Shangding.Cli.Commands;

internal static class CalendarCommands
{
    public static Command Build(CliContext cli)
    {
        var json = CommandHelpers.JsonOption();
        var date = new Argument<string>("date") { Description = "Start date, yyyy-mm-dd (not counted)" };
        var count = new Argument<int>("n") { Description = "Number of working days to add" };
        var add = new Command("add", "Print the n-th working day after a date (State Council calendar with make-up days)") { date, count, json };
        add.SetAction(async parse =>
        {
            var text = parse.GetValue(date) ?? "";
            if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start))
            {
                throw new CliException($"'{text}' is not a date in the form yyyy-mm-dd. / 日期格式应为 yyyy-mm-dd。");
            }

            var n = parse.GetValue(count);
            if (n < 0)
            {
                throw new CliException("n must be 0 or more. / 工作日数不能为负数。");
            }

            var calendar = cli.Get<WorkingDayCalendar>();
            var result = calendar.AddWorkingDays(start, n);
            if (parse.GetValue(json))
            {
                cli.WriteJson(new { start, workingDays = n, date = result.Date, result.Provisional });
            }
            else
            {
                await cli.Out.WriteLineAsync(result.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + (result.Provisional ? " provisional" : ""));
                if (result.Provisional)
                {
                    await cli.Error.WriteLineAsync(
                        $"No holiday data for some year on the way (have {string.Join(", ", calendar.Years)}): Monday–Friday assumed. " +
                        "Import the State Council notice with `calendar import`.");
                }
            }

            return 0;
        });

        var file = new Argument<FileInfo>("file") { Description = "A holiday-cn {year}.json file (NateScarlet/holiday-cn format)" };
        var importJson = CommandHelpers.JsonOption();
        var import = new Command("import", "Import a year of State Council holidays into the calendar directory (no release needed)") { file, importJson };
        import.SetAction(async parse =>
        {
            var input = parse.GetValue(file)!;
            if (!input.Exists)
            {
                throw new CliException($"File not found: {input.FullName}");
            }

            var directory = cli.Get<ShangdingPaths>().CalendarDirectory;
            await using var stream = input.OpenRead();
            var result = CalendarStore.ImportHolidayCnInto(directory, stream, DateOnly.FromDateTime(DateTime.UtcNow));
            if (parse.GetValue(importJson))
            {
                cli.WriteJson(new { directory, result.WrittenYears, result.Warnings });
            }
            else
            {
                await cli.Out.WriteLineAsync($"已写出 / Wrote {string.Join(", ", result.WrittenYears.Select(y => $"{y}.json"))}：{directory}");
                foreach (var warning in result.Warnings)
                {
                    await cli.Error.WriteLineAsync("注意 / warning: " + warning);
                }
            }

            return 0;
        });

        var yearsJson = CommandHelpers.JsonOption();
        var years = new Command("years", "List the years with holiday data") { yearsJson };
        years.SetAction(async parse =>
        {
            var calendar = cli.Get<WorkingDayCalendar>();
            if (parse.GetValue(yearsJson))
            {
                cli.WriteJson(new { calendar.Years });
            }
            else
            {
                await cli.Out.WriteLineAsync(string.Join(" ", calendar.Years));
            }

            return 0;
        });

        return new Command("calendar", "Working-day calendar (工作日)") { add, import, years };
    }
}
