namespace Shangding.Core.Calendar;

/// <summary>The outcome of a working-day computation.</summary>
/// <param name="Date">The computed date.</param>
/// <param name="Provisional">
/// True when a day examined lies in a year without calendar data, where Monday–Friday was assumed;
/// the date may move once that year's notice is published.
/// </param>
public sealed record WorkingDayResult(DateOnly Date, bool Provisional);

/// <summary>
/// Working days per the State Council calendar: Monday–Friday, minus listed holidays, plus listed
/// make-up working days (调休). Years without data fall back to Monday–Friday and results that
/// depend on them are marked provisional. Immutable and thread-safe.
/// </summary>
public sealed class WorkingDayCalendar
{
    private readonly Dictionary<DateOnly, CalendarDay> _days = [];
    private readonly HashSet<int> _years = [];

    /// <summary>Builds the calendar; throws <see cref="ArgumentException"/> on an invalid or repeated year.</summary>
    public WorkingDayCalendar(IEnumerable<CalendarYear> years)
    {
        foreach (var year in years)
        {
            var errors = year.Errors();
            if (errors.Count > 0)
            {
                throw new ArgumentException($"Calendar year {year.Year}: {string.Join("; ", errors)}", nameof(years));
            }

            if (!_years.Add(year.Year))
            {
                throw new ArgumentException($"Calendar year {year.Year} is given twice", nameof(years));
            }

            foreach (var day in year.Days)
            {
                _days.Add(day.Date, day);
            }
        }

        Years = [.. _years.Order()];
    }

    /// <summary>A calendar with no data: every result is Monday–Friday and provisional.</summary>
    public static WorkingDayCalendar Empty { get; } = new([]);

    /// <summary>The years with published data, ascending.</summary>
    public IReadOnlyList<int> Years { get; }

    /// <summary>Whether the year's holidays and make-up days are known.</summary>
    public bool HasDataFor(int year) => _years.Contains(year);

    /// <summary>A weekday that is not a holiday, or a weekend day listed as a make-up working day.</summary>
    public bool IsWorkingDay(DateOnly date) =>
        _days.TryGetValue(date, out var day)
            ? day.Kind == CalendarDayKind.Workday
            : !CalendarYear.IsWeekend(date);

    /// <summary>The holiday's name (e.g. 春节) when the date is a listed holiday, else null.</summary>
    public string? HolidayName(DateOnly date) =>
        _days.TryGetValue(date, out var day) && day.Kind == CalendarDayKind.Holiday ? day.Name : null;

    /// <summary>The listed entry for the date (holiday or make-up working day), if any.</summary>
    public CalendarDay? Find(DateOnly date) => _days.GetValueOrDefault(date);

    /// <summary>
    /// The <paramref name="n"/>-th working day after <paramref name="date"/>; the start date itself
    /// is never counted, so "within 7 working days of the decision" is <c>AddWorkingDays(decision, 7)</c>.
    /// <paramref name="n"/> = 0 returns <paramref name="date"/> itself (working day or not), not provisional.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative.</exception>
    public WorkingDayResult AddWorkingDays(DateOnly date, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var provisional = false;
        var current = date;
        for (var counted = 0; counted < n;)
        {
            current = current.AddDays(1);
            provisional |= !HasDataFor(current.Year);
            if (IsWorkingDay(current))
            {
                counted++;
            }
        }

        return new WorkingDayResult(current, provisional);
    }

    /// <summary>
    /// The number of working days in (<paramref name="from"/>, <paramref name="to"/>]: e.g. how many
    /// working days a step is overdue when <paramref name="from"/> is its deadline. Negative (the
    /// count in (to, from]) when <paramref name="to"/> is before <paramref name="from"/>.
    /// Use <see cref="HasDataFor"/> to tell whether the count is provisional.
    /// </summary>
    public int WorkingDaysBetween(DateOnly from, DateOnly to)
    {
        if (to < from)
        {
            return -WorkingDaysBetween(to, from);
        }

        var count = 0;
        for (var d = from.AddDays(1); d <= to; d = d.AddDays(1))
        {
            if (IsWorkingDay(d))
            {
                count++;
            }
        }

        return count;
    }
}
