using System.Globalization;

namespace Shangding.Core.Calendar;

/// <summary>How a listed date departs from the ordinary Monday–Friday week.</summary>
public enum CalendarDayKind
{
    /// <summary>A public holiday (a day off), whatever the weekday.</summary>
    Holiday,

    /// <summary>A make-up working day (调休) on a Saturday or Sunday.</summary>
    Workday,
}

/// <summary>One listed date of the State Council calendar.</summary>
public sealed record CalendarDay(DateOnly Date, CalendarDayKind Kind, string? Name);

/// <summary>
/// The published calendar of one year: only the dates that differ from (or name) the ordinary
/// week are listed; unlisted dates follow Monday–Friday.
/// </summary>
/// <param name="Year">The calendar year; every day lies in it.</param>
/// <param name="Source">Where the dates come from (notice, copy), for reviewers.</param>
/// <param name="Updated">When the data was last taken from its source.</param>
/// <param name="Days">The listed dates, at most one entry per date.</param>
public sealed record CalendarYear(int Year, string? Source, DateOnly? Updated, IReadOnlyList<CalendarDay> Days)
{
    /// <summary>Problems that make the year unusable (empty when valid).</summary>
    public IReadOnlyList<string> Errors() => Check().Errors;

    internal (List<string> Errors, List<string> Warnings) Check()
    {
        var errors = new List<string>();
        var warnings = new List<string>();
        if (Year is < 1 or > 9999)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"year {Year} is out of range"));
        }

        if (Days.Count == 0)
        {
            errors.Add("no days listed; a published year always has holidays. Delete the file if the year is not yet published (the year then falls back to Monday–Friday, marked provisional)");
        }

        var seen = new Dictionary<DateOnly, CalendarDay>();
        foreach (var day in Days)
        {
            var date = Iso(day.Date);
            if (day.Date.Year != Year)
            {
                errors.Add($"date {date} lies outside the year {Year.ToString(CultureInfo.InvariantCulture)}; put it in {day.Date.Year.ToString(CultureInfo.InvariantCulture)}.json");
            }

            if (seen.TryGetValue(day.Date, out var earlier))
            {
                errors.Add(earlier.Kind == day.Kind
                    ? $"date {date} is listed twice"
                    : $"date {date} is listed both as a holiday and as a workday");
            }
            else
            {
                seen.Add(day.Date, day);
            }

            if (day.Kind == CalendarDayKind.Workday && !IsWeekend(day.Date))
            {
                warnings.Add($"date {date} is a {day.Date.DayOfWeek} marked workday; a weekday is a working day anyway, so the entry has no effect");
            }
        }

        return (errors, warnings);
    }

    internal static bool IsWeekend(DateOnly date) => date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

    internal static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
