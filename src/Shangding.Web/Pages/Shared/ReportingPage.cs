using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Calendar;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Reporting;

namespace Shangding.Web.Pages.Shared;

/// <summary>
/// Reporting compliance as of today: every unit for operators, its own for a unit; the written reminders (催报)
/// with their notice text and make-up deadline, and the units listed for a circulated criticism (通报批评).
/// </summary>
public abstract class ReportingPage(CatalogDefinition catalog, WorkingDayCalendar calendar, ShangdingDbContext db, ReportingOptions options, TimeProvider clock) : PageModel
{
    /// <summary>Reminders shown on the page at most (outstanding ones first).</summary>
    public const int ReminderLimit = 200;

    public IReadOnlyList<ComplianceRow> Rows { get; private set; } = [];

    /// <summary>Reminders: outstanding first, then answered ones newest first.</summary>
    public IReadOnlyList<ReminderEntry> Reminders { get; private set; } = [];

    /// <summary>Reminders listed for a circulated criticism (still outstanding first).</summary>
    public IReadOnlyList<ReminderEntry> Criticism { get; private set; } = [];

    public DateOnly Today { get; private set; }

    /// <summary>True on the unit's own page: it may file a nil report.</summary>
    public virtual bool ForUnit => false;

    /// <summary>Where a unit name links to (the operator's page filtered to that unit); null for none.</summary>
    public virtual string? UnitLink(string unitCode) => null;

    /// <summary>The nil reports a row may file today (the unit's page only).</summary>
    public IReadOnlyList<ReportingPeriod> NilPeriods(ComplianceRow row) => ForUnit ? NilReport.OpenPeriods(row, Today) : [];

    /// <summary>
    /// Whether a report has answered the reminder: resolved by the daily job, or already covered by a report since (the
    /// job resolves it on its next run; compliance already counts the report).
    /// </summary>
    public bool Answered(ReminderEntry entry) => entry.ResolvedAt is not null || !Rows.Any(r => r.ReminderId == entry.Id);

    /// <summary>The outstanding reminder of a row, if any (its anchor on the page).</summary>
    public ReminderEntry? ReminderOf(ComplianceRow row) =>
        row.ReminderId is { } id ? Reminders.FirstOrDefault(r => r.Id == id) : null;

    protected CatalogDefinition Catalog { get; } = catalog;

    protected WorkingDayCalendar Calendar { get; } = calendar;

    protected ShangdingDbContext Db { get; } = db;

    protected ReportingOptions Options { get; } = options;

    protected TimeProvider Clock { get; } = clock;

    protected async Task LoadAsync(string? unitCode, CancellationToken cancellationToken)
    {
        Today = ReportingTime.ChinaDate(Clock.GetUtcNow().UtcDateTime);
        Rows = [.. (await ReportingCompliance.ComputeAsync(Db, Catalog, Calendar, Today, Options, unitCode, cancellationToken))
            .OrderByDescending(r => r.Status).ThenBy(r => r.UnitCode, StringComparer.Ordinal).ThenBy(r => r.CategoryCode, StringComparer.Ordinal)];
        Reminders = await ReminderList.ListAsync(Db, Catalog, unitCode, limit: ReminderLimit, cancellationToken: cancellationToken);
        Criticism = await ReminderList.ListAsync(Db, Catalog, unitCode, listedOnly: true, limit: ReminderLimit, cancellationToken: cancellationToken);
    }

    /// <summary>The period as dates: one day, or first – last day.</summary>
    public static string PeriodText(DateOnly start, DateOnly end) =>
        start == end ? start.ToString("yyyy-MM-dd") : $"{start:yyyy-MM-dd} – {end:yyyy-MM-dd}";
}

/// <summary>The model of <c>_ReminderTable</c>: the page, the reminders to list, and the table's id.</summary>
public sealed record ReminderTableModel(ReportingPage Page, IReadOnlyList<ReminderEntry> Entries, string Id);
