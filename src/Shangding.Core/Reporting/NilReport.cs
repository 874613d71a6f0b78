using Shangding.Core.Calendar;
using Shangding.Core.Data;
using Shangding.Core.Intake;

namespace Shangding.Core.Reporting;

/// <summary>What filing a nil report did: the batch it committed, or why it was refused (zh, en).</summary>
public sealed record NilReportResult(long? BatchId, string? RefusalZh, string? RefusalEn)
{
    public bool Filed => BatchId is not null;
}

/// <summary>
/// A nil report (本期无新增信息): a unit declares it has nothing new for one category and period. A batch that
/// furnished nothing does not count as a report (an upload whose every row was rejected, an empty file), so a unit
/// with genuinely nothing new files this instead. It goes through the intake pipeline like any batch — scope
/// check, a Committed batch of 0 rows on channel <see cref="IntakeChannels.NilReport"/>, its audit entry — and
/// counts for compliance and reminder resolution like a batch that furnished records.
/// </summary>
public static class NilReport
{
    /// <summary>
    /// The periods a nil report may be filed for on <paramref name="today"/>: the period the row's status is about
    /// when it is not reported (due, overdue, reminded or listed), and on a working day of a daily cycle today's
    /// period until something reports it. A longer period can be declared only once it has ended (its data is
    /// complete only then).
    /// </summary>
    public static IReadOnlyList<ReportingPeriod> OpenPeriods(ComplianceRow row, DateOnly today)
    {
        var periods = new List<ReportingPeriod>();
        if (row.Status != ComplianceStatus.OnTime && row.Period is { } owed)
        {
            periods.Add(owed);
        }

        var lastReport = row.LastReportAt is { } last ? ReportingTime.ChinaDate(last) : (DateOnly?)null;
        if (row.Cycle == ReportingCycle.Daily && row.CurrentPeriod is { } current && current.Start == today
            && (lastReport is null || lastReport < current.ReportsFrom) && !periods.Contains(current))
        {
            periods.Add(current);
        }

        return periods;
    }

    /// <summary>Files a nil report for the unit's category and the period starting on <paramref name="periodStart"/>, if it is open today.</summary>
    public static async Task<NilReportResult> FileAsync(
        IntakeService intake,
        ShangdingDbContext context,
        WorkingDayCalendar calendar,
        ReportingOptions options,
        TimeProvider clock,
        string unitCode,
        string categoryCode,
        DateOnly periodStart,
        string actor,
        CancellationToken cancellationToken)
    {
        var today = ReportingTime.ChinaDate(clock.GetUtcNow().UtcDateTime);
        var rows = await ReportingCompliance.ComputeAsync(context, intake.Catalog, calendar, today, options, unitCode, cancellationToken);
        var row = rows.FirstOrDefault(r => r.CategoryCode == categoryCode);
        if (row is null)
        {
            return new NilReportResult(null, "本单位不负责报送该类别。", "Your unit does not report this category.");
        }

        var period = OpenPeriods(row, today).FirstOrDefault(p => p.Start == periodStart);
        if (period is null)
        {
            return new NilReportResult(
                null,
                "该期间无需申报“本期无新增信息”：它已报送，或尚未结束。",
                "No nil report is needed for this period: it is already reported, or it has not ended yet.");
        }

        var warning = $"本期无新增信息：{ReminderNotice.PeriodZh(period.Start, period.End)} / "
            + $"Nothing new this period: {ReminderNotice.PeriodEn(period.Start, period.End)}";
        var request = new IntakeRequest(
            unitCode,
            IntakeChannels.NilReport,
            actor,
            categoryCode,
            IdempotencyKey: $"nil-report:{categoryCode}:{period.Start:yyyy-MM-dd}",
            Warnings: [warning]);
        var result = await intake.RunAsync(request, Array.Empty<IntakeRow>(), null, cancellationToken);
        if (result.Refusals.Count > 0)
        {
            return new NilReportResult(null, string.Join(" ", result.Refusals.Select(r => r.Message(false))), string.Join(" ", result.Refusals.Select(r => r.Message(true))));
        }

        return new NilReportResult(result.BatchId, null, null);
    }
}
