using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Calendar;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Notifications;

namespace Shangding.Core.Remedies;

/// <summary>A working-day deadline as of a day: late when the day it was met (or today, while it is not met) is after it.</summary>
public sealed record DeadlineState(DateOnly? Due, DateTime? DoneAt, bool Overdue, int WorkingDaysLate)
{
    /// <summary>
    /// The state of a deadline <paramref name="due"/> met at <paramref name="done"/> (UTC), as of
    /// <paramref name="today"/>. <see cref="Overdue"/> is true only while it is not met;
    /// <see cref="WorkingDaysLate"/> also counts for a step done late.
    /// </summary>
    public static DeadlineState Of(WorkingDayCalendar calendar, DateOnly? due, DateTime? done, DateOnly today)
    {
        var doneDay = done is { } d ? RemedyTime.ChinaDate(d) : (DateOnly?)null;
        var lateAsOf = doneDay ?? today;
        var late = due is { } dd && lateAsOf > dd;
        return new DeadlineState(due, done, late && done is null, late ? calendar.WorkingDaysBetween(due!.Value, lateAsOf) : 0);
    }
}

/// <summary>What waits for a decision: a credit repair application or a self-report.</summary>
public enum DecisionKind
{
    Repair,
    SelfReport,
}

/// <summary>A repair application or self-report whose decision is past its deadline.</summary>
public sealed record OverdueDecision(DecisionKind Kind, long Id, string UnitCode, string CategoryCode, DateOnly Due, int WorkingDaysLate);

/// <summary>
/// The deadlines of the decisions that are not dispute steps: a credit repair application is decided,
/// and a self-report reviewed, within a number of working days after the day it was filed
/// (<see cref="RemediesOptions.RepairDecisionDays"/>, <see cref="RemediesOptions.SelfReportReviewDays"/>;
/// the seeds set no period, see docs/REMEDIES.md). Counted on the working-day calendar like the dispute
/// steps, stored when filed, shown on every page that lists them, and reported to operators and
/// supervisors once when overdue (the daily job).
/// </summary>
public sealed class DecisionDeadlines(WorkingDayCalendar calendar, CatalogDefinition catalog, NotificationService notifications, RemediesOptions options, TimeProvider clock)
{
    public DateOnly Today => RemedyTime.Today(clock);

    public DateOnly RepairDue(DateTime filedAtUtc) => RemedyTime.Due(calendar, RemedyTime.ChinaDate(filedAtUtc), options.RepairDecisionDays);

    public DateOnly SelfReportDue(DateTime filedAtUtc) => RemedyTime.Due(calendar, RemedyTime.ChinaDate(filedAtUtc), options.SelfReportReviewDays);

    public DeadlineState Of(RepairApplication application, DateOnly today) => DeadlineState.Of(calendar, application.DecisionDue, application.DecidedAt, today);

    public DeadlineState Of(SelfReport report, DateOnly today) => DeadlineState.Of(calendar, report.DecisionDue, report.DecidedAt, today);

    /// <summary>Pending repair applications and self-reports past their deadline, most overdue first.</summary>
    public async Task<List<OverdueDecision>> ListOverdueAsync(ShangdingDbContext context, CancellationToken cancellationToken)
    {
        var today = Today;
        var repairs = await (from a in context.RepairApplications.AsNoTracking()
                             join r in context.Records.AsNoTracking() on a.RecordId equals r.Id
                             where a.Status == ApplicationStatus.Pending && a.DecisionDue != null && a.DecisionDue < today
                             select new { a.Id, a.UnitCode, r.CategoryCode, Due = a.DecisionDue!.Value }).ToListAsync(cancellationToken);
        var reports = await context.SelfReports.AsNoTracking()
            .Where(s => s.Status == ApplicationStatus.Pending && s.DecisionDue != null && s.DecisionDue < today)
            .Select(s => new { s.Id, s.UnitCode, s.CategoryCode, Due = s.DecisionDue!.Value }).ToListAsync(cancellationToken);
        return
        [
            .. repairs.Select(a => new OverdueDecision(DecisionKind.Repair, a.Id, a.UnitCode, a.CategoryCode, a.Due, calendar.WorkingDaysBetween(a.Due, today)))
                .Concat(reports.Select(s => new OverdueDecision(DecisionKind.SelfReport, s.Id, s.UnitCode, s.CategoryCode, s.Due, calendar.WorkingDaysBetween(s.Due, today))))
                .OrderBy(o => o.Due).ThenBy(o => o.Kind).ThenBy(o => o.Id),
        ];
    }

