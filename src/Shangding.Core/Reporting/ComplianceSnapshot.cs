using Microsoft.EntityFrameworkCore;
using Shangding.Core.Calendar;
using Shangding.Core.Catalog;
using Shangding.Core.Data;

namespace Shangding.Core.Reporting;

/// <summary>
/// What compliance and the reminder job read from the database as of an instant (the job's clock,
/// or the end of the given day in China time): units, the latest committed batch per unit and
/// category, open reminders. Batches finished later are ignored, so a moved clock sees the past as
/// it was.
/// </summary>
internal sealed class ComplianceSnapshot
{
    private readonly CatalogDefinition _catalog;
    private readonly ReportingSchedule _schedule;
    private readonly ReportingOptions _options;
    private readonly Dictionary<(string Unit, string Category), DateTime> _lastReports;
    private readonly Dictionary<(string Unit, string Category), ReportingReminder> _openReminders;
    private readonly Dictionary<(string Unit, string Category), int> _lateRecords;

    private ComplianceSnapshot(
        CatalogDefinition catalog,
        ReportingSchedule schedule,
        ReportingOptions options,
        DateOnly today,
        IReadOnlyList<Unit> units,
        Dictionary<(string, string), DateTime> lastReports,
        Dictionary<(string, string), ReportingReminder> openReminders,
        Dictionary<(string, string), int> lateRecords)
    {
        _catalog = catalog;
        _schedule = schedule;
        _options = options;
        Today = today;
        Units = units;
        _lastReports = lastReports;
        _openReminders = openReminders;
        _lateRecords = lateRecords;
    }

    public DateOnly Today { get; }

    public IReadOnlyList<Unit> Units { get; }

