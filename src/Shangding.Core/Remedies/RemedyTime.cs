using Shangding.Core.Calendar;
using Shangding.Core.Reporting;

namespace Shangding.Core.Remedies;

/// <summary>Times and dates of the remedies module: UTC instants to the millisecond (both engines store them alike) and China dates.</summary>
public static class RemedyTime
{
    public static DateTime Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }

    public static DateOnly Today(TimeProvider clock) => ReportingTime.ChinaDate(clock.GetUtcNow());

    public static DateOnly ChinaDate(DateTime utc) => ReportingTime.ChinaDate(DateTime.SpecifyKind(utc, DateTimeKind.Utc));

    /// <summary>The <paramref name="days"/>-th working day after <paramref name="from"/> (the start day never counts).</summary>
    public static DateOnly Due(WorkingDayCalendar calendar, DateOnly from, int days) => calendar.AddWorkingDays(from, days).Date;
}
