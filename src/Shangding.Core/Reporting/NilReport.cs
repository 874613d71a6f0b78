using Microsoft.EntityFrameworkCore;
using Shangding.Core.Calendar;
using Shangding.Core.Data;
using Shangding.Core.Intake;

namespace Shangding.Core.Reporting;

/// <summary>What filing a nil report did: the batch it committed (or the one filed before), or why it was refused (zh, en).</summary>
public sealed record NilReportResult(long? BatchId, string? RefusalZh, string? RefusalEn)
{
    public bool Filed => BatchId is not null;

    /// <summary>
    /// Why it was refused: <c>not_responsible</c>, <c>no_period</c> (a daily category on a non-working day),
    /// <c>period_reported</c>, <c>period_not_ended</c> or <c>period_not_open</c> (another period is the one owed), or
    /// <c>refused</c> (the intake pipeline refused the batch).
    /// </summary>
    public string? RefusalCode { get; init; }

    /// <summary>The period declared (or asked about).</summary>
    public ReportingPeriod? Period { get; init; }

    /// <summary>A nil report of this category and period was filed before: <see cref="BatchId"/> is its batch, and nothing new was stored.</summary>
    public bool AlreadyFiled { get; init; }
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

    /// <summary>
    /// Files a nil report for the unit's category and the period containing <paramref name="periodDay"/> (its first day,
    /// as the reporting page sends; or any other day of it, as the API takes it), if that period is open today. Filing
    /// again for a period already declared answers with that batch (<see cref="NilReportResult.AlreadyFiled"/>): its
    /// idempotency key is per category and period.
    /// </summary>
    public static async Task<NilReportResult> FileAsync(
        IntakeService intake,
        ShangdingDbContext context,
        WorkingDayCalendar calendar,
        ReportingOptions options,
        TimeProvider clock,
        string unitCode,
        string categoryCode,
        DateOnly periodDay,
        string actor,
        CancellationToken cancellationToken)
    {
        var today = ReportingTime.ChinaDate(clock.GetUtcNow().UtcDateTime);
        var rows = await ReportingCompliance.ComputeAsync(context, intake.Catalog, calendar, today, options, unitCode, cancellationToken);
        var row = rows.FirstOrDefault(r => r.CategoryCode == categoryCode);
        if (row is null)
        {
            return new NilReportResult(null, "本单位不负责报送该类别。", "Your unit does not report this category.") { RefusalCode = "not_responsible" };
        }

        if (new ReportingSchedule(calendar).PeriodContaining(row.Cycle, periodDay) is not { } asked)
        {
            return new NilReportResult(
                null,
                $"{ReminderNotice.DateZh(periodDay)}不是工作日：按日报送的类别在该日没有报送期间。",
                $"{ReminderNotice.DateEn(periodDay)} is not a working day: a category reported daily has no period that day.") { RefusalCode = "no_period" };
        }

        var key = $"nil-report:{categoryCode}:{asked.Start:yyyy-MM-dd}";
        var earlier = await context.IntakeBatches.AsNoTracking()
            .Where(b => b.UnitCode == unitCode && b.IdempotencyKey == key && b.Status == BatchStatus.Committed)
            .Select(b => (long?)b.Id)
            .FirstOrDefaultAsync(cancellationToken);
        if (earlier is { } filed)
        {
            return new NilReportResult(filed, null, null) { Period = asked, AlreadyFiled = true };
        }

        var open = OpenPeriods(row, today);
        var period = open.FirstOrDefault(p => p.Start == asked.Start);
        if (period is null)
        {
            return NotOpen(row, asked, open, today);
        }

        var warning = $"本期无新增信息：{ReminderNotice.PeriodZh(period.Start, period.End)} / "
            + $"Nothing new this period: {ReminderNotice.PeriodEn(period.Start, period.End)}";
        var request = new IntakeRequest(
            unitCode,
            IntakeChannels.NilReport,
            actor,
            categoryCode,
            IdempotencyKey: key,
            Warnings: [warning]);
        var result = await intake.RunAsync(request, Array.Empty<IntakeRow>(), null, cancellationToken);
        if (result.Refusals.Count > 0)
        {
            return new NilReportResult(null, string.Join(" ", result.Refusals.Select(r => r.Message(false))), string.Join(" ", result.Refusals.Select(r => r.Message(true))))
            {
                RefusalCode = "refused",
                Period = period,
            };
        }

        return new NilReportResult(result.BatchId, null, null) { Period = period };
    }

    /// <summary>Why no nil report can be filed for <paramref name="asked"/> today, naming the periods that can be.</summary>
    private static NilReportResult NotOpen(ComplianceRow row, ReportingPeriod asked, IReadOnlyList<ReportingPeriod> open, DateOnly today)
    {
        var lastReport = row.LastReportAt is { } last ? ReportingTime.ChinaDate(last) : (DateOnly?)null;
        var (code, zh, en) = lastReport >= asked.ReportsFrom
            ? ("period_reported", "该期间已有报送，无需申报“本期无新增信息”。", "This period is already reported: no nil report is needed.")
            : asked.End >= today
                ? ("period_not_ended", "该期间尚未结束：结束后才能申报“本期无新增信息”。", "This period has not ended yet: a nil report can be filed once it has.")
                : ("period_not_open", "该期间不是待报送的期间。", "This period is not one waiting for a report.");
        if (open.Count > 0)
        {
            zh += "可申报的期间：" + string.Join("、", open.Select(p => ReminderNotice.PeriodZh(p.Start, p.End))) + "。";
            en += " A nil report can be filed for: " + string.Join(", ", open.Select(p => ReminderNotice.PeriodEn(p.Start, p.End))) + ".";
        }

        return new NilReportResult(null, zh, en) { RefusalCode = code, Period = asked };
    }
}