    public static async Task<ComplianceSnapshot> LoadAsync(
        ShangdingDbContext context,
        CatalogDefinition catalog,
        WorkingDayCalendar calendar,
        DateTime asOfUtc,
        ReportingOptions options,
        string? unitCode,
        CancellationToken cancellationToken)
    {
        var today = ReportingTime.ChinaDate(asOfUtc);
        var unitQuery = context.Units.AsNoTracking();
        var batchQuery = context.IntakeBatches.AsNoTracking().ThatReport(asOfUtc);
        var reminderQuery = context.ReportingReminders.Where(r => r.ResolvedAt == null);
        if (unitCode is not null)
        {
            unitQuery = unitQuery.Where(u => u.Code == unitCode);
            batchQuery = batchQuery.Where(b => b.UnitCode == unitCode);
            reminderQuery = reminderQuery.Where(r => r.UnitCode == unitCode);
        }

        var units = await unitQuery.OrderBy(u => u.Code).ToListAsync(cancellationToken);
        var lastReports = await batchQuery.LastPerCategoryAsync(context, cancellationToken);
        var openReminders = (await reminderQuery.AsNoTracking().ToListAsync(cancellationToken))
            .GroupBy(r => (r.UnitCode, r.CategoryCode))
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.PeriodStart).First());

        var schedule = new ReportingSchedule(calendar);
        var lateRecords = await CountLateRecordsAsync(context, catalog, schedule, options, units, today, asOfUtc, cancellationToken);
        return new ComplianceSnapshot(catalog, schedule, options, today, units, lastReports, openReminders, lateRecords);
    }

    public IReadOnlyList<ComplianceRow> Rows() =>
        [.. Units.SelectMany(unit => _catalog.CategoriesOfUnit(unit.Code).Select(category => Row(unit, category)))];

    public ComplianceRow Row(Unit unit, Category category)
    {
        var cycle = ReportingSchedule.CycleOf(category, unit.ApiConnected);
        var start = _options.ObligationStart(unit.CreatedAt);
        var lastReport = LastReport(unit.Code, category.Code);
        var lastReportDate = lastReport is { } last ? ReportingTime.ChinaDate(last) : (DateOnly?)null;

        var periods = _schedule.PeriodsBetween(cycle, start, Today).ToList();
        var current = periods.LastOrDefault(p => p.Start <= Today && Today <= p.End);
        var ended = periods.Where(p => p.End < Today).ToList();
        var missed = ended.FirstOrDefault(p => lastReportDate is null || lastReportDate < p.ReportsFrom);

        var status = ComplianceStatus.OnTime;
        var period = ended.LastOrDefault();
        if (missed is not null)
        {
            period = missed;
            status = missed.Deadline < Today ? ComplianceStatus.Overdue : ComplianceStatus.Due;
        }

        var reminder = _openReminders.GetValueOrDefault((unit.Code, category.Code));
        if (reminder is not null && (lastReportDate is null || lastReportDate < ReportsFrom(reminder)))
        {
            period = new ReportingPeriod(reminder.PeriodStart, reminder.PeriodEnd, reminder.Deadline, false);
            status = reminder.CriticismListedAt is null ? ComplianceStatus.Reminded : ComplianceStatus.ListedForCriticism;
        }
        else
        {
            reminder = null;
        }

        var overdueDays = period is not null && status is ComplianceStatus.Overdue or ComplianceStatus.Reminded or ComplianceStatus.ListedForCriticism
            ? Math.Max(0, _schedule.Calendar.WorkingDaysBetween(period.Deadline, Today))
            : 0;

        return new ComplianceRow(
            unit.Code,
            unit.NameZh,
            unit.NameEn,
            category.Code,
            category.NameZh,
            category.NameEn,
            cycle,
            start,
            lastReport,
            current,
            period,
            status,
            overdueDays,
            reminder?.Id,
            reminder?.ReminderDeadline,
            category.IsLicenceOrPenalty ? _lateRecords.GetValueOrDefault((unit.Code, category.Code)) : null,
            category.CollectionCycle);
    }

    /// <summary>
    /// The latest batch that reports (see <see cref="ReportingBatches.ThatReport"/>) for the category: naming it, or an API
    /// batch that mixed categories and furnished something in it (<see cref="ReportingBatches.For"/>).
    /// </summary>
    public DateTime? LastReport(string unitCode, string categoryCode) =>
        _lastReports.TryGetValue((unitCode, categoryCode), out var last) ? last : null;

    /// <summary>The first day a report counts for the reminder's period (see <see cref="ReportingPeriod.ReportsFrom"/>).</summary>
    public static DateOnly ReportsFrom(ReportingReminder reminder) =>
        new ReportingPeriod(reminder.PeriodStart, reminder.PeriodEnd, reminder.Deadline, false).ReportsFrom;

    private static async Task<Dictionary<(string, string), int>> CountLateRecordsAsync(
        ShangdingDbContext context,
        CatalogDefinition catalog,
        ReportingSchedule schedule,
        ReportingOptions options,
        IReadOnlyList<Unit> units,
        DateOnly today,
        DateTime asOfUtc,
        CancellationToken cancellationToken)
    {
        var categories = catalog.Categories.Where(c => c.IsLicenceOrPenalty).Select(c => c.Code).ToList();
        var unitCodes = units.Select(u => u.Code).ToList();
        if (categories.Count == 0 || unitCodes.Count == 0)
        {
            return [];
        }

        var from = today.AddDays(-options.LateRecordLookbackDays);
        var records = await context.Records.AsNoTracking()
            .Where(r => categories.Contains(r.CategoryCode) && unitCodes.Contains(r.UnitCode)
                && r.ActDate != null && r.ActDate >= from && r.CreatedAt <= asOfUtc)
            .Select(r => new { r.UnitCode, r.CategoryCode, ActDate = r.ActDate!.Value, r.CreatedAt })
            .ToListAsync(cancellationToken);

        var starts = units.ToDictionary(u => u.Code, u => options.ObligationStart(u.CreatedAt), StringComparer.Ordinal);
        return records
            .Where(r => r.ActDate >= starts[r.UnitCode])
            .Where(r => !schedule.AssessLicenceOrPenalty(r.ActDate, r.CreatedAt).OnTime)
            .GroupBy(r => (r.UnitCode, r.CategoryCode))
            .ToDictionary(g => g.Key, g => g.Count());
    }
}
