using Shangding.Core.Calendar;
using Shangding.Core.Catalog;

namespace Shangding.Core.Reporting;

/// <summary>How often a unit must report a category (seed 003 §12(2)).</summary>
public enum ReportingCycle
{
    /// <summary>Every working day: API-connected units, and categories collected <c>realtime</c> or <c>daily</c>.</summary>
    Daily,
    Monthly,
    Quarterly,
    HalfYear,
    Yearly,
}

/// <summary>
/// One reporting period and its deadline. A period is reported by a committed batch that finished
/// (China time) on or after <see cref="ReportsFrom"/>; it is on time when that is no later than
/// <see cref="Deadline"/> (the whole deadline day counts).
/// </summary>
/// <param name="Start">First day of the period.</param>
/// <param name="End">Last day of the period.</param>
/// <param name="Deadline">Last day on which the report is on time.</param>
/// <param name="Provisional">The deadline or the period depends on a year without calendar data.</param>
public sealed record ReportingPeriod(DateOnly Start, DateOnly End, DateOnly Deadline, bool Provisional)
{
    /// <summary>A one-day (daily) period.</summary>
    public bool IsSingleDay => Start == End;

    /// <summary>
    /// The first day a report counts for this period: the day itself for a daily period (a batch
    /// that day reports the day); the day after the end for a longer period (its data is complete
    /// only once it has ended).
    /// </summary>
    public DateOnly ReportsFrom => IsSingleDay ? Start : End.AddDays(1);
}

/// <summary>A category's reporting deadline rule in words, in Chinese and English.</summary>
public sealed record DeadlineRuleText(string Zh, string En);

/// <summary>Whether one licence or penalty record was reported within 7 working days of its decision.</summary>
/// <param name="Deadline"><c>AddWorkingDays(actDate, 7)</c>.</param>
/// <param name="Provisional">The deadline or the count depends on a year without calendar data.</param>
/// <param name="WorkingDaysLate">0 when on time; otherwise working days after the deadline.</param>
public sealed record RecordTimeliness(DateOnly Deadline, bool Provisional, int WorkingDaysLate)
{
    public bool OnTime => WorkingDaysLate == 0;
}

/// <summary>
/// Reporting periods and deadlines from the catalogue and the working-day calendar (seed 003 §12(2)).
/// Pure: no I/O, no clock.
/// </summary>
public sealed class ReportingSchedule(WorkingDayCalendar calendar)
{
    /// <summary>Periodic reporting: within 10 working days after the month, quarter, half-year or year ends.</summary>
    public const int PeriodDeadlineWorkingDays = 10;

    /// <summary>Administrative licences and penalties: within 7 working days of the decision.</summary>
    public const int LicenceOrPenaltyWorkingDays = 7;

    /// <summary>Daily reporting: a working day is reported that day or, at the latest, the next working day.</summary>
    public const int DailyDeadlineWorkingDays = 1;

    public WorkingDayCalendar Calendar { get; } = calendar;

    /// <summary>
    /// API-connected units report daily whatever the category (003 §12(2) 系统对接…每日报送一次), as do
    /// categories collected <c>realtime</c> or <c>daily</c>; the others by their catalogue cycle.
    /// </summary>
    public static ReportingCycle CycleOf(Category category, bool unitApiConnected) =>
        unitApiConnected ? ReportingCycle.Daily : CycleOf(category.CollectionCycle);

    public static ReportingCycle CycleOf(string collectionCycle) => collectionCycle switch
    {
        CollectionCycles.Realtime or CollectionCycles.Daily => ReportingCycle.Daily,
        CollectionCycles.Monthly => ReportingCycle.Monthly,
        CollectionCycles.Quarterly => ReportingCycle.Quarterly,
        CollectionCycles.HalfYear => ReportingCycle.HalfYear,
        CollectionCycles.Yearly => ReportingCycle.Yearly,
        _ => throw new ArgumentOutOfRangeException(nameof(collectionCycle), collectionCycle, "Unknown collection cycle"),
    };

    /// <summary>
    /// The deadline rule of a category in words (zh, en), as this schedule enforces it — for the template's
    /// instructions and the unit's pages, so they never say something else. A <c>realtime</c> category is reported
    /// like a <c>daily</c> one (003 §12 sets no separate deadline for it): each working day, at the latest on the
    /// next working day. Deadlines include their day.
    /// </summary>
    public static DeadlineRuleText DeadlineRule(Category category)
    {
        var (zh, en) = category.CollectionCycle switch
        {
            CollectionCycles.Realtime or CollectionCycles.Daily =>
                ($"{(category.CollectionCycle == CollectionCycles.Realtime ? "实时" : "每日")}归集：每个工作日报送，当日的信息最迟于下一个工作日（含当日）报送。",
                    $"Collected {(category.CollectionCycle == CollectionCycles.Realtime ? "in real time" : "daily")}: reported every working day; a day's information on the next working day at the latest."),
            _ => ($"每{PeriodWordZh(CycleOf(category.CollectionCycle))}结束后 {PeriodDeadlineWorkingDays} 个工作日内（含第 {PeriodDeadlineWorkingDays} 个工作日）报送；系统接口对接的单位每个工作日报送，最迟于下一个工作日。",
                $"Within {PeriodDeadlineWorkingDays} working days after each {PeriodWordEn(CycleOf(category.CollectionCycle))} ends (the 10th working day included); units connected by API report every working day, on the next working day at the latest."),
        };
        if (category.IsLicenceOrPenalty)
        {
            zh = $"每条行政许可、行政处罚信息自作出决定之日起 {LicenceOrPenaltyWorkingDays} 个工作日内报送；此外" + zh;
            en = $"Each administrative licence or penalty within {LicenceOrPenaltyWorkingDays} working days of the decision; besides, " + char.ToLowerInvariant(en[0]) + en[1..];
        }

        return new DeadlineRuleText(
            zh + "本期无新增信息的，请在平台“报送期限”页面申报“本期无新增信息”。",
            en + " With nothing new for a period, declare \"Nothing new this period\" on the platform's reporting deadlines page.");
    }