    /// <summary>Gives applications and reports filed before migration 0014 their due date (from the day each was filed). Returns how many.</summary>
    public async Task<int> FillMissingAsync(ShangdingDbContext context, CancellationToken cancellationToken)
    {
        var filled = 0;
        var repairs = await context.RepairApplications.AsNoTracking().Where(a => a.DecisionDue == null).Select(a => new { a.Id, a.FiledAt }).ToListAsync(cancellationToken);
        foreach (var day in repairs.GroupBy(a => RepairDue(a.FiledAt)))
        {
            var ids = day.Select(a => a.Id).ToList();
            filled += await context.RepairApplications.Where(a => ids.Contains(a.Id) && a.DecisionDue == null)
                .ExecuteUpdateAsync(u => u.SetProperty(a => a.DecisionDue, (DateOnly?)day.Key), cancellationToken);
        }

        var reports = await context.SelfReports.AsNoTracking().Where(r => r.DecisionDue == null).Select(r => new { r.Id, r.FiledAt }).ToListAsync(cancellationToken);
        foreach (var day in reports.GroupBy(r => SelfReportDue(r.FiledAt)))
        {
            var ids = day.Select(r => r.Id).ToList();
            filled += await context.SelfReports.Where(r => ids.Contains(r.Id) && r.DecisionDue == null)
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.DecisionDue, (DateOnly?)day.Key), cancellationToken);
        }

        return filled;
    }

    /// <summary>Tells operators and supervisors once about each repair decision and self-report review that became overdue. Returns how many.</summary>
    public async Task<int> FlagOverdueAsync(ShangdingDbContext context, CancellationToken cancellationToken)
    {
        await FillMissingAsync(context, cancellationToken);
        var flagged = 0;
        foreach (var late in await ListOverdueAsync(context, cancellationToken))
        {
            await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
            var now = RemedyTime.Now(clock);
            // Claim the flag in one statement, so two runs never tell twice.
            var claimed = late.Kind == DecisionKind.Repair
                ? await context.RepairApplications.Where(a => a.Id == late.Id && a.OverdueFlaggedAt == null && a.Status == ApplicationStatus.Pending)
                    .ExecuteUpdateAsync(s => s.SetProperty(a => a.OverdueFlaggedAt, now), cancellationToken)
                : await context.SelfReports.Where(r => r.Id == late.Id && r.OverdueFlaggedAt == null && r.Status == ApplicationStatus.Pending)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.OverdueFlaggedAt, now), cancellationToken);
            if (claimed == 0)
            {
                continue;
            }

            await notifications.SendToStaffAsync(context, Message(late), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            flagged++;
        }

        return flagged;
    }

    private Message Message(OverdueDecision late)
    {
        var category = catalog.Find(late.CategoryCode) is { } c ? (c.NameZh, c.NameEn) : (late.CategoryCode, late.CategoryCode);
        var unit = catalog.FindUnit(late.UnitCode) is { } u ? (u.NameZh, u.NameEn) : (late.UnitCode, late.UnitCode);
        var due = late.Due.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return late.Kind == DecisionKind.Repair
            ? new Message("repair-overdue", $"信用修复申请逾期未决定（第 {late.Id} 号）", $"Repair application No. {late.Id} overdue",
                $"“{category.Item1}”记录的信用修复申请应于 {due} 前由{unit.Item1}或市信用中心作出决定，已逾期 {late.WorkingDaysLate} 个工作日。",
                $"The repair application for a '{category.Item2}' record was to be decided by {unit.Item2} or the credit centre by {due}; it is {late.WorkingDaysLate} working day(s) late.",
                "/operator/repairs")
            : new Message("self-report-overdue", $"自主申报逾期未审核（第 {late.Id} 号）", $"Self-report No. {late.Id} overdue",
                $"{unit.Item1}应于 {due} 前审核“{category.Item1}”自主申报，已逾期 {late.WorkingDaysLate} 个工作日。",
                $"{unit.Item2} was to review a '{category.Item2}' self-report by {due}; it is {late.WorkingDaysLate} working day(s) late.",
                "/operator");
    }
}