    private static string PeriodWordZh(ReportingCycle cycle) => cycle switch
    {
        ReportingCycle.Monthly => "月",
        ReportingCycle.Quarterly => "季度",
        ReportingCycle.HalfYear => "半年",
        _ => "年",
    };

    private static string PeriodWordEn(ReportingCycle cycle) => cycle switch
    {
        ReportingCycle.Monthly => "month",
        ReportingCycle.Quarterly => "quarter",
        ReportingCycle.HalfYear => "half-year",
        _ => "year",
    };

    /// <inheritdoc cref="PeriodsBetween(ReportingCycle, DateOnly, DateOnly)"/>
    public IEnumerable<ReportingPeriod> PeriodsBetween(Category category, bool unitApiConnected, DateOnly from, DateOnly to) =>
        PeriodsBetween(CycleOf(category, unitApiConnected), from, to);

    /// <summary>
    /// The periods that start on or after <paramref name="from"/> and on or before <paramref name="to"/>,
    /// in order: so a period in progress on <paramref name="to"/> is included, and one already under
    /// way on <paramref name="from"/> is not (obligations start with the first full period).
    /// Daily periods are working days only.
    /// </summary>
    public IEnumerable<ReportingPeriod> PeriodsBetween(ReportingCycle cycle, DateOnly from, DateOnly to)
    {
        if (cycle == ReportingCycle.Daily)
        {
            for (var day = from; day <= to; day = day.AddDays(1))
            {
                if (Calendar.IsWorkingDay(day))
                {
                    yield return DailyPeriod(day);
                }
            }

            yield break;
        }

        var months = MonthsOf(cycle);
        var start = FirstPeriodStartOnOrAfter(from, months);
        while (start <= to)
        {
            var end = start.AddMonths(months).AddDays(-1);
            var deadline = Calendar.AddWorkingDays(end, PeriodDeadlineWorkingDays);
            yield return new ReportingPeriod(start, end, deadline.Date, deadline.Provisional || !Calendar.HasDataFor(end.Year));
            start = start.AddMonths(months);
        }
    }

    /// <summary>The period of <paramref name="cycle"/> containing <paramref name="date"/>; null for a non-working day of a daily cycle.</summary>
    public ReportingPeriod? PeriodContaining(ReportingCycle cycle, DateOnly date)
    {
        if (cycle == ReportingCycle.Daily)
        {
            return Calendar.IsWorkingDay(date) ? DailyPeriod(date) : null;
        }

        var months = MonthsOf(cycle);
        var monthIndex = (date.Month - 1) / months * months;
        var start = new DateOnly(date.Year, monthIndex + 1, 1);
        return PeriodsBetween(cycle, start, start).Single();
    }

    /// <summary>
    /// A licence or penalty decided on <paramref name="actDate"/> and reported on
    /// <paramref name="reportedOn"/> (China date): on time when reported by <c>AddWorkingDays(actDate, 7)</c>,
    /// else late by the working days after that deadline.
    /// </summary>
    public RecordTimeliness AssessLicenceOrPenalty(DateOnly actDate, DateOnly reportedOn)
    {
        var deadline = Calendar.AddWorkingDays(actDate, LicenceOrPenaltyWorkingDays);
        var late = reportedOn > deadline.Date ? Calendar.WorkingDaysBetween(deadline.Date, reportedOn) : 0;
        var provisional = deadline.Provisional || (late > 0 && !Calendar.HasDataFor(reportedOn.Year));
        return new RecordTimeliness(deadline.Date, provisional, late);
    }

    /// <inheritdoc cref="AssessLicenceOrPenalty(DateOnly, DateOnly)"/>
    public RecordTimeliness AssessLicenceOrPenalty(DateOnly actDate, DateTime reportedAtUtc) =>
        AssessLicenceOrPenalty(actDate, ReportingTime.ChinaDate(reportedAtUtc));

    private ReportingPeriod DailyPeriod(DateOnly day)
    {
        var deadline = Calendar.AddWorkingDays(day, DailyDeadlineWorkingDays);
        return new ReportingPeriod(day, day, deadline.Date, deadline.Provisional || !Calendar.HasDataFor(day.Year));
    }

    private static int MonthsOf(ReportingCycle cycle) => cycle switch
    {
        ReportingCycle.Monthly => 1,
        ReportingCycle.Quarterly => 3,
        ReportingCycle.HalfYear => 6,
        ReportingCycle.Yearly => 12,
        _ => throw new ArgumentOutOfRangeException(nameof(cycle), cycle, "Not a periodic cycle"),
    };

    private static DateOnly FirstPeriodStartOnOrAfter(DateOnly date, int months)
    {
        var monthIndex = (date.Month - 1) / months * months;
        var start = new DateOnly(date.Year, monthIndex + 1, 1);
        return start < date ? start.AddMonths(months) : start;
    }
}
